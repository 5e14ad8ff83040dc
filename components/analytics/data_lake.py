"""The S3 data lake: raw events bucket, its access log bucket, and the Athena results bucket."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from components.analytics.lake_schema import EVENTS_PREFIX
from components.blocks.secure_bucket import SecureBucket, SecureBucketArgs, access_log_target
from components.config import AnalyticsConfig
from components.platform.context import StackContext

RESULTS_PREFIX = "results/"
# Server access logs serve security investigations of the last quarter.
ACCESS_LOG_DAYS = 90


def lake_lifecycle(config: AnalyticsConfig) -> list[dict[str, Any]]:
    """Raw events age to Standard-IA, then Glacier Instant Retrieval, then (optionally) expire.

    Only the ``events/`` prefix ages: Firehose's error output stays hot for investigation and
    expires with the noncurrent-version rule once replaced.
    """
    rule: dict[str, Any] = {
        "id": "age-raw-events",
        "status": "Enabled",
        "filter": {"prefix": EVENTS_PREFIX},
        "transitions": [
            {"days": config.lake_ia_days, "storage_class": "STANDARD_IA"},
            {"days": config.lake_glacier_days, "storage_class": "GLACIER_IR"},
        ],
    }
    if config.lake_expiration_days:
        rule["expiration"] = {"days": config.lake_expiration_days}
    return [rule]


def results_lifecycle(config: AnalyticsConfig) -> list[dict[str, Any]]:
    """Athena query results are disposable: they expire after ``athena_results_days``."""
    return [{
        "id": "expire-query-results",
        "status": "Enabled",
        "filter": {"prefix": RESULTS_PREFIX},
        "expiration": {"days": config.athena_results_days},
    }]


@dataclass(frozen=True)
class DataLakeArgs:
    """Inputs of :class:`DataLake`: the stack context (key, account) and the config."""

    context: StackContext
    config: AnalyticsConfig


class DataLake(pulumi.ComponentResource):
    """Three secure buckets: the lake (SSE-KMS, aged by lifecycle), the Athena results bucket
    (SSE-KMS, expiring), and the server access log target both log to (SSE-S3, which is all S3
    log delivery can write to).
    """

    lake: SecureBucket
    results: SecureBucket
    access_logs: SecureBucket
    lake_bucket_name: pulumi.Output[str]
    lake_bucket_arn: pulumi.Output[str]
    results_bucket_name: pulumi.Output[str]
    results_bucket_arn: pulumi.Output[str]

    def __init__(self, name: str, args: DataLakeArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:analytics:DataLake", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ctx, c = args.context, args.config
        log_bucket = f"{name}-access-logs"
        # The lake's own access-log target: its reads (Athena, QuickSight) make most of the
        # stack's S3 access logs, kept for ACCESS_LOG_DAYS.
        self.access_logs = access_log_target(log_bucket, account_id=ctx.account_id,
                                             retention_days=ACCESS_LOG_DAYS, opts=child)
        self.lake = SecureBucket(
            f"{name}-lake",
            SecureBucketArgs(
                kms_key_arn=ctx.kms_key_arn,
                lifecycle_rules=lake_lifecycle(c),
                access_log_bucket=self.access_logs.name,
                access_log_prefix="lake/",
            ),
            opts=child,
        )
        self.results = SecureBucket(
            f"{name}-athena-results",
            SecureBucketArgs(
                kms_key_arn=ctx.kms_key_arn,
                noncurrent_days=1,
                lifecycle_rules=results_lifecycle(c),
                access_log_bucket=self.access_logs.name,
                access_log_prefix="athena-results/",
            ),
            opts=child,
        )
        self.lake_bucket_name = self.lake.name
        self.lake_bucket_arn = self.lake.arn
        self.results_bucket_name = self.results.name
        self.results_bucket_arn = self.results.arn
        self.register_outputs({"lakeBucket": self.lake_bucket_name,
                               "resultsBucket": self.results_bucket_name})
