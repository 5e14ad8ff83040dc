"""The one alarm factory: every CloudWatch alarm of the stack is planned and created here.

Each kind of alarm has a planner that returns a plain description of the API inputs before
any resource exists: :func:`plan` (catalog), :func:`log_pattern_plan` (metric filters on
logs: security events and the CIS controls), :func:`anomaly_plan`, :func:`slo_window_plan`,
:func:`canary_plan`, :func:`maintenance_plan` give an :class:`AlarmPlan`;
:func:`composite_plan` gives a :class:`CompositePlan`. Every plan follows one scheme:

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

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.blocks.monitored_items import MonitoredItem
from components.observability.catalog import (
    COMPARISONS,
    STATISTICS,
    TREAT_MISSING,
    AlarmSpec,
    Query,
    anchor,
)

PERCENTILE_RE = re.compile(r"^(p|tm|wm|tc|ts)(\d{1,2}(\.\d{1,10})?|100)$")
RANGE_RE = re.compile(r"^(PR|TC|TM|TS|WM)\(\d*(\.\d+)?%?:\d*(\.\d+)?%?\)$")
QUERY_ID_RE = re.compile(r"^[a-z][A-Za-z0-9_]*$")
MAX_RANGE_SECONDS = 7 * 86400  # period x evaluation periods, for periods of 1 h or more
MAX_SHORT_RANGE_SECONDS = 86400  # the same for periods under 1 h
LONG_PERIOD_SECONDS = 3600  # from here on the 7-day limit applies
MAX_DESCRIPTION = 1024
MAX_NAME = 255
MAX_RULE_LENGTH = 10240  # CloudWatch's limit on a composite alarm rule
# Severity -> one SNS topic each (components/platform/alert_topics.py); the router reads the
# severity from the topic, and every alarm name ends with it.
SEVERITIES = ("critical", "warning", "info", "maintenance")
# The operators that compare with an anomaly band (threshold_metric_id) instead of a value.
BAND_COMPARISONS = (
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
)
LOW_SAMPLE_CHOICES = ("evaluate", "ignore")
BAND_ID = "band"
RUNBOOK_TAG = " Runbook: "
# A log-pattern alarm counts events of one 5-minute period.
LOG_PATTERN_PERIOD = 300


@dataclass(frozen=True)
class AlarmPlan:
    """The inputs of one metric alarm, before any resource exists.

    ``threshold`` is None only for an anomaly alarm (``band_width`` set), which compares the
    series ``result_id`` with ``ANOMALY_DETECTION_BAND(result_id, band_width)``.
    ``low_sample_percentiles`` is sent only with a percentile-style statistic.
    """

    resource_name: str
    alarm_name: str
    description: str
    severity: str
    runbook_url: str
    namespace: str
    comparison_operator: str
    threshold: float | None
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: str
    dimensions: Mapping[str, pulumi.Input[str]]
    metric_name: str | None = None
    statistic: str | None = None
    expression: str | None = None
    queries: tuple[Query, ...] = ()
    label: str = ""
    result_id: str = "result"
    band_width: float | None = None
    low_sample_percentiles: str | None = "ignore"

    @property
    def extended(self) -> bool:
        """Whether the statistic is a percentile-style extended statistic."""
        return self.statistic is not None and self.statistic not in STATISTICS


@dataclass(frozen=True)
class CompositePlan:
    """The inputs of one composite alarm, silenced while the maintenance alarm is in ALARM."""

    resource_name: str
    alarm_name: str
    description: str
    severity: str
    runbook_url: str
    alarm_rule: str
    wait_seconds: int
    extension_seconds: int


# -- the one naming scheme and description -----------------------------------------------------

def short_name(prefix: str, name: str) -> str:
    """An item's name without the stack prefix (alarm names carry the prefix once)."""
    return name.removeprefix(f"{prefix}-")


def alarm_name(prefix: str, *parts: str, severity: str) -> str:
    """``<prefix>-<parts...>-<severity>``: the name of every alarm of the stack."""
    return "-".join((prefix, *parts, severity))


def describe(severity: str, summary: str, runbook_url: str) -> str:
    """``[<severity>] <summary> Runbook: <url>``, the summary cut so the whole fits 1024."""
    head, tail = f"[{severity}] ", f"{RUNBOOK_TAG}{runbook_url}"
    room = max(0, MAX_DESCRIPTION - len(head) - len(tail))
    return f"{head}{summary[:room]}{tail}"


def runbook(base_url: str, anchor_: str) -> str:
    """The runbook link of an alarm: ``<base_url>#<anchor>``."""
    return f"{base_url}#{anchor_}"


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
        namespace=spec.namespace,
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


