"""Platform core: providers, default tags and the stack key, in both stacks."""

from __future__ import annotations

import json

from tests.helpers import platform
from tools.mock_runtime import Registry, Resource

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


def core_key(registry: Registry) -> Resource:
    (key,) = [k for k in registry.by_type("aws:kms/key:Key") if k.name.endswith("-core-key")]
    return key


def test_kms_key_rotates_and_has_configured_deletion_window(registry: Registry,
                                                             stack: str) -> None:
    key = core_key(registry)
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] == platform(stack).kms_deletion_window_days


def test_key_policy_grants_only_services_that_call_kms_as_themselves(registry: Registry,
                                                                      stack: str) -> None:
    policy = json.loads(core_key(registry).inputs["policy"])
    services = {s["Principal"].get("Service"): s for s in policy["Statement"]}
    # A us-east-1 stack: one key serves the stack region and what CloudFront writes there.
    assert set(services) == {
        None, "logs.us-east-1.amazonaws.com", "events.amazonaws.com",
        "cloudwatch.amazonaws.com", "budgets.amazonaws.com", "costalerts.amazonaws.com",
        "sns.amazonaws.com", "cloudtrail.amazonaws.com", "delivery.logs.amazonaws.com"}
    # SQS, Kinesis, Firehose, DynamoDB... use their caller's credentials: the account
    # statement lets IAM policies grant those.
    assert services[None]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert services[None]["Action"] == "kms:*"
    trail = f"arn:aws:cloudtrail:us-east-1:123456789012:trail/marketplace-{stack}-*"
    cloudtrail = [s for s in policy["Statement"]
                  if s["Principal"].get("Service") == "cloudtrail.amazonaws.com"]
    assert [s["Condition"]["ArnLike"]["aws:SourceArn"] for s in cloudtrail] == [trail, trail]


def test_key_alias_names_the_stack(registry: Registry, stack: str) -> None:
    aliases = {a.name: a.inputs["name"] for a in registry.by_type("aws:kms/alias:Alias")}
    prefix = platform(stack).prefix
    assert aliases == {f"{prefix}-core-key-alias": f"alias/{prefix}",
                       f"{prefix}-edge-origin-key-alias": f"alias/{prefix}-origin"}
