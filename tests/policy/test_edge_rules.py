"""Each edge rule catches what it is for and passes what is right; stacks keep every guard."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from policy.rules import Subject, all_rules
from policy.rules.edge import (
    BUCKET,
    BUCKET_POLICY,
    DISTRIBUTION,
    ENCRYPTION,
    PUBLIC_ACCESS_BLOCK,
    bucket_guard_gaps,
)
from tools.mock_runtime import Registry

RULES = {r.name: r for r in all_rules()}
TLS_DENY = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
GOOD_DISTRIBUTION: dict[str, Any] = {
    "tags": {"waf-required": "true"},
    "webAclId": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/1",
    "viewerCertificate": {"acmCertificateArn": "arn:aws:acm:us-east-1:1:certificate/x",
                          "minimumProtocolVersion": "TLSv1.2_2021",
                          "sslSupportMethod": "sni-only"},
    "defaultCacheBehavior": {"viewerProtocolPolicy": "https-only", "targetOriginId": "assets"},
    "orderedCacheBehaviors": [{"pathPattern": "/api/*", "viewerProtocolPolicy": "https-only",
                               "targetOriginId": "api"}],
    "origins": [
        {"originId": "assets", "domainName": "site-1.s3.us-east-1.amazonaws.com",
         "originAccessControlId": "E2QWRUHAPOMQZL"},
        {"originId": "api", "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
         "customOriginConfig": {"originProtocolPolicy": "https-only",
                                "originSslProtocols": ["TLSv1.2"]}},
    ],
}


def check(rule: str, type_: str, props: dict[str, Any]) -> list[str]:
    return RULES[rule].violations(Subject(type_, "r", props))


def changed(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    props = copy.deepcopy(GOOD_DISTRIBUTION)
    target: Any = props
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return props


@pytest.mark.parametrize("rule", ["cloudfront-https-only", "cloudfront-tls12",
                                  "cloudfront-waf-when-required", "cloudfront-s3-origins-oac"])
def test_good_distribution_passes(rule: str) -> None:
    assert check(rule, DISTRIBUTION, GOOD_DISTRIBUTION) == []


@pytest.mark.parametrize(("rule", "path", "value", "message"), [
    ("cloudfront-https-only", ("defaultCacheBehavior", "viewerProtocolPolicy"), "allow-all",
     "default behaviour"),
    ("cloudfront-https-only", ("orderedCacheBehaviors", 0, "viewerProtocolPolicy"),
     "allow-all", "'/api/*'"),
    ("cloudfront-https-only", ("origins", 1, "customOriginConfig", "originProtocolPolicy"),
     "match-viewer", "'api'"),
    ("cloudfront-tls12", ("viewerCertificate", "minimumProtocolVersion"), "TLSv1_2016",
     "TLSv1_2016"),
    ("cloudfront-tls12", ("viewerCertificate",), {"cloudfrontDefaultCertificate": True},
     "default"),
    ("cloudfront-tls12", ("origins", 1, "customOriginConfig", "originSslProtocols"),
     ["TLSv1.1", "TLSv1.2"], "TLSv1.1"),
    ("cloudfront-waf-when-required", ("webAclId",), None, "requires WAF"),
    ("cloudfront-waf-when-required", ("tags",), {}, "missing"),
    ("cloudfront-s3-origins-oac", ("origins", 0, "originAccessControlId"), None,
     "without Origin Access Control"),
    ("cloudfront-s3-origins-oac", ("origins", 0, "s3OriginConfig"),
     {"originAccessIdentity": "origin-access-identity/cloudfront/E1"}, "legacy"),
    ("cloudfront-s3-origins-oac", ("origins", 0, "domainName"),
     "site.s3-website-us-east-1.amazonaws.com", "website"),
])
def test_bad_distribution_is_caught(rule: str, path: tuple, value: Any, message: str) -> None:
    violations = check(rule, DISTRIBUTION, changed(path, value))
    assert violations
    assert any(message in v for v in violations), violations


def test_waf_may_be_absent_when_the_stack_does_not_require_it() -> None:
    props = changed(("tags",), {"waf-required": "false"})
    props["webAclId"] = None
    assert check("cloudfront-waf-when-required", DISTRIBUTION, props) == []


def test_public_access_block_needs_all_four_flags() -> None:
    good = {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
            "restrictPublicBuckets": True}
    assert check("s3-public-access-blocked", PUBLIC_ACCESS_BLOCK, good) == []
    bad = {**good, "restrictPublicBuckets": False}
    assert check("s3-public-access-blocked", PUBLIC_ACCESS_BLOCK, bad) == [
        "restrictPublicBuckets is not true"]


def _sse(algorithm: str, key: str | None = None) -> dict[str, Any]:
    default: dict[str, Any] = {"sseAlgorithm": algorithm}
    if key:
        default["kmsMasterKeyId"] = key
    return {"rules": [{"applyServerSideEncryptionByDefault": default}]}


def test_encryption_is_kms_with_a_customer_key() -> None:
    key = "arn:aws:kms:us-east-1:123456789012:key/k"
    assert check("s3-encryption", ENCRYPTION, _sse("aws:kms", key)) == []
    assert check("s3-encryption", ENCRYPTION, _sse("aws:kms")) == [
        "aws:kms without kmsMasterKeyId uses the AWS managed key"]
    assert check("s3-encryption", ENCRYPTION, {"rules": []}) == ["no default encryption rule"]


def test_bucket_policy_must_deny_plain_http() -> None:
    allow = {"Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
             "Action": "s3:GetObject", "Resource": "arn/*"}
    good = {"policy": {"Version": "2012-10-17", "Statement": [TLS_DENY, allow]}}
    assert check("s3-tls-only", BUCKET_POLICY, good) == []
    bad = {"policy": {"Version": "2012-10-17", "Statement": [allow]}}
    assert check("s3-tls-only", BUCKET_POLICY, bad) == [
        "no Deny statement on aws:SecureTransport = false"]


def test_guard_gaps_find_missing_guards_and_misplaced_sse_s3() -> None:
    guards = [(PUBLIC_ACCESS_BLOCK, "a", {}), (ENCRYPTION, "a", _sse("AES256")),
              (BUCKET_POLICY, "a", {"policy": {"Statement": [TLS_DENY]}}),
              (ENCRYPTION, "b", _sse("aws:kms", "k"))]
    assert bucket_guard_gaps([("bucket-a", "a"), ("bucket-b", "b")], guards) == [
        "bucket-a: SSE-S3 on a bucket that is not a server access log target",
        "bucket-b: no public access block",
        "bucket-b: no policy",
    ]
    log_target = {"Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
                  "Action": "s3:PutObject", "Resource": "arn/*"}
    guards[2] = (BUCKET_POLICY, "a", {"policy": {"Statement": [TLS_DENY, log_target]}})
    assert bucket_guard_gaps([("bucket-a", "a")], guards) == []


def test_every_bucket_in_the_stack_has_its_guards(registry: Registry) -> None:
    buckets = [(b.name, b.id) for b in registry.by_type(BUCKET)]
    guards = [(r.type, r.inputs.get("bucket"), r.inputs) for r in registry
              if r.type in (PUBLIC_ACCESS_BLOCK, ENCRYPTION, BUCKET_POLICY)]
    assert len(buckets) >= 3
    assert bucket_guard_gaps(buckets, guards) == []
