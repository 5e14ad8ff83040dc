"""The shared building blocks: secure bucket, dead-letter queue, audit log."""

from __future__ import annotations

import pulumi

from components.blocks.dead_letter_queue import DeadLetterQueue, DeadLetterQueueArgs
from components.blocks.monitored_items import Kind
from components.blocks.secure_bucket import SecureBucket, SecureBucketArgs
from components.platform.audit_log import AuditLog, AuditLogArgs
from components.platform.core import PlatformCore, PlatformCoreArgs
from tests.components.platform.support import context_for
from tests.helpers import platform, policy_document, run_program

KEY = "arn:aws:kms:us-east-1:123456789012:key/test"


def _bucket(**args: object) -> object:
    def program() -> None:
        SecureBucket("b", SecureBucketArgs(**{"kms_key_arn": KEY, **args}))

    return run_program("dev", program)


def test_bucket_is_private_versioned_kms_encrypted_and_tls_only() -> None:
    reg = _bucket()
    block = reg.named("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                      "b-public-access").inputs
    assert all(block[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                  "restrictPublicBuckets"))
    versioning = reg.named("aws:s3/bucketVersioning:BucketVersioning", "b-versioning").inputs
    assert versioning["versioningConfiguration"]["status"] == "Enabled"
    sse = reg.named("aws:s3/bucketServerSideEncryptionConfiguration:"
                    "BucketServerSideEncryptionConfiguration", "b-encryption").inputs
    default = sse["rules"][0]["applyServerSideEncryptionByDefault"]
    assert default == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY}
    assert sse["rules"][0]["bucketKeyEnabled"] is True
    policy = policy_document(reg.named("aws:s3/bucketPolicy:BucketPolicy", "b-policy")
                             .inputs["policy"])
    deny = policy["Statement"][0]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    ownership = reg.named("aws:s3/bucketOwnershipControls:BucketOwnershipControls",
                          "b-ownership").inputs
    assert ownership["rule"]["objectOwnership"] == "BucketOwnerEnforced"


def test_bucket_lifecycle_expires_noncurrent_versions_and_keeps_caller_rules() -> None:
    extra = {"id": "archive", "status": "Enabled", "filter": {"prefix": "raw/"},
             "transitions": [{"days": 30, "storage_class": "STANDARD_IA"}]}
    reg = _bucket(noncurrent_days=45, lifecycle_rules=[extra])
    rules = reg.named("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                      "b-lifecycle").inputs["rules"]
    assert rules[0]["noncurrentVersionExpiration"]["noncurrentDays"] == 45
    assert rules[1]["id"] == "archive"
    assert rules[1]["transitions"][0]["storageClass"] == "STANDARD_IA"


def test_log_target_bucket_uses_sse_s3_and_optional_parts_only_when_asked() -> None:
    reg = _bucket(kms_key_arn=None)
    sse = reg.named("aws:s3/bucketServerSideEncryptionConfiguration:"
                    "BucketServerSideEncryptionConfiguration", "b-encryption").inputs
    assert sse["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    assert not reg.by_type("aws:s3/bucketLogging:BucketLogging")
    assert not reg.by_type("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    full = _bucket(access_log_bucket="logs-bucket", object_lock_days=365)
    (logging,) = full.by_type("aws:s3/bucketLogging:BucketLogging")
    assert logging.inputs["targetBucket"] == "logs-bucket"
    (lock,) = full.by_type("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    assert lock.inputs["rule"]["defaultRetention"] == {"mode": "COMPLIANCE", "days": 365}


def test_dead_letter_queue_is_encrypted_scoped_and_monitored() -> None:
    built: dict[str, DeadLetterQueue] = {}
    rule_arn = "arn:aws:events:us-east-1:123456789012:rule/bus/r"

    def program() -> None:
        built["q"] = DeadLetterQueue("dlq", DeadLetterQueueArgs(
            kms_key_arn=KEY, retention_days=14, region="us-east-1", owner="team",
            sender_service="events.amazonaws.com", sender_arns=(rule_arn,)))

    reg = run_program("dev", program)
    queue = reg.named("aws:sqs/queue:Queue", "dlq-queue").inputs
    assert queue["kmsMasterKeyId"] == KEY
    assert queue["messageRetentionSeconds"] == 14 * 86400
    policy = policy_document(reg.named("aws:sqs/queuePolicy:QueuePolicy", "dlq-policy")
                             .inputs["policy"])
    statement = policy["Statement"][0]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": [rule_arn]}}
    (item,) = built["q"].monitored_items
    assert item.kind is Kind.SQS_QUEUE
    assert item.attributes["dead_letter"] is True


def test_audit_log_group_has_its_own_retention(registry: object, stack: str) -> None:
    (group,) = [r for r in registry.by_type("aws:cloudwatch/logGroup:LogGroup")  # type: ignore[attr-defined]
                if r.inputs["name"].endswith("/audit")]
    assert group.inputs["name"] == f"/{platform(stack).prefix}/audit"
    assert group.inputs["retentionInDays"] == platform(stack).audit_log_retention_days
    assert group.inputs["kmsKeyId"].startswith("arn:aws:kms:")


def test_audit_log_component_exposes_stream_arn_for_writers() -> None:
    built: dict[str, AuditLog] = {}

    def program() -> None:
        core = PlatformCore("core", PlatformCoreArgs(platform=platform("dev")))
        built["a"] = AuditLog("audit", AuditLogArgs(context=context_for(core)),
                              pulumi.ResourceOptions(providers=core.providers))
        pulumi.export("stream", built["a"].stream_arn)

    reg = run_program("dev", program)
    assert reg.exports["stream"].endswith(":log-group:/marketplace-dev/audit:log-stream:*")
    group = reg.named("aws:cloudwatch/logGroup:LogGroup", "audit-logs").inputs
    assert group["retentionInDays"] == platform("dev").audit_log_retention_days