def maintenance_plan(
    *,
    resource_name: str,
    prefix: str,
    namespace: str,
    metric_name: str,
    dimensions: Mapping[str, str],
    runbook_url: str,
) -> AlarmPlan:
    """The maintenance-window alarm: in ALARM while ``metric_name`` is 1 (it suppresses the
    composites' actions); named ``<prefix>-operations-maintenance-mode-maintenance``."""
    severity = "maintenance"
    return AlarmPlan(
        resource_name=resource_name,
        alarm_name=alarm_name(prefix, "operations", "maintenance-mode", severity=severity),
        description=describe(
            severity, f"In ALARM while a maintenance window is open ({metric_name}=1 in "
                      f"{namespace}); suppresses the composite alarms' actions.", runbook_url),
        severity=severity,
        runbook_url=runbook_url,
        namespace=namespace,
        comparison_operator="GreaterThanOrEqualToThreshold",
        threshold=1,
        period=60,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data="notBreaching",
        dimensions=dict(dimensions),
        metric_name=metric_name,
        statistic="Maximum",
    )


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


# -- refusal rules -----------------------------------------------------------------------------

def valid_period(period: int) -> bool:
    """CloudWatch alarm periods: 10, 30 or a multiple of 60 seconds."""
    return period in (10, 30) or (period > 0 and period % 60 == 0)


def valid_statistic(stat: str) -> bool:
    """A standard statistic or an extended one (percentile, trimmed mean, PR/TC/TM ranges)."""
    return (stat in STATISTICS or PERCENTILE_RE.match(stat) is not None
            or RANGE_RE.match(stat) is not None)


def _scheme_problems(name: str, severity: str, description: str, runbook_url: str) -> list[str]:
    """What every alarm, metric or composite, must meet: name, severity, description."""
    found: list[str] = []
    if not 0 < len(name) <= MAX_NAME:
        found.append(f"alarm name has {len(name)} characters (1-{MAX_NAME})")
    if severity not in SEVERITIES:
        found.append(f"severity {severity!r} has no topic ({', '.join(SEVERITIES)})")
    if not name.endswith(f"-{severity}"):
        found.append(f"alarm name does not end with its severity -{severity}")
    if len(description) > MAX_DESCRIPTION:
        found.append(f"description is longer than {MAX_DESCRIPTION} characters")
    if "#" not in runbook_url:
        found.append(f"runbook link {runbook_url!r} names no anchor")
    if not (description.startswith(f"[{severity}] ")
            and description.endswith(f"{RUNBOOK_TAG}{runbook_url}")):
        found.append("description is not '[<severity>] <summary> Runbook: <runbook link>'")
    return found


def _range_problems(p: AlarmPlan) -> list[str]:
    """Period, datapoints and the evaluation range CloudWatch allows."""
    found: list[str] = []
    if not valid_period(p.period):
        found.append(f"period {p.period} is not 10, 30 or a multiple of 60")
    if not 1 <= p.datapoints_to_alarm <= p.evaluation_periods:
        found.append(f"datapoints_to_alarm {p.datapoints_to_alarm} is not within "
                     f"1..evaluation_periods ({p.evaluation_periods})")
    limit = MAX_RANGE_SECONDS if p.period >= LONG_PERIOD_SECONDS else MAX_SHORT_RANGE_SECONDS
    if p.period * p.evaluation_periods > limit:
        found.append(f"period x evaluation periods is {p.period * p.evaluation_periods} s "
                     f"(at most {limit} s)")
    return found


def _metric_problems(p: AlarmPlan) -> list[str]:
    """One metric with a valid statistic, or metric math over valid, uniquely named queries."""
    found: list[str] = []
    if (p.metric_name is None) == (p.expression is None):
        found.append("exactly one of metric_name and expression is needed")
    if p.metric_name is not None and (p.statistic is None or not valid_statistic(p.statistic)):
        found.append(f"statistic {p.statistic!r} is not a CloudWatch statistic")
    if p.low_sample_percentiles not in (None, *LOW_SAMPLE_CHOICES):
        found.append(f"low_sample_percentiles {p.low_sample_percentiles!r} is not "
                     f"{' or '.join(LOW_SAMPLE_CHOICES)}")
    ids = [q.id for q in p.queries]
    for q in p.queries:
        if not valid_statistic(q.stat):
            found.append(f"query {q.id}: statistic {q.stat!r} is not a CloudWatch statistic")
        if not QUERY_ID_RE.match(q.id):
            found.append(f"query id {q.id!r} must start with a lowercase letter")
    reserved = {p.result_id, BAND_ID} if p.band_width is not None else {p.result_id}
    if len(set(ids)) != len(ids) or reserved & set(ids):
        found.append(f"query ids {ids} repeat or reuse {sorted(reserved)}")
    if p.expression is not None and not p.queries:
        found.append("a metric-math alarm needs the metrics it reads")
    return found


def _threshold_problems(p: AlarmPlan) -> list[str]:
    """A threshold with a value operator, or an anomaly band with a band operator."""
    found: list[str] = []
    if p.comparison_operator not in COMPARISONS:
        found.append(f"comparison {p.comparison_operator!r} is not a CloudWatch operator")
    band_operator = p.comparison_operator in BAND_COMPARISONS
    if p.band_width is None:
        if band_operator:
            found.append(f"{p.comparison_operator} compares with an anomaly band: band_width")
        if p.threshold is None:
            found.append("a threshold is needed")
    else:
        if not band_operator:
            found.append(f"an anomaly band needs a band operator ({', '.join(BAND_COMPARISONS)})")
        if p.threshold is not None:
            found.append("an anomaly alarm takes the band, not a threshold")
        if p.expression is None:
            found.append("an anomaly band is drawn around a metric-math series")
        if p.band_width <= 0:
            found.append(f"band width {p.band_width:g} is not positive")
    return found


