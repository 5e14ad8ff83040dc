"""Alarm topics in ``us-east-1`` for alarms on CloudFront metrics, when the stack lives elsewhere.

CloudFront publishes its metrics only in ``us-east-1`` and an alarm can notify only SNS
topics of its own region. When the stack region is ``us-east-1`` the stack's severity
topics serve; otherwise this creates one topic per severity in ``us-east-1`` (encrypted
with a ``us-east-1`` key that CloudWatch may use, publishable only from this account) and
the alerting side subscribes its router to them (:attr:`EdgeTopics.arns`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import pulumi
import pulumi_aws as aws

from components.alert_topics import topic_policy

EDGE_REGION = "us-east-1"


def key_policy(account_id: str) -> str:
    """The edge key's policy: the account administers it; CloudWatch and SNS use it."""
    root = f"arn:aws:iam::{account_id}:root"
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AccountAdministers", "Effect": "Allow", "Principal": {"AWS": root},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "AlarmsAndTopicsUseKey", "Effect": "Allow",
             "Principal": {"Service": ["cloudwatch.amazonaws.com", "sns.amazonaws.com"]},
             "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
             "Condition": {"StringEquals": {"aws:SourceAccount": account_id}}},
        ],
    })


class EdgeTopics:
    """One ``us-east-1`` topic per severity, with its key, as children of the caller."""

    def __init__(self, name: str, *, prefix: str, severities: Iterable[str],
                 account_id: pulumi.Input[str], deletion_window_days: int,
                 kms_key_arn: pulumi.Input[str] | None,
                 opts: pulumi.ResourceOptions) -> None:
        # A us-east-1 key the stack already has (its policy must let CloudWatch and SNS use
        # it, as core.key_policy does) serves; otherwise the topics get their own.
        if kms_key_arn is None:
            kms_key_arn = aws.kms.Key(
                f"{name}-edge-key",
                description=f"{prefix}: encryption of the us-east-1 alarm topics",
                enable_key_rotation=True,
                rotation_period_in_days=365,
                deletion_window_in_days=deletion_window_days,
                policy=pulumi.Output.from_input(account_id).apply(key_policy),
                opts=opts,
            ).arn
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
