"""The one alarm factory: every metric alarm of the stack is planned and created here.

:func:`plan` turns (item, catalog spec, severity, threshold) into an :class:`AlarmPlan`, a
plain description of the ``PutMetricAlarm`` inputs: the name
``<project>-<stack>-<item>-<metric>-<severity>``, a description with the runbook link
``<runbook_base_url>#<kind>-<metric>``, the statistic or metric-math queries, period,
``datapoints_to_alarm`` and ``treat_missing_data``. :func:`problems` checks a plan against
what CloudWatch accepts; :func:`create` makes the ``MetricAlarm`` with alarm and OK actions
to the topic of the plan's severity.
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
MAX_RANGE_SECONDS = 7 * 86400  # period x evaluation periods, for periods of 1 h or more
MAX_SHORT_RANGE_SECONDS = 86400  # the same for periods under 1 h
MAX_DESCRIPTION = 1024
MAX_NAME = 255


@dataclass(frozen=True)
class AlarmPlan:
    """The inputs of one metric alarm, before any resource exists."""

    resource_name: str
    alarm_name: str
    description: str
    severity: str
    namespace: str
    comparison_operator: str
    threshold: float
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

    @property
    def extended(self) -> bool:
        """Whether the statistic is a percentile-style extended statistic."""
        return self.statistic is not None and self.statistic not in STATISTICS


def short_name(prefix: str, name: str) -> str:
    """An item's name without the stack prefix (alarm names carry the prefix once)."""
    return name.removeprefix(f"{prefix}-")


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
    """Plan the ``severity`` alarm of ``spec`` on ``item``."""
    item_name = short_name(prefix, item.name)
    shown = threshold if configured is None else configured
    unit = f" {spec.unit}" if spec.unit else ""
    if spec.relative_to is not None and configured is not None:
        unit += f" ({threshold:g})"  # the value the alarm compares, in the metric's unit
    direction = "above" if spec.rising else "below"
    description = (
        f"[{severity}] {item.kind.value} {item.name}: {spec.title} {direction} {shown:g}{unit} "
        f"in {spec.datapoints_to_alarm} of {spec.evaluation_periods} periods of "
        f"{spec.period} s. Owner: {item.owner}. "
        f"Runbook: {runbook_base_url}#{anchor(item.kind, spec.metric)}"
    )
    return AlarmPlan(
        resource_name=f"{component}-{item_name}-{spec.metric}-{severity}",
        alarm_name=f"{prefix}-{item_name}-{spec.metric}-{severity}",
        description=description[:MAX_DESCRIPTION],
        severity=severity,
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


def valid_period(period: int) -> bool:
    """CloudWatch alarm periods: 10, 30 or a multiple of 60 seconds."""
    return period in (10, 30) or (period > 0 and period % 60 == 0)


def valid_statistic(stat: str) -> bool:
    """A standard statistic or an extended one (percentile, trimmed mean, PR/TC/TM ranges)."""
    if stat in STATISTICS or PERCENTILE_RE.match(stat):
        return True
    return re.match(r"^(PR|TC|TM|TS|WM)\(\d*(\.\d+)?%?:\d*(\.\d+)?%?\)$", stat) is not None


def problems(p: AlarmPlan) -> list[str]:
    """Every way ``p`` breaks what PutMetricAlarm accepts (empty when it is valid)."""
    found: list[str] = []
    if not 0 < len(p.alarm_name) <= MAX_NAME:
        found.append(f"alarm name has {len(p.alarm_name)} characters (1-{MAX_NAME})")
    if len(p.description) > MAX_DESCRIPTION:
        found.append("description is longer than 1024 characters")
    if p.comparison_operator not in COMPARISONS:
        found.append(f"comparison {p.comparison_operator!r} is not a CloudWatch operator")
    if p.treat_missing_data not in TREAT_MISSING:
        found.append(f"treat_missing_data {p.treat_missing_data!r} is not allowed")
    if not valid_period(p.period):
        found.append(f"period {p.period} is not 10, 30 or a multiple of 60")
    if not 1 <= p.datapoints_to_alarm <= p.evaluation_periods:
        found.append(f"datapoints_to_alarm {p.datapoints_to_alarm} is not within "
                     f"1..evaluation_periods ({p.evaluation_periods})")
    limit = MAX_RANGE_SECONDS if p.period >= 3600 else MAX_SHORT_RANGE_SECONDS
    if p.period * p.evaluation_periods > limit:
        found.append(f"period x evaluation periods is {p.period * p.evaluation_periods} s "
                     f"(at most {limit} s)")
    if (p.metric_name is None) == (p.expression is None):
        found.append("exactly one of metric_name and expression is needed")
    if p.metric_name is not None and (p.statistic is None or not valid_statistic(p.statistic)):
        found.append(f"statistic {p.statistic!r} is not a CloudWatch statistic")
    for q in p.queries:
        if not valid_statistic(q.stat):
            found.append(f"query {q.id}: statistic {q.stat!r} is not a CloudWatch statistic")
        if not re.match(r"^[a-z][A-Za-z0-9_]*$", q.id):
            found.append(f"query id {q.id!r} must start with a lowercase letter")
    if p.expression is not None and not p.queries:
        found.append("a metric-math alarm needs the metrics it reads")
    return found


def inputs(p: AlarmPlan) -> dict[str, Any]:
    """Keyword arguments of ``aws.cloudwatch.MetricAlarm`` for ``p`` (without actions)."""
    args: dict[str, Any] = {
        "name": p.alarm_name,
        "alarm_description": p.description,
        "comparison_operator": p.comparison_operator,
        "threshold": p.threshold,
        "evaluation_periods": p.evaluation_periods,
        "datapoints_to_alarm": p.datapoints_to_alarm,
        "treat_missing_data": p.treat_missing_data,
        "actions_enabled": True,
    }
    if p.expression is None:
        args.update(namespace=p.namespace, metric_name=p.metric_name, period=p.period,
                    dimensions=dict(p.dimensions))
        if p.extended:
            args["extended_statistic"] = p.statistic
            # Percentiles over few samples are noise; evaluate only well-sampled periods.
            args["evaluate_low_sample_count_percentiles"] = "ignore"
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
        id="result", expression=p.expression, label=p.label, return_data=True))
    args["metric_queries"] = queries
    return args


def create(p: AlarmPlan, topic_arn: pulumi.Input[str],
           opts: pulumi.ResourceOptions) -> aws.cloudwatch.MetricAlarm:
    """Create the alarm of ``p``; ALARM and OK notify ``topic_arn``. Refuses invalid plans."""
    errors = problems(p)
    if errors:
        raise ValueError(f"alarm {p.alarm_name}: {'; '.join(errors)}")
    return aws.cloudwatch.MetricAlarm(
        p.resource_name,
        alarm_actions=[topic_arn],
        ok_actions=[topic_arn],
        opts=opts,
        **inputs(p),
    )
