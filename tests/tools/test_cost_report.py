"""The preview's cost section laid out from a literal plan (figures by hand)."""

from __future__ import annotations

from typing import Any

from policy.plan import Plan, PlanResource
from tools.cost_report import as_json, report, text


def res(type_: str, logical: str, parent: str = "", **props: Any) -> PlanResource:
    return PlanResource(type=type_, name=logical, urn=f"urn:{logical}", props=props,
                        parent=parent, provider_props={"region": "us-east-1"})


PLAN = Plan((
    res("marketplace:edge:Edge", "edge"),
    res("marketplace:backend:Backend", "backend"),
    res("aws:kms/key:Key", "key", parent="urn:edge"),                      # $1.00
    res("aws:cloudwatch/dashboard:Dashboard", "board", parent="urn:backend"),  # $3.00
    res("aws:apigateway/restApi:RestApi", "rest", parent="urn:backend"),
    res("aws:budgets/budget:Budget", "budget", tags={"fixed-cost-ceiling-usd": "5"}),
))


def test_report_sums_fixed_and_traffic_per_component() -> None:
    r = report(PLAN, 1_000_000, 0)
    # 1 M REST requests x $3.50 on the backend.
    assert r.by("component") == [("backend", 3.0, 6.5), ("edge", 1.0, 1.0)]
    assert (r.fixed.total, r.with_traffic, r.ceiling, r.over) == (4.0, 7.5, 5.0, None)


def test_text_lists_components_types_total_traffic_and_the_ceiling() -> None:
    lines = text(report(PLAN, 1_000_000, 0)).splitlines()
    assert lines[1] == "Cost (USD a month at list prices, us-east-1; docs/cost.md):"
    assert lines[3].split() == ["By", "component", "fixed", "with", "traffic"]
    assert lines[4].split() == ["backend", "3.00", "6.50"]
    assert lines[5].split() == ["edge", "1.00", "1.00"]
    assert "    Total" in "\n".join(lines)
    assert [line.split() for line in lines if line.startswith("    Total")] == [
        ["Total", "4.00", "7.50"]]
    assert lines[-1] == "    Ceiling: $5.00 a month fixed (costCeilingUsd): within"
    assert any(line.split()[:3] == ["apigateway.rest.requests", "1", "million"]
               for line in lines)
    assert max(len(line) for line in lines) <= 100


def test_json_carries_totals_breakdowns_assumptions_and_unit_prices() -> None:
    doc = as_json(report(PLAN, 1_000_000, 0))
    assert (doc["fixedMonthlyUsd"], doc["withTrafficMonthlyUsd"], doc["overCeiling"]) == (
        4.0, 7.5, False)
    assert doc["byComponent"] == {"backend": {"fixedUsd": 3.0, "withTrafficUsd": 6.5},
                                  "edge": {"fixedUsd": 1.0, "withTrafficUsd": 1.0}}
    assert doc["byType"]["aws:apigateway/restApi:RestApi"] == {"fixedUsd": 0.0,
                                                              "withTrafficUsd": 3.5}
    assert doc["assumptions"]["requestsPerMonth"] == 1_000_000
    assert set(doc["unitPrices"]) == {"kms.key", "cloudwatch.dashboard",
                                      "apigateway.rest.requests"}
    assert doc["unitPrices"]["apigateway.rest.requests"]["usd"] == 3.5
    assert [line["item"] for line in doc["trafficLines"]] == ["apigateway.rest.requests"]
