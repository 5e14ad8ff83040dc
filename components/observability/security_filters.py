"""Metric filters and alarms on the audit log: failed logins, permission violations, admin actions.

The filter patterns come from ``functions/shared/audit.py`` (the same module handlers log
through), so the filters match exactly what is written. Each event becomes a metric in the
stack namespace (without dimensions: a metric filter can only take dimension values from
the log event, and these counts are stack-wide) and one alarm whose threshold is the
stack's ``securityAlarmThresholds`` entry (events per 5 minutes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from functions.shared import audit


@dataclass(frozen=True)
class SecurityEvent:
    """How one audit event is counted and who hears about it."""

    event: str
    metric_name: str
    title: str
    severity: str


EVENTS: tuple[SecurityEvent, ...] = (
    SecurityEvent(audit.AUTH_FAILED, "AuthFailures", "Failed logins (401)", "warning"),
    SecurityEvent(audit.PERMISSION_DENIED, "PermissionDenied", "Permission violations (403)",
                  "warning"),
    SecurityEvent(audit.ADMIN_ACTION, "AdminActions", "Admin actions", "info"),
)
PERIOD = 300


def runbook_anchor(event: SecurityEvent) -> str:
    """Runbook anchor of a security alarm."""
    return f"security-{event.event.replace('_', '-')}"


def create(
    name: str,
    *,
    prefix: str,
    namespace: str,
    log_group_name: pulumi.Input[str],
    thresholds: Mapping[str, int],
    topic_arns: Mapping[str, pulumi.Input[str]],
    runbook_base_url: str,
    opts: pulumi.ResourceOptions,
) -> dict[str, aws.cloudwatch.MetricAlarm]:
    """A metric filter and an alarm per audit event; returns the alarms by alarm name."""
    alarms: dict[str, aws.cloudwatch.MetricAlarm] = {}
    for spec in EVENTS:
        slug = spec.event.replace("_", "-")
        metric_filter = aws.cloudwatch.LogMetricFilter(
            f"{name}-filter-{slug}",
            name=f"{prefix}-{slug}",
            log_group_name=log_group_name,
            pattern=audit.FILTER_PATTERNS[spec.event],
            metric_transformation=aws.cloudwatch.LogMetricFilterMetricTransformationArgs(
                name=spec.metric_name,
                namespace=namespace,
                value="1",
                unit="Count",
            ),
            opts=opts,
        )
        threshold = thresholds[spec.event]
        alarm_name = f"{prefix}-security-{slug}-{spec.severity}"
        alarms[alarm_name] = aws.cloudwatch.MetricAlarm(
            f"{name}-security-{slug}-{spec.severity}",
            name=alarm_name,
            alarm_description=(
                f"[{spec.severity}] {spec.title}: more than {threshold} in {PERIOD // 60} "
                f"minutes in the audit log. Runbook: {runbook_base_url}#{runbook_anchor(spec)}"),
            namespace=namespace,
            metric_name=spec.metric_name,
            statistic="Sum",
            period=PERIOD,
            evaluation_periods=1,
            datapoints_to_alarm=1,
            comparison_operator="GreaterThanThreshold",
            threshold=threshold,
            treat_missing_data="notBreaching",
            actions_enabled=True,
            alarm_actions=[topic_arns[spec.severity]],
            ok_actions=[topic_arns[spec.severity]],
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(
                depends_on=[metric_filter])),
        )
    return alarms
