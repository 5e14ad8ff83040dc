"""The fixed-cost ceiling: ``costCeilingUsd``, carried on the stack's budget as a tag.

A CrossGuard stack policy sees the plan, not the stack's config, so the cost component puts
the ceiling on the budget it creates (``components/cost/component.py``), and both the pack
and the offline preview read it back from there.
"""

from __future__ import annotations

from ..plan import Plan
from .estimate import Estimate

BUDGET = "aws:budgets/budget:Budget"
CEILING_TAG = "fixed-cost-ceiling-usd"


def ceiling(plan: Plan) -> float | None:
    """The ceiling the plan's budget carries, or None when there is none."""
    for budget in plan.of_type(BUDGET):
        value = (budget.props.get("tags") or {}).get(CEILING_TAG)
        if value not in (None, ""):
            return float(value)
    return None


def over_ceiling(plan: Plan, estimate: Estimate) -> str | None:
    """Why the plan's fixed cost is over its ceiling, or None when it is not."""
    limit = ceiling(plan)
    if limit is None or estimate.total <= limit:
        return None
    top = ", ".join(f"{name} ${usd:,.2f}" for name, usd in list(estimate.by("item").items())[:3])
    return (f"the fixed monthly cost ${estimate.total:,.2f} is over costCeilingUsd "
            f"${limit:,.2f} (largest: {top}); raise the ceiling or turn features off "
            "(docs/cost.md)")
