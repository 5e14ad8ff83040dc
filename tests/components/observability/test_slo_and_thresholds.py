"""SLO window arithmetic and threshold resolution on their own, with values worked by hand."""

from __future__ import annotations

import pytest

from components.blocks.monitored_items import Kind, MonitoredItem, Slo
from components.config import ConfigError, ThresholdOverride
from components.observability import slo
from components.observability.catalog import AlarmSpec
from components.observability.thresholds import Thresholds


@pytest.mark.parametrize(("seconds", "label"), [
    (60, "1m"), (300, "5m"), (1800, "30m"), (3600, "1h"), (7200, "2h"), (21600, "6h"),
    (86400, "1d"), (259200, "3d"), (90000, "25h"), (5400, "90m"), (90, "90s"), (59, "59s"),
])
def test_window_labels_use_the_largest_whole_unit(seconds: int, label: str) -> None:
    assert slo.window_label(seconds) == label


def test_burn_rates_are_the_sre_workbooks_rows() -> None:
    rows = [(r.key, r.factor, r.long_seconds, r.short_seconds, r.severity)
            for r in slo.BURN_RATES]
    assert rows == [("page-fast", 14.4, 3600, 300, "critical"),
                    ("page-slow", 6.0, 21600, 1800, "critical"),
                    ("ticket", 1.0, 259200, 21600, "warning")]
    assert slo.WINDOW_SEVERITY == "info"


def test_objectives_and_their_budgets() -> None:
    both = slo.objectives(Slo(availability_percent=99.9, latency_ms=400, latency_percent=99))
    assert [(o.name, o.latency_ms) for o in both] == [("availability", None), ("latency", 400)]
    assert both[0].budget == pytest.approx(0.001)
    assert both[1].budget == pytest.approx(0.01)
    # A latency objective needs both the bound and the share within it.
    assert slo.objectives(Slo(latency_ms=400)) == ()
    assert slo.objectives(Slo(latency_percent=99)) == ()
    # 100 % leaves no budget to burn: no objective, no alarms.
    assert slo.objectives(Slo(availability_percent=100)) == ()
    (only,) = slo.objectives(Slo(availability_percent=99.99))
    assert only.budget == pytest.approx(0.0001)


def _item(name: str, kind: Kind = Kind.LAMBDA, **extra: object) -> MonitoredItem:
    return MonitoredItem(kind=kind, name=name, dimensions={}, region="eu-west-1", owner="t",
                         **extra)  # type: ignore[arg-type]


def test_items_with_slo_keep_only_items_with_an_objective() -> None:
    kept = _item("a", Kind.API_STAGE, slo=Slo(availability_percent=99.5))
    items = (_item("b"), _item("c", Kind.API_STAGE, slo=Slo(availability_percent=100)), kept)
    assert slo.items_with_slo(items) == [kept]


RISING = AlarmSpec(metric="throttles", title="Throttles", namespace="AWS/Lambda",
                   comparison="GreaterThanThreshold", warning=0, critical=10, unit="",
                   metric_name="Throttles", statistic="Sum")
FALLING = AlarmSpec(metric="hit-rate", title="Hit rate", namespace="N",
                    comparison="LessThanThreshold", warning=80, critical=50, unit="%",
                    metric_name="Hits", statistic="Average")
RELATIVE = AlarmSpec(metric="duration-p99", title="p99", namespace="AWS/Lambda",
                     comparison="GreaterThanThreshold", warning=80, critical=None,
                     unit="% of timeout", metric_name="Duration", statistic="p99",
                     relative_to="timeout_ms")


def _override(scope: str, metric: str, severity: str, value: float) -> ThresholdOverride:
    return ThresholdOverride(f"alarmThresholds[{scope}/{metric}/{severity}]", scope, metric,
                             severity, value)


def test_an_item_override_beats_a_kind_override_which_beats_the_catalog() -> None:
    item, other = _item("p-search"), _item("p-orders")
    thresholds = Thresholds([_override("lambda", "throttles", "critical", 20),
                             _override("p-search", "throttles", "critical", 30)])
    search = thresholds.resolve(item, RISING, "critical")
    orders = thresholds.resolve(other, RISING, "critical")
    catalog = thresholds.resolve(item, RISING, "warning")
    assert search is not None
    assert orders is not None
    assert catalog is not None
    assert (search.value, search.source) == (30, "alarmThresholds[p-search/throttles/critical]")
    assert (orders.value, orders.source) == (20, "alarmThresholds[lambda/throttles/critical]")
    assert (catalog.configured, catalog.value, catalog.source) == (0, 0, None)


def test_relative_thresholds_are_percentages_of_the_attribute() -> None:
    item = _item("p-f", attributes={"timeout_ms": 3000})
    resolved = Thresholds([]).resolve(item, RELATIVE, "warning")
    assert resolved is not None
    assert (resolved.configured, resolved.value) == (80, 2400)
    overridden = Thresholds([_override("lambda", "duration-p99", "warning", 50)]).resolve(
        item, RELATIVE, "warning")
    assert overridden is not None
    assert (overridden.configured, overridden.value) == (50, 1500)
    # No catalog default and no override: no alarm at that severity.
    assert Thresholds([]).resolve(item, RELATIVE, "critical") is None


def test_validate_names_unknown_items_and_inverted_pairs_together() -> None:
    items = [_item("p-search"), _item("p-cache", Kind.ELASTICACHE)]
    thresholds = Thresholds([
        _override("p-nothing", "throttles", "warning", 1),
        _override("lambda", "throttles", "warning", 11),  # above critical 10: inverted
    ])
    with pytest.raises(ConfigError) as raised:
        thresholds.validate(items)
    assert [(p.key, p.message) for p in raised.value.problems] == [
        # The override's key as the Reader wrote it; the pair's key gains the namespace.
        ("alarmThresholds[p-nothing/throttles/warning]",
         "no monitored item is named 'p-nothing'"),
        ("marketplace:alarmThresholds[lambda/throttles/warning]",
         "p-search throttles: warning 11 would fire after critical 10"),
    ]


def test_equal_thresholds_are_not_inverted() -> None:
    Thresholds([_override("lambda", "throttles", "warning", 10)]).validate([_item("p-search")])


def test_falling_metrics_invert_the_other_way() -> None:
    # The catalog's cache hit rate alarms below 80 % (warning) and 50 % (critical); a warning
    # at 40 % would fire after the critical one.
    cache = _item("p-cache", Kind.ELASTICACHE, attributes={"serverless": True})
    with pytest.raises(ConfigError) as raised:
        Thresholds([_override("p-cache", "cache-hit-rate", "warning", 40)]).validate([cache])
    assert [(p.key, p.message) for p in raised.value.problems] == [
        ("marketplace:alarmThresholds[p-cache/cache-hit-rate/warning]",
         "p-cache cache-hit-rate: warning 40 would fire after critical 50")]
    Thresholds([_override("p-cache", "cache-hit-rate", "warning", 60)]).validate([cache])
    falling = Thresholds([]).resolve(cache, FALLING, "critical")
    assert falling is not None
    assert falling.value == 50
