"""Metric filters and alarms on security events: failed logins, permission violations, admin
actions.

Each event is counted where it really happens. Permission violations and admin actions are
written by the handlers to the audit log; the filter patterns come from
``functions/shared/audit.py`` (the module handlers log through), so they match exactly what
is written. A failed login never reaches a handler: API Gateway's Cognito authorizer answers
a missing or bad token with 401 itself, so failed logins are counted from the API stages'
access logs (``"status":"401"``, the field ``components/backend/rest_api.py`` writes). Each event
becomes a metric in the stack namespace (without dimensions: a metric filter can only take
dimension values from the log event, and these counts are stack-wide) and one alarm whose
threshold is the stack's ``securityAlarmThresholds`` entry (events per 5 minutes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.observability import alarm_factory
from functions.shared import audit


@dataclass(frozen=True)
class SecurityEvent:
    """How one audit event is counted and who hears about it."""

    event: str
    metric_name: str
    title: str
    severity: str
    source: str = "audit"  # "audit" (the audit log) or "api-access" (API access logs)


# The authorizer's and the gateway's own 401s, as the access log format writes them.
UNAUTHORIZED_PATTERN = '{ $.status = "401" }'

EVENTS: tuple[SecurityEvent, ...] = (
    SecurityEvent(audit.AUTH_FAILED, "AuthFailures", "Failed logins (401)", "warning",
                  source="api-access"),
    SecurityEvent(audit.PERMISSION_DENIED, "PermissionDenied", "Permission violations (403)",
                  "warning"),
    SecurityEvent(audit.ADMIN_ACTION, "AdminActions", "Admin actions", "info"),
)
PERIOD = alarm_factory.LOG_PATTERN_PERIOD


def sources(event: SecurityEvent, audit_log_group: pulumi.Input[str],
            access_log_groups: Sequence[pulumi.Input[str]],
            ) -> list[tuple[str, pulumi.Input[str], str]]:
    """(resource suffix, log group, pattern) of every metric filter that counts ``event``."""
    if event.source == "api-access":
        return [(f"-{n}" if n else "", group, UNAUTHORIZED_PATTERN)
                for n, group in enumerate(access_log_groups)]
    return [("", audit_log_group, audit.FILTER_PATTERNS[event.event])]


def runbook_anchor(event: SecurityEvent) -> str:
    """Runbook anchor of a security alarm."""
    return f"security-{event.event.replace('_', '-')}"


def create(
    name: str,
    *,
    prefix: str,
    namespace: str,
    log_group_name: pulumi.Input[str],
    access_log_groups: Sequence[pulumi.Input[str]],
    thresholds: Mapping[str, int],
    topic_arns: Mapping[str, pulumi.Input[str]],
    runbook_base_url: str,
    opts: pulumi.ResourceOptions,
    keeps_alarm: Callable[[str], bool] = lambda _severity: True,
) -> dict[str, aws.cloudwatch.MetricAlarm]:
    """Metric filters and an alarm per security event; returns the alarms by alarm name.

    An event with no log group to count it in (failed logins in a stack without an API)
    gets neither filter nor alarm: an alarm on a metric nothing writes can never fire. An
    event whose severity is below the stack's floor (``keeps_alarm``) gets neither either.
    """
    alarms: dict[str, aws.cloudwatch.MetricAlarm] = {}
    for spec in (e for e in EVENTS if keeps_alarm(e.severity)):
        slug = spec.event.replace("_", "-")
        metric_filters = [
            aws.cloudwatch.LogMetricFilter(
                f"{name}-filter-{slug}{suffix}",
                name=f"{prefix}-{slug}{suffix}",
                log_group_name=group,
                pattern=pattern,
                metric_transformation=aws.cloudwatch.LogMetricFilterMetricTransformationArgs(
                    name=spec.metric_name,
                    namespace=namespace,
                    value="1",
                    unit="Count",
                ),
                opts=opts,
            )
            for suffix, group, pattern in sources(spec, log_group_name, access_log_groups)
        ]
        if not metric_filters:
            continue
        threshold = thresholds[spec.event]
        where = "API access logs" if spec.source == "api-access" else "audit log"
        planned = alarm_factory.log_pattern_plan(
            resource_name=f"{name}-security-{slug}-{spec.severity}", prefix=prefix,
            subject="security", metric=slug, severity=spec.severity, namespace=namespace,
            metric_name=spec.metric_name,
            summary=f"{spec.title}: more than {threshold} in {PERIOD // 60} minutes ({where}).",
            runbook_url=alarm_factory.runbook(runbook_base_url, runbook_anchor(spec)),
            threshold=threshold, comparison="GreaterThanThreshold")
        alarms[planned.alarm_name] = alarm_factory.create(
            planned, topic_arns,
            pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=metric_filters)))
    return alarms
