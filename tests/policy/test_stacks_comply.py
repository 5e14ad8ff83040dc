"""Every policy rule runs over every resource of both stacks: zero violations."""

from __future__ import annotations

from policy.rules import all_rules, evaluate, evaluate_plan
from tests.helpers import plan, subjects
from tools.mock_runtime import Registry


def test_rules_are_registered() -> None:
    names = {r.name for r in all_rules()}
    assert {"required-tags", "kms-key-rotation", "log-group-retention",
            "lambda-arm64-tracing", "iam-no-wildcard-actions"} <= names


def test_stack_has_no_violations(registry: Registry) -> None:
    assert evaluate(subjects(registry)) == []


def test_every_aws_resource_uses_an_explicit_provider(registry: Registry) -> None:
    # The default provider carries no default tags; everything must use the core's providers.
    on_default = [r.name for r in registry
                  if r.custom and r.type.startswith("aws:") and registry.provider_of(r) is None]
    assert on_default == []


def test_stack_has_no_stack_rule_violations(registry: Registry) -> None:
    assert evaluate_plan(plan(registry)) == []
