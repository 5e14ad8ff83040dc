"""How the budget and the anomaly monitor select the stack's resources (pure functions)."""

from __future__ import annotations

import json

from components.cost.component import budget_filter, monitor_specification


def test_budget_filters_on_the_stack_cost_allocation_tag() -> None:
    assert budget_filter("qa") == "user:stack$qa"


def test_anomaly_monitor_matches_the_stack_tag_exactly() -> None:
    assert json.loads(monitor_specification("qa")) == {
        "Tags": {"Key": "stack", "Values": ["qa"], "MatchOptions": ["EQUALS"]}}
