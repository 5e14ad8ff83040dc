"""Each alerting rule catches what it is for and passes what is right."""

from __future__ import annotations

import json

import pytest

from policy.rules import Subject, all_rules
from policy.rules.alerting import foreign_principals
from tests.helpers import subjects
from tools.mock_runtime import Registry

RULES = {r.name: r for r in all_rules()}
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:alerts"


def check(rule: str, type_: str, props: dict) -> list[str]:
    return RULES[rule].violations(Subject(type_, "r", props))


@pytest.mark.parametrize("type_", ["aws:sns/topic:Topic", "aws:sqs/queue:Queue"])
def test_topics_and_queues_use_a_customer_key(type_: str) -> None:
    assert check("sns-sqs-stack-key", type_, {"kmsMasterKeyId": KEY}) == []
    assert check("sns-sqs-stack-key", type_, {}) == ["kmsMasterKeyId is not set"]
    assert check("sns-sqs-stack-key", type_, {"kmsMasterKeyId": "alias/aws/sns"})
    assert check("sns-sqs-stack-key", type_, {"sqsManagedSseEnabled": True})


def test_subscriptions_need_a_redrive_policy() -> None:
    sub = "aws:sns/topicSubscription:TopicSubscription"
    good = {"redrivePolicy": json.dumps({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:1:q"})}
    assert check("sns-subscription-redrive", sub, good) == []
    assert check("sns-subscription-redrive", sub, {}) == [
        "redrivePolicy has no deadLetterTargetArn"]
    assert check("sns-subscription-redrive", sub, {"redrivePolicy": "{}"})


def policy(principal: object, condition: dict | None = None,
           resource: str = TOPIC_ARN) -> str:
    statement = {"Sid": "S", "Effect": "Allow", "Principal": principal,
                 "Action": "sns:Publish", "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Statement": [statement]})


@pytest.mark.parametrize(("document", "bad"), [
    (policy("*"), True),
    (policy({"AWS": "*"}), True),
    (policy("*", {"StringEquals": {"aws:SourceAccount": "123456789012"}}), False),
    (policy({"AWS": "arn:aws:iam::123456789012:root"}), False),
    (policy({"AWS": "arn:aws:iam::999999999999:root"}), True),
    (policy({"AWS": "999999999999"}), True),
    (policy({"Service": "events.amazonaws.com"}), True),
    (policy({"Service": "events.amazonaws.com"},
            {"ArnEquals": {"aws:SourceArn": "arn:aws:events:us-east-1:123456789012:rule/r"}}),
     False),
    (json.dumps({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "sns:*",
                                "Resource": TOPIC_ARN}]}), False),
])
def test_policies_let_no_one_outside_the_account_in(document: str, bad: bool) -> None:
    assert bool(foreign_principals(document)) is bad
    for type_ in ("aws:sns/topicPolicy:TopicPolicy", "aws:sqs/queuePolicy:QueuePolicy"):
        assert bool(check("topic-queue-policy-account-only", type_, {"policy": document})) is bad


def test_trail_is_multi_region_with_validation() -> None:
    trail = "aws:cloudtrail/trail:Trail"
    good = {"isMultiRegionTrail": True, "enableLogFileValidation": True}
    assert check("cloudtrail-multi-region-validated", trail, good) == []
    assert check("cloudtrail-multi-region-validated", trail, {
        "isMultiRegionTrail": False, "enableLogFileValidation": True}) == [
        "isMultiRegionTrail is not true"]
    assert check("cloudtrail-multi-region-validated", trail, {}) == [
        "isMultiRegionTrail is not true", "enableLogFileValidation is not true"]


def test_rules_see_the_stack_resources_they_check(registry: Registry) -> None:
    # Zero violations (test_stacks_comply) only means something if the rules had subjects.
    types = {s.type for s in subjects(registry)}
    for name in ("sns-sqs-stack-key", "sns-subscription-redrive",
                 "topic-queue-policy-account-only", "cloudtrail-multi-region-validated"):
        assert RULES[name].types & types, name
