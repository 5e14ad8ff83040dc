"""The severity topics every alarm, finding and budget alert is published to."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

SEVERITIES = ("critical", "warning", "info", "maintenance")
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
    """Inputs of :class:`AlertTopics`."""

    prefix: str
    kms_key_arn: pulumi.Input[str]
    account_id: pulumi.Input[str]


class AlertTopics(pulumi.ComponentResource):
    """SNS topics ``critical``, ``warning``, ``info`` and ``maintenance``.

    Each is encrypted with the stack key, publishable only by CloudWatch, EventBridge,
    Budgets and Cost Anomaly Detection in this account (and the account itself), and logs
    delivery status of Lambda, SQS and HTTP subscriptions to CloudWatch Logs.
    """

    topics: dict[str, aws.sns.Topic]
    arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: AlertTopicsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:alerting:AlertTopics", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        feedback_role = aws.iam.Role(
            f"{name}-feedback-role",
            description="Lets SNS write delivery status logs of the alert topics",
            assume_role_policy=pulumi.Output.json_dumps({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                               "Action": "sts:AssumeRole",
                               "Condition": {"StringEquals": {
                                   "aws:SourceAccount": args.account_id}}}],
            }),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-feedback-policy",
            role=feedback_role.id,
            policy=pulumi.Output.json_dumps({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogGroup", "logs:CreateLogStream",
                               "logs:PutLogEvents", "logs:PutMetricFilter",
                               "logs:PutRetentionPolicy"],
                    "Resource": pulumi.Output.concat(
                        "arn:aws:logs:*:", args.account_id, ":log-group:sns/*"),
                }],
            }),
            opts=child,
        )
        feedback: dict[str, object] = {}
        for protocol in FEEDBACK_PROTOCOLS:
            feedback[f"{protocol}_failure_feedback_role_arn"] = feedback_role.arn
            feedback[f"{protocol}_success_feedback_role_arn"] = feedback_role.arn
            feedback[f"{protocol}_success_feedback_sample_rate"] = 100
        self.topics = {}
        for severity in SEVERITIES:
            topic = aws.sns.Topic(
                f"{name}-{severity}",
                name=f"{args.prefix}-{severity}",
                display_name=f"{args.prefix} {severity}",
                kms_master_key_id=args.kms_key_arn,
                opts=child,
                **feedback,  # type: ignore[arg-type]
            )
            aws.sns.TopicPolicy(
                f"{name}-{severity}-policy",
                arn=topic.arn,
                policy=topic_policy(topic.arn, args.account_id),
                opts=child,
            )
            self.topics[severity] = topic
        self.arns = {severity: topic.arn for severity, topic in self.topics.items()}
        self.register_outputs({f"{s}TopicArn": arn for s, arn in self.arns.items()})


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
