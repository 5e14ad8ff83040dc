"""Session length and page performance come from RUM: the widgets on the prod boards."""

from __future__ import annotations

import json
from typing import Any

from tests.helpers import prod_features_switched, stack_registry
from tools.mock_runtime import Registry

MONITOR = "aws:rum/appMonitor:AppMonitor"


def _board(registry: Registry, board: str) -> dict[str, Any]:
    (body,) = [json.loads(r.inputs["dashboardBody"])
               for r in registry.by_type("aws:cloudwatch/dashboard:Dashboard")
               if r.inputs["dashboardName"] == f"marketplace-prod-{board}"]
    return body


def _widget(body: dict[str, Any], title: str) -> dict[str, Any]:
    (widget,) = [w for w in body["widgets"] if w["properties"].get("title") == title]
    return widget


def test_session_length_is_rum_session_duration_of_the_app_monitor() -> None:
    registry = stack_registry("prod")
    (monitor,) = registry.by_type(MONITOR)
    props = _widget(_board(registry, "customer-success"), "Session length (ms)")["properties"]
    assert props["metrics"] == [
        ["AWS/RUM", "SessionDuration", "application_name", monitor.inputs["name"],
         {"stat": "p50", "label": "session p50"}],
        ["AWS/RUM", "SessionDuration", "application_name", monitor.inputs["name"],
         {"stat": "p90", "label": "session p90"}],
    ]
    assert props["period"] == 3600
    pages = _widget(_board(registry, "customer-success"),
                    "Pages per session and time on page")["properties"]["metrics"]
    assert [row[1] for row in pages] == ["PageViewCountPerSession", "TimeOnPage"]


def test_page_performance_is_on_the_operations_board_with_web_vital_limits() -> None:
    registry = stack_registry("prod")
    (monitor,) = registry.by_type(MONITOR)
    ops = _board(registry, "operations")
    load = _widget(ops, "Page load time (ms)")["properties"]
    assert [(row[1], row[3], row[4]["stat"]) for row in load["metrics"]] == [
        ("PerformanceNavigationDuration", monitor.inputs["name"], "p50"),
        ("PerformanceNavigationDuration", monitor.inputs["name"], "p75"),
        ("PerformanceNavigationDuration", monitor.inputs["name"], "p90"),
    ]
    lcp = _widget(ops, "Largest contentful paint (p75)")["properties"]
    assert lcp["metrics"][0][:2] == ["AWS/RUM", "WebVitalsLargestContentfulPaint"]
    assert lcp["annotations"]["horizontal"][0]["value"] == 2500
    inp = _widget(ops, "Interaction to next paint (p75)")["properties"]
    assert inp["annotations"]["horizontal"][0]["value"] == 200
    cls = _widget(ops, "Cumulative layout shift (p75)")["properties"]
    assert cls["annotations"]["horizontal"][0]["value"] == 0.1


def test_no_rum_widgets_without_an_app_monitor() -> None:
    registry = prod_features_switched()  # rumEnabled: false
    assert registry.by_type(MONITOR) == []
    for board in ("customer-success", "operations"):
        rows = [row for w in _board(registry, board)["widgets"]
                for row in w["properties"].get("metrics", []) if isinstance(row[0], str)]
        assert not [row for row in rows if row[0] == "AWS/RUM"]
