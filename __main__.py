"""The marketplace stack: load config, build the components, wire them, export outputs."""

from __future__ import annotations

import pulumi

from components.alert_topics import AlertTopics, AlertTopicsArgs
from components.audit_log import AuditLog, AuditLogArgs
from components.config import load
from components.core import PlatformCore, PlatformCoreArgs
from components.edge import Edge, EdgeArgs
from components.events import EventBus, EventBusArgs

config = load()
platform = config.platform
prefix = platform.prefix

core = PlatformCore(f"{prefix}-core", PlatformCoreArgs(platform=platform))
# Every component below inherits the tagged regional provider from these options.
regional = pulumi.ResourceOptions(providers=core.providers)

bus = EventBus(
    f"{prefix}-events",
    EventBusArgs(
        kms_key_arn=core.kms_key_arn,
        account_id=core.account_id,
        archive_retention_days=config.events.archive_retention_days,
        schema_discovery=config.events.schema_discovery,
    ),
    regional,
)
topics = AlertTopics(
    f"{prefix}-alerts",
    AlertTopicsArgs(prefix=prefix, kms_key_arn=core.kms_key_arn, account_id=core.account_id),
    regional,
)
audit = AuditLog(
    f"{prefix}-audit",
    AuditLogArgs(prefix=prefix, kms_key_arn=core.kms_key_arn,
                 retention_days=platform.audit_log_retention_days),
    regional,
)

# --- edge: Cloudflare zone -> CloudFront -> S3 / API, cache purging -----------------------
edge = Edge(
    f"{prefix}-edge",
    EdgeArgs(
        platform=platform,
        config=config.edge,
        lambdas=config.lambdas,
        kms_key_arn=core.kms_key_arn,
        account_id=core.account_id,
        us_east_1=core.us_east_1,
        bus_name=bus.name,
        api_origin=None,  # the integrator passes ApiOrigin(backend's domain, f"/{stage}")
    ),
    regional,
)

pulumi.export("region", platform.region)
pulumi.export("kmsKeyArn", core.kms_key_arn)
pulumi.export("eventBusName", bus.name)
pulumi.export("alertTopicArns", topics.arns)
pulumi.export("auditLogGroup", audit.name)
pulumi.export("distributionId", edge.distribution_id)
pulumi.export("distributionDomain", edge.distribution_domain)
pulumi.export("assetsBucket", edge.assets_bucket_name)
pulumi.export("mediaBucket", edge.media_bucket_name)

# --- analytics: bus -> Kinesis -> Firehose/Parquet lake, stream consumers, Athena, BI --------
from components.analytics import Analytics, AnalyticsArgs  # noqa: E402

analytics = Analytics(
    f"{prefix}-analytics",
    AnalyticsArgs(
        prefix=prefix,
        bus_name=bus.name,
        kms_key_arn=core.kms_key_arn,
        account_id=core.account_id,
        region=platform.region,
        owner=platform.owner,
        metrics_namespace=platform.metrics_namespace,
        config=config.analytics,
        lambdas=config.lambdas,
    ),
    regional,
)
pulumi.export("analyticsStreamName", analytics.stream_name)
pulumi.export("analyticsLakeBucket", analytics.lake_bucket_name)
pulumi.export("analyticsAthenaWorkgroup", analytics.workgroup_name)
pulumi.export("analyticsGlueDatabase", analytics.database_name)
