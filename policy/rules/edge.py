"""Edge rules: CloudFront HTTPS and TLS, WAF where required, OAC-only S3 origins, bucket guards.

Per-resource checks only (CrossGuard resource validation sees one resource at a time); that
every bucket actually has its public access block, encryption and policy is a relation the
tests check over whole stacks with :func:`bucket_guard_gaps`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..plan import statements
from . import Subject, rule

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ENCRYPTION = ("aws:s3/bucketServerSideEncryptionConfiguration:"
              "BucketServerSideEncryptionConfiguration")
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
SECURE_VIEWER_POLICIES = ("https-only", "redirect-to-https")
# CloudFront security policies that allow nothing older than TLS 1.2 with strong ciphers.
TLS_POLICIES = ("TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025")
PUBLIC_BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                      "restrictPublicBuckets")
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")
S3_REST_DOMAIN = re.compile(r"\.s3[.-]([a-z0-9-]+\.)?amazonaws\.com$")
S3_WEBSITE_DOMAIN = re.compile(r"\.s3-website[.-]")
SERVER_ACCESS_LOG_WRITER = "logging.s3.amazonaws.com"


def _behaviors(props: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    default = props.get("defaultCacheBehavior")
    if isinstance(default, Mapping):
        yield "default behaviour", default
    for behavior in props.get("orderedCacheBehaviors") or []:
        yield f"behaviour {behavior.get('pathPattern')!r}", behavior


@rule("cloudfront-https-only", "CloudFront serves viewers only over HTTPS and reaches custom "
      "origins only over HTTPS.", types=(DISTRIBUTION,))
def https_only(s: Subject) -> Iterator[str]:
    for where, behavior in _behaviors(s.props):
        policy = behavior.get("viewerProtocolPolicy")
        if policy not in SECURE_VIEWER_POLICIES:
            yield f"{where} has viewerProtocolPolicy {policy!r}"
    for origin in s.props.get("origins") or []:
        custom = origin.get("customOriginConfig")
        if custom and custom.get("originProtocolPolicy") != "https-only":
            yield (f"origin {origin.get('originId')!r} uses originProtocolPolicy "
                   f"{custom.get('originProtocolPolicy')!r}")


@rule("cloudfront-tls12", "CloudFront uses its own certificate with a TLS 1.2+ security policy "
      "(TLSv1.2_2021 or newer) and TLS 1.2 only to custom origins.", types=(DISTRIBUTION,))
def tls12(s: Subject) -> Iterator[str]:
    certificate = s.props.get("viewerCertificate") or {}
    if certificate.get("cloudfrontDefaultCertificate"):
        yield "uses the default *.cloudfront.net certificate, which allows TLS 1.0"
    version = certificate.get("minimumProtocolVersion")
    if version not in TLS_POLICIES:
        yield f"minimumProtocolVersion is {version!r}; use one of {', '.join(TLS_POLICIES)}"
    for origin in s.props.get("origins") or []:
        custom = origin.get("customOriginConfig")
        protocols = list((custom or {}).get("originSslProtocols") or [])
        if custom and protocols != ["TLSv1.2"]:
            yield f"origin {origin.get('originId')!r} allows {protocols!r}"


@rule("cloudfront-waf-when-required", "A distribution tagged waf-required=true (from the stack's "
      "edgeWafEnabled) has an AWS WAF web ACL attached.", types=(DISTRIBUTION,))
def waf_when_required(s: Subject) -> Iterator[str]:
    required = (s.props.get("tags") or {}).get("waf-required")
    if required not in ("true", "false"):
        yield "tag waf-required is missing; it records whether the stack requires WAF"
    elif required == "true" and not s.props.get("webAclId"):
        yield "the stack requires WAF but webAclId is empty"


@rule("cloudfront-s3-origins-oac", "S3 origins are private buckets reached through Origin "
      "Access Control: no legacy origin access identity, no public website endpoint.",
      types=(DISTRIBUTION,))
def s3_origins_oac(s: Subject) -> Iterator[str]:
    for origin in s.props.get("origins") or []:
        name = origin.get("originId")
        domain = origin.get("domainName")
        identity = (origin.get("s3OriginConfig") or {}).get("originAccessIdentity")
        if identity:
            yield f"origin {name!r} uses a legacy origin access identity"
        if not isinstance(domain, str):
            continue
        if S3_WEBSITE_DOMAIN.search(domain):
            yield f"origin {name!r} is a public S3 website endpoint"
        elif S3_REST_DOMAIN.search(domain) and not origin.get("originAccessControlId"):
            yield f"origin {name!r} is an S3 bucket without Origin Access Control"


@rule("s3-public-access-blocked", "Every bucket public access block sets all four flags.",
      types=(PUBLIC_ACCESS_BLOCK,))
def public_access_blocked(s: Subject) -> Iterator[str]:
    for flag in PUBLIC_BLOCK_FLAGS:
        if s.props.get(flag) is not True:
            yield f"{flag} is not true"


def _sse_algorithms(props: Mapping[str, Any]) -> list[tuple[str | None, Any]]:
    out = []
    for r in props.get("rules") or []:
        default = r.get("applyServerSideEncryptionByDefault") or {}
        out.append((default.get("sseAlgorithm"), default.get("kmsMasterKeyId")))
    return out


@rule("s3-encryption", "Bucket default encryption is SSE-KMS with the stack key; SSE-S3 only "
      "for server access log targets (AWS does not deliver those logs to SSE-KMS buckets).",
      types=(ENCRYPTION,))
def bucket_encryption(s: Subject) -> Iterator[str]:
    algorithms = _sse_algorithms(s.props)
    if not algorithms:
        yield "no default encryption rule"
    for algorithm, key in algorithms:
        if algorithm in KMS_ALGORITHMS and not key:
            yield f"{algorithm} without kmsMasterKeyId uses the AWS managed key"
        elif algorithm not in (*KMS_ALGORITHMS, "AES256"):
            yield f"sseAlgorithm is {algorithm!r}"


@rule("s3-tls-only", "Every bucket policy denies requests that do not use TLS.",
      types=(BUCKET_POLICY,))
def tls_only_policy(s: Subject) -> Iterator[str]:
    if not any(_denies_insecure_transport(st) for st in statements(s.props.get("policy"))):
        yield "no Deny statement on aws:SecureTransport = false"


def _denies_insecure_transport(statement: Mapping[str, Any]) -> bool:
    condition = (statement.get("Condition") or {}).get("Bool") or {}
    return (statement.get("Effect") == "Deny" and statement.get("Principal") in ("*", {"AWS": "*"})
            and str(condition.get("aws:SecureTransport")).lower() == "false")


def _grants_service(policy: Any, service: str) -> bool:
    return any((st.get("Principal") or {}).get("Service") == service
               for st in statements(policy) if isinstance(st.get("Principal"), Mapping))


def bucket_guard_gaps(buckets: Iterable[tuple[str, str]],
                      guards: Iterable[tuple[str, str, Mapping[str, Any]]]) -> list[str]:
    """What each bucket lacks: its public access block, encryption and TLS-only policy.

    ``buckets`` are ``(logical name, bucket id)``; ``guards`` are ``(type, bucket id, props)``
    of the resources that attach to a bucket by its ``bucket`` input. SSE-S3 is accepted
    only on a bucket whose policy lets S3 server access logging write to it.
    """
    by_bucket: dict[str, dict[str, Mapping[str, Any]]] = {}
    for type_, bucket_id, props in guards:
        by_bucket.setdefault(bucket_id, {})[type_] = props
    gaps = []
    for name, bucket_id in buckets:
        found = by_bucket.get(bucket_id, {})
        for type_, what in ((PUBLIC_ACCESS_BLOCK, "public access block"),
                            (ENCRYPTION, "default encryption"), (BUCKET_POLICY, "policy")):
            if type_ not in found:
                gaps.append(f"{name}: no {what}")
        policy = (found.get(BUCKET_POLICY) or {}).get("policy")
        algorithms = [a for a, _ in _sse_algorithms(found.get(ENCRYPTION) or {})]
        if "AES256" in algorithms and not _grants_service(policy, SERVER_ACCESS_LOG_WRITER):
            gaps.append(f"{name}: SSE-S3 on a bucket that is not a server access log target")
    return gaps
