"""The marketplace stack: load config, build the components, wire them, export outputs."""

from __future__ import annotations

import pulumi

from components.alert_topics import AlertTopics, AlertTopicsArgs
from components.audit_log import AuditLog, AuditLogArgs
from components.config import load
from components.core import PlatformCore, PlatformCoreArgs
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

pulumi.export("region", platform.region)
pulumi.export("kmsKeyArn", core.kms_key_arn)
pulumi.export("eventBusName", bus.name)
pulumi.export("alertTopicArns", topics.arns)
pulumi.export("auditLogGroup", audit.name)

# --- backend: listings table, DAX/VPC/app cache (config), functions, user pool, REST API ----
from components.backend import Backend, BackendArgs  # noqa: E402

backend = Backend(
    f"{prefix}-backend",
    BackendArgs(
        prefix=prefix,
        config=config.backend,
        lambdas=config.lambdas,
        kms_key_arn=core.kms_key_arn,
        region=platform.region,
        owner=platform.owner,
        metrics_namespace=platform.metrics_namespace,
        event_bus_name=bus.name,
        event_bus_arn=bus.arn,
        audit_log_group_name=audit.name,
        audit_log_stream_arn=audit.stream_arn,
    ),
    regional,
)
pulumi.export("apiUrl", backend.api_url)
pulumi.export("apiOriginDomain", backend.api_origin_domain)
pulumi.export("listingsTableName", backend.table_name)
pulumi.export("userPoolId", backend.user_pool_id)
pulumi.export("userPoolClientId", backend.user_pool_client_id)
