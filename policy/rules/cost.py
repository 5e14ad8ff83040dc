"""Cost: the fixed monthly cost of the plan stays under the stack's ``costCeilingUsd``."""

from __future__ import annotations

from collections.abc import Iterator

from ..cost.ceiling import BUDGET, over_ceiling
from ..cost.estimate import estimate
from ..plan import Plan
from . import stack_rule


@stack_rule("fixed-cost-ceiling",
            "The plan's fixed monthly cost, by policy/cost/prices.csv, is at or under the "
            "costCeilingUsd its budget carries.")
def fixed_cost_ceiling(plan: Plan) -> Iterator[tuple[str, str]]:
    """Prices are list prices from the pages each row of policy/cost/prices.csv names (AWS
    pricing pages, the AWS Price List API, Cloudflare's plans); docs/cost.md explains them.
    """
    message = over_ceiling(plan, estimate(plan))
    if message:
        budgets = plan.of_type(BUDGET)
        yield (budgets[0].name if budgets else "stack"), message
