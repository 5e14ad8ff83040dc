"""Alarm topics in ``us-east-1`` for alarms on CloudFront metrics, when the stack lives elsewhere.

CloudFront publishes its metrics only in ``us-east-1`` and an alarm can notify only SNS
topics of its own region. When the stack region is ``us-east-1`` the stack's severity
topics serve; otherwise this creates one topic per severity in ``us-east-1`` (encrypted
with the core's ``us-east-1`` key, publishable only from this account).
"""

from __future__ import annotations

from collections.abc import Iterable

import pulumi
import pulumi_aws as aws

from components.alert_topics import topic_policy

EDGE_REGION = "us-east-1"


class EdgeTopics:
    """One ``us-east-1`` topic per severity (core's us-east-1 key), children of the caller."""

    def __init__(self, name: str, *, prefix: str, severities: Iterable[str],
                 account_id: pulumi.Input[str], kms_key_arn: pulumi.Input[str],
                 opts: pulumi.ResourceOptions) -> None:
        self.arns: dict[str, pulumi.Output[str]] = {}
        for severity in severities:
            topic = aws.sns.Topic(
                f"{name}-edge-{severity}",
                name=f"{prefix}-{severity}-{EDGE_REGION}",
                display_name=f"{prefix} {severity} ({EDGE_REGION} alarms)",
                kms_master_key_id=kms_key_arn,
                opts=opts,
            )
            aws.sns.TopicPolicy(
                f"{name}-edge-{severity}-policy",
                arn=topic.arn,
                policy=topic_policy(topic.arn, account_id),
                opts=opts,
            )
            self.arns[severity] = topic.arn
