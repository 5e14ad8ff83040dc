"""The severity topics every alarm, finding and budget alert is published to."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.blocks.service_role import service_role

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
    """Inputs of :class:`AlertTopics`.

    ``us_east_1`` and ``us_east_1_kms_key_arn`` (the core's provider and key there) are needed
    when ``region`` is not ``us-east-1``: CloudFront's alarms live in ``us-east-1`` and can
    only notify topics of their own region, so the severity topics get twins there.
    """

    prefix: str
    kms_key_arn: pulumi.Input[str]
    account_id: pulumi.Input[str]
    region: str = EDGE_REGION
    us_east_1: aws.Provider | None = None
    us_east_1_kms_key_arn: pulumi.Input[str] | None = None


class AlertTopics(pulumi.ComponentResource):
    """SNS topics ``critical``, ``warning``, ``info`` and ``maintenance``.

    Each is encrypted with the stack key, publishable only by CloudWatch, EventBridge,
    Budgets and Cost Anomaly Detection in this account (and the account itself), and logs
    delivery status of Lambda, SQS and HTTP subscriptions to CloudWatch Logs. :attr:`arns`
    are the stack-region topics; :attr:`edge_arns` the ones alarms in ``us-east-1``
    (CloudFront) notify: the same topics in a ``us-east-1`` stack, twins there otherwise.
    """

    topics: dict[str, aws.sns.Topic]
    arns: dict[str, pulumi.Output[str]]
    edge_arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: AlertTopicsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:alerting:AlertTopics", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        feedback_role, feedback_policy = service_role(
            f"{name}-feedback",
            service="sns.amazonaws.com",
            description="Lets SNS write delivery status logs of the alert topics",
            condition={"StringEquals": {"aws:SourceAccount": args.account_id}},
            statements=[{
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream",
                           "logs:PutLogEvents", "logs:PutMetricFilter",
                           "logs:PutRetentionPolicy"],
                "Resource": pulumi.Output.concat(
                    "arn:aws:logs:*:", args.account_id, ":log-group:sns/*"),
            }],
            opts=child,
        )
        feedback: dict[str, object] = {}
        for protocol in FEEDBACK_PROTOCOLS:
            feedback[f"{protocol}_failure_feedback_role_arn"] = feedback_role.arn
            feedback[f"{protocol}_success_feedback_role_arn"] = feedback_role.arn
            feedback[f"{protocol}_success_feedback_sample_rate"] = 100
        # (name suffix, options, key): the stack region, and us-east-1 when that is elsewhere.
        placements: list[tuple[str, pulumi.ResourceOptions, pulumi.Input[str]]] = [
            ("", child, args.kms_key_arn)]
        if args.region != EDGE_REGION:
            if args.us_east_1 is None or args.us_east_1_kms_key_arn is None:
                raise ValueError(f"a stack in {args.region} needs the {EDGE_REGION} provider "
                                 "and key for the CloudFront alarm topics")
            placements.append((f"-{EDGE_REGION}",
                               pulumi.ResourceOptions(parent=self, provider=args.us_east_1),
                               args.us_east_1_kms_key_arn))
        created: dict[str, dict[str, aws.sns.Topic]] = {}
        for suffix, placed, key in placements:
            created[suffix] = {}
            for severity in SEVERITIES:
                topic = aws.sns.Topic(
                    f"{name}-{severity}{suffix}",
                    name=f"{args.prefix}-{severity}{suffix}",
                    display_name=f"{args.prefix} {severity}",
                    kms_master_key_id=key,
                    # SNS writes delivery logs with the role: create it after its policy.
                    opts=pulumi.ResourceOptions.merge(
                        placed, pulumi.ResourceOptions(depends_on=[feedback_policy])),
                    **feedback,  # type: ignore[arg-type]
                )
                aws.sns.TopicPolicy(
                    f"{name}-{severity}{suffix}-policy",
                    arn=topic.arn,
                    policy=topic_policy(topic.arn, args.account_id),
                    opts=placed,
                )
                created[suffix][severity] = topic
        self.topics = created[""]
        self.arns = {severity: topic.arn for severity, topic in self.topics.items()}
        edge = created.get(f"-{EDGE_REGION}", self.topics)
        self.edge_arns = {severity: topic.arn for severity, topic in edge.items()}
        self.register_outputs({"topicArns": self.arns, "edgeTopicArns": self.edge_arns})


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
