"""The ceiling travels on the budget's tag; over it, one message names the figures."""

from __future__ import annotations

from typing import Any

from components.cost.component import CEILING_TAG as COMPONENT_TAG
from policy.cost.ceiling import CEILING_TAG, ceiling, over_ceiling
from policy.cost.estimate import estimate
from policy.plan import Plan, PlanResource


def res(type_: str, logical: str, **props: Any) -> PlanResource:
    return PlanResource(type=type_, name=logical, urn=f"urn:{logical}", props=props)


KEYS = tuple(res("aws:kms/key:Key", f"key{i}") for i in range(3))  # $3.00 a month


def budget(tags: dict[str, str] | None) -> PlanResource:
    return res("aws:budgets/budget:Budget", "budget", tags=tags)


def test_the_component_and_the_pack_agree_on_the_tag() -> None:
    assert COMPONENT_TAG == CEILING_TAG == "fixed-cost-ceiling-usd"


def test_no_budget_or_no_tag_means_no_ceiling() -> None:
    assert ceiling(Plan(KEYS)) is None
    assert ceiling(Plan((budget(None),))) is None
    assert ceiling(Plan((budget({"owner": "x"}),))) is None
    assert ceiling(Plan((budget({CEILING_TAG: "12.5"}),))) == 12.5


def test_at_the_ceiling_is_within_and_a_cent_under_is_over() -> None:
    at = Plan((*KEYS, budget({CEILING_TAG: "3"})))
    assert over_ceiling(at, estimate(at)) is None
    under = Plan((*KEYS, budget({CEILING_TAG: "2.99"})))
    assert over_ceiling(under, estimate(under)) == (
        "the fixed monthly cost $3.00 is over costCeilingUsd $2.99 (largest: kms.key $3.00); "
        "raise the ceiling or turn features off (docs/cost.md)")
