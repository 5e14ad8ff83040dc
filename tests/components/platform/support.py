"""A stack context for the tests that build a component directly on a platform core."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi

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
