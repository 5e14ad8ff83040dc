"""Platform core: providers, default tags and the stack key, in both stacks."""

from __future__ import annotations

import json

from tests.helpers import platform
from tools.mock_runtime import Registry

PROVIDER = "pulumi:providers:aws"


def _providers(registry: Registry) -> dict[str, dict]:
    return {r.name: r.inputs for r in registry.by_type(PROVIDER)}


def test_providers_for_stack_region_and_us_east_1(registry: Registry, stack: str) -> None:
    providers = _providers(registry)
    prefix = platform(stack).prefix
    assert providers[f"{prefix}-core-aws"]["region"] == platform(stack).region
    assert providers[f"{prefix}-core-aws-us-east-1"]["region"] == "us-east-1"


def test_both_providers_carry_the_cost_allocation_tags(registry: Registry, stack: str) -> None:
    expected = platform(stack).tags
    for inputs in _providers(registry).values():
        tags = json.loads(inputs["defaultTags"])["tags"]
        assert tags == expected
    assert set(expected) == {"project", "stack", "owner", "cost-center"}
    assert expected["stack"] == stack


def test_kms_key_rotates_and_has_configured_deletion_window(registry: Registry,
                                                             stack: str) -> None:
    (key,) = registry.by_type("aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] == platform(stack).kms_deletion_window_days


def test_key_policy_lets_the_stack_services_use_it_and_no_one_else(registry: Registry) -> None:
    (key,) = registry.by_type("aws:kms/key:Key")
    policy = json.loads(key.inputs["policy"])
    services = {s["Principal"].get("Service") for s in policy["Statement"]}
    for service in ("sns.amazonaws.com", "sqs.amazonaws.com", "kinesis.amazonaws.com",
                    "firehose.amazonaws.com", "dynamodb.amazonaws.com"):
        assert service in services
    assert any(str(s).startswith("logs.") for s in services)
    for statement in policy["Statement"]:
        if "Service" in statement["Principal"]:
            # Service use is bound to this account (or its log groups) by a condition.
            assert statement["Condition"]
        else:
            assert statement["Principal"]["AWS"].endswith(":root")


def test_key_alias_names_the_stack(registry: Registry, stack: str) -> None:
    (alias,) = registry.by_type("aws:kms/alias:Alias")
    assert alias.inputs["name"] == f"alias/{platform(stack).prefix}"
