"""Budgets and anomaly monitors that filter on a cost allocation tag see nothing until the tag
is activated, an account-wide setting.

A stack that owns the account baseline activates the tag itself
(``aws:costexplorer/costAllocationTag:CostAllocationTag``, status ``Active``). A stack that
does not cannot show the activation in its plan, so it declares that it relies on the baseline
stack's: the filtering resource carries the tag :data:`RELIES_ON_BASELINE`. Anything else is a
budget that silently never matches.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from ..plan import Plan, PlanResource, as_document
from . import ADVISORY, stack_rule

# Kept equal to components.cost.component.ACTIVATED_ELSEWHERE (a test checks).
RELIES_ON_BASELINE = ("cost-allocation-tags", "activated-by-account-baseline")
USER_TAG_PREFIX = "user:"


def expression_tag_keys(expression: Any) -> set[str]:
    """Tag keys a Cost Explorer ``Expression`` filters on, through And/Or/Not, any casing."""
    if isinstance(expression, str):
        try:
            expression = json.loads(expression)
        except ValueError:
            return set()
    found: set[str] = set()
    if isinstance(expression, Mapping):
        for name, value in expression.items():
            if name in ("Tags", "tags") and isinstance(value, Mapping):
                key = value.get("Key", value.get("key"))
                if isinstance(key, str) and key:
                    found.add(key.removeprefix(USER_TAG_PREFIX))
            else:
                found |= expression_tag_keys(value)
    elif isinstance(expression, list):
        for item in expression:
            found |= expression_tag_keys(item)
    return found


def budget_tag_keys(budget: PlanResource) -> set[str]:
    """Tag keys of a budget's ``TagKeyValue`` cost filters (``user:<key>$<value>``)."""
    keys = expression_tag_keys(budget.props.get("filterExpression"))
    for cost_filter in budget.props.get("costFilters") or []:
        if isinstance(cost_filter, Mapping) and cost_filter.get("name") == "TagKeyValue":
            for value in cost_filter.get("values") or []:
                if isinstance(value, str):
                    keys.add(value.split("$", 1)[0].removeprefix(USER_TAG_PREFIX))
    return keys


# Per type, the tag keys a resource filters on.
FILTERS = {
    "aws:budgets/budget:Budget": budget_tag_keys,
    "aws:costexplorer/anomalyMonitor:AnomalyMonitor":
        lambda r: expression_tag_keys(r.props.get("monitorSpecification")),
    "aws:costexplorer/anomalySubscription:AnomalySubscription":
        lambda r: expression_tag_keys(r.props.get("thresholdExpression")),
}


def _relies_on_baseline(resource: PlanResource) -> bool:
    key, value = RELIES_ON_BASELINE
    # Resource tags override the provider's default tags (which arrive as JSON text).
    defaults = as_document(resource.provider_props.get("defaultTags"))
    tags = {**(defaults.get("tags") or {}), **(resource.props.get("tags") or {})}
    return tags.get(key) == value


@stack_rule("cost-tags-activated",
            "Budgets and anomaly monitors filter only on activated cost allocation tags",
            # A budget on an inactive tag reads nothing, but nothing that serves traffic
            # breaks, and the activation is an account setting a deploy may not own: advice.
            enforcement=ADVISORY)
def cost_tags_activated(plan: Plan) -> Iterator[tuple[str, str]]:
    """A cost allocation tag must be activated before Budgets and Cost Anomaly Detection see it.

    - https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/activating-tags.html
      (user-defined tags are activated per account; a key appears for activation up to
      24 hours after a resource first carries it, and activation takes up to 24 hours)
    - https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/cost-alloc-tags.html
    - https://www.pulumi.com/registry/packages/aws/api-docs/costexplorer/costallocationtag/
    """
    active = {str(r.props.get("tagKey")) for r in
              plan.of_type("aws:costexplorer/costAllocationTag:CostAllocationTag")
              if r.props.get("status") == "Active"}
    key, value = RELIES_ON_BASELINE
    for type_, tag_keys in FILTERS.items():
        for resource in plan.of_type(type_):
            missing = sorted(tag_keys(resource) - active)
            if missing and not _relies_on_baseline(resource):
                yield resource.name, (
                    f"filters on cost allocation tag(s) {', '.join(missing)}, which this "
                    "stack does not activate (aws.costexplorer.CostAllocationTag, status "
                    "Active); activate them here in the stack that owns the account baseline, "
                    f"or tag the resource {key}={value} to declare that that stack does")
