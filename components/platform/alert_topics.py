"""The severity topics every alarm, finding and budget alert is published to."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.blocks.monitored_items import Kind, MonitoredItem
from components.blocks.service_role import service_role
from components.platform.context import StackContext

SEVERITIES = ("critical", "warning", "info", "maintenance")
# CloudFront publishes its metrics, and so keeps its alarms, only here.
EDGE_REGION = "us-east-1"
# Services that publish alerts; the topic policy lets only them (from this account) publish.
PUBLISHERS = (
    "cloudwatch.amazonaws.com",
    "events.amazonaws.com",
    "budgets.amazonaws.com",
    "costalerts.amazonaws.com",
)
FEEDBACK_PROTOCOLS = ("lambda", "sqs", "http")


@dataclass(frozen=True)
class AlertTopicsArgs:
    """Inputs of :class:`AlertTopics`: the stack context.

    The context's prefix names the topics; its key encrypts them and its account may publish.
    Outside ``us-east-1`` its us-east-1 provider and key make the topics' twins there:
    CloudFront's alarms live in ``us-east-1`` and can only notify topics of their own region.
    """

    context: StackContext


@dataclass(frozen=True)
class Placement:
    """Where one set of severity topics goes: name suffix, region's provider (``None``: the
    component's own) and key."""

    suffix: str
    provider: aws.Provider | None
    kms_key_arn: pulumi.Input[str]


def placements(context: StackContext) -> tuple[Placement, ...]:
    """The stack region's topics, and twins in us-east-1 when the stack lives elsewhere."""
    here = Placement("", None, context.kms_key_arn)
    if context.region == EDGE_REGION:
        return (here,)
    return (here, Placement(f"-{EDGE_REGION}", context.us_east_1,
                            context.us_east_1_kms_key_arn))


class AlertTopics(pulumi.ComponentResource):
    """SNS topics ``critical``, ``warning``, ``info`` and ``maintenance``.

    Each is encrypted with the stack key, publishable only by CloudWatch, EventBridge,
    Budgets and Cost Anomaly Detection in this account (and the account itself), and logs
    delivery status of Lambda, SQS and HTTP subscriptions to CloudWatch Logs. :attr:`arns`
    are the stack-region topics; :attr:`edge_arns` the ones alarms in ``us-east-1``
    (CloudFront) notify: the same topics in a ``us-east-1`` stack, twins there otherwise.
    :attr:`monitored_items` has every topic, twins included, in its own region: a topic that
    fails to deliver is the alert path failing (``docs/alerting.md``).
    """

    topics: dict[str, aws.sns.Topic]
    arns: dict[str, pulumi.Output[str]]
    edge_arns: dict[str, pulumi.Output[str]]
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: AlertTopicsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:alerting:AlertTopics", name, None, opts)
        ctx = args.context
        feedback, feedback_policy = self._feedback(name, ctx)
        self._items: list[MonitoredItem] = []
        created = {
            placement.suffix: self._topics(name, ctx, placement, feedback, feedback_policy)
            for placement in placements(ctx)
        }
        self.topics = created[""]
        self.arns = {severity: topic.arn for severity, topic in self.topics.items()}
        edge = created.get(f"-{EDGE_REGION}", self.topics)
        self.edge_arns = {severity: topic.arn for severity, topic in edge.items()}
        self.monitored_items = tuple(self._items)
        self.register_outputs({"topicArns": self.arns, "edgeTopicArns": self.edge_arns})

    def _feedback(self, name: str,
                  ctx: StackContext) -> tuple[dict[str, object], aws.iam.RolePolicy]:
        """The delivery status role and the topic arguments that use it; and its policy."""
        feedback_role, feedback_policy = service_role(
            f"{name}-feedback",
            service="sns.amazonaws.com",
            description="Lets SNS write delivery status logs of the alert topics",
            condition={"StringEquals": {"aws:SourceAccount": ctx.account_id}},
            statements=[{
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream",
                           "logs:PutLogEvents", "logs:PutMetricFilter",
                           "logs:PutRetentionPolicy"],
                "Resource": pulumi.Output.concat(
                    "arn:aws:logs:*:", ctx.account_id, ":log-group:sns/*"),
            }],
            opts=pulumi.ResourceOptions(parent=self),
        )
        feedback: dict[str, object] = {}
        for protocol in FEEDBACK_PROTOCOLS:
            feedback[f"{protocol}_failure_feedback_role_arn"] = feedback_role.arn
            feedback[f"{protocol}_success_feedback_role_arn"] = feedback_role.arn
            feedback[f"{protocol}_success_feedback_sample_rate"] = 100
        return feedback, feedback_policy

    def _topics(self, name: str, ctx: StackContext, placement: Placement,
                feedback: dict[str, object],
                feedback_policy: aws.iam.RolePolicy) -> dict[str, aws.sns.Topic]:
        """One topic and its policy per severity, in ``placement``'s region."""
        placed = (pulumi.ResourceOptions(parent=self, provider=placement.provider)
                  if placement.provider is not None else pulumi.ResourceOptions(parent=self))
        suffix = placement.suffix
        topics: dict[str, aws.sns.Topic] = {}
        for severity in SEVERITIES:
            topic = aws.sns.Topic(
                f"{name}-{severity}{suffix}",
                name=f"{ctx.prefix}-{severity}{suffix}",
                display_name=f"{ctx.prefix} {severity}",
                kms_master_key_id=placement.kms_key_arn,
                # SNS writes delivery logs with the role: create it after its policy.
                opts=pulumi.ResourceOptions.merge(
                    placed, pulumi.ResourceOptions(depends_on=[feedback_policy])),
                **feedback,  # type: ignore[arg-type]
            )
            aws.sns.TopicPolicy(
                f"{name}-{severity}{suffix}-policy",
                arn=topic.arn,
                policy=topic_policy(topic.arn, ctx.account_id),
                opts=placed,
            )
            topics[severity] = topic
            self._items.append(MonitoredItem(
                kind=Kind.SNS_TOPIC, name=f"{ctx.prefix}-topic-{severity}{suffix}",
                dimensions={"TopicName": topic.name},
                region=ctx.region if placement.provider is None else EDGE_REGION,
                owner=ctx.owner))
        return topics


def topic_policy(topic_arn: pulumi.Input[str], account_id: pulumi.Input[str]) -> pulumi.Output[str]:
    """Publish only from this account: the account itself and the listed AWS services."""
    return pulumi.Output.json_dumps({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountManages",
                "Effect": "Allow",
                "Principal": {"AWS": pulumi.Output.concat("arn:aws:iam::", account_id, ":root")},
                "Action": ["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes",
                           "sns:SetTopicAttributes", "sns:ListSubscriptionsByTopic"],
                "Resource": topic_arn,
            },
            {
                "Sid": "ServicesPublish",
                "Effect": "Allow",
                "Principal": {"Service": list(PUBLISHERS)},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            },
        ],
    })
