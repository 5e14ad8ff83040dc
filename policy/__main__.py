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
)

# The pack runs with policy/ as its working directory; the rules import as policy.rules.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from policy.rules import Rule, Subject, all_rules


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


def policies() -> list[ResourceValidationPolicy]:
    """One CrossGuard policy per rule of policy.rules."""
    return [
        ResourceValidationPolicy(name=r.name, description=r.description, validate=_validator(r))
        for r in all_rules()
    ]


if __name__ == "__main__":
    # Constructing the pack starts the analyzer server the Pulumi CLI talks to.
    PolicyPack(
        name="marketplace-guardrails",
        enforcement_level=EnforcementLevel.MANDATORY,
        policies=policies(),
    )
