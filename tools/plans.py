"""A recorded run as the policy pack's :class:`~policy.plan.Plan`, what the engine would send.

The policy tests take the custom resources only, as CrossGuard's stack rules are written
for; the cost estimate also takes the components, to name the one each resource sits in.
"""

from __future__ import annotations

from policy.plan import Plan, PlanResource
from tools.mock_runtime import Registry


def plan_of(registry: Registry, *, components: bool = False) -> Plan:
    """Every custom resource of ``registry`` (and every component, when asked) as a Plan."""
    resources = []
    for r in registry:
        if r.type.startswith("pulumi:providers:") or not (r.custom or components):
            continue
        provider = registry.provider_of(r)
        resources.append(PlanResource(
            type=r.type, name=r.name, urn=r.urn, props=r.inputs, parent=r.parent,
            provider_props=provider.inputs if provider else {},
            dependencies=r.dependencies, property_dependencies=r.property_dependencies))
    return Plan(tuple(resources))
