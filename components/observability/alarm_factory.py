"""The one alarm factory: every CloudWatch alarm of the stack is planned and created here.

Each kind of alarm has a planner that returns a plain description of the API inputs before
any resource exists: :func:`plan` (catalog), :func:`log_pattern_plan` (metric filters on
logs: security events and the CIS controls), :func:`anomaly_plan`, :func:`slo_window_plan`,
:func:`canary_plan` give an :class:`AlarmPlan`; :func:`composite_plan` gives a
:class:`CompositePlan` (composites.py plans the maintenance window and the layers'
inhibitors). Every plan follows one scheme:

- the name ``<project>-<stack>-<subject...>-<severity>`` (:func:`alarm_name`);
- the description ``[<severity>] <summary> Runbook: <runbook_base_url>#<anchor>``
  (:func:`describe`), shortened in the summary so the runbook link always survives;
- ALARM and OK actions to the topic of the plan's severity, and nothing else.

:func:`problems` / :func:`composite_problems` check a plan against that scheme and against
what PutMetricAlarm / PutCompositeAlarm accept; :func:`create` / :func:`create_composite`
refuse a plan with problems and make the resource. No other module creates an alarm
(``tests/components/observability/test_alarm_factory.py`` greps the tree to keep it so).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from components.blocks.monitored_items import MonitoredItem
from components.observability.alarm_plans import (
    ALERT_PATH,
    LOG_PATTERN_PERIOD,
    SEVERITIES,
    SUPPRESSOR_TAG,
    AlarmPlan,
    CompositePlan,
    actions,
    alarm_name,
    composite_problems,
    describe,
    inputs,
    notifies_of,
    problems,
    runbook,
    short_name,
)
from components.observability.catalog import AlarmSpec, Query, anchor, namespace_of

# The planners and resources are defined here; the plans, the naming scheme and the refusal
# rules come from alarm_plans and are part of the factory's interface too.
__all__ = [
    "ALERT_PATH", "LOG_PATTERN_PERIOD", "SEVERITIES", "SUPPRESSOR_TAG", "AlarmPlan",
    "CompositePlan", "alarm_name", "anomaly_plan", "canary_plan", "composite_plan",
    "composite_problems", "create", "create_composite", "create_inhibitor", "describe",
    "heartbeat_plan", "inputs", "log_pattern_plan", "plan", "problems", "runbook",
    "short_name", "slo_window_plan",
]

# -- planners, one per kind of alarm -----------------------------------------------------------

def plan(
    *,
    component: str,
    prefix: str,
    runbook_base_url: str,
    item: MonitoredItem,
    spec: AlarmSpec,
    severity: str,
    threshold: float,
    configured: float | None = None,
) -> AlarmPlan:
    """Plan the ``severity`` catalog alarm of ``spec`` on ``item``."""
    item_name = short_name(prefix, item.name)
    shown = threshold if configured is None else configured
    unit = f" {spec.unit}" if spec.unit else ""
    if spec.relative_to is not None and configured is not None:
        unit += f" ({threshold:g})"  # the value the alarm compares, in the metric's unit
    direction = "above" if spec.rising else "below"
    summary = (
        f"{item.kind.value} {item.name}: {spec.title} {direction} {shown:g}{unit} "
        f"in {spec.datapoints_to_alarm} of {spec.evaluation_periods} periods of "
        f"{spec.period} s. Owner: {item.owner}.")
    url = runbook(runbook_base_url, anchor(item.kind, spec.metric))
    return AlarmPlan(
        resource_name=f"{component}-{item_name}-{spec.metric}-{severity}",
        alarm_name=alarm_name(prefix, item_name, spec.metric, severity=severity),
        description=describe(severity, summary, url),
        severity=severity,
        runbook_url=url,
        namespace=namespace_of(spec, item),
        comparison_operator=spec.comparison,
        threshold=threshold,
        period=spec.period,
        evaluation_periods=spec.evaluation_periods,
        datapoints_to_alarm=spec.datapoints_to_alarm,
        treat_missing_data=spec.treat_missing_data,
        dimensions=dict(item.dimensions),
        metric_name=spec.metric_name,
        statistic=spec.statistic,
        expression=spec.expression,
        queries=spec.queries,
        label=spec.title,
        notifies=notifies_of(spec.notifies, item.attributes),
    )


def log_pattern_plan(
    *,
    resource_name: str,
    prefix: str,
    subject: str,
    metric: str,
    severity: str,
    namespace: str,
    metric_name: str,
    summary: str,
    runbook_url: str,
    threshold: float,
    comparison: str,
) -> AlarmPlan:
    """An alarm on the count a log metric filter writes: ``Sum`` over 5 minutes, one period.

    Missing data is not breaching: the filter writes nothing while nothing matches.
    """
    return AlarmPlan(
        resource_name=resource_name,
        alarm_name=alarm_name(prefix, subject, metric, severity=severity),
        description=describe(severity, summary, runbook_url),
        severity=severity,
        runbook_url=runbook_url,
        namespace=namespace,
        comparison_operator=comparison,
        threshold=threshold,
        period=LOG_PATTERN_PERIOD,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data="notBreaching",
        dimensions={},
        metric_name=metric_name,
        statistic="Sum",
    )


def anomaly_plan(
    *,
    resource_name: str,
    prefix: str,
    subject: str,
    key: str,
    severity: str,
    title: str,
    expression: str,
    metrics: tuple[tuple[str, str], ...],
    comparison: str,
    period: int,
    evaluation_periods: int,
    datapoints_to_alarm: int,
    namespace: str,
    dimensions: Mapping[str, pulumi.Input[str]],
    band_width: float,
    runbook_url: str,
) -> AlarmPlan:
    """An anomaly-band alarm on the series ``expression`` over the ``Sum`` of ``metrics``.

    Missing data is ignored: the band has nothing to say about a period without data.
    """
    return AlarmPlan(
        resource_name=resource_name,
        alarm_name=alarm_name(prefix, subject, key, "anomaly", severity=severity),
        description=describe(
            severity, f"{title} outside the expected band ({band_width:g} standard "
                      f"deviations).", runbook_url),
        severity=severity,
        runbook_url=runbook_url,
        namespace=namespace,
        comparison_operator=comparison,
        threshold=None,
        period=period,
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=datapoints_to_alarm,
        treat_missing_data="ignore",
        dimensions=dict(dimensions),
        expression=expression,
        queries=tuple(Query(query_id, metric_name, "Sum") for query_id, metric_name in metrics),
        label=title,
        result_id="series",
        band_width=band_width,
    )


def slo_window_plan(
    *,
    resource_name: str,
    prefix: str,
    parts: tuple[str, ...],
    severity: str,
    summary: str,
    runbook_url: str,
    budget: float,
    factor: float,
    window_seconds: int,
    latency_ms: float | None,
    dimensions: Mapping[str, pulumi.Input[str]],
) -> AlarmPlan:
    """One window of an SLO burn-rate pair: fires when the window burns ``factor`` x budget.

    Availability reads the 5XX share of ``Count``; latency the percentile rank
    ``PR(0:<latency_ms>)`` of ``Latency``, which is the percentage of requests at or under
    the objective (it alarms when that drops below what the burn rate leaves).
    """
    allowed_bad = factor * budget  # share of bad requests at this burn rate
    common: dict[str, Any] = {
        "resource_name": resource_name,
        "alarm_name": alarm_name(prefix, *parts, severity=severity),
        "description": describe(severity, summary, runbook_url),
        "severity": severity,
        "runbook_url": runbook_url,
        "namespace": "AWS/ApiGateway",
        "period": window_seconds,
        "evaluation_periods": 1,
        "datapoints_to_alarm": 1,
        "treat_missing_data": "notBreaching",
        "dimensions": dict(dimensions),
    }
    if latency_ms is not None:
        return AlarmPlan(
            **common, comparison_operator="LessThanThreshold",
            threshold=round(max(0.0, 100 * (1 - allowed_bad)), 6),
            metric_name="Latency", statistic=f"PR(0:{latency_ms:g})",
            # Every window evaluates, however few requests it saw (CloudWatch's default).
            low_sample_percentiles=None)
    return AlarmPlan(
        **common, comparison_operator="GreaterThanThreshold",
        threshold=round(allowed_bad, 8),
        expression="IF(requests > 0, errors / requests, 0)",
        queries=(Query("errors", "5XXError", "Sum"), Query("requests", "Count", "Sum")),
        label="Share of 5XX responses", result_id="ratio")


def canary_plan(
    *,
    resource_name: str,
    prefix: str,
    canary_name: pulumi.Input[str],
    url: str,
    success_threshold: float,
    period: int,
    runbook_url: str,
) -> AlarmPlan:
    """The canary's availability alarm: SuccessPercent below the threshold in 2 of 3 runs.

    A canary that stopped running is itself an outage of the check: missing data breaches.
    """
    severity = "critical"
    return AlarmPlan(
        resource_name=resource_name,
        alarm_name=alarm_name(prefix, "canary", "success-percent", severity=severity),
        description=describe(
            severity, f"{url} answered in fewer than {success_threshold:g}% of canary runs.",
            runbook_url),
        severity=severity,
        runbook_url=runbook_url,
        namespace="CloudWatchSynthetics",
        comparison_operator="LessThanThreshold",
        threshold=success_threshold,
        period=period,
        evaluation_periods=3,
        datapoints_to_alarm=2,
        treat_missing_data="breaching",
        dimensions={"CanaryName": canary_name},
        metric_name="SuccessPercent",
        statistic="Average",
    )


def heartbeat_plan(*, resource_name: str, prefix: str, namespace: str, metric_name: str,
                   dimensions: Mapping[str, str], window_seconds: int,
                   runbook_url: str) -> AlarmPlan:
    """No heartbeat delivered in ``window_seconds``: critical, to the alert-path topic only.

    ``FILL(beats, 0)`` makes a silent window a 0 at once: with missing data alone CloudWatch
    waits several periods (its evaluation range) before a missing day breaches.
    """
    return AlarmPlan(
        resource_name=resource_name, severity="critical", runbook_url=runbook_url,
        alarm_name=alarm_name(prefix, ALERT_PATH, "heartbeat", severity="critical"),
        description=describe("critical", f"No alert-path heartbeat delivered in "
                             f"{window_seconds // 3600} h ({metric_name}).", runbook_url),
        namespace=namespace, comparison_operator="LessThanThreshold", threshold=1,
        period=window_seconds, evaluation_periods=1, datapoints_to_alarm=1,
        treat_missing_data="breaching", dimensions=dict(dimensions),
        expression="FILL(beats, 0)", queries=(Query("beats", metric_name, "Sum"),),
        label="Heartbeats delivered", notifies=ALERT_PATH)


def composite_plan(
    *,
    resource_name: str,
    prefix: str,
    parts: tuple[str, ...],
    severity: str,
    summary: str,
    runbook_url: str,
    alarm_rule: str,
    wait_seconds: int,
    extension_seconds: int,
) -> CompositePlan:
    """A composite alarm over ``alarm_rule``; the maintenance alarm suppresses its actions."""
    return CompositePlan(
        resource_name=resource_name,
        alarm_name=alarm_name(prefix, *parts, severity=severity),
        description=describe(severity, summary, runbook_url),
        severity=severity,
        runbook_url=runbook_url,
        alarm_rule=alarm_rule,
        wait_seconds=wait_seconds,
        extension_seconds=extension_seconds,
    )


# -- inputs and resources ----------------------------------------------------------------------

def _topic(name: str, severity: str,
           topic_arns: Mapping[str, pulumi.Input[str]]) -> pulumi.Input[str]:
    if severity not in topic_arns:
        raise ValueError(f"alarm {name}: no topic for severity {severity!r}")
    return topic_arns[severity]


def create(p: AlarmPlan, topic_arns: Mapping[str, pulumi.Input[str]],
           opts: pulumi.ResourceOptions) -> aws.cloudwatch.MetricAlarm:
    """Create the alarm of ``p``; ALARM and OK notify the topics of :func:`actions`.

    Refuses a plan with :func:`problems`, and one whose topics ``topic_arns`` lacks (the
    severity's, or :data:`ALERT_PATH` for the alert-path topic).
    """
    errors = problems(p)
    if errors:
        raise ValueError(f"alarm {p.alarm_name}: {'; '.join(errors)}")
    topics = actions(p, topic_arns)
    return aws.cloudwatch.MetricAlarm(
        p.resource_name, alarm_actions=topics, ok_actions=topics, opts=opts, **inputs(p))


def _refuse_composite(p: CompositePlan) -> None:
    """ValueError naming every :func:`composite_problems` of ``p``."""
    errors = composite_problems(p)
    if errors:
        raise ValueError(f"composite alarm {p.alarm_name}: {'; '.join(errors)}")


def create_composite(p: CompositePlan, topic_arns: Mapping[str, pulumi.Input[str]],
                     suppressor: pulumi.Input[str],
                     opts: pulumi.ResourceOptions) -> aws.cloudwatch.CompositeAlarm:
    """Create the composite of ``p``, silenced while the alarm named ``suppressor`` is in
    ALARM (the maintenance window, or the layer's inhibitor: :func:`create_inhibitor`)."""
    _refuse_composite(p)
    topic = _topic(p.alarm_name, p.severity, topic_arns)
    return aws.cloudwatch.CompositeAlarm(
        p.resource_name,
        alarm_name=p.alarm_name,
        alarm_description=p.description,
        alarm_rule=p.alarm_rule,
        actions_enabled=True,
        alarm_actions=[topic],
        ok_actions=[topic],
        actions_suppressor=aws.cloudwatch.CompositeAlarmActionsSuppressorArgs(
            alarm=suppressor,
            wait_period=p.wait_seconds,
            extension_period=p.extension_seconds,
        ),
        opts=opts,
    )


def create_inhibitor(p: CompositePlan, layer: str,
                     opts: pulumi.ResourceOptions) -> aws.cloudwatch.CompositeAlarm:
    """Create a layer's inhibitor: a composite with no actions, only ever a suppressor.

    Its rule is the maintenance window OR the upstream layers' composites; the layer's own
    composites name it as their actions suppressor. Tagged ``SuppressorOf`` so the policy
    pack tells it from an alarm that forgot its actions (policy/rules/observability.py).
    """
    _refuse_composite(p)
    return aws.cloudwatch.CompositeAlarm(
        p.resource_name,
        alarm_name=p.alarm_name,
        alarm_description=p.description,
        alarm_rule=p.alarm_rule,
        actions_enabled=True,
        tags={SUPPRESSOR_TAG: layer},
        opts=opts,
    )
