"""The pack's fixed-cost-ceiling rule: both stacks are within theirs; a lower one fails."""

from __future__ import annotations

import dataclasses

import pytest

from policy.cost.ceiling import CEILING_TAG
from policy.plan import Plan
from policy.rules import all_stack_rules
from tests.helpers import plan, stack_registry

RULE = {r.name: r for r in all_stack_rules()}["fixed-cost-ceiling"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_both_stacks_are_within_their_ceiling(stack: str) -> None:
    assert RULE.violations(plan(stack_registry(stack))) == []


def test_a_ceiling_below_the_fixed_cost_names_the_budget_and_the_figures() -> None:
    dev = plan(stack_registry("dev"))
    lowered = Plan(tuple(
        dataclasses.replace(r, props={**r.props, "tags": {**r.props["tags"], CEILING_TAG: "25"}})
        if r.type == "aws:budgets/budget:Budget" else r for r in dev))
    [(name, message)] = RULE.violations(lowered)
    assert name == "marketplace-dev-cost-monthly"
    assert message.startswith("the fixed monthly cost $29.95 is over costCeilingUsd $25.00 "
                              "(largest: kinesis.provisioned.shard_hour $10.95,")
