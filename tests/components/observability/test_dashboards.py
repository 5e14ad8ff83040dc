"""The four dashboards: valid CloudWatch widget JSON on the 24-column grid, naming real things."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.blocks.monitored_items import Kind
from components.observability.catalog import CATALOG, CLOUDFRONT_REGION
from components.observability.dashboard_delivery import DELIVERY, QUALITY
from components.observability.dashboards import BILLING_DIMENSIONS, DASHBOARDS
from functions.shared import events
from functions.shared.metrics import BUSINESS_SERVICE
from functions.stream_processor.enrichment import DEVICE_CLASSES, OTHER_COUNTRY, TOP_COUNTRIES
from functions.window_aggregator.active_users import PERIOD_NAMES
from tests.components.observability.program import CLOUDFLARE_SERVICE, OPERATIONS, ZONE_ID, cached
from tools.mock_runtime import Registry

DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
WIDGET_TYPES = {"metric", "text", "alarm", "log"}
VIEWS = {"timeSeries", "singleValue", "bar", "pie", "gauge", "table"}
# Dimension values that are constants of the AWS metrics, not resource names.
# Dimension values from declared lists the stream processor breaks its metrics down by.
DECLARED_VALUES = {*events.CURRENCIES, *events.ONBOARDING_STEPS, *events.FEATURES,
                   *events.SIGNUP_CHANNELS, *events.SURVEY_SCALES, *DEVICE_CLASSES,
                   *TOP_COUNTRIES, OTHER_COUNTRY}
CONSTANT_VALUES = {CLOUDFRONT_REGION, CLOUDFLARE_SERVICE, ZONE_ID, *BILLING_DIMENSIONS.values(),
                   BUSINESS_SERVICE, *OPERATIONS, *DECLARED_VALUES, *PERIOD_NAMES.values(),
                   DELIVERY["service"], QUALITY["service"]}


def _bodies(registry: Registry) -> dict[str, dict[str, Any]]:
    return {r.inputs["dashboardName"]: json.loads(r.inputs["dashboardBody"])
            for r in registry.by_type(DASHBOARD)}


def _recorded_values(registry: Registry) -> set[str]:
    """Every string a recorded resource holds in its inputs or outputs (names, ids, ...)."""
    values: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            values.add(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for resource in registry:
        if resource.type in (DASHBOARD, "aws:cloudwatch/metricAlarm:MetricAlarm",
                             "aws:cloudwatch/compositeAlarm:CompositeAlarm"):
            continue  # the consumers of dimensions must not vouch for themselves
        walk(resource.outputs)
    return values


def _metric_rows(widget: dict[str, Any]) -> list[list[Any]]:
    return [row for row in widget["properties"].get("metrics", []) if isinstance(row[0], str)]


@pytest.fixture(scope="module")
def built() -> tuple[Registry, dict[str, dict[str, Any]], str]:
    registry, b = cached("dev")
    return registry, _bodies(registry), b.prefix


def test_four_dashboards_named_after_the_stack(built) -> None:
    _registry, bodies, prefix = built
    assert set(bodies) == {f"{prefix}-{key}" for key in DASHBOARDS}


def test_widgets_have_cloudwatch_shapes_on_the_grid(built) -> None:
    _registry, bodies, _prefix = built
    for name, body in bodies.items():
        assert isinstance(body["widgets"], list)
        assert 0 < len(body["widgets"]) <= 500
        assert body["start"].startswith("-PT")
        cells: set[tuple[int, int]] = set()
        for widget in body["widgets"]:
            assert widget["type"] in WIDGET_TYPES, name
            x, y, w, h = widget["x"], widget["y"], widget["width"], widget["height"]
            assert x >= 0, (name, widget)
            assert x + w <= 24, (name, widget)
            assert 1 <= w <= 24, (name, widget)
            assert 1 <= h <= 1000, (name, widget)
            covered = {(cx, cy) for cx in range(x, x + w) for cy in range(y, y + h)}
            assert not covered & cells, f"{name}: widgets overlap at {widget}"
            cells |= covered
            props = widget["properties"]
            if widget["type"] == "metric":
                assert props["view"] in VIEWS
                assert props["region"]
                assert props["metrics"]
                for row in props["metrics"]:
                    if isinstance(row[0], dict):
                        assert {"expression", "id"} <= set(row[0])
                    else:
                        dims = row[2:-1] if isinstance(row[-1], dict) else row[2:]
                        assert len(dims) % 2 == 0, row
            elif widget["type"] == "alarm":
                assert 1 <= len(props["alarms"]) <= 100
                assert all(a.startswith("arn:aws:cloudwatch:") for a in props["alarms"])
            elif widget["type"] == "log":
                assert props["query"].startswith("SOURCE '")
            else:
                assert props["markdown"]


def test_every_metric_dimension_names_a_recorded_resource(built) -> None:
    registry, bodies, _prefix = built
    recorded = _recorded_values(registry) | CONSTANT_VALUES
    checked = 0
    for body in bodies.values():
        for widget in body["widgets"]:
            if widget["type"] != "metric":
                continue
            for row in _metric_rows(widget):
                dims = row[2:-1] if isinstance(row[-1], dict) else row[2:]
                for value in dims[1::2]:
                    checked += 1
                    assert value in recorded, f"{row[:2]}: {value!r} names nothing recorded"
    assert checked > 50


def test_every_item_has_its_catalog_graphs_with_alarm_thresholds(built) -> None:
    _registry, bodies, prefix = built
    _same, b = cached("dev")
    titles = {w["properties"].get("title"): w for body in bodies.values()
              for w in body["widgets"] if w["type"] == "metric"}
    for item in b.items:
        for spec in CATALOG[item.kind]:
            title = f"{item.name} · {spec.title}"
            if title not in titles:
                continue  # entries that do not apply to this item have no alarm either
            lines = titles[title]["properties"]["annotations"]["horizontal"]
            # One line per severity the entry alarms at (a topic's failures: critical only).
            assert {line["label"].split(":")[0] for line in lines} == {
                s for s in ("warning", "critical") if spec.default(s) is not None}
            assert all(line["label"].split(": ")[1].startswith(prefix) for line in lines)
    orders = [t for t in titles if t and t.startswith(f"{prefix}-orders ·")]
    assert len(orders) == 3  # the new function: error rate, throttles, p99 duration
    kinds_drawn = {i.kind for i in b.items
                   if any(t and t.startswith(f"{i.name} ·") for t in titles)}
    assert kinds_drawn == set(Kind)


def test_cloudfront_graphs_read_us_east_1(built) -> None:
    _registry, bodies, prefix = built
    cdn = [w for body in bodies.values() for w in body["widgets"]
           if w["type"] == "metric" and w["properties"]["title"].startswith(f"{prefix}-cdn")]
    assert cdn
    assert {w["properties"]["region"] for w in cdn} == {"us-east-1"}


def test_operations_lists_active_alarms_and_developer_has_log_queries(built) -> None:
    registry, bodies, prefix = built
    alarm_arns = {r.outputs["arn"] for r in registry.by_type(
        "aws:cloudwatch/metricAlarm:MetricAlarm")}
    composite_arns = {r.outputs["arn"] for r in registry.by_type(
        "aws:cloudwatch/compositeAlarm:CompositeAlarm")}
    listed = {a for w in bodies[f"{prefix}-operations"]["widgets"] if w["type"] == "alarm"
              for a in w["properties"]["alarms"]}
    assert listed <= alarm_arns | composite_arns
    assert any(a.endswith("-critical") for a in listed)
    logs = [w for w in bodies[f"{prefix}-developer"]["widgets"] if w["type"] == "log"]
    groups = {r.outputs["name"] for r in registry.by_type("aws:cloudwatch/logGroup:LogGroup")
              if r.outputs["name"].startswith("/aws/lambda/")}
    assert logs
    for widget in logs:
        sources = {part.split("'")[1] for part in widget["properties"]["query"].split("|")
                   if part.strip().startswith("SOURCE")}
        assert sources == groups


def test_executive_shows_slo_and_business_kpis(built) -> None:
    registry, bodies, prefix = built
    body = bodies[f"{prefix}-executive"]
    singles = [w for w in body["widgets"]
               if w["type"] == "metric" and w["properties"]["view"] == "singleValue"]
    assert {w["properties"]["metrics"][0][1] for w in singles} == {
        "ListingsCreated", "ListingViews", "Registrations", "Searches", "SearchesWithResults",
        "ContactRequests", "Payments", "SubscriptionsStarted", "TrialsConverted",
        "SubscriptionsCancelled", "TicketsOpened", "TicketsResolved"}
    status = [w for w in body["widgets"] if w["type"] == "alarm"]
    slo_names = {r.inputs["alarmName"] for r in registry.by_type(
        "aws:cloudwatch/compositeAlarm:CompositeAlarm") if "-slo-" in r.inputs["alarmName"]}
    assert status
    assert len(slo_names) == 6


def test_business_graphs_draw_the_anomaly_band(built) -> None:
    _registry, bodies, prefix = built
    from components.observability.anomaly import BUSINESS_ANOMALIES

    widgets = {w["properties"]["title"]: w for w in bodies[f"{prefix}-customer-success"]["widgets"]
               if w["type"] == "metric"}
    listings = BUSINESS_ANOMALIES[0].metrics[0][1]
    expressions = [row[0]["expression"] for row in widgets[listings]["properties"]["metrics"]
                   if isinstance(row[0], dict)]
    assert len(expressions) == 1
    assert expressions[0].startswith("ANOMALY_DETECTION_BAND(m, ")


def test_big_boards_are_split_into_pages_of_500() -> None:
    from components.observability.dashboards import paginate

    widgets = [{"type": "text", "x": (i % 3) * 8, "y": (i // 3) * 2, "width": 8, "height": 2,
                "properties": {"markdown": str(i)}} for i in range(1100)]
    pages = paginate({"start": "-PT3H", "widgets": widgets})
    assert [len(p["widgets"]) for p in pages] == [500, 500, 100]
    assert all(min(w["y"] for w in p["widgets"]) == 0 for p in pages)
    assert [w["properties"] for p in pages for w in p["widgets"]] == [
        w["properties"] for w in widgets]
    assert paginate({"widgets": []}) == [{"widgets": []}]
