"""The overridable alarm metrics: the facts config checks overrides against match the catalog."""

from __future__ import annotations

import pytest

from components.blocks.alarm_metrics import ALARM_METRICS, SEVERITIES, check_override
from components.blocks.monitored_items import Kind
from components.observability.catalog import CATALOG


def test_the_table_names_every_catalog_metric_with_its_maximum() -> None:
    # Config reads this table so it need not import the catalog; the two must not drift.
    from_catalog = {kind.value: {s.metric: s.maximum for s in specs}
                    for kind, specs in CATALOG.items()}
    assert {k: dict(v) for k, v in ALARM_METRICS.items()} == from_catalog
    assert set(ALARM_METRICS) == {k.value for k in Kind}
    assert SEVERITIES == ("warning", "critical")


# (scope, metric, severity, value, the reason or None)
CASES: list[tuple[str, str, str, float, str | None]] = [
    ("lambda", "error-rate", "critical", 100, None),
    ("lambda", "error-rate", "warning", 100.5,
     "threshold 100.5 is above the maximum 100 for 'error-rate'"),
    ("lambda", "throttles", "warning", 5000, None),
    ("lambda", "error-rate", "warning", -1, "threshold -1 is negative"),
    ("lambda", "error-rate", "page", 1, "severity 'page' is not one of warning, critical"),
    ("firehose", "delivery-success", "critical", 1.5,
     "threshold 1.5 is above the maximum 1 for 'delivery-success'"),
    ("sqs-queue", "error-rate", "warning", 1,
     "metric 'error-rate' is not in the catalog for kind 'sqs-queue'; known: depth"),
    # An item name: the metric of any kind, bounded by the smallest maximum among them.
    ("marketplace-prod-api", "5xx-rate", "warning", 50, None),
    ("marketplace-prod-api", "iterator-age", "warning", 90_000, None),
    ("marketplace-prod-api", "cache-hit-rate", "warning", 101,
     "threshold 101 is above the maximum 100 for 'cache-hit-rate'"),
]


@pytest.mark.parametrize(("scope", "metric", "severity", "value", "reason"), CASES)
def test_check_override(scope: str, metric: str, severity: str, value: float,
                        reason: str | None) -> None:
    assert check_override(scope, metric, severity, value) == reason


def test_an_unknown_metric_for_an_item_lists_every_kind_metric() -> None:
    reason = check_override("some-item", "nope", "warning", 1) or ""
    assert reason.startswith("metric 'nope' is not in the catalog for any kind; known: "
                             "4xx-rate, 5xx-rate, cache-hit-rate, cache-hit-ratio, ")
