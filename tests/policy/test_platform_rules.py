"""Each foundation rule catches what it is for and passes what is right."""

from __future__ import annotations

import json

import pytest

from policy.rules import Subject, all_rules
from policy.rules.platform import is_taggable, wildcard_actions

RULES = {r.name: r for r in all_rules()}
TAGS = {"project": "m", "stack": "dev", "owner": "o", "cost-center": "c"}


def check(rule: str, type_: str, props: dict, provider: dict | None = None) -> list[str]:
    return RULES[rule].violations(Subject(type_, "r", props, provider or {}))


def test_taggability_is_read_from_the_sdk() -> None:
    assert is_taggable("aws:sqs/queue:Queue")
    assert is_taggable("aws:lambda/function:Function")
    assert not is_taggable("aws:iam/rolePolicy:RolePolicy")
    assert not is_taggable("cloudflare:index/dnsRecord:DnsRecord")


def test_tags_from_provider_defaults_count() -> None:
    provider = {"defaultTags": {"tags": TAGS}}
    assert check("required-tags", "aws:sqs/queue:Queue", {}, provider) == []
    missing = check("required-tags", "aws:sqs/queue:Queue", {"tags": {"owner": "o"}})
    assert missing == ["missing tags: project, stack, cost-center"]


def test_kms_rotation() -> None:
    assert check("kms-key-rotation", "aws:kms/key:Key", {"enableKeyRotation": False})
    assert not check("kms-key-rotation", "aws:kms/key:Key", {"enableKeyRotation": True})


def test_log_retention() -> None:
    assert check("log-group-retention", "aws:cloudwatch/logGroup:LogGroup", {})
    assert not check("log-group-retention", "aws:cloudwatch/logGroup:LogGroup",
                     {"retentionInDays": 30})


@pytest.mark.parametrize(("props", "count"), [
    ({"architectures": ["arm64"], "tracingConfig": {"mode": "Active"}}, 0),
    ({"architectures": ["x86_64"], "tracingConfig": {"mode": "Active"}}, 1),
    ({"architectures": ["arm64"], "tracingConfig": {"mode": "PassThrough"}}, 1),
    ({}, 2),
])
def test_lambda_shape(props: dict, count: int) -> None:
    assert len(check("lambda-arm64-tracing", "aws:lambda/function:Function", props)) == count


EDGE = {"architectures": ["x86_64"], "publish": True, "runtime": "python3.13",
        "tags": {"lambda-placement": "edge"}}
US_EAST_1 = {"region": "us-east-1"}


def test_an_edge_function_is_the_documented_exception_to_arm64() -> None:
    assert check("lambda-arm64-tracing", "aws:lambda/function:Function", EDGE) == []
    assert check("lambda-edge-placement", "aws:lambda/function:Function", EDGE, US_EAST_1) == []


@pytest.mark.parametrize(("change", "provider", "message"), [
    ({"architectures": ["arm64"]}, US_EAST_1,
     "architectures is ['arm64']: Lambda@Edge needs ['x86_64']"),
    ({}, {"region": "eu-west-1"},
     "region is 'eu-west-1': a Lambda@Edge function must be in us-east-1"),
    ({"environment": {"variables": {"BUCKET": "b"}}}, US_EAST_1,
     "environment.variables is set: Lambda@Edge takes no environment variables"),
    ({"layers": ["arn:aws:lambda:us-east-1:1:layer:x:1"]}, US_EAST_1,
     "layers is set: Lambda@Edge takes no layers"),
    ({"publish": False}, US_EAST_1,
     "publish is not true: CloudFront must reference a numbered version"),
])
def test_an_edge_function_that_breaks_a_restriction_is_refused(
        change: dict, provider: dict, message: str) -> None:
    props = {**EDGE, **change}
    assert check("lambda-edge-placement", "aws:lambda/function:Function", props,
                 provider) == [message]


def test_a_regional_function_is_not_held_to_the_edge_rules() -> None:
    props = {"architectures": ["arm64"], "environment": {"variables": {"A": "1"}}}
    assert check("lambda-edge-placement", "aws:lambda/function:Function", props) == []


def test_wildcards_in_role_policies_and_inline_policies() -> None:
    doc = '{"Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Resource": "*"}]}'
    assert wildcard_actions(doc) == ["s3:*"]
    assert check("iam-no-wildcard-actions", "aws:iam/rolePolicy:RolePolicy", {"policy": doc})
    assert check("iam-no-wildcard-actions", "aws:iam/role:Role",
                 {"inlinePolicies": [{"policy": doc}]})
    deny = '{"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}'
    assert not check("iam-no-wildcard-actions", "aws:iam/rolePolicy:RolePolicy", {"policy": deny})


def test_describe_alarms_scoped_to_alarms_cannot_read_composites() -> None:
    narrow = json.dumps({"Statement": [{
        "Effect": "Allow", "Action": ["cloudwatch:DescribeAlarms"],
        "Resource": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:p-*"}]})
    assert check("iam-describe-alarms-on-star", "aws:iam/rolePolicy:RolePolicy",
                 {"policy": narrow}) == [
        "cloudwatch:DescribeAlarms on arn:aws:cloudwatch:us-east-1:123456789012:alarm:p-*: "
        "composite alarms need '*'"]
    star = json.dumps({"Statement": [{
        "Effect": "Allow", "Action": "cloudwatch:DescribeAlarms", "Resource": "*"}]})
    assert not check("iam-describe-alarms-on-star", "aws:iam/role:Role",
                     {"inlinePolicies": [{"policy": star}]})
