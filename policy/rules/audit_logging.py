"""Audit trails a scanner expects and AWS's rules for them: WAF logs, S3 access logs, trail SNS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..plan import Plan, PlanResource, as_list
from . import stack_rule

WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WAF_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
WAF_LOG_PREFIX = "aws-waf-logs-"


def _get(value: Any, *keys: str) -> Any:
    """A nested input, tolerant of camelCase and snake_case keys (both reach the plan)."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in key)
        value = value.get(key, value.get(snake))
    return value


def _exact_headers(acl: PlanResource) -> set[str]:
    """Headers a rule of ``acl`` compares EXACTLY with a fixed value: shared secrets."""
    found = set()
    for rule in as_list(acl.props.get("rules")):
        match = _get(rule, "statement", "byteMatchStatement")
        header = _get(match, "fieldToMatch", "singleHeader", "name")
        if header and _get(match, "positionalConstraint") == "EXACTLY":
            found.add(str(header).lower())
    return found


@stack_rule("waf-web-acl-logging",
            "Every WAF web ACL logs to an aws-waf-logs- log group and redacts the headers it "
            "matches exactly (shared secrets).")
def waf_logging(plan: Plan) -> Iterator[tuple[str, str]]:
    """WAF sends logs only to a CloudWatch Logs log group whose name starts with
    ``aws-waf-logs-`` (https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html),
    through WebAclLoggingConfiguration
    (https://www.pulumi.com/registry/packages/aws/api-docs/wafv2/webacllogingconfiguration/),
    one per web ACL. Logs hold full request headers unless ``RedactedFields`` names them
    (https://docs.aws.amazon.com/waf/latest/developerguide/logging-management.html): a header
    the ACL compares EXACTLY with a value is a credential and must be redacted.
    """
    configs: dict[str, PlanResource] = {}
    for config in plan.of_type(WAF_LOGGING):
        for acl in plan.depends_on(config, "resourceArn"):
            configs[acl.urn] = config
        for group in plan.depends_on(config, "logDestinationConfigs"):
            if group.type == LOG_GROUP and not str(group.props.get("name", "")).startswith(
                    WAF_LOG_PREFIX):
                yield (config.name, f"log group {group.props.get('name')!r} does not start "
                       f"with {WAF_LOG_PREFIX!r}; WAF refuses it as a destination")
    for acl in plan.of_type(WEB_ACL):
        config = configs.get(acl.urn)
        if config is None:
            yield (acl.name, "web ACL has no WebAclLoggingConfiguration: requests it allows "
                   "or blocks leave no trace")
            continue
        redacted = {str(_get(f, "singleHeader", "name")).lower()
                    for f in as_list(config.props.get("redactedFields"))}
        for header in sorted(_exact_headers(acl) - redacted):
            yield (config.name, f"header {header!r} carries the value the web ACL matches "
                   "exactly (a secret) but is not in redactedFields: the logs would leak it")



BUCKET = "aws:s3/bucket:Bucket"
BUCKET_LOGGING = "aws:s3/bucketLogging:BucketLogging"
BUCKET_SSE = ("aws:s3/bucketServerSideEncryptionConfiguration:"
              "BucketServerSideEncryptionConfiguration")
OBJECT_LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
# Tag a bucket that only receives logs from an AWS service with its kind: it holds no data
# of its own, and logging access to a log bucket only makes more logs.
LOG_BUCKET_TAG = "log-bucket"


def _bucket_of(plan: Plan, resource: PlanResource, key: str) -> PlanResource | None:
    found = [r for r in plan.depends_on(resource, key) if r.type == BUCKET]
    return found[0] if found else None


def _settings(plan: Plan, type_: str, bucket: PlanResource) -> list[PlanResource]:
    return [r for r in plan.of_type(type_) if _bucket_of(plan, r, "bucket") is bucket]


@stack_rule("s3-access-logging",
            "Every bucket that holds data sends S3 server access logs to a target in its "
            "Region that S3 log delivery can write to.")
def s3_access_logging(plan: Plan) -> Iterator[tuple[str, str]]:
    """S3 server access logs go to a destination bucket in the same Region and account as
    the source; the destination may not be the source itself, may use only SSE-S3 default
    encryption (SSE-KMS is not supported for server access log delivery), and may not have an
    Object Lock default retention period
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html,
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html). Buckets that only
    receive another service's logs carry the ``log-bucket`` tag instead of logging.
    """
    sources: set[str] = set()
    targets: set[str] = set()
    for logging in plan.of_type(BUCKET_LOGGING):
        source = _bucket_of(plan, logging, "bucket")
        target = _bucket_of(plan, logging, "targetBucket")
        if source is None or target is None:
            continue
        sources.add(source.urn)
        targets.add(target.urn)
        if target.urn == source.urn:
            yield (logging.name, "a bucket logs access to itself: every log write is logged "
                   "again, without end")
        if target.region != source.region:
            yield (logging.name, f"target bucket is in {target.region}, the source in "
                   f"{source.region}; S3 delivers access logs only within one Region")
        for sse in _settings(plan, BUCKET_SSE, target):
            for rule in as_list(sse.props.get("rules")):
                algorithm = _get(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm")
                if algorithm != "AES256":
                    yield (logging.name, f"target bucket {target.name} encrypts with "
                           f"{algorithm}; S3 log delivery writes only to SSE-S3 (AES256) targets")
        for lock in _settings(plan, OBJECT_LOCK, target):
            if _get(lock.props.get("rule"), "defaultRetention"):
                yield (logging.name, f"target bucket {target.name} has an Object Lock default "
                       "retention, which S3 log delivery refuses")
    for bucket in plan.of_type(BUCKET):
        tags = bucket.props.get("tags") or {}
        if bucket.urn in sources or bucket.urn in targets or tags.get(LOG_BUCKET_TAG):
            continue
        yield (bucket.name, "bucket holds data but has no BucketLogging (S3 server access "
               f"logs); log it, or tag it {LOG_BUCKET_TAG!r} if it only receives logs")
