"""The CrossGuard pack wraps every rule and reports what the rule finds."""

from __future__ import annotations

from types import SimpleNamespace

from policy.__main__ import policies
from policy.rules import all_rules, all_stack_rules


def test_one_policy_per_rule() -> None:
    assert [p.name for p in policies()] == [r.name for r in (*all_rules(), *all_stack_rules())]


def test_validator_reports_each_violation_with_the_urn() -> None:
    (policy,) = [p for p in policies() if p.name == "lambda-arm64-tracing"]
    reported: list[tuple[str, str]] = []
    args = SimpleNamespace(resource_type="aws:lambda/function:Function", name="fn",
                           props={"architectures": ["x86_64"]}, urn="urn:fn", provider=None)
    policy.validate(args, lambda message, urn=None: reported.append((message, urn)))
    assert len(reported) == 2
    assert all(urn == "urn:fn" for _, urn in reported)


def test_provider_default_tags_reach_the_rules() -> None:
    (policy,) = [p for p in policies() if p.name == "required-tags"]
    tags = '{"tags": {"project": "m", "stack": "s", "owner": "o", "cost-center": "c"}}'
    reported: list[str] = []
    args = SimpleNamespace(resource_type="aws:sqs/queue:Queue", name="q", props={}, urn="u",
                           provider=SimpleNamespace(props={"defaultTags": tags}))
    policy.validate(args, lambda message, urn=None: reported.append(message))
    assert reported == []
