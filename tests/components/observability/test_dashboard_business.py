"""The business rows: what the executive and customer-success dashboards show of §2 and §3."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.observability.dashboard_business import customer_success_rows, executive_rows
from components.observability.dashboards import DashboardInputs
from components.observability.widgets import Grid
from tests.components.observability.program import cached

DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"


def inputs() -> DashboardInputs:
    return DashboardInputs(prefix="marketplace-dev", region="eu-west-1",
                           namespace="marketplace/dev", start_hours=3, items=(), alarms={})


def by_title(grid: Grid) -> dict[str, dict[str, Any]]:
    return {w["properties"]["title"]: w["properties"] for w in grid.widgets
            if w["type"] == "metric"}


def test_executive_rows() -> None:
    grid = Grid()
    executive_rows(inputs(), grid, 12_000.0)
    widgets = by_title(grid)
    assert set(widgets) == {"Revenue per day", "MRR added and churned per day",
                            "Subscriptions", "Net promoter score",
                            "Acquisition cost (USD per registration)", ACTIVE}
    revenue = widgets["Revenue per day"]["metrics"]
    assert revenue[0] == ["marketplace/dev", "RevenueMinor", "service", "business",
                          "currency", "USD", {"label": "USD"}]
    assert len(revenue) == 12  # one row per declared currency, never a cross-currency sum
    # 12,000 USD a month is 394.25 a day (12000 / 30.4375).
    cac = widgets["Acquisition cost (USD per registration)"]["metrics"]
    assert cac[-1] == [{"expression": "IF(registrations > 0, 394.25 / registrations, 0)",
                        "label": "spend 12000 USD/month ÷ registrations", "id": "result"}]
    assert widgets["Net promoter score"]["metrics"][-1][0]["expression"] == (
        "IF(answers > 0, 100 * (promoters - detractors) / answers, 0)")


ACTIVE = "Active users (DAU, WAU, MAU; HyperLogLog, ±4.9 %)"


def test_active_users_are_the_maximum_of_each_period() -> None:
    grid = Grid()
    customer_success_rows(inputs(), grid)
    rows = by_title(grid)[ACTIVE]["metrics"]
    assert rows == [
        ["marketplace/dev", "ActiveUsers", "service", "business", "period", "daily",
         {"label": "DAU", "stat": "Maximum"}],
        ["marketplace/dev", "ActiveUsers", "service", "business", "period", "weekly",
         {"label": "WAU", "stat": "Maximum"}],
        ["marketplace/dev", "ActiveUsers", "service", "business", "period", "monthly",
         {"label": "MAU", "stat": "Maximum"}],
    ]


def test_customer_success_rows() -> None:
    grid = Grid()
    customer_success_rows(inputs(), grid)
    widgets = by_title(grid)
    assert set(widgets) == {
        ACTIVE, "Onboarding steps completed", "Feature adoption (uses)", "Net promoter score",
        "CSAT (mean, 1-5)", "Support tickets", "Mean time to resolve (hours)",
        "Trial-to-paid (%)", "Cancellations", "Listing views by device (mobile vs desktop)",
        "Listing views by country", "Registrations by channel"}
    countries = [row[5] for row in widgets["Listing views by country"]["metrics"]]
    assert countries == ["US", "GB", "DE", "FR", "ES", "IT", "NL", "CA", "AU", "IN", "other"]
    steps = [row[5] for row in widgets["Onboarding steps completed"]["metrics"]]
    assert steps == ["profile_completed", "email_verified", "first_search", "first_listing",
                     "payment_method_added"]
    assert widgets["Mean time to resolve (hours)"]["metrics"][-1][0]["expression"] == (
        "IF(resolved > 0, seconds / resolved / 3600, 0)")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_boards_stay_on_the_grid(stack: str) -> None:
    registry, _b = cached(stack)
    for resource in registry.by_type(DASHBOARD):
        body = json.loads(resource.inputs["dashboardBody"])
        assert len(body["widgets"]) <= 500
        for widget in body["widgets"]:
            assert widget["x"] >= 0
            assert widget["x"] + widget["width"] <= 24
            assert 1 <= widget["height"] <= 1000
            if widget["type"] == "metric":
                assert len(widget["properties"]["metrics"]) <= 500
