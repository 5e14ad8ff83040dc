"""Every policy rule runs over every resource of both stacks: no mandatory violation.

Advisory findings are reported as warnings, as ``pulumi preview`` reports them, and pass.
"""

from __future__ import annotations

import warnings

from policy.rules import all_rules, blocking, evaluate, evaluate_plan
from tests.helpers import plan, subjects
from tools.mock_runtime import Registry


class AdvisoryFinding(UserWarning):
    """A violation of an advisory rule: shown in the test summary, failing nothing."""


def _advise(findings: list[tuple[str, str, str]]) -> None:
    kept = set(blocking(findings))
    for rule, resource, message in findings:
        if (rule, resource, message) not in kept:
            warnings.warn(f"{rule}: {resource}: {message}", AdvisoryFinding, stacklevel=2)


def test_rules_are_registered() -> None:
    names = {r.name for r in all_rules()}
    assert {"required-tags", "kms-key-rotation", "log-group-retention",
            "lambda-arm64-tracing", "iam-no-wildcard-actions"} <= names


def test_stack_has_no_violations(registry: Registry) -> None:
    findings = evaluate(subjects(registry))
    assert blocking(findings) == []
    _advise(findings)


def test_every_aws_resource_uses_an_explicit_provider(registry: Registry) -> None:
    # The default provider carries no default tags; everything must use the core's providers.
    on_default = [r.name for r in registry
                  if r.custom and r.type.startswith("aws:") and registry.provider_of(r) is None]
    assert on_default == []


def test_stack_has_no_stack_rule_violations(registry: Registry) -> None:
    findings = evaluate_plan(plan(registry))
    assert blocking(findings) == []
    _advise(findings)
