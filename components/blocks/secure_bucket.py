"""A private S3 bucket with the settings every bucket in the stack must have."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class SecureBucketArgs:
    """Inputs of :class:`SecureBucket`.

    ``kms_key_arn`` ``None`` means SSE-S3 (only for buckets whose writer cannot use KMS, such as
    S3 server access log targets). ``lifecycle_rules`` are extra rules (dicts in the shape of
    ``BucketLifecycleConfigurationRuleArgs``); noncurrent versions always expire after
    ``noncurrent_days`` and incomplete uploads after 7 days. ``policy_statements`` are added to
    the TLS-only bucket policy (e.g. CloudFront OAC or a service's write access).
    """

    kms_key_arn: pulumi.Input[str] | None
    noncurrent_days: int = 90
    lifecycle_rules: Sequence[Mapping[str, Any]] = ()
    policy_statements: Sequence[Mapping[str, Any]] = ()
    access_log_bucket: pulumi.Input[str] | None = None
    access_log_prefix: str = ""
    object_lock_days: int | None = None
    force_destroy: bool = False
    extra_tags: Mapping[str, str] = field(default_factory=dict)


def access_log_target(name: str, *, account_id: pulumi.Input[str], retention_days: int,
                      opts: pulumi.ResourceOptions) -> SecureBucket:
    """A bucket that receives S3 server access logs; it does not log to itself.

    S3 log delivery writes only to a target with SSE-S3 default encryption (not SSE-KMS), in
    the source bucket's account and Region, without an Object Lock default retention
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
    With BucketOwnerEnforced, delivery is granted by bucket policy, not ACL; the bucket's own
    ARN is not known here, so the statement names the prefix SecureBucket gives it, and only
    this account's buckets may deliver. Logs expire after ``retention_days``.
    """
    return SecureBucket(
        name,
        SecureBucketArgs(
            kms_key_arn=None,
            noncurrent_days=30,
            lifecycle_rules=[{
                "id": "expire-access-logs", "status": "Enabled", "filter": {"prefix": ""},
                "expiration": {"days": retention_days},
            }],
            policy_statements=[{
                "Sid": "S3ServerAccessLogsDelivery",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{name[:36]}-*/*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }],
        ),
        opts=opts,
    )


class SecureBucket(pulumi.ComponentResource):
    """Versioned, encrypted, owner-enforced bucket with public access blocked and TLS required.

    Optional: server access logging to another bucket, object lock (compliance retention) and
    extra lifecycle rules and policy statements.
    """

    bucket: aws.s3.Bucket
    name: pulumi.Output[str]
    arn: pulumi.Output[str]
    regional_domain_name: pulumi.Output[str]

    def __init__(self, name: str, args: SecureBucketArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:storage:SecureBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.bucket = aws.s3.Bucket(
            f"{name}-bucket",
            bucket_prefix=f"{name[:36]}-",
            force_destroy=args.force_destroy,
            object_lock_enabled=args.object_lock_days is not None or None,
            tags=dict(args.extra_tags) or None,
            opts=child,
        )
        ownership, public_block, versioning = self._controls(name)
        self._encryption(name, args.kms_key_arn)
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=self.bucket.id,
            rules=lifecycle_rules(args.noncurrent_days, args.lifecycle_rules),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )
        aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=self.bucket.id,
            policy=pulumi.Output.json_dumps(bucket_policy(self.bucket.arn,
                                                          args.policy_statements)),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_block, ownership]),
        )
        if args.access_log_bucket is not None:
            aws.s3.BucketLogging(
                f"{name}-access-logs",
                bucket=self.bucket.id,
                target_bucket=args.access_log_bucket,
                target_prefix=args.access_log_prefix or f"{name}/",
                opts=child,
            )
        if args.object_lock_days is not None:
            aws.s3.BucketObjectLockConfiguration(
                f"{name}-object-lock",
                bucket=self.bucket.id,
                rule=aws.s3.BucketObjectLockConfigurationRuleArgs(
                    default_retention=aws.s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                        mode="COMPLIANCE", days=args.object_lock_days),
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
            )
        self.name = self.bucket.bucket
        self.arn = self.bucket.arn
        self.regional_domain_name = self.bucket.bucket_regional_domain_name
        self.register_outputs({"name": self.name, "arn": self.arn})

    def _controls(self, name: str) -> tuple[aws.s3.BucketOwnershipControls,
                                            aws.s3.BucketPublicAccessBlock,
                                            aws.s3.BucketVersioning]:
        """Owner-enforced objects, every kind of public access blocked, versioning on."""
        child = pulumi.ResourceOptions(parent=self)
        bucket_id = self.bucket.id
        ownership = aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket_id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        public_block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket_id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        versioning = aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket_id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                status="Enabled"),
            opts=child,
        )
        return ownership, public_block, versioning

    def _encryption(self, name: str, kms_key_arn: pulumi.Input[str] | None) -> None:
        """Default encryption: SSE-KMS with a bucket key, or SSE-S3 without a key."""
        default_sse = (
            aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs
        )
        by_default = (
            default_sse(sse_algorithm="aws:kms", kms_master_key_id=kms_key_arn)
            if kms_key_arn is not None
            else default_sse(sse_algorithm="AES256")
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=self.bucket.id,
            rules=[aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=by_default,
                bucket_key_enabled=kms_key_arn is not None,
            )],
            opts=pulumi.ResourceOptions(parent=self),
        )


def lifecycle_rules(noncurrent_days: int,
                    extra: Sequence[Mapping[str, Any]]) -> list[Any]:
    """Noncurrent versions expire after ``noncurrent_days``, incomplete uploads after 7 days;
    then the caller's rules."""
    return [
        {
            "id": "expire-noncurrent-versions",
            "status": "Enabled",
            "filter": {"prefix": ""},
            "noncurrent_version_expiration": {"noncurrent_days": noncurrent_days},
            "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
        },
        *extra,
    ]


def bucket_policy(bucket_arn: pulumi.Input[str],
                  statements: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """TLS only (every request without it denied), then the caller's statements."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket_arn, pulumi.Output.concat(bucket_arn, "/*")],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            *statements,
        ],
    }
