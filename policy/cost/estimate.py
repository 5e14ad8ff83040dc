"""The fixed monthly cost of a plan: every resource through :mod:`policy.cost.charges`.

Each :class:`Line` is one priced item of one resource. The breakdowns group lines by the
top-level component the resource sits in and by resource type.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ..plan import Plan, PlanResource
from .charges import uses
from .price_table import PriceTable, table

DEFAULT_REGION = "us-east-1"
STACK_LEVEL = "(stack)"
STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class Line:
    """One priced item of one resource."""

    component: str
    type: str
    resource: str
    item: str
    region: str
    quantity: float
    unit: str
    unit_usd: float
    basis: str

    @property
    def monthly_usd(self) -> float:
        """``quantity × unit price``."""
        return self.quantity * self.unit_usd


@dataclass(frozen=True)
class Estimate:
    """The priced lines of a plan and their sums."""

    lines: tuple[Line, ...]

    @property
    def total(self) -> float:
        """The fixed monthly cost in USD."""
        return sum(line.monthly_usd for line in self.lines)

    def by(self, key: str) -> dict[str, float]:
        """Monthly USD summed per ``component``, ``type`` or ``item``, largest first."""
        sums: dict[str, float] = defaultdict(float)
        for line in self.lines:
            sums[getattr(line, key)] += line.monthly_usd
        return dict(sorted(sums.items(), key=lambda kv: (-kv[1], kv[0])))

    def unit_prices(self) -> dict[str, tuple[float, str]]:
        """Every unit price used: ``item -> (usd, unit)``."""
        return {line.item: (line.unit_usd, line.unit) for line in self.lines}


def component_of(resource: PlanResource, plan: Plan) -> str:
    """The name of the top-level component ``resource`` sits in.

    The parent chain is walked as far as the plan holds it (the offline preview's plan holds
    the components; the engine's may not). Where a parent is missing, its type token, read
    from its URN, stands in.
    """
    top: PlanResource | None = None
    urn = resource.parent
    while urn and (parent := plan.get(urn)) is not None and parent.type != STACK_TYPE:
        top, urn = parent, parent.parent
    if top is not None:
        return top.name
    if not urn or urn.split("::")[2:3] == [STACK_TYPE]:
        return STACK_LEVEL
    return urn.split("::")[2].split("$")[-1]


def is_component(resource: PlanResource) -> bool:
    """Components, the stack and providers: registered, but nothing in the cloud."""
    return resource.type.startswith(("marketplace:", "pulumi:"))


def stack_region(plan: Plan) -> str:
    """The region most of the plan's resources are in (their providers'), else us-east-1."""
    counts: dict[str, int] = defaultdict(int)
    for r in plan:
        if r.region:
            counts[r.region] += 1
    return max(sorted(counts), key=lambda region: counts[region]) if counts else DEFAULT_REGION


def lines_of(resource: PlanResource, plan: Plan, prices: PriceTable, region: str) -> list[Line]:
    """The priced lines of one resource."""
    out = []
    where = resource.region or region
    for use in uses(resource, plan):
        price = prices.get(use.item, where)
        out.append(Line(component_of(resource, plan), resource.type, resource.name, use.item,
                        where, use.quantity, price.unit, price.usd, use.basis))
    return out


def estimate(plan: Plan, prices: PriceTable | None = None) -> Estimate:
    """The fixed monthly cost of every resource in ``plan``."""
    prices = prices or table()
    region = stack_region(plan)
    return Estimate(tuple(line for r in plan if not is_component(r)
                          for line in lines_of(r, plan, prices, region)))
