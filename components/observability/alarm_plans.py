"""What an alarm is before it exists, and when CloudWatch would refuse it.

:class:`AlarmPlan` and :class:`CompositePlan` are the plain inputs of one metric or composite
alarm; :func:`alarm_name`, :func:`describe` and :func:`runbook` are the stack's one naming
scheme and description. :func:`problems` / :func:`composite_problems` are the refusal rules:
the scheme, and what PutMetricAlarm / PutCompositeAlarm accept (periods, statistics, ranges,
metric math ids, thresholds, lengths); :func:`inputs` gives a plan's ``MetricAlarm``
arguments. The planners and the resources are in
:mod:`components.observability.alarm_factory`, which refuses any plan with problems.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.observability.catalog import (
    COMPARISONS,
    NOTIFIES,
    STATISTICS,
    TREAT_MISSING,
    Query,
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
# The tag of a composite that notifies nobody because it is only an actions suppressor (a
# layer's inhibitor); its value is the layer whose composites it holds.
SUPPRESSOR_TAG = "SuppressorOf"
# A log-pattern alarm counts events of one 5-minute period.
LOG_PATTERN_PERIOD = 300
# The key of the alert-path topic in the topic map the factory gets (beside the severities).
ALERT_PATH = "alert-path"


@dataclass(frozen=True)
class AlarmPlan:
    """The inputs of one metric alarm, before any resource exists.

    ``threshold`` is None only for an anomaly alarm (``band_width`` set), which compares the
    series ``result_id`` with ``ANOMALY_DETECTION_BAND(result_id, band_width)``.
    ``low_sample_percentiles`` is sent only with a percentile-style statistic.
    ``notifies`` (:data:`~components.observability.catalog.NOTIFIES`): the severity's topic,
    the alert-path topic (which emails without the router) or both.
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
    notifies: str = "severity"

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
    if p.notifies not in NOTIFIES:
        found.append(f"notifies {p.notifies!r} is not one of {', '.join(NOTIFIES)}")
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


def notifies_of(spec_notifies: str, attributes: Mapping[str, object]) -> str:
    """Whom a catalog alarm notifies: the spec's choice, plus the alert path for an item on it."""
    if attributes.get("alert_path") and spec_notifies == "severity":
        return "both"
    return spec_notifies


def actions(p: AlarmPlan, topic_arns: Mapping[str, pulumi.Input[str]]) -> list[pulumi.Input[str]]:
    """The topics ``p``'s ALARM and OK notify; ValueError when the map lacks one of them."""
    keys = {"severity": [p.severity], ALERT_PATH: [ALERT_PATH],
            "both": [p.severity, ALERT_PATH]}.get(p.notifies, [p.severity])
    missing = [k if k == ALERT_PATH else f"severity {k!r}" for k in keys if k not in topic_arns]
    if missing:
        raise ValueError(f"alarm {p.alarm_name}: no topic for {' or '.join(missing)}")
    return [topic_arns[k] for k in keys]


# -- the API inputs of a plan -------------------------------------------------------------------

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
