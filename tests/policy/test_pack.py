"""The CrossGuard pack wraps every rule and reports what the rule finds."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from pulumi_policy import EnforcementLevel, StackValidationPolicy

from policy import rules
from policy.__main__ import policies
from policy.plan import Plan
from policy.rules import Subject, all_rules, blocking, evaluate


def test_one_policy_per_rule() -> None:
    assert [p.name for p in policies()] == ([r.name for r in all_rules()]
                                            + [r.name for r in rules.all_stack_rules()])


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


def test_stack_rules_become_stack_policies_that_see_the_whole_plan(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Plan] = []

    def check(plan: Plan) -> list[tuple[str, str]]:
        """A rule for this test: every queue needs a topic beside it (no real source)."""
        seen.append(plan)
        if plan.of_type("aws:sqs/queue:Queue") and not plan.of_type("aws:sns/topic:Topic"):
            return [("q", "a queue without a topic")]
        return []

    monkeypatch.setitem(rules._STACK_REGISTRY, "test-queue-needs-topic",
                        rules.StackRule("test-queue-needs-topic", "test rule", check))
    (policy,) = [p for p in policies() if p.name == "test-queue-needs-topic"]
    assert isinstance(policy, StackValidationPolicy)
    provider = SimpleNamespace(props={"region": "eu-west-1"})
    bucket = SimpleNamespace(resource_type="aws:s3/bucket:Bucket", name="b", urn="urn:b",
                             props={}, provider=provider, parent=None, dependencies=[],
                             property_dependencies={})
    queue = SimpleNamespace(resource_type="aws:sqs/queue:Queue", name="q", urn="urn:q",
                            props={"name": "q"}, provider=provider, parent=bucket,
                            dependencies=[bucket], property_dependencies={"name": [bucket]})
    reported: list[tuple[str, str | None]] = []
    policy.validate(SimpleNamespace(resources=[bucket, queue]),
                    lambda message, urn=None: reported.append((message, urn)))
    assert reported == [("q: a queue without a topic", "urn:q")]
    (plan,) = seen
    q = plan.get("urn:q")
    assert q is not None
    assert (q.parent, q.dependencies, dict(q.property_dependencies), q.region) == (
        "urn:b", ("urn:b",), {"name": ("urn:b",)}, "eu-west-1")


def test_a_stack_rule_without_a_source_is_refused() -> None:
    with pytest.raises(ValueError, match="no docstring"):
        rules.stack_rule("test-undocumented", "no source")(lambda plan: [])


ADVISORY = {"cost-tags-activated", "firehose-error-output-prefix", "lambda-arm64-tracing"}


def test_advisory_rules_become_advisory_policies_and_the_rest_mandatory() -> None:
    levels = {p.name: p.enforcement_level for p in policies()}
    assert {n for n, level in levels.items() if level == EnforcementLevel.ADVISORY} == ADVISORY
    assert {level for n, level in levels.items() if n not in ADVISORY} == {
        EnforcementLevel.MANDATORY}


def test_an_offline_run_fails_on_mandatory_findings_only() -> None:
    # x86_64 and untraced: two advisory findings; no rotation: one mandatory finding.
    fn = Subject("aws:lambda/function:Function", "fn", {"architectures": ["x86_64"]})
    key = Subject("aws:kms/key:Key", "key", {"tags": {"project": "m", "stack": "s",
                                                      "owner": "o", "cost-center": "c"}})
    findings = evaluate([fn, key])
    assert sorted({rule for rule, _, _ in findings}) == [
        "kms-key-rotation", "lambda-arm64-tracing", "required-tags"]
    assert blocking(findings) == [
        ("required-tags", "fn", "missing tags: project, stack, owner, cost-center"),
        ("kms-key-rotation", "key", "enableKeyRotation is not true"),
    ]


def test_an_unknown_enforcement_level_is_refused() -> None:
    with pytest.raises(ValueError, match="enforcement 'blocking' is not one of mandatory"):
        rules.rule("test-bad-level", "a rule", enforcement="blocking")(lambda s: [])
