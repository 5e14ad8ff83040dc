"""Stack contexts for tests: one from a platform core (programs that build a component
directly) and one of literals (the pure functions' tests)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, cast

import pulumi
import pulumi_aws as aws

from components.config import LambdaDefaults, PlatformConfig
from components.platform.context import StackContext, stack_context
from components.platform.core import PlatformCore
from tests.helpers import lambda_defaults, platform


def context_for(core: PlatformCore, stack: str = "dev", *,
                platform_config: PlatformConfig | None = None,
                lambdas: LambdaDefaults | None = None,
                topic_arns: Mapping[str, pulumi.Input[str]] | None = None,
                edge_topic_arns: Mapping[str, pulumi.Input[str]] | None = None) -> StackContext:
    """The context ``__main__`` builds from ``core`` (the stack file's sections by default),
    with the severity topics when given."""
    context = stack_context(platform_config or platform(stack), lambdas or lambda_defaults(stack),
                            account_id=core.account_id, kms_key_arn=core.kms_key_arn,
                            us_east_1=core.us_east_1,
                            us_east_1_kms_key_arn=core.us_east_1_kms_key_arn)
    if topic_arns is not None:
        context = context.with_topics(topic_arns, edge_topic_arns or topic_arns)
    return context


# A context of literals for the pure functions' tests: no program runs, nothing resolves.
PLATFORM = PlatformConfig(
    project="marketplace", stack="qa", region="eu-west-1", owner="team-a", cost_center="cc-1",
    kms_deletion_window_days=30, runbook_base_url="https://runbooks.example/marketplace",
    domain="example.com", audit_log_retention_days=400, owns_account_baseline=False)
LAMBDAS = LambdaDefaults(
    runtime="python3.13", memory_mb=512, timeout_seconds=10, log_retention_days=30,
    log_level="INFO", powertools_layer_version=7, async_max_retries=2,
    async_max_event_age_seconds=3600, dlq_retention_days=14,
    reserved_concurrency={"alertRouter": 5, "streamProcessor": 3})
KEY = "arn:aws:kms:eu-west-1:123456789012:key/stack"
EDGE_KEY = "arn:aws:kms:us-east-1:123456789012:key/edge"
US_EAST_1 = cast(aws.Provider, object())  # stands for the core's us-east-1 provider
TOPICS = {s: f"arn:aws:sns:eu-west-1:123456789012:marketplace-qa-{s}"
          for s in ("critical", "warning", "info", "maintenance")}
EDGE_TOPICS = {s: f"arn:aws:sns:us-east-1:123456789012:marketplace-qa-{s}-us-east-1"
               for s in ("critical", "warning", "info", "maintenance")}


def literal_context(**platform_changes: Any) -> StackContext:
    """A qa stack in eu-west-1 with the topics above; ``platform_changes`` edit its platform."""
    return StackContext(
        platform=dataclasses.replace(PLATFORM, **platform_changes), lambdas=LAMBDAS,
        account_id="123456789012", kms_key_arn=KEY, us_east_1=US_EAST_1,
        us_east_1_kms_key_arn=EDGE_KEY, topic_arns=TOPICS, edge_topic_arns=EDGE_TOPICS)
