"""The executive board's growth, expected-range and security-status widgets."""

from __future__ import annotations

import json
from typing import Any

from components.blocks.monitored_items import Kind, MonitoredItem
from components.observability.executive_trends import (
    banded_metrics,
    expected_range_widgets,
    growth_widgets,
)
from components.observability.security_status import finding_rules, security_widgets
from tests.helpers import stack_registry

NS = "marketplace/test"


def _rule(name: str, source: str | None, severity: str) -> MonitoredItem:
    return MonitoredItem(kind=Kind.EVENTBRIDGE_RULE, name=name, dimensions={"RuleName": name},
                         region="eu-west-1", owner="platform",
                         attributes={"event_source": source, "severity": severity})


def test_growth_compares_two_buckets_of_a_week_and_of_30_days() -> None:
    week, month, trend = growth_widgets(NS, "eu-west-1", ("Registrations",))
    assert week["properties"]["period"] == 604800
    assert week["properties"]["start"] == "-P14D"
    assert month["properties"]["period"] == 2592000
    assert month["properties"]["start"] == "-P60D"
    assert week["properties"]["view"] == month["properties"]["view"] == "singleValue"
    hidden, expression = week["properties"]["metrics"]
    assert hidden == [NS, "Registrations", "service", "business", {"id": "m", "visible": False}]
    assert expression[0]["expression"] == (
        "IF(m - DIFF(m) > 0, 100 * DIFF(m) / (m - DIFF(m)), 0)")
    assert trend["properties"]["view"] == "bar"
    assert trend["properties"]["start"] == "-P12W"
    assert trend["properties"]["period"] == 604800


def test_growth_covers_each_headline_kpi_with_three_widgets() -> None:
    widgets = growth_widgets(NS, "eu-west-1")
    kpis = [w["properties"]["metrics"][0][1] for w in widgets]
    assert kpis == ["Registrations"] * 3 + ["ListingsCreated"] * 3 + ["Searches"] * 3 + [
        "ContactRequests"] * 3 + ["Payments"] * 3


def test_expected_range_draws_the_band_of_each_zero_filled_anomaly_kpi() -> None:
    # The search success rate is a ratio alarm: its band is not the band of one count.
    assert banded_metrics() == ("ListingsCreated", "Registrations", "Searches")
    widgets = expected_range_widgets(NS, "eu-west-1", 2.5)
    assert [w["properties"]["title"] for w in widgets] == [
        "ListingsCreated · expected range", "Registrations · expected range",
        "Searches · expected range"]
    band = widgets[0]["properties"]["metrics"][1][0]
    assert band == {"expression": "ANOMALY_DETECTION_BAND(m, 2.5)", "label": "expected",
                    "id": "band"}
    assert widgets[0]["properties"]["period"] == 3600
    assert widgets[0]["properties"]["start"] == "-P14D"


def test_findings_are_graphed_per_source_most_severe_first() -> None:
    items = [_rule("gd-low", "aws.guardduty", "info"), _rule("gd-high", "aws.guardduty",
                                                               "critical"),
             _rule("gd-medium", "aws.guardduty", "warning"),
             _rule("health", "aws.health", "critical")]
    assert [i.name for i in finding_rules(items, "aws.guardduty")] == [
        "gd-high", "gd-medium", "gd-low"]
    (graph,) = security_widgets(items, "eu-west-1", [])
    assert graph["properties"]["title"] == "GuardDuty findings by severity"
    assert graph["properties"]["metrics"] == [
        ["AWS/Events", "MatchedEvents", "RuleName", "gd-high", {"label": "critical"}],
        ["AWS/Events", "MatchedEvents", "RuleName", "gd-medium", {"label": "warning"}],
        ["AWS/Events", "MatchedEvents", "RuleName", "gd-low", {"label": "info"}],
    ]


def test_no_findings_and_no_alarms_give_no_security_widgets() -> None:
    assert security_widgets([_rule("health", "aws.health", "critical")], "eu-west-1", []) == []
    (status,) = security_widgets([], "eu-west-1", ["arn:aws:cloudwatch:eu-west-1:1:alarm:a"])
    assert status["type"] == "alarm"
    assert status["properties"]["alarms"] == ["arn:aws:cloudwatch:eu-west-1:1:alarm:a"]


def _executive(stack: str) -> tuple[Any, dict[str, Any]]:
    registry = stack_registry(stack)
    (board,) = [r for r in registry.by_type("aws:cloudwatch/dashboard:Dashboard")
                if r.inputs["dashboardName"].endswith("-executive")]
    return registry, json.loads(board.inputs["dashboardBody"])


def test_prod_security_status_names_the_deployed_finding_rules_and_cis_alarms() -> None:
    registry, body = _executive("prod")
    graphs = {w["properties"]["title"]: w for w in body["widgets"] if w["type"] == "metric"}
    rules = {r.inputs["name"]: r for r in registry.by_type("aws:cloudwatch/eventRule:EventRule")}
    for title, source in (("GuardDuty findings by severity", "aws.guardduty"),
                          ("Security Hub new findings by severity", "aws.securityhub")):
        rows = graphs[title]["properties"]["metrics"]
        assert [row[4]["label"] for row in rows] == ["critical", "warning", "info"]
        for row in rows:
            assert json.loads(rules[row[3]].inputs["eventPattern"])["source"] == [source]
    (status,) = [w for w in body["widgets"]
                 if w["type"] == "alarm" and w["properties"]["title"] == "CIS and audit-log alarms"]
    cis = {r.outputs["arn"] for r in registry.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")
           if str(r.inputs.get("namespace", "")).endswith("/CISBenchmark")}
    assert len(cis) >= 10
    assert cis <= set(status["properties"]["alarms"])


def test_prod_executive_board_has_growth_and_expected_range_sections() -> None:
    # Dev builds only the developer board (dashboards beyond three are billed).
    _registry, body = _executive("prod")
    headings = [w["properties"]["markdown"].split("\n")[0] for w in body["widgets"]
                if w["type"] == "text"]
    assert "## Growth" in headings
    assert "## Expected range" in headings
