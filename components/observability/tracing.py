"""X-Ray sampling rules and groups (with insights) for the stack's services.

Two sampling rules: every request to the stack's services at the configured rate with a
reservoir per second, and a higher-priority rule that keeps errors (responses with an
``error``/``fault`` annotation set by Powertools) at the error rate. Groups select the
error and slow traces so X-Ray Insights watches them and the service map can filter on them.

The rules decide at the entry point of a request (API Gateway stages named after the stack
prefix); functions behind it follow that decision through the trace header. Lambda applies
its own fixed rate only to requests that arrive untraced (events, streams).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.blocks.naming import fit, limit
from components.config import ObservabilityConfig

MAX_RULE_NAME = limit("aws:xray/samplingRule:SamplingRule", "ruleName")  # groups: the same


@dataclass(frozen=True)
class GroupSpec:
    """One X-Ray group: its suffix and filter expression."""

    suffix: str
    filter_expression: str


def groups(prefix: str, slow_request_ms: int) -> tuple[GroupSpec, ...]:
    """The groups: traces of the stack's services with errors/faults, and slow ones.

    Powertools' tracer annotates every segment with ``Service`` (the function's
    ``POWERTOOLS_SERVICE_NAME``, which starts with the stack prefix), so the groups select
    the stack by that annotation.
    """
    service = f'annotation.Service BEGINSWITH "{prefix}-"'
    return (
        GroupSpec("errors", f"{service} AND (error OR fault)"),
        GroupSpec("slow", f"{service} AND responsetime > {slow_request_ms / 1000:g}"),
    )


def rule_name(prefix: str, suffix: str) -> str:
    """A sampling rule or group name within X-Ray's 32 characters, keeping the suffix whole.

    A shortened name carries a hash of the whole name, so stacks whose prefixes share their
    first characters (``...-production-eu-central``, ``...-production-eu-west``) differ.
    """
    return fit(f"{prefix}-{suffix}", MAX_RULE_NAME, keep=f"-{suffix}")


class Tracing:
    """Creates the sampling rules and groups as children of the observability component."""

    def __init__(self, name: str, prefix: str, config: ObservabilityConfig,
                 opts: pulumi.ResourceOptions) -> None:
        common = {"host": "*", "http_method": "*", "url_path": "*", "resource_arn": "*",
                  "service_type": "*", "version": 1}
        self.rules = [
            aws.xray.SamplingRule(
                f"{name}-sampling-errors",
                rule_name=rule_name(prefix, "errors"),
                priority=100,
                fixed_rate=config.xray_error_sampling_rate,
                reservoir_size=config.xray_reservoir_per_second,
                service_name=f"{prefix}-*",
                # Sampling is decided at the start of a request, so "errors" are requests
                # that earlier spans in the trace marked with this attribute.
                attributes={"error": "true"},
                opts=opts,
                **common,  # type: ignore[arg-type]
            ),
            aws.xray.SamplingRule(
                f"{name}-sampling-default",
                rule_name=rule_name(prefix, "default"),
                priority=1000,
                fixed_rate=config.xray_sampling_rate,
                reservoir_size=config.xray_reservoir_per_second,
                service_name=f"{prefix}-*",
                opts=opts,
                **common,  # type: ignore[arg-type]
            ),
        ]
        self.groups = [
            aws.xray.Group(
                f"{name}-traces-{spec.suffix}",
                group_name=rule_name(prefix, spec.suffix),
                filter_expression=spec.filter_expression,
                insights_configuration=aws.xray.GroupInsightsConfigurationArgs(
                    insights_enabled=True, notifications_enabled=True),
                opts=opts,
            )
            for spec in groups(prefix, config.slow_request_ms)
        ]
