"""CrossGuard pack: `pulumi preview --policy-pack policy` enforces every rule in policy.rules."""

from __future__ import annotations

import sys
from pathlib import Path

from pulumi_policy import (
    EnforcementLevel,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

# The pack runs with policy/ as its working directory; the rules import as policy.rules.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from policy.plan import Plan, PlanResource
from policy.rules import Rule, StackRule, Subject, all_rules, all_stack_rules


def _validator(r: Rule):
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        provider = getattr(args, "provider", None)
        subject = Subject(
            type=args.resource_type,
            name=args.name,
            props=args.props,
            provider_props=(provider.props if provider is not None else {}) or {},
        )
        for message in r.violations(subject):
            report_violation(message, args.urn)

    return validate


def plan_of(args: StackValidationArgs) -> Plan:
    """The engine's view of the stack as the plain :class:`Plan` the stack rules read."""
    resources = []
    for r in args.resources:
        provider = getattr(r, "provider", None)
        parent = getattr(r, "parent", None)
        resources.append(PlanResource(
            type=r.resource_type,
            name=r.name,
            urn=r.urn,
            props=r.props or {},
            parent=parent.urn if parent is not None else "",
            provider_props=(provider.props if provider is not None else {}) or {},
            dependencies=tuple(d.urn for d in getattr(r, "dependencies", None) or []),
            property_dependencies={
                key: tuple(d.urn for d in deps)
                for key, deps in (getattr(r, "property_dependencies", None) or {}).items()
            },
        ))
    return Plan(tuple(resources))


def _stack_validator(r: StackRule):
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        plan = plan_of(args)
        urns = {res.name: res.urn for res in plan}
        for name, message in r.violations(plan):
            report_violation(f"{name}: {message}", urns.get(name))

    return validate


def policies() -> list[ResourceValidationPolicy | StackValidationPolicy]:
    """One CrossGuard policy per rule of policy.rules: resource rules, then stack rules."""
    resource_policies: list[ResourceValidationPolicy | StackValidationPolicy] = [
        ResourceValidationPolicy(name=r.name, description=r.description, validate=_validator(r))
        for r in all_rules()
    ]
    return resource_policies + [
        StackValidationPolicy(name=r.name, description=r.description,
                              validate=_stack_validator(r))
        for r in all_stack_rules()
    ]


if __name__ == "__main__":
    # Constructing the pack starts the analyzer server the Pulumi CLI talks to.
    PolicyPack(
        name="marketplace-guardrails",
        enforcement_level=EnforcementLevel.MANDATORY,
        policies=policies(),
    )
