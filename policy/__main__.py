"""CrossGuard pack: `pulumi preview --policy-pack policy` enforces every rule in policy.rules.

The pack directory is self-contained, as ``pulumi policy publish`` needs: the CLI uploads this
directory alone, and where the pack is installed it makes a virtualenv from
``requirements.txt`` here. The CLI starts the pack with ``python -m pulumi.policy ADDRESS .``
in this directory, which runs this file by path (``runpy.run_path``): there is no parent
package, so :func:`_load_pack_package` imports the directory itself as the package ``policy``,
and its modules import one another relative to it. The project's tests and tools import the
same package as ``policy`` from the checkout, where this file is ``policy.__main__``.
"""

from __future__ import annotations

import importlib.util
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

PACKAGE = "policy"


def _load_pack_package() -> None:
    """Import this directory as the package ``policy`` (no ``sys.path`` edit needed)."""
    here = Path(__file__).resolve().parent
    spec = importlib.util.spec_from_file_location(
        PACKAGE, here / "__init__.py", submodule_search_locations=[str(here)])
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the policy pack in {here} as a package")
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = package
    spec.loader.exec_module(package)


if not __package__:  # run by path, as the Pulumi CLI does
    _load_pack_package()

from policy.plan import Plan, PlanResource  # noqa: E402
from policy.rules import (  # noqa: E402
    ADVISORY,
    MANDATORY,
    Rule,
    StackRule,
    Subject,
    all_rules,
    all_stack_rules,
)

LEVEL = {MANDATORY: EnforcementLevel.MANDATORY, ADVISORY: EnforcementLevel.ADVISORY}


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
    """One CrossGuard policy per rule of policy.rules, at the rule's enforcement level:
    resource rules, then stack rules."""
    resource_policies: list[ResourceValidationPolicy | StackValidationPolicy] = [
        ResourceValidationPolicy(name=r.name, description=r.description, validate=_validator(r),
                                 enforcement_level=LEVEL[r.enforcement])
        for r in all_rules()
    ]
    return resource_policies + [
        StackValidationPolicy(name=r.name, description=r.description,
                              validate=_stack_validator(r),
                              enforcement_level=LEVEL[r.enforcement])
        for r in all_stack_rules()
    ]


if __name__ == "__main__":
    # Constructing the pack starts the analyzer server the Pulumi CLI talks to.
    # The pack's version is PulumiPolicy.yaml's `version:`, which the CLI reads (the Python
    # SDK takes no version); policy.__version__ repeats it and a test keeps the two equal.
    PolicyPack(
        name="marketplace-guardrails",
        enforcement_level=EnforcementLevel.MANDATORY,
        policies=policies(),
    )
