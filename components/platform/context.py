"""The stack context: what every component needs, built once in ``__main__`` and passed whole.

Before it, some thirty ``*Args`` classes each carried their own copies of the prefix, region,
owner, metrics namespace, key ARNs, the us-east-1 provider and the Lambda defaults, and
``__main__`` threaded each scalar by hand. A component's args now hold the context plus what
is its own (its config section, its inputs from other components).

The context grows as the platform is built: :func:`stack_context` makes it from the config
and the core, and :meth:`StackContext.with_topics` / :meth:`StackContext.with_access_logs`
add the severity topics and the access log target once they exist.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.config import LambdaDefaults, PlatformConfig


@dataclass(frozen=True)
class StackContext:
    """Names, place, keys, providers, topics and Lambda defaults shared by every component."""

    platform: PlatformConfig
    lambdas: LambdaDefaults
    account_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    us_east_1: aws.Provider
    us_east_1_kms_key_arn: pulumi.Input[str]
    # Severity -> topic ARN, in the stack's region and in us-east-1 (CloudFront's alarms).
    topic_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    edge_topic_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # The stack's S3 server access log bucket (None: buckets do not log access).
    access_log_bucket: pulumi.Input[str] | None = None
    # The alert-path topic (emails, no router), here and in us-east-1; None: not watched.
    alert_path_arn: pulumi.Input[str] | None = None
    edge_alert_path_arn: pulumi.Input[str] | None = None

    @property
    def prefix(self) -> str:
        """``<project>-<stack>``: the start of every physical name."""
        return self.platform.prefix

    @property
    def stack(self) -> str:
        """The Pulumi stack name."""
        return self.platform.stack

    @property
    def region(self) -> str:
        """The stack's AWS region (CloudFront's resources live in us-east-1 regardless)."""
        return self.platform.region

    @property
    def owner(self) -> str:
        """The owning team, as tagged and as written into the handlers' environment."""
        return self.platform.owner

    @property
    def metrics_namespace(self) -> str:
        """The CloudWatch namespace of every handler's EMF metrics."""
        return self.platform.metrics_namespace

    @property
    def runbook_base_url(self) -> str:
        """Where the runbooks live; every alarm description links its anchor there."""
        return self.platform.runbook_base_url

    def keeps_alarm(self, severity: str) -> bool:
        """Whether the stack creates alarms of ``severity`` (``alarmSeverityFloor``)."""
        return self.platform.keeps_alarm(severity)

    @property
    def owns_account_baseline(self) -> bool:
        """Whether this stack creates the per-account-and-region singletons."""
        return self.platform.owns_account_baseline

    def with_topics(self, topic_arns: Mapping[str, pulumi.Input[str]],
                    edge_topic_arns: Mapping[str, pulumi.Input[str]]) -> StackContext:
        """The context with the severity topics, once the alert topics exist."""
        return dataclasses.replace(self, topic_arns=dict(topic_arns),
                                   edge_topic_arns=dict(edge_topic_arns))

    def with_alert_path(self, arn: pulumi.Input[str] | None,
                        edge_arn: pulumi.Input[str] | None) -> StackContext:
        """The context with the alert-path topics, once they exist (None: not watched)."""
        return dataclasses.replace(self, alert_path_arn=arn, edge_alert_path_arn=edge_arn)

    def with_access_logs(self, bucket: pulumi.Input[str] | None) -> StackContext:
        """The context with the stack's access log bucket, once it exists."""
        return dataclasses.replace(self, access_log_bucket=bucket)


def stack_context(platform: PlatformConfig, lambdas: LambdaDefaults, *,
                  account_id: pulumi.Input[str], kms_key_arn: pulumi.Input[str],
                  us_east_1: aws.Provider,
                  us_east_1_kms_key_arn: pulumi.Input[str]) -> StackContext:
    """The context as the platform core leaves it: no topics or access logs yet."""
    return StackContext(platform=platform, lambdas=lambdas, account_id=account_id,
                        kms_key_arn=kms_key_arn, us_east_1=us_east_1,
                        us_east_1_kms_key_arn=us_east_1_kms_key_arn)
