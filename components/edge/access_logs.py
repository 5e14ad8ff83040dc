"""CloudFront standard logging (v2): CloudWatch vended-log delivery to a private S3 bucket.

Standard logging (legacy) writes with S3 ACLs, which the stack's buckets refuse
(BucketOwnerEnforced). v2 delivers through CloudWatch Logs (``DeliverySource`` ->
``DeliveryDestination`` -> ``Delivery``, all in us-east-1 for CloudFront) with a bucket
policy instead, so the log bucket stays a normal :class:`SecureBucket` with SSE-KMS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.blocks.secure_bucket import SecureBucket, SecureBucketArgs
from components.platform.context import StackContext

LOG_PREFIX = "cloudfront"
# Partitioned, Hive-compatible paths so Athena can prune by distribution and hour.
SUFFIX_PATH = "{DistributionId}/{yyyy}/{MM}/{dd}/{HH}"
OUTPUT_FORMAT = "parquet"


def delivery_write_statement(bucket_arn: pulumi.Input[str], account_id: pulumi.Input[str],
                             region: str = "us-east-1") -> Mapping[str, Any]:
    """Bucket policy statement: CloudWatch log delivery writes for this account's sources."""
    return {
        "Sid": "LogDeliveryWrites",
        "Effect": "Allow",
        "Principal": {"Service": "delivery.logs.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": pulumi.Output.concat(bucket_arn, f"/{LOG_PREFIX}/*"),
        "Condition": {
            "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                             "aws:SourceAccount": account_id},
            "ArnLike": {"aws:SourceArn": pulumi.Output.concat(
                "arn:aws:logs:", region, ":", account_id, ":delivery-source:*")},
        },
    }


@dataclass(frozen=True)
class CdnAccessLogsArgs:
    """Inputs of :class:`CdnAccessLogs`: the stack context (prefix, account, the us-east-1
    provider and key), the distribution and how long its logs are kept."""

    context: StackContext
    distribution_arn: pulumi.Input[str]
    retention_days: int


class CdnAccessLogs(pulumi.ComponentResource):
    """The log bucket (us-east-1, SSE-KMS, expiring) and the v2 delivery into it."""

    bucket: SecureBucket
    bucket_name: pulumi.Output[str]

    def __init__(self, name: str, args: CdnAccessLogsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:edge:CdnAccessLogs", name, None, opts)
        context = args.context
        bucket_arn, resolve_bucket_arn = pulumi.deferred_output()
        self.bucket = SecureBucket(
            f"{name}-bucket",
            SecureBucketArgs(
                kms_key_arn=context.us_east_1_kms_key_arn,
                noncurrent_days=7,
                lifecycle_rules=[{
                    "id": "expire-access-logs",
                    "status": "Enabled",
                    "filter": {"prefix": f"{LOG_PREFIX}/"},
                    "expiration": {"days": args.retention_days},
                }],
                policy_statements=[delivery_write_statement(bucket_arn, context.account_id)],
                # Only CloudFront's own logs land here: no S3 access logs of a log bucket.
                extra_tags={"log-bucket": "cloudfront-standard-logs"},
            ),
            opts=pulumi.ResourceOptions(parent=self, providers={"aws": context.us_east_1}),
        )
        resolve_bucket_arn(self.bucket.arn)
        child = pulumi.ResourceOptions(parent=self, provider=context.us_east_1)
        source = aws.cloudwatch.LogDeliverySource(
            f"{name}-source",
            name=f"{context.prefix}-cdn-access",
            log_type="ACCESS_LOGS",
            resource_arn=args.distribution_arn,
            opts=child,
        )
        destination = aws.cloudwatch.LogDeliveryDestination(
            f"{name}-destination",
            name=f"{context.prefix}-cdn-access-s3",
            output_format=OUTPUT_FORMAT,
            delivery_destination_configuration={
                "destination_resource_arn": pulumi.Output.concat(self.bucket.arn,
                                                                 f"/{LOG_PREFIX}"),
            },
            opts=child,
        )
        aws.cloudwatch.LogDelivery(
            f"{name}-delivery",
            delivery_source_name=source.name,
            delivery_destination_arn=destination.arn,
            s3_delivery_configurations=[{
                "enable_hive_compatible_path": True,
                "suffix_path": SUFFIX_PATH,
            }],
            opts=child,
        )
        self.bucket_name = self.bucket.name
        self.register_outputs({"bucketName": self.bucket_name})
