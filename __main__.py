"""The marketplace stack: load config, build the components, wire them, export outputs."""

from __future__ import annotations

import pulumi

from components.alert_routing import AlertRouting, AlertRoutingArgs
from components.alert_topics import AlertTopics, AlertTopicsArgs
from components.audit_log import AuditLog, AuditLogArgs
from components.config import load
from components.core import PlatformCore, PlatformCoreArgs
from components.cost_guardrails import CostGuardrails, CostGuardrailsArgs
from components.events import EventBus, EventBusArgs
from components.security_monitoring import SecurityMonitoring, SecurityMonitoringArgs

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

# --- alerting, security monitoring, cost guardrails ---------------------------------------
alert_routing = AlertRouting(
    f"{prefix}-alert-routing",
    AlertRoutingArgs(
        prefix=prefix,
        alerting=config.alerting,
        lambdas=config.lambdas,
        topic_arns=topics.arns,
        kms_key_arn=core.kms_key_arn,
        region=platform.region,
        owner=platform.owner,
        metrics_namespace=platform.metrics_namespace,
        runbook_base_url=platform.runbook_base_url,
    ),
    regional,
)
security = SecurityMonitoring(
    f"{prefix}-security",
    SecurityMonitoringArgs(
        prefix=prefix,
        security=config.security,
        kms_key_arn=core.kms_key_arn,
        account_id=core.account_id,
        region=platform.region,
        owner=platform.owner,
        topic_arns=topics.arns,
        dlq_retention_days=config.lambdas.dlq_retention_days,
        runbook_base_url=platform.runbook_base_url,
    ),
    regional,
)
cost_guardrails = CostGuardrails(
    f"{prefix}-cost",
    CostGuardrailsArgs(prefix=prefix, stack=platform.stack, cost=config.cost,
                       account_id=core.account_id, topic_arns=topics.arns),
    regional,
)
alerting_monitored_items = (*alert_routing.monitored_items, *security.monitored_items)

pulumi.export("region", platform.region)
pulumi.export("kmsKeyArn", core.kms_key_arn)
pulumi.export("eventBusName", bus.name)
pulumi.export("alertTopicArns", topics.arns)
pulumi.export("auditLogGroup", audit.name)
pulumi.export("alertRouterFunctionName", alert_routing.router_function_name)
pulumi.export("alertStateTableName", alert_routing.state_table.name)
pulumi.export("pagerDutySecretArn", alert_routing.pagerduty_secret.arn)
pulumi.export("slackWebhooksSecretArn", alert_routing.slack_secret.arn)
pulumi.export("cloudTrailName", security.trail_name)
pulumi.export("cloudTrailBucket", security.trail_bucket.name)
pulumi.export("budgetName", cost_guardrails.budget.name)
