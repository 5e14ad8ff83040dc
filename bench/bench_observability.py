"""Observability derivation scales linearly: cost per monitored item at 400 items vs 100.

Derivation = threshold validation, one alarm plan per (item, catalog entry, severity),
composite rules, and the four dashboard bodies serialised to JSON — everything the
component computes before handing resources to Pulumi. A ratio near 1 means adding a
function costs the same however many the stack already has.
"""

from __future__ import annotations

import gc
import json
import time

from bench import Measurement
from components.blocks.monitored_items import GLOBAL_KINDS, Kind, MonitoredItem
from components.observability import alarm_factory, composites, dashboards
from components.observability.catalog import SEVERITIES, specs_for
from components.observability.dashboards import AlarmRef, DashboardInputs
from components.observability.thresholds import Thresholds

ATTRIBUTES = {"timeout_ms": 10_000, "reserved_concurrency": 50, "consumes_stream": True,
              "cache_enabled": True, "billing_mode": "PROVISIONED", "buffer_seconds": 300,
              "dead_letter": True}
KINDS = [k for k in Kind if k not in GLOBAL_KINDS]


def _items(count: int) -> list[MonitoredItem]:
    return [
        MonitoredItem(kind=KINDS[i % len(KINDS)], name=f"marketplace-prod-item{i}",
                      dimensions={"Name": f"item{i}"}, region="us-east-1", owner="team",
                      attributes=ATTRIBUTES)
        for i in range(count)
    ]


def derive(items: list[MonitoredItem]) -> int:
    """Everything the component computes from ``items``; returns the bytes of dashboards."""
    thresholds = Thresholds(())
    thresholds.validate(items)
    refs: dict[tuple[str, str, str], AlarmRef] = {}
    names: dict[tuple[str, str, str], str] = {}
    for item in items:
        for spec in specs_for(item):
            for severity in SEVERITIES:
                t = thresholds.resolve(item, spec, severity)
                if t is None:
                    continue
                plan = alarm_factory.plan(component="c", prefix="marketplace-prod",
                                          runbook_base_url="https://x", item=item, spec=spec,
                                          severity=severity, threshold=t.value)
                assert not alarm_factory.problems(plan)
                key = (item.name, spec.metric, severity)
                names[key] = plan.alarm_name
                refs[key] = AlarmRef(plan.alarm_name, f"arn:{plan.alarm_name}", t.value)
    for spec in composites.COMPOSITES:
        composites.rule(spec, tuple(items[:200]), names)  # a rule holds at most ~200 alarms
    inputs = DashboardInputs(prefix="marketplace-prod", region="us-east-1",
                             namespace="marketplace/prod", start_hours=3, items=items,
                             alarms=refs)
    return sum(len(json.dumps(page)) for build in dashboards.BUILDERS.values()
               for page in dashboards.paginate(build(inputs)))


def _per_item_ms(count: int, repeats: int = 5) -> float:
    items = _items(count)
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        gc.disable()  # collections triggered by the other size's garbage skew the minimum
        try:
            started = time.perf_counter()
            derive(items)
            best = min(best, time.perf_counter() - started)
        finally:
            gc.enable()
    return best * 1000 / count


def measure() -> list[Measurement]:
    """Per-item derivation cost at 400 items against 100 items."""
    small = _per_item_ms(100)
    large = _per_item_ms(400)
    return [Measurement(
        name="observability ms/item 400 vs 100",
        value=large, unit="ms/item", baseline=small, target=1.5, better="lower",
        note="alarm plans, composites and dashboard JSON; ratio ~1 = linear (below ~100 "
             "items the working set sits in CPU caches and per-item cost is lower still)",
    )]
