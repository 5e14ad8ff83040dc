"""The catalog and the alarm factory: generated thresholds and overrides give valid alarms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.blocks.monitored_items import Kind, MonitoredItem
from components.config import ThresholdOverride
from components.observability import alarm_factory
from components.observability.catalog import (
    CATALOG,
    SEVERITIES,
    anchor,
    check_override,
    for_operations,
    specs_for,
)
from components.observability.thresholds import Thresholds

RUNBOOK = Path(__file__).resolve().parents[3] / "docs" / "runbooks.md"
# From the PutMetricAlarm API reference.
API_STATISTICS = {"SampleCount", "Average", "Sum", "Minimum", "Maximum"}
API_COMPARISONS = {
    "GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
    "LessThanOrEqualToThreshold", "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold", "GreaterThanUpperThreshold",
}
API_MISSING = {"breaching", "notBreaching", "ignore", "missing"}
PERCENTILE = re.compile(r"^p(\d{1,2}(\.\d+)?|100)$")
ATTRIBUTES = {"timeout_ms": 10_000, "reserved_concurrency": 50, "consumes_stream": True,
              "provisioned_concurrency": 0, "log_group": "/aws/lambda/x", "cache_enabled": True,
              "billing_mode": "PROVISIONED", "read_capacity": 5, "write_capacity": 5,
              "node_count": 3, "shard_count": 2, "buffer_seconds": 300, "dead_letter": True,
              "serverless": True, "operations": ("GetItem", "Query"),
              "namespace": "marketplace/dev"}
ENTRIES = [(kind, spec) for kind, specs in CATALOG.items() for spec in specs]


def _item(kind: Kind, attributes: dict | None = None) -> MonitoredItem:
    return MonitoredItem(kind=kind, name=f"marketplace-dev-{kind.value}-x",
                         dimensions={"Name": "x"}, region="us-east-1", owner="team",
                         attributes=ATTRIBUTES if attributes is None else attributes)


def _assert_valid(plan: alarm_factory.AlarmPlan) -> None:
    """PutMetricAlarm's constraints, restated from its reference rather than the factory."""
    assert plan.comparison_operator in API_COMPARISONS
    assert plan.treat_missing_data in API_MISSING
    assert plan.period in (10, 30) or (plan.period % 60 == 0 and plan.period > 0)
    assert 1 <= plan.datapoints_to_alarm <= plan.evaluation_periods
    limit = 7 * 86400 if plan.period >= 3600 else 86400
    assert plan.period * plan.evaluation_periods <= limit
    if plan.metric_name is not None:
        assert plan.statistic in API_STATISTICS or PERCENTILE.match(plan.statistic or "")
        assert plan.expression is None
    else:
        assert plan.expression
        for q in plan.queries:
            assert q.stat in API_STATISTICS or PERCENTILE.match(q.stat)
            assert re.match(r"^[a-z]", q.id)
            assert q.id in plan.expression
    assert len(plan.alarm_name) <= 255
    assert len(plan.description) <= 1024
    assert alarm_factory.problems(plan) == []


def test_every_kind_has_a_catalog_entry() -> None:
    assert set(CATALOG) == set(Kind)
    for kind, specs in CATALOG.items():
        metrics = [s.metric for s in specs]
        assert len(metrics) == len(set(metrics)), kind


@pytest.mark.parametrize(("kind", "spec"), ENTRIES, ids=[f"{k}-{s.metric}" for k, s in ENTRIES])
def test_each_catalog_entry_plans_valid_alarms(kind: Kind, spec) -> None:
    item = _item(kind)
    assert spec.applies_to(item)
    spec = for_operations(spec, ("GetItem", "Query"))
    # A severity whose default is None has no alarm (an SNS topic's failures: critical only).
    severities = [s for s in SEVERITIES if spec.default(s) is not None]
    assert severities
    for severity in severities:
        threshold = Thresholds(()).resolve(item, spec, severity)
        assert threshold is not None
        plan = alarm_factory.plan(component="c", prefix="marketplace-dev",
                                  runbook_base_url="https://x/runbooks.md", item=item,
                                  spec=spec, severity=severity, threshold=threshold.value)
        _assert_valid(plan)
        assert plan.alarm_name == f"marketplace-dev-{kind.value}-x-{spec.metric}-{severity}"
        assert plan.description.endswith(f"#{anchor(kind, spec.metric)}")


def test_every_catalog_entry_has_its_runbook_anchor() -> None:
    anchors = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', RUNBOOK.read_text()))
    missing = [anchor(k, s.metric) for k, s in ENTRIES if anchor(k, s.metric) not in anchors]
    assert missing == []