def problems(p: AlarmPlan) -> list[str]:
    """Every way ``p`` breaks the naming scheme or what PutMetricAlarm accepts (empty: valid)."""
    found = _scheme_problems(p.alarm_name, p.severity, p.description, p.runbook_url)
    if p.treat_missing_data not in TREAT_MISSING:
        found.append(f"treat_missing_data {p.treat_missing_data!r} is not allowed")
    return found + _range_problems(p) + _metric_problems(p) + _threshold_problems(p)


def composite_problems(p: CompositePlan) -> list[str]:
    """Every way ``p`` breaks the naming scheme or what PutCompositeAlarm accepts."""
    found = _scheme_problems(p.alarm_name, p.severity, p.description, p.runbook_url)
    if not 0 < len(p.alarm_rule) <= MAX_RULE_LENGTH:
        found.append(f"alarm rule has {len(p.alarm_rule)} characters (1-{MAX_RULE_LENGTH})")
    if 'ALARM("' not in p.alarm_rule:
        found.append("alarm rule names no member alarm")
    if p.wait_seconds < 0 or p.extension_seconds < 0:
        found.append(f"suppressor wait {p.wait_seconds} s / extension "
                     f"{p.extension_seconds} s must not be negative")
    return found


# -- inputs and resources ----------------------------------------------------------------------

def inputs(p: AlarmPlan) -> dict[str, Any]:
    """Keyword arguments of ``aws.cloudwatch.MetricAlarm`` for ``p`` (without actions)."""
    args: dict[str, Any] = {
        "name": p.alarm_name,
        "alarm_description": p.description,
        "comparison_operator": p.comparison_operator,
        "evaluation_periods": p.evaluation_periods,
        "datapoints_to_alarm": p.datapoints_to_alarm,
        "treat_missing_data": p.treat_missing_data,
        "actions_enabled": True,
    }
    if p.threshold is not None:
        args["threshold"] = p.threshold
    if p.expression is None:
        args.update(namespace=p.namespace, metric_name=p.metric_name, period=p.period)
        if p.dimensions:
            args["dimensions"] = dict(p.dimensions)
        if p.extended:
            args["extended_statistic"] = p.statistic
            if p.low_sample_percentiles is not None:
                # Percentiles over few samples are noise; catalog alarms skip such periods.
                args["evaluate_low_sample_count_percentiles"] = p.low_sample_percentiles
        else:
            args["statistic"] = p.statistic
        return args
    queries = [
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=q.id,
            return_data=False,
            metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace=p.namespace,
                metric_name=q.metric_name,
                stat=q.stat,
                period=p.period,
                dimensions={**dict(p.dimensions), **dict(q.extra_dimensions)},
            ),
        )
        for q in p.queries
    ]
    queries.append(aws.cloudwatch.MetricAlarmMetricQueryArgs(
        id=p.result_id, expression=p.expression, label=p.label, return_data=True))
    if p.band_width is not None:
        queries.append(aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=BAND_ID, expression=f"ANOMALY_DETECTION_BAND({p.result_id}, {p.band_width:g})",
            label=f"{p.label} (expected)", return_data=True))
        args["threshold_metric_id"] = BAND_ID
    args["metric_queries"] = queries
    return args


def _topic(name: str, severity: str,
           topic_arns: Mapping[str, pulumi.Input[str]]) -> pulumi.Input[str]:
    if severity not in topic_arns:
        raise ValueError(f"alarm {name}: no topic for severity {severity!r}")
    return topic_arns[severity]


def create(p: AlarmPlan, topic_arns: Mapping[str, pulumi.Input[str]],
           opts: pulumi.ResourceOptions) -> aws.cloudwatch.MetricAlarm:
    """Create the alarm of ``p``; ALARM and OK notify the topic of its severity.

    Refuses a plan with :func:`problems`, and a severity ``topic_arns`` has no topic for.
    """
    errors = problems(p)
    if errors:
        raise ValueError(f"alarm {p.alarm_name}: {'; '.join(errors)}")
    topic = _topic(p.alarm_name, p.severity, topic_arns)
    return aws.cloudwatch.MetricAlarm(
        p.resource_name, alarm_actions=[topic], ok_actions=[topic], opts=opts, **inputs(p))


def create_composite(p: CompositePlan, topic_arns: Mapping[str, pulumi.Input[str]],
                     suppressor: aws.cloudwatch.MetricAlarm,
                     opts: pulumi.ResourceOptions) -> aws.cloudwatch.CompositeAlarm:
    """Create the composite of ``p``, silenced while ``suppressor`` is in ALARM."""
    errors = composite_problems(p)
    if errors:
        raise ValueError(f"composite alarm {p.alarm_name}: {'; '.join(errors)}")
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
            alarm=suppressor.name,
            wait_period=p.wait_seconds,
            extension_period=p.extension_seconds,
        ),
        opts=opts,
    )
