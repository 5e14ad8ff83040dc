"""The marketplace stack: load config, build the components, wire them, export outputs."""

from __future__ import annotations

import pulumi

from components.alert_topics import AlertTopics, AlertTopicsArgs
from components.audit_log import AuditLog, AuditLogArgs
from components.config import load
from components.core import PlatformCore, PlatformCoreArgs
from components.events import EventBus, EventBusArgs
from components.observability.component import Observability, ObservabilityArgs, Watched, collect

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

# --- observability (last: it watches everything built above) ----------------------------
# Every component that creates something worth watching goes in this list; its
# monitored_items become alarms, dashboard widgets and queries with no other edit.
watched: list[Watched] = []
observability = Observability(
    f"{prefix}-observability",
    ObservabilityArgs(
        platform=platform,
        config=config.observability,
        items=collect(watched),
        topic_arns=topics.arns,
        audit_log_group_name=audit.name,
        kms_key_arn=core.kms_key_arn,
        account_id=core.account_id,
        us_east_1_provider=core.us_east_1,
    ),
    regional,
)
pulumi.export("dashboards", observability.dashboard_names)
pulumi.export("alarmEdgeTopicArns", observability.edge_topic_arns)
if observability.rum_snippet is not None:
    pulumi.export("rumSnippet", observability.rum_snippet)
if observability.canary_name is not None:
    pulumi.export("healthCanary", observability.canary_name)
