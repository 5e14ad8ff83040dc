"""The cost section of the offline preview: fixed monthly cost, and the cost with traffic.

The figures come from :mod:`policy.cost` (the same estimate the policy pack's ceiling rule
makes); this module lays them out as the preview's text table and its ``--json`` ``cost``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from policy.cost.ceiling import ceiling, over_ceiling
from policy.cost.estimate import Estimate, Line, estimate, stack_region
from policy.cost.price_table import table
from policy.cost.traffic import BATCH, DURATION_MS, EVENT_KB, LOG_KB_PER_REQUEST, traffic
from policy.plan import Plan

WIDTH = 44


@dataclass(frozen=True)
class CostReport:
    """A plan's fixed cost, its cost at the configured traffic, and its ceiling."""

    fixed: Estimate
    usage: tuple[Line, ...]
    requests: int
    events: int
    region: str
    ceiling: float | None
    over: str | None

    @property
    def with_traffic(self) -> float:
        """Fixed cost plus the traffic's."""
        return self.fixed.total + sum(line.monthly_usd for line in self.usage)

    def by(self, key: str) -> list[tuple[str, float, float]]:
        """``(name, fixed, with traffic)`` per component or type, dearest first."""
        fixed = self.fixed.by(key)
        extra: dict[str, float] = defaultdict(float)
        for line in self.usage:
            extra[getattr(line, key)] += line.monthly_usd
        names = sorted(set(fixed) | set(extra),
                       key=lambda n: (-(fixed.get(n, 0) + extra[n]), n))
        return [(n, fixed.get(n, 0.0), fixed.get(n, 0.0) + extra[n]) for n in names]


def report(plan: Plan, requests: int, events: int) -> CostReport:
    """The cost report of ``plan`` at ``requests`` and ``events`` a month."""
    fixed = estimate(plan)
    return CostReport(fixed, traffic(plan, requests, events), requests, events,
                      stack_region(plan), ceiling(plan), over_ceiling(plan, fixed))


def _row(name: str, fixed: float, with_traffic: float) -> str:
    shown = name if len(name) <= WIDTH else name[: WIDTH - 1] + "…"
    return f"    {shown:{WIDTH}} {fixed:>10,.2f} {with_traffic:>14,.2f}"


def _quantity(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.4g}"


def text(r: CostReport) -> str:
    """The preview's closing cost table."""
    head = f"    {'':{WIDTH}} {'fixed':>10} {'with traffic':>14}"
    lines = ["", f"Cost (USD a month at list prices, {r.region}; docs/cost.md):", "",
             head.replace(" " * (WIDTH + 4), "    By component".ljust(WIDTH + 4), 1)]
    lines += [_row(*row) for row in r.by("component")]
    lines += ["", head.replace(" " * (WIDTH + 4), "    By resource type".ljust(WIDTH + 4), 1)]
    lines += [_row(*row) for row in r.by("type")]
    lines += ["", _row("Total", r.fixed.total, r.with_traffic), "",
              f"    Traffic: {r.requests:,} API requests and {r.events:,} events a month",
              "    (costRequestsPerMonth, costEventsPerMonth), at these unit prices:"]
    lines += [f"      {line.item:32} {_quantity(line.quantity):>12} {line.unit:17} × "
              f"${line.unit_usd:<11g} = ${line.monthly_usd:,.2f}" for line in r.usage]
    if r.ceiling is not None:
        verdict = "OVER" if r.over else "within"
        lines.append(f"    Ceiling: ${r.ceiling:,.2f} a month fixed (costCeilingUsd): {verdict}")
    return "\n".join(lines)


def _line(line: Line) -> dict[str, Any]:
    return {"component": line.component, "type": line.type, "resource": line.resource,
            "item": line.item, "quantity": round(line.quantity, 6), "unit": line.unit,
            "unitUsd": line.unit_usd, "monthlyUsd": round(line.monthly_usd, 4),
            "basis": line.basis}


def as_json(r: CostReport) -> dict[str, Any]:
    """The ``cost`` member of the preview's ``--json`` document."""
    prices = table()
    used = {line.item: line.region for line in (*r.fixed.lines, *r.usage)}
    return {
        "currency": "USD",
        "region": r.region,
        "fixedMonthlyUsd": round(r.fixed.total, 2),
        "withTrafficMonthlyUsd": round(r.with_traffic, 2),
        "ceilingUsd": r.ceiling,
        "overCeiling": r.over is not None,
        "byComponent": {n: {"fixedUsd": round(f, 2), "withTrafficUsd": round(t, 2)}
                        for n, f, t in r.by("component")},
        "byType": {n: {"fixedUsd": round(f, 2), "withTrafficUsd": round(t, 2)}
                   for n, f, t in r.by("type")},
        "assumptions": {
            "requestsPerMonth": r.requests, "eventsPerMonth": r.events, "hoursPerMonth": 730,
            "requestDurationMs": DURATION_MS, "logKbPerRequest": LOG_KB_PER_REQUEST,
            "eventKb": EVENT_KB, "streamBatchSize": BATCH,
            "freeTiers": "stated per price, not subtracted: the stack does not own its account",
        },
        "unitPrices": {item: {"usd": (p := prices.get(item, region)).usd, "unit": p.unit,
                              "source": p.source, "readOn": p.read_on.isoformat(),
                              "freeTier": p.free_tier}
                       for item, region in sorted(used.items())},
        "lines": [_line(line) for line in r.fixed.lines],
        "trafficLines": [_line(line) for line in r.usage],
    }