@settings(max_examples=60, deadline=None)
@given(
    entry=st.sampled_from(ENTRIES),
    warning=st.floats(min_value=0, max_value=100, allow_nan=False),
    spread=st.floats(min_value=0, max_value=100, allow_nan=False),
    per_item=st.booleans(),
    timeout_ms=st.integers(min_value=1000, max_value=900_000),
)
def test_generated_overrides_give_valid_alarm_inputs(entry, warning: float, spread: float,
                                                     per_item: bool, timeout_ms: int) -> None:
    kind, spec = entry
    # Keep warning on the safe side of critical, whichever way the metric is bad.
    critical = warning + spread if spec.rising else max(0.0, warning - spread)
    if spec.maximum is not None:
        warning, critical = min(warning, spec.maximum), min(critical, spec.maximum)
        if spec.rising:
            warning = min(warning, critical)
    item = _item(kind, {**ATTRIBUTES, "timeout_ms": timeout_ms})
    spec = for_operations(spec, ("GetItem", "Query"))
    scope = item.name if per_item else kind.value
    overrides = []
    for severity, value in (("warning", warning), ("critical", critical)):
        assert check_override(scope, spec.metric, severity, value) is None
        overrides.append(ThresholdOverride(f"k/{severity}", scope, spec.metric, severity,
                                           value))
    thresholds = Thresholds(overrides)
    thresholds.validate([item])
    for severity, value in (("warning", warning), ("critical", critical)):
        resolved = thresholds.resolve(item, spec, severity)
        assert resolved is not None
        assert resolved.configured == value
        if spec.relative_to is not None:
            base = item.attributes[spec.relative_to]
            assert resolved.value == pytest.approx(value * base / 100)
        else:
            assert resolved.value == value
        plan = alarm_factory.plan(component="c", prefix="marketplace-dev",
                                  runbook_base_url="https://x/runbooks.md", item=item,
                                  spec=spec, severity=severity, threshold=resolved.value)
        _assert_valid(plan)
        inputs = alarm_factory.inputs(plan)
        assert inputs["threshold"] == resolved.value
        assert inputs["evaluation_periods"] >= inputs["datapoints_to_alarm"]
        assert ("metric_queries" in inputs) == (spec.expression is not None)


@settings(max_examples=60, deadline=None)
@given(period=st.integers(min_value=1, max_value=7 * 86400),
       evaluations=st.integers(min_value=1, max_value=100),
       datapoints=st.integers(min_value=1, max_value=100))
def test_factory_refuses_what_cloudwatch_refuses(period: int, evaluations: int,
                                                 datapoints: int) -> None:
    kind, spec = ENTRIES[0]
    plan = alarm_factory.plan(component="c", prefix="p", runbook_base_url="https://x",
                              item=_item(kind), spec=spec, severity="warning", threshold=1)
    from dataclasses import replace

    plan = replace(plan, period=period, evaluation_periods=evaluations,
                   datapoints_to_alarm=datapoints)
    limit = 7 * 86400 if period >= 3600 else 86400
    valid = ((period in (10, 30) or period % 60 == 0) and datapoints <= evaluations
             and period * evaluations <= limit)
    assert (alarm_factory.problems(plan) == []) == valid
    if not valid:
        with pytest.raises(ValueError, match=plan.alarm_name):
            alarm_factory.create(plan, "arn:aws:sns:us-east-1:1:t", None)  # type: ignore[arg-type]


@pytest.mark.parametrize(("scope", "metric", "severity", "value", "message"), [
    ("lambda", "error-rate", "page", 1, "severity"),
    ("lambda", "cache-hit-ratio", "warning", 1, "not in the catalog for kind 'lambda'"),
    ("some-item", "no-such-metric", "warning", 1, "any kind"),
    ("lambda", "error-rate", "warning", 101, "above the maximum 100"),
    ("lambda", "throttles", "warning", -1, "negative"),
])
def test_bad_overrides_are_explained(scope: str, metric: str, severity: str, value: float,
                                     message: str) -> None:
    assert message in (check_override(scope, metric, severity, value) or "")


def test_per_operation_alarms_read_exactly_the_items_operations() -> None:
    item = _item(Kind.DYNAMODB_TABLE, {"operations": ("GetItem", "TransactWriteItems")})
    specs = {s.metric: s for s in specs_for(item)}
    latency, errors = specs["request-latency"], specs["system-errors"]
    assert [(q.metric_name, q.extra_dimensions) for q in latency.queries] == [
        ("SuccessfulRequestLatency", (("Operation", "GetItem"),)),
        ("SuccessfulRequestLatency", (("Operation", "TransactWriteItems"),)),
    ]
    assert latency.expression == "MAX([op0, op1])"
    assert errors.expression == "FILL(op0, 0) + FILL(op1, 0)"
    # A table whose handler calls nothing known gets no per-operation alarm at all.
    bare = {s.metric for s in specs_for(_item(Kind.DYNAMODB_TABLE, {}))}
    assert not bare & {"request-latency", "system-errors"}
