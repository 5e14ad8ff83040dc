"""The alarm factory on its own: each refusal rule at its boundaries, the naming scheme, the
description with its runbook link, every planner, the inputs and the actions per severity.

Every expected value is written out here. A table row is (what changes in a valid plan,
the problem it must give, or None when the plan stays valid); rows sit just inside and just
outside each boundary.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from components.blocks.monitored_items import Kind, MonitoredItem
from components.observability import alarm_factory as f
from components.observability import composites
from components.observability.catalog import AlarmSpec, Query
from tests.helpers import config_of
from tools.mock_runtime import run

ROOT = Path(__file__).resolve().parents[3]
URL = "https://r/runbooks.md#a-b"
# A valid plain-metric plan, written out literally.
PLAIN = f.AlarmPlan(
    resource_name="c-x-m-warning", alarm_name="p-x-m-warning",
    description=f"[warning] x above 1. Runbook: {URL}", severity="warning", runbook_url=URL,
    namespace="N", comparison_operator="GreaterThanThreshold", threshold=1.0, period=60,
    evaluation_periods=5, datapoints_to_alarm=3, treat_missing_data="notBreaching",
    dimensions={"D": "d"}, metric_name="M", statistic="Sum")
# A valid metric-math plan.
MATH = replace(PLAIN, metric_name=None, statistic=None, expression="a + b",
               queries=(Query("a", "A", "Sum"), Query("b", "B", "Average")), label="L")
# A valid anomaly plan.
BAND = replace(MATH, comparison_operator="LessThanLowerThreshold", threshold=None,
               band_width=2.0, result_id="series")


def _name(length: int, severity: str = "warning") -> str:
    """An alarm name of exactly ``length`` characters ending ``-<severity>``."""
    tail = f"-{severity}"
    return "n" * (length - len(tail)) + tail


def _description(length: int, severity: str = "warning", url: str = URL) -> str:
    """A well-formed description of exactly ``length`` characters."""
    head, tail = f"[{severity}] ", f" Runbook: {url}"
    return head + "s" * (length - len(head) - len(tail)) + tail


def _one(found: list[str], problem: str | None) -> None:
    """``found`` is empty (``problem`` None), exactly ``problem``, or starts with it when
    ``problem`` ends with "…"."""
    if problem is None:
        assert found == []
    elif problem.endswith("…"):
        assert len(found) == 1, found
        assert found[0].startswith(problem[:-1]), found
    else:
        assert found == [problem]


def _check(base: f.AlarmPlan, changes: dict[str, Any], problem: str | None) -> None:
    _one(f.problems(replace(base, **changes)), problem)


def test_the_written_out_plans_are_valid() -> None:
    assert f.problems(PLAIN) == []
    assert f.problems(MATH) == []
    assert f.problems(BAND) == []


@pytest.mark.parametrize(("changes", "problem"), [
    ({"alarm_name": _name(255)}, None),
    ({"alarm_name": _name(256)}, "alarm name has 256 characters (1-255)"),
    ({"alarm_name": "-warning"}, None),
    ({"alarm_name": _name(9)}, None),
])
def test_name_length(changes: dict[str, Any], problem: str | None) -> None:
    _check(PLAIN, changes, problem)


def test_an_empty_name_is_refused_for_its_length_and_its_missing_suffix() -> None:
    found = f.problems(replace(PLAIN, alarm_name=""))
    assert found == ["alarm name has 0 characters (1-255)",
                     "alarm name does not end with its severity -warning"]


@pytest.mark.parametrize(("severity", "problem"), [
    ("critical", None), ("warning", None), ("info", None), ("maintenance", None),
    ("page", "severity 'page' has no topic (critical, warning, info, maintenance)"),
    ("Critical", "severity 'Critical' has no topic…"),
    ("", "severity '' has no topic…"),
])
def test_severity_must_have_a_topic(severity: str, problem: str | None) -> None:
    # Name and description follow the severity, so only the topic rule can object.
    url = URL
    _check(PLAIN, {"severity": severity, "alarm_name": f"p-x-{severity}",
                   "description": f"[{severity}] x Runbook: {url}"}, problem)


@pytest.mark.parametrize(("name", "problem"), [
    ("p-x-warning", None),
    ("warning-x", "alarm name does not end with its severity -warning"),
    ("p-x-warnings", "alarm name does not end with its severity -warning"),
    ("p-xwarning", "alarm name does not end with its severity -warning"),
    ("p-x-critical", "alarm name does not end with its severity -warning"),
    ("p-x-warning-", "alarm name does not end with its severity -warning"),
])
def test_name_ends_with_the_severity(name: str, problem: str | None) -> None:
    _check(PLAIN, {"alarm_name": name}, problem)


@pytest.mark.parametrize(("description", "problem"), [
    (_description(1024), None),
    (_description(1025), "description is longer than 1024 characters"),
    (f"[warning]  Runbook: {URL}", None),
    (f"[warning]x Runbook: {URL}", "description is not '[<severity>] <summary> Runbook:…"),
    (f"[critical] x Runbook: {URL}", "description is not…"),
    (f"warning x Runbook: {URL}", "description is not…"),
    (f"[warning] x Runbook: {URL}.", "description is not…"),
    (f"[warning] x Runbook:{URL}", "description is not…"),
    (f"[warning] x {URL}", "description is not…"),
    ("[warning] x Runbook: https://r/runbooks.md#a-c", "description is not…"),
])
def test_description_carries_the_severity_and_ends_with_the_runbook_link(
        description: str, problem: str | None) -> None:
    _check(PLAIN, {"description": description}, problem)


@pytest.mark.parametrize(("url", "problem"), [
    ("https://r#a", None),
    ("#", None),
    ("https://r", "runbook link 'https://r' names no anchor"),
    ("", "runbook link '' names no anchor"),
])
def test_runbook_link_names_an_anchor(url: str, problem: str | None) -> None:
    _check(PLAIN, {"runbook_url": url, "description": f"[warning] x Runbook: {url}"}, problem)


@pytest.mark.parametrize(("comparison", "problem"), [
    ("GreaterThanOrEqualToThreshold", None),
    ("GreaterThanThreshold", None),
    ("LessThanThreshold", None),
    ("LessThanOrEqualToThreshold", None),
    ("greaterThanThreshold", "comparison 'greaterThanThreshold' is not a CloudWatch operator"),
    ("GreaterThan", "comparison 'GreaterThan' is not a CloudWatch operator"),
    ("", "comparison '' is not a CloudWatch operator"),
])
def test_comparison_is_a_cloudwatch_operator(comparison: str, problem: str | None) -> None:
    _check(PLAIN, {"comparison_operator": comparison}, problem)


@pytest.mark.parametrize(("treat", "problem"), [
    ("breaching", None), ("notBreaching", None), ("ignore", None), ("missing", None),
    ("notbreaching", "treat_missing_data 'notbreaching' is not allowed"),
    ("Missing", "treat_missing_data 'Missing' is not allowed"),
])
def test_treat_missing_data(treat: str, problem: str | None) -> None:
    _check(PLAIN, {"treat_missing_data": treat}, problem)


@pytest.mark.parametrize(("period", "problem"), [
    (10, None), (30, None), (60, None), (120, None), (3600, None),
    (0, "period 0 is not 10, 30 or a multiple of 60"),
    (-60, "period -60 is not 10, 30 or a multiple of 60"),
    (1, "period 1 is not…"), (9, "period 9 is not…"), (11, "period 11 is not…"),
    (20, "period 20 is not…"), (29, "period 29 is not…"), (31, "period 31 is not…"),
    (59, "period 59 is not…"), (61, "period 61 is not…"), (90, "period 90 is not…"),
])
def test_period(period: int, problem: str | None) -> None:
    _check(replace(PLAIN, evaluation_periods=1, datapoints_to_alarm=1), {"period": period},
           problem)


@pytest.mark.parametrize(("evaluations", "datapoints", "problem"), [
    (5, 1, None), (5, 5, None), (1, 1, None),
    (5, 0, "datapoints_to_alarm 0 is not within 1..evaluation_periods (5)"),
    (5, 6, "datapoints_to_alarm 6 is not within 1..evaluation_periods (5)"),
    (1, 2, "datapoints_to_alarm 2 is not within 1..evaluation_periods (1)"),
])
def test_datapoints_within_evaluation_periods(evaluations: int, datapoints: int,
                                              problem: str | None) -> None:
    _check(PLAIN, {"evaluation_periods": evaluations, "datapoints_to_alarm": datapoints},
           problem)


@pytest.mark.parametrize(("period", "evaluations", "problem"), [
    (60, 1440, None),  # one day exactly, under 1 h periods
    (60, 1441, "period x evaluation periods is 86460 s (at most 86400 s)"),
    (3540, 24, None),  # 84960 s: the one-day limit still applies just under 1 h
    (3540, 25, "period x evaluation periods is 88500 s (at most 86400 s)"),
    (3600, 25, None),  # 90000 s: from 1 h periods on, seven days are allowed
    (3600, 168, None),  # seven days exactly
    (3600, 169, "period x evaluation periods is 608400 s (at most 604800 s)"),
    (86400, 7, None),
    (86400, 8, "period x evaluation periods is 691200 s (at most 604800 s)"),
])
def test_evaluation_range(period: int, evaluations: int, problem: str | None) -> None:
    _check(PLAIN, {"period": period, "evaluation_periods": evaluations,
                   "datapoints_to_alarm": 1}, problem)


@pytest.mark.parametrize(("changes", "problem"), [
    ({"metric_name": None}, "exactly one of metric_name and expression is needed"),
    ({"expression": "a", "queries": (Query("a", "A", "Sum"),)},
     "exactly one of metric_name and expression is needed"),
])
def test_exactly_one_of_metric_and_expression(changes: dict[str, Any], problem: str) -> None:
    _check(PLAIN, changes, problem)


@pytest.mark.parametrize(("statistic", "problem"), [
    ("SampleCount", None), ("Average", None), ("Sum", None), ("Minimum", None),
    ("Maximum", None), ("p0", None), ("p99", None), ("p99.9", None), ("p100", None),
    ("tm90", None), ("wm50", None), ("tc10", None), ("ts99", None), ("PR(0:400)", None),
    ("TM(10%:90%)", None), ("TC(:0.5)", None), ("WM(5%:)", None),
    (None, "statistic None is not a CloudWatch statistic"),
    ("sum", "statistic 'sum' is not a CloudWatch statistic"),
    ("", "statistic '' is not…"), ("p101", "statistic 'p101' is not…"),
    ("p", "statistic 'p' is not…"), ("P99", "statistic 'P99' is not…"),
    ("p99.", "statistic 'p99.' is not…"), ("p999", "statistic 'p999' is not…"),
    ("PR(0:400", "statistic 'PR(0:400' is not…"), ("PR(0-400)", "statistic 'PR(0-400)' is not…"),
    ("XX(0:400)", "statistic 'XX(0:400)' is not…"), (" p99", "statistic ' p99' is not…"),
])
def test_statistic(statistic: str | None, problem: str | None) -> None:
    _check(PLAIN, {"statistic": statistic}, problem)


@pytest.mark.parametrize(("choice", "problem"), [
    (None, None), ("evaluate", None), ("ignore", None),
    ("Ignore", "low_sample_percentiles 'Ignore' is not evaluate or ignore"),
    ("", "low_sample_percentiles '' is not evaluate or ignore"),
])
def test_low_sample_choice(choice: str | None, problem: str | None) -> None:
    _check(replace(PLAIN, statistic="p99"), {"low_sample_percentiles": choice}, problem)


@pytest.mark.parametrize(("query", "problem"), [
    (Query("b", "B", "p99"), None),
    (Query("b_9Z", "B", "Sum"), None),
    (Query("b", "B", "sum"), "query b: statistic 'sum' is not a CloudWatch statistic"),
    (Query("b", "B", "p101"), "query b: statistic 'p101' is not…"),
    (Query("B", "B", "Sum"), "query id 'B' must start with a lowercase letter"),
    (Query("9b", "B", "Sum"), "query id '9b' must start with a lowercase letter"),
    (Query("_b", "B", "Sum"), "query id '_b' must start…"),
    (Query("b-c", "B", "Sum"), "query id 'b-c' must start…"),
    (Query("", "B", "Sum"), "query id '' must start…"),
])
def test_query_statistic_and_id(query: Query, problem: str | None) -> None:
    _check(MATH, {"queries": (Query("a", "A", "Sum"), query)}, problem)


@pytest.mark.parametrize(("base", "ids", "problem"), [
    (MATH, ("a", "b"), None),
    (MATH, ("a", "a"), "query ids ['a', 'a'] repeat or reuse ['result']"),
    (MATH, ("a", "result"), "query ids ['a', 'result'] repeat or reuse ['result']"),
    (MATH, ("a", "band"), None),  # "band" is taken only when there is a band
    (BAND, ("a", "band"), "query ids ['a', 'band'] repeat or reuse ['band', 'series']"),
    (BAND, ("a", "series"), "query ids ['a', 'series'] repeat or reuse ['band', 'series']"),
    (BAND, ("a", "result"), None),
])
def test_query_ids_are_unique_and_free(base: f.AlarmPlan, ids: tuple[str, ...],
                                       problem: str | None) -> None:
    _check(base, {"queries": tuple(Query(i, "M", "Sum") for i in ids)}, problem)


def test_metric_math_needs_its_metrics() -> None:
    _check(MATH, {"queries": ()}, "a metric-math alarm needs the metrics it reads")
    _check(MATH, {"queries": (Query("a", "A", "Sum"),)}, None)


@pytest.mark.parametrize(("changes", "problem"), [
    ({"threshold": 0.0}, None),
    ({"threshold": None}, "a threshold is needed"),
    ({"comparison_operator": "LessThanLowerThreshold"},
     "LessThanLowerThreshold compares with an anomaly band: band_width"),
    ({"comparison_operator": "GreaterThanUpperThreshold"},
     "GreaterThanUpperThreshold compares with an anomaly band…"),
    ({"comparison_operator": "LessThanLowerOrGreaterThanUpperThreshold"},
     "LessThanLowerOrGreaterThanUpperThreshold compares with an anomaly band…"),
])
def test_a_value_alarm_takes_a_threshold_and_a_value_operator(changes: dict[str, Any],
                                                             problem: str | None) -> None:
    _check(PLAIN, changes, problem)


@pytest.mark.parametrize(("changes", "problem"), [
    ({"comparison_operator": "GreaterThanUpperThreshold"}, None),
    ({"comparison_operator": "LessThanLowerOrGreaterThanUpperThreshold"}, None),
    ({"comparison_operator": "LessThanThreshold"},
     "an anomaly band needs a band operator (LessThanLowerOrGreaterThanUpperThreshold, "
     "LessThanLowerThreshold, GreaterThanUpperThreshold)"),
    ({"comparison_operator": "GreaterThanOrEqualToThreshold"},
     "an anomaly band needs a band operator…"),
    ({"threshold": 0.0}, "an anomaly alarm takes the band, not a threshold"),
    ({"band_width": 0.01}, None),
    ({"band_width": 0.0}, "band width 0 is not positive"),
    ({"band_width": -1.0}, "band width -1 is not positive"),
])
def test_an_anomaly_alarm_takes_a_band_and_a_band_operator(changes: dict[str, Any],
                                                           problem: str | None) -> None:
    _check(BAND, changes, problem)


def test_an_anomaly_band_needs_a_metric_math_series() -> None:
    found = f.problems(replace(BAND, expression=None, metric_name="M", statistic="Sum",
                               queries=()))
    assert found == ["an anomaly band is drawn around a metric-math series"]


# -- composites --------------------------------------------------------------------------------

RULE = 'ALARM("p-a-warning")'
COMPOSITE = f.CompositePlan(
    resource_name="c-k", alarm_name="p-k-critical",
    description=f"[critical] k. Runbook: {URL}", severity="critical", runbook_url=URL,
    alarm_rule=RULE, wait_seconds=120, extension_seconds=300)


def _rule(length: int) -> str:
    """A rule of exactly ``length`` characters naming one alarm."""
    return RULE + " " * (length - len(RULE))


@pytest.mark.parametrize(("changes", "problem"), [
    ({}, None),
    ({"alarm_rule": _rule(10240)}, None),
    ({"alarm_rule": _rule(10241)}, "alarm rule has 10241 characters (1-10240)"),
    ({"alarm_rule": "TRUE"}, "alarm rule names no member alarm"),
    ({"alarm_rule": 'OK("p-a-warning")'}, "alarm rule names no member alarm"),
    ({"wait_seconds": 0, "extension_seconds": 0}, None),
    ({"wait_seconds": -1}, "suppressor wait -1 s / extension 300 s must not be negative"),
    ({"extension_seconds": -1}, "suppressor wait 120 s / extension -1 s must not be negative"),
    ({"alarm_name": "p-k-warning"}, "alarm name does not end with its severity -critical"),
    ({"alarm_name": _name(256, "critical")}, "alarm name has 256 characters (1-255)"),
    ({"severity": "page", "alarm_name": "p-k-page",
      "description": f"[page] k. Runbook: {URL}"}, "severity 'page' has no topic…"),
    ({"description": f"[critical] k. Runbook: {URL}#"}, "description is not…"),
    ({"description": _description(1025, "critical")},
     "description is longer than 1024 characters"),
    ({"runbook_url": "https://r", "description": "[critical] k. Runbook: https://r"},
     "runbook link 'https://r' names no anchor"),
])
def test_composite_refusals(changes: dict[str, Any], problem: str | None) -> None:
    _one(f.composite_problems(replace(COMPOSITE, **changes)), problem)


def test_an_empty_rule_is_refused_for_its_length_and_for_naming_no_alarm() -> None:
    assert f.composite_problems(replace(COMPOSITE, alarm_rule="")) == [
        "alarm rule has 0 characters (1-10240)", "alarm rule names no member alarm"]


# -- naming and descriptions -------------------------------------------------------------------

def test_names_are_prefix_parts_severity() -> None:
    assert f.alarm_name("marketplace-dev", "cis", "vpc-changes", severity="warning") == \
        "marketplace-dev-cis-vpc-changes-warning"
    assert f.alarm_name("p", severity="info") == "p-info"
    assert f.short_name("marketplace-dev", "marketplace-dev-search") == "search"
    assert f.short_name("marketplace-dev", "other-search") == "other-search"
    assert f.short_name("marketplace-dev", "marketplace-devsearch") == "marketplace-devsearch"
    assert f.runbook("https://r/runbooks.md", "cis-vpc-changes") == \
        "https://r/runbooks.md#cis-vpc-changes"


def test_descriptions_keep_the_runbook_link_whatever_the_summary() -> None:
    assert f.describe("warning", "Thing happened.", "https://r#a") == \
        "[warning] Thing happened. Runbook: https://r#a"
    # 1024 = 10 ("[warning] ") + 1002 + 12 (" Runbook: u#") : a 1002-character summary fits.
    fitting = f.describe("warning", "s" * 1002, "u#")
    assert fitting == "[warning] " + "s" * 1002 + " Runbook: u#"
    cut = f.describe("warning", "s" * 1003 + "TAIL", "u#")
    assert cut == "[warning] " + "s" * 1002 + " Runbook: u#"
    assert len(cut) == 1024
    # A link that leaves no room: no summary at all, and the plan is then refused.
    huge = "u#" + "x" * 1010
    assert f.describe("warning", "gone", huge) == f"[warning]  Runbook: {huge}"


# -- planners ----------------------------------------------------------------------------------

ITEM = MonitoredItem(kind=Kind.LAMBDA, name="marketplace-dev-search",
                     dimensions={"FunctionName": "fn"}, region="us-east-1", owner="search-team",
                     attributes={"timeout_ms": 10_000})
SPEC = AlarmSpec(metric="duration-p99", title="p99 duration", namespace="AWS/Lambda",
                 comparison="GreaterThanThreshold", warning=80, critical=95,
                 unit="% of timeout", metric_name="Duration", statistic="p99",
                 relative_to="timeout_ms")


def test_catalog_plan() -> None:
    planned = f.plan(component="obs", prefix="marketplace-dev", runbook_base_url="https://r",
                     item=ITEM, spec=SPEC, severity="critical", threshold=9500.0,
                     configured=95)
    assert planned.resource_name == "obs-search-duration-p99-critical"
    assert planned.alarm_name == "marketplace-dev-search-duration-p99-critical"
    assert planned.description == (
        "[critical] lambda marketplace-dev-search: p99 duration above 95 % of timeout (9500) "
        "in 3 of 5 periods of 60 s. Owner: search-team. Runbook: https://r#lambda-duration-p99")
    assert planned.runbook_url == "https://r#lambda-duration-p99"
    assert (planned.threshold, planned.statistic, planned.label) == (9500.0, "p99",
                                                                     "p99 duration")
    assert f.problems(planned) == []
    below = f.plan(component="obs", prefix="marketplace-dev", runbook_base_url="https://r",
                   item=ITEM, spec=replace(SPEC, comparison="LessThanThreshold", unit="",
                                           relative_to=None),
                   severity="warning", threshold=80.0)
    assert below.description.startswith(
        "[warning] lambda marketplace-dev-search: p99 duration below 80 in 3 of 5")
    # An override of an absolute threshold shows the value once: nothing to convert.
    absolute = f.plan(component="obs", prefix="marketplace-dev", runbook_base_url="https://r",
                      item=ITEM, spec=replace(SPEC, relative_to=None, unit="ms"),
                      severity="warning", threshold=700.0, configured=700.0)
    assert absolute.description.startswith(
        "[warning] lambda marketplace-dev-search: p99 duration above 700 ms in 3 of 5")


def test_catalog_plan_carries_the_specs_metric_and_the_items_dimensions() -> None:
    math_spec = AlarmSpec(metric="error-rate", title="Error rate", namespace="AWS/Lambda",
                          comparison="GreaterThanThreshold", warning=1, critical=5, unit="%",
                          expression="100 * e / i",
                          queries=(Query("e", "Errors", "Sum"), Query("i", "Invocations", "Sum")))
    planned = f.plan(component="obs", prefix="marketplace-dev", runbook_base_url="https://r",
                     item=ITEM, spec=math_spec, severity="warning", threshold=1.0)
    assert planned.namespace == "AWS/Lambda"
    assert planned.dimensions == {"FunctionName": "fn"}
    assert planned.expression == "100 * e / i"
    assert planned.queries == (Query("e", "Errors", "Sum"), Query("i", "Invocations", "Sum"))
    assert (planned.metric_name, planned.statistic) == (None, None)
    assert f.problems(planned) == []


def test_log_pattern_plan() -> None:
    planned = f.log_pattern_plan(
        resource_name="sec-cis-vpc-changes-alarm", prefix="marketplace-dev", subject="cis",
        metric="vpc-changes", severity="warning", namespace="marketplace-dev/CISBenchmark",
        metric_name="vpc-changes", summary="CIS CloudWatch.14: VPC changes.",
        runbook_url="https://r#cis-vpc-changes", threshold=1,
        comparison="GreaterThanOrEqualToThreshold")
    assert planned.resource_name == "sec-cis-vpc-changes-alarm"
    assert planned.alarm_name == "marketplace-dev-cis-vpc-changes-warning"
    assert planned.dimensions == {}
    assert planned.description == \
        "[warning] CIS CloudWatch.14: VPC changes. Runbook: https://r#cis-vpc-changes"
    assert f.problems(planned) == []
    assert f.inputs(planned) == {
        "name": "marketplace-dev-cis-vpc-changes-warning",
        "alarm_description": planned.description,
        "comparison_operator": "GreaterThanOrEqualToThreshold", "threshold": 1,
        "evaluation_periods": 1, "datapoints_to_alarm": 1, "treat_missing_data": "notBreaching",
        "actions_enabled": True, "namespace": "marketplace-dev/CISBenchmark",
        "metric_name": "vpc-changes", "period": 300, "statistic": "Sum",
    }


def _query_dicts(args: dict[str, Any]) -> list[dict[str, Any]]:
    """The metric queries of ``args`` as plain dicts, as Pulumi sends them."""
    out = []
    for q in args["metric_queries"]:
        entry = {k: getattr(q, k) for k in ("id", "expression", "label", "return_data")
                 if getattr(q, k) is not None}
        if q.metric is not None:
            entry["metric"] = {k: getattr(q.metric, k) for k in
                               ("namespace", "metric_name", "stat", "period", "dimensions")}
        out.append(entry)
    return out


def test_anomaly_plan_and_inputs() -> None:
    planned = f.anomaly_plan(
        resource_name="obs-business-searches-anomaly", prefix="marketplace-dev",
        subject="business", key="searches", severity="warning", title="Searches",
        expression="FILL(m, 0)", metrics=(("m", "Searches"),),
        comparison="LessThanLowerOrGreaterThanUpperThreshold", period=300,
        evaluation_periods=3, datapoints_to_alarm=3, namespace="marketplace/dev",
        dimensions={"service": "business"}, band_width=2.5,
        runbook_url="https://r#anomaly-searches")
    assert planned.resource_name == "obs-business-searches-anomaly"
    assert planned.alarm_name == "marketplace-dev-business-searches-anomaly-warning"
    assert planned.description == ("[warning] Searches outside the expected band (2.5 "
                                   "standard deviations). Runbook: https://r#anomaly-searches")
    assert f.problems(planned) == []
    args = f.inputs(planned)
    assert "threshold" not in args
    assert args["threshold_metric_id"] == "band"
    assert args["treat_missing_data"] == "ignore"
    assert _query_dicts(args) == [
        {"id": "m", "return_data": False,
         "metric": {"namespace": "marketplace/dev", "metric_name": "Searches", "stat": "Sum",
                    "period": 300, "dimensions": {"service": "business"}}},
        {"id": "series", "expression": "FILL(m, 0)", "label": "Searches", "return_data": True},
        {"id": "band", "expression": "ANOMALY_DETECTION_BAND(series, 2.5)",
         "label": "Searches (expected)", "return_data": True},
    ]


def _window(latency_ms: float | None) -> f.AlarmPlan:
    return f.slo_window_plan(
        resource_name="obs-api-slo-x-page-fast-1h", prefix="marketplace-dev",
        parts=("api-slo-x-page-fast", "1h"), severity="info", summary="Burns.",
        runbook_url="https://r#slo-x-burn-rate", budget=0.001, factor=14.4,
        window_seconds=3600, latency_ms=latency_ms, dimensions={"ApiName": "a", "Stage": "v1"})


def test_slo_availability_window() -> None:
    planned = _window(None)
    assert planned.alarm_name == "marketplace-dev-api-slo-x-page-fast-1h-info"
    assert planned.description == "[info] Burns. Runbook: https://r#slo-x-burn-rate"
    assert f.problems(planned) == []
    args = f.inputs(planned)
    assert args["threshold"] == 0.0144  # 14.4 x 0.001 of requests may fail
    assert args["comparison_operator"] == "GreaterThanThreshold"
    dims = {"ApiName": "a", "Stage": "v1"}
    assert _query_dicts(args) == [
        {"id": "errors", "return_data": False,
         "metric": {"namespace": "AWS/ApiGateway", "metric_name": "5XXError", "stat": "Sum",
                    "period": 3600, "dimensions": dims}},
        {"id": "requests", "return_data": False,
         "metric": {"namespace": "AWS/ApiGateway", "metric_name": "Count", "stat": "Sum",
                    "period": 3600, "dimensions": dims}},
        {"id": "ratio", "expression": "IF(requests > 0, errors / requests, 0)",
         "label": "Share of 5XX responses", "return_data": True},
    ]


def test_slo_latency_window_evaluates_every_period() -> None:
    planned = _window(400)
    assert f.problems(planned) == []
    assert f.inputs(planned) == {
        "name": "marketplace-dev-api-slo-x-page-fast-1h-info",
        "alarm_description": "[info] Burns. Runbook: https://r#slo-x-burn-rate",
        "comparison_operator": "LessThanThreshold",
        "threshold": 98.56,  # 100 x (1 - 14.4 x 0.001)
        "evaluation_periods": 1, "datapoints_to_alarm": 1, "treat_missing_data": "notBreaching",
        "actions_enabled": True, "namespace": "AWS/ApiGateway", "metric_name": "Latency",
        "period": 3600, "dimensions": {"ApiName": "a", "Stage": "v1"},
        "extended_statistic": "PR(0:400)",
    }
    # A burn rate beyond the whole budget cannot ask for a negative share.
    steep = f.slo_window_plan(
        resource_name="r", prefix="p", parts=("s",), severity="info", summary="s",
        runbook_url="u#a", budget=0.5, factor=3, window_seconds=300, latency_ms=400,
        dimensions={})
    assert steep.threshold == 0.0


def test_slo_thresholds_are_rounded_to_what_cloudwatch_shows() -> None:
    # 1.5e-9 of bad requests: availability keeps 8 decimals, latency 6.
    def tiny(latency_ms: float | None) -> f.AlarmPlan:
        return f.slo_window_plan(
            resource_name="r", prefix="p", parts=("s",), severity="info", summary="s",
            runbook_url="u#a", budget=1.5e-9, factor=1, window_seconds=300,
            latency_ms=latency_ms, dimensions={})
    assert tiny(None).threshold == 0.0
    assert tiny(400).threshold == 100.0
    assert _window(None).threshold == 0.0144
    assert f.slo_window_plan(
        resource_name="r", prefix="p", parts=("s",), severity="info", summary="s",
        runbook_url="u#a", budget=0.00123456789, factor=1, window_seconds=300,
        latency_ms=None, dimensions={}).threshold == 0.00123457
    assert f.slo_window_plan(
        resource_name="r", prefix="p", parts=("s",), severity="info", summary="s",
        runbook_url="u#a", budget=0.00123456789, factor=1, window_seconds=300,
        latency_ms=400, dimensions={}).threshold == 99.876543


def test_canary_and_maintenance_plans() -> None:
    canary = f.canary_plan(resource_name="obs-canary-success-critical",
                           prefix="marketplace-prod", canary_name="marketplace-prod-hc",
                           url="https://x.example/health", success_threshold=90, period=300,
                           runbook_url="https://r#canary-success-percent")
    assert canary.resource_name == "obs-canary-success-critical"
    assert canary.alarm_name == "marketplace-prod-canary-success-percent-critical"
    assert (canary.namespace, canary.metric_name, canary.statistic) == (
        "CloudWatchSynthetics", "SuccessPercent", "Average")
    assert canary.description == (
        "[critical] https://x.example/health answered in fewer than 90% of canary runs. "
        "Runbook: https://r#canary-success-percent")
    assert (canary.comparison_operator, canary.treat_missing_data, canary.evaluation_periods,
            canary.datapoints_to_alarm) == ("LessThanThreshold", "breaching", 3, 2)
    assert f.inputs(canary)["dimensions"] == {"CanaryName": "marketplace-prod-hc"}
    assert f.problems(canary) == []
    window = composites.maintenance_plan(
        resource_name="obs-maintenance-window", prefix="marketplace-dev",
        namespace="marketplace/dev", metric_name="MaintenanceMode",
        dimensions={"service": "operations"}, runbook_url="https://r#operations-maintenance-mode")
    assert window.alarm_name == "marketplace-dev-operations-maintenance-mode-maintenance"
    assert window.description == (
        "[maintenance] In ALARM while a maintenance window is open (MaintenanceMode=1 in "
        "marketplace/dev); suppresses the composite alarms' actions. Runbook: "
        "https://r#operations-maintenance-mode")
    assert window.resource_name == "obs-maintenance-window"
    assert (window.namespace, window.metric_name, window.dimensions) == (
        "marketplace/dev", "MaintenanceMode", {"service": "operations"})
    assert (window.statistic, window.threshold, window.period) == ("Maximum", 1, 60)
    assert (window.evaluation_periods, window.datapoints_to_alarm) == (1, 1)
    assert f.problems(window) == []


def test_composite_plan() -> None:
    planned = f.composite_plan(resource_name="obs-api-degraded", prefix="marketplace-dev",
                               parts=("api-degraded",), severity="critical",
                               summary="API degraded.", runbook_url="https://r#composite-a",
                               alarm_rule=RULE, wait_seconds=0, extension_seconds=60)
    assert planned == f.CompositePlan(
        resource_name="obs-api-degraded", alarm_name="marketplace-dev-api-degraded-critical",
        description="[critical] API degraded. Runbook: https://r#composite-a",
        severity="critical", runbook_url="https://r#composite-a", alarm_rule=RULE,
        wait_seconds=0, extension_seconds=60)
    assert f.composite_problems(planned) == []


def test_percentile_inputs_and_plain_inputs() -> None:
    p99 = f.inputs(replace(PLAIN, statistic="p99"))
    assert p99["extended_statistic"] == "p99"
    assert p99["evaluate_low_sample_count_percentiles"] == "ignore"
    assert "statistic" not in p99
    plain = f.inputs(PLAIN)
    assert plain["statistic"] == "Sum"
    assert plain["dimensions"] == {"D": "d"}
    assert "extended_statistic" not in plain
    assert "evaluate_low_sample_count_percentiles" not in plain
    assert "dimensions" not in f.inputs(replace(PLAIN, dimensions={}))
    math = f.inputs(replace(MATH, queries=(Query("a", "A", "Sum", (("Operation", "Get"),)),)))
    assert "namespace" not in math
    assert "threshold_metric_id" not in math
    assert _query_dicts(math) == [
        {"id": "a", "return_data": False,
         "metric": {"namespace": "N", "metric_name": "A", "stat": "Sum", "period": 60,
                    "dimensions": {"D": "d", "Operation": "Get"}}},
        {"id": "result", "expression": "a + b", "label": "L", "return_data": True},
    ]


# -- creating: refusals and the actions per severity -------------------------------------------

TOPICS = {"critical": "arn:aws:sns:eu-west-1:1:p-critical",
          "warning": "arn:aws:sns:eu-west-1:1:p-warning"}


def test_create_refuses_a_plan_with_problems_naming_the_alarm() -> None:
    with pytest.raises(ValueError, match=r"^alarm p-x-m-warning: period 45 is not 10, 30"):
        f.create(replace(PLAIN, period=45), TOPICS, pulumi.ResourceOptions())
    with pytest.raises(ValueError, match=r"^composite alarm p-k-critical: alarm rule names no"):
        f.create_composite(replace(COMPOSITE, alarm_rule="TRUE"), TOPICS,
                           None, pulumi.ResourceOptions())  # type: ignore[arg-type]


def test_refusals_list_every_problem() -> None:
    with pytest.raises(ValueError, match=r"^alarm p-x-m-warning: ") as raised:
        f.create(replace(PLAIN, period=45, treat_missing_data="x"), TOPICS,
                 pulumi.ResourceOptions())
    assert str(raised.value) == ("alarm p-x-m-warning: treat_missing_data 'x' is not allowed; "
                                 "period 45 is not 10, 30 or a multiple of 60")
    with pytest.raises(ValueError, match=r"^composite alarm p-k-critical: ") as raised:
        f.create_composite(replace(COMPOSITE, alarm_rule="TRUE", wait_seconds=-1), TOPICS,
                           None, pulumi.ResourceOptions())  # type: ignore[arg-type]
    assert str(raised.value) == (
        "composite alarm p-k-critical: alarm rule names no member alarm; "
        "suppressor wait -1 s / extension 300 s must not be negative")


def test_one_character_names_and_rules_are_long_enough() -> None:
    # Only the severity objects: one character is within 1-255 (and 1-10240 for rules).
    assert f.problems(replace(PLAIN, severity="", alarm_name="-",
                              description=f"[] x Runbook: {URL}")) == [
        "severity '' has no topic (critical, warning, info, maintenance)"]
    assert f.composite_problems(replace(COMPOSITE, alarm_rule="x")) == [
        "alarm rule names no member alarm"]


def test_create_refuses_a_severity_without_a_topic() -> None:
    info = replace(PLAIN, severity="info", alarm_name="p-x-info",
                   description=f"[info] x Runbook: {URL}")
    with pytest.raises(ValueError, match=r"^alarm p-x-info: no topic for severity 'info'$"):
        f.create(info, TOPICS, pulumi.ResourceOptions())
    info_composite = replace(COMPOSITE, severity="info", alarm_name="p-k-info",
                             description=f"[info] k. Runbook: {URL}")
    with pytest.raises(ValueError, match=r"^alarm p-k-info: no topic for severity 'info'$"):
        f.create_composite(info_composite, TOPICS, None,  # type: ignore[arg-type]
                           pulumi.ResourceOptions())


def test_alarm_and_ok_actions_go_to_the_topic_of_the_severity() -> None:
    def program() -> None:
        # The options reach the resources: every one here is created in us-east-1.
        east = pulumi.ResourceOptions(provider=aws.Provider("east", region="us-east-1"))
        maintenance = f.create(replace(PLAIN, resource_name="m"), TOPICS, east)
        f.create(replace(PLAIN, resource_name="c", severity="critical",
                         alarm_name="p-x-critical",
                         description=f"[critical] x Runbook: {URL}"), TOPICS, east)
        f.create_composite(COMPOSITE, TOPICS, maintenance.name, east)

    registry = run("dev", config_of("dev"), [], program)
    alarms = {r.name: r.inputs for r in registry.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert alarms["m"]["alarmActions"] == alarms["m"]["okActions"] == [
        "arn:aws:sns:eu-west-1:1:p-warning"]
    assert alarms["c"]["alarmActions"] == alarms["c"]["okActions"] == [
        "arn:aws:sns:eu-west-1:1:p-critical"]
    assert alarms["c"]["actionsEnabled"] is True
    (composite,) = registry.by_type("aws:cloudwatch/compositeAlarm:CompositeAlarm")
    assert composite.name == "c-k"
    assert composite.inputs["alarmActions"] == composite.inputs["okActions"] == [
        "arn:aws:sns:eu-west-1:1:p-critical"]
    assert composite.inputs["actionsSuppressor"] == {
        "alarm": "p-x-m-warning", "waitPeriod": 120, "extensionPeriod": 300}
    assert composite.inputs["alarmName"] == "p-k-critical"
    assert composite.inputs["alarmDescription"] == f"[critical] k. Runbook: {URL}"
    assert composite.inputs["alarmRule"] == RULE
    assert composite.inputs["actionsEnabled"] is True
    alarm_resources = registry.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    for resource in [*alarm_resources, composite]:
        provider = registry.provider_of(resource)
        assert provider is not None
        assert provider.inputs["region"] == "us-east-1", resource.name


# -- one path: nothing else creates an alarm ---------------------------------------------------

ALARM_CLASSES = {"MetricAlarm", "CompositeAlarm"}
OWNER = ROOT / "components" / "observability" / "alarm_factory.py"


def _alarm_constructions(path: Path) -> list[tuple[str, int]]:
    """Where ``path`` names MetricAlarm/CompositeAlarm other than in a type annotation.

    A call (``aws.cloudwatch.MetricAlarm(...)``), an import of the class or an alias of it
    all count; annotations (``dict[str, aws.cloudwatch.MetricAlarm]``) do not.
    """
    tree = ast.parse(path.read_text(), filename=str(path))
    annotations: set[int] = set()
    for node in ast.walk(tree):
        for annotation in (getattr(node, "annotation", None), getattr(node, "returns", None)):
            if annotation is not None:
                annotations.update(id(n) for n in ast.walk(annotation))
    # A class name as a string reaches the class only through getattr(cloudwatch, "..."); the
    # same words elsewhere are data (DescribeAlarms' AlarmTypes values).
    looked_up = {id(a) for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and isinstance(node.func, ast.Name) and node.func.id == "getattr"
                 for a in node.args}
    found = []
    for node in ast.walk(tree):
        if id(node) in annotations:
            continue
        named = ((isinstance(node, ast.Attribute) and node.attr in ALARM_CLASSES)
                 or (isinstance(node, ast.Name) and node.id in ALARM_CLASSES)
                 or (isinstance(node, ast.alias) and node.name in ALARM_CLASSES))
        is_string = (isinstance(node, ast.Constant) and isinstance(node.value, str)
                     and node.value in ALARM_CLASSES and id(node) in looked_up)
        if named or is_string:
            found.append((path.name, getattr(node, "lineno", 0)))
    return sorted(found)


def _sources() -> list[Path]:
    roots = [ROOT / d for d in ("components", "functions", "tools", "policy")]
    files = [p for r in roots for p in r.rglob("*.py")]
    return [*files, ROOT / "__main__.py"]


def test_only_the_alarm_factory_creates_alarms() -> None:
    sources = _sources()
    assert OWNER in sources
    assert len(sources) > 50  # the walk really covers the tree
    stray = [(str(path.relative_to(ROOT)), line) for path in sources if path != OWNER
             for _name, line in _alarm_constructions(path)]
    assert stray == []
    assert len(_alarm_constructions(OWNER)) >= 2  # the factory's own two calls are seen


def test_the_source_check_sees_calls_imports_and_aliases(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import pulumi_aws as aws\n"
        "from pulumi_aws.cloudwatch import MetricAlarm\n"
        "alarms: dict[str, aws.cloudwatch.MetricAlarm] = {}\n"
        "def f() -> aws.cloudwatch.CompositeAlarm: ...\n"
        "make = aws.cloudwatch.CompositeAlarm\n"
        "aws.cloudwatch.MetricAlarm('x')\n"
        "getattr(aws.cloudwatch, 'MetricAlarm')\n")
    assert [line for _name, line in _alarm_constructions(probe)] == [2, 5, 6, 7]
