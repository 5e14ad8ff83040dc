"""The marketplace stack: load config, build the components, wire them, export outputs."""

from __future__ import annotations

import pulumi

from components.alerting.alert_path import AlertPathWatch, AlertPathWatchArgs
from components.alerting.component import AlertRouting, AlertRoutingArgs
from components.analytics.component import Analytics, AnalyticsArgs
from components.automation.component import Responses, ResponsesArgs
from components.backend.component import Backend, BackendArgs
from components.blocks.secure_bucket import access_log_target
from components.config import load
from components.cost.component import CostGuardrails, CostGuardrailsArgs
from components.edge.component import Edge, EdgeArgs
from components.edge.csp import SiteFeatures
from components.edge.distribution import ApiOrigin
from components.observability.component import Observability, ObservabilityArgs, collect
from components.observability.rum import CLASSIC_FLOW as RUM_CLASSIC_FLOW
from components.platform.alert_topics import AlertTopics, AlertTopicsArgs
from components.platform.audit_log import AuditLog, AuditLogArgs
from components.platform.context import stack_context
from components.platform.core import PlatformCore, PlatformCoreArgs
from components.platform.event_bus import EventBus, EventBusArgs
from components.security.component import LakeTarget, SecurityMonitoring, SecurityMonitoringArgs

config = load()
platform = config.platform
prefix = platform.prefix

# The us-east-1 key lets CloudWatch Logs encrypt there when a log group lives there: the
# WAF's, and the Lambda@Edge image function's.
core = PlatformCore(f"{prefix}-core", PlatformCoreArgs(
    platform=platform,
    edge_log_groups=config.edge.waf_required or config.edge.image_variants,
    # The WAF block runbooks' rules keep their dead letters in us-east-1.
    edge_event_targets=config.edge.waf_required))
# Every component below inherits the tagged regional provider from these options.
regional = pulumi.ResourceOptions(providers=core.providers)
# What every component needs; it gains the topics and the access log target below.
context = stack_context(platform, config.lambdas, account_id=core.account_id,
                        kms_key_arn=core.kms_key_arn, us_east_1=core.us_east_1,
                        us_east_1_kms_key_arn=core.us_east_1_kms_key_arn)

bus = EventBus(
    f"{prefix}-events",
    EventBusArgs(context=context, archive_retention_days=config.events.archive_retention_days),
    regional,
)
topics = AlertTopics(f"{prefix}-alerts", AlertTopicsArgs(context=context), regional)
context = context.with_topics(topics.arns, topics.edge_arns)
audit = AuditLog(f"{prefix}-audit", AuditLogArgs(context=context), regional)

# --- alerting, cost guardrails ---------------------------------------
alert_routing = AlertRouting(
    f"{prefix}-alert-routing",
    AlertRoutingArgs(context=context, alerting=config.alerting, event_bus_name=bus.name,
                     event_bus_arn=bus.arn),
    regional,
)
# The alert path watches itself (alertPathWatch): its alarms email past the router.
alert_path = None
if config.alerting.alert_path_watch:
    alert_path = AlertPathWatch(
        f"{prefix}-alert-path",
        AlertPathWatchArgs(context=context, alerting=config.alerting,
                           router_service_name=alert_routing.router_service_name),
        regional,
    )
    context = context.with_alert_path(alert_path.arn, alert_path.edge_arn)
# One S3 server access log target per stack (stack region) for every bucket that holds data.
access_logs = access_log_target(f"{prefix}-access-logs", account_id=core.account_id,
                                retention_days=platform.audit_log_retention_days, opts=regional)
context = context.with_access_logs(access_logs.name)
cost_guardrails = CostGuardrails(
    f"{prefix}-cost", CostGuardrailsArgs(context=context, cost=config.cost), regional)

# --- backend: listings table, DAX/VPC/app cache (config), functions, user pool, REST API ----
backend = Backend(
    f"{prefix}-backend",
    BackendArgs(
        context=context,
        config=config.backend,
        event_bus_name=bus.name,
        event_bus_arn=bus.arn,
        audit_log_group_name=audit.name,
        audit_log_stream_arn=audit.stream_arn,
    ),
    regional,
)

# --- edge: Cloudflare zone -> CloudFront -> S3 / API, cache purging -----------------------
edge = Edge(
    f"{prefix}-edge",
    EdgeArgs(
        context=context,
        config=config.edge,
        bus_name=bus.name,
        api_origin=ApiOrigin(domain_name=backend.api_origin_domain,
                             origin_path=f"/{backend.api_stage_name}",
                             custom_headers=backend.api_origin_headers),
        # The CSP opens what the pages use: RUM (observability config), user pool sign-in.
        site_features=SiteFeatures(region=platform.region,
                                   rum=config.observability.rum_enabled,
                                   rum_classic_flow=RUM_CLASSIC_FLOW, user_pool=True),
    ),
    regional,
)


# --- analytics: bus -> Kinesis -> Firehose/Parquet lake, stream consumers, Athena, BI --------
analytics = Analytics(
    f"{prefix}-analytics",
    AnalyticsArgs(context=context, bus_name=bus.name, config=config.analytics),
    regional,
)

# --- security monitoring (after the data it logs: the table and buckets its data events cover)
security = SecurityMonitoring(
    f"{prefix}-security",
    SecurityMonitoringArgs(context=context, security=config.security,
                           data_event_table_arns=(backend.table_arn,),
                           data_event_bucket_names=(analytics.lake_bucket_name,
                                                    edge.media_bucket_name),
                           lake=LakeTarget(analytics.lake_bucket_name, analytics.lake_bucket_arn,
                                           analytics.database_name)),
    regional,
)

# --- observability (last: it watches everything built above) ------------------------------
# Every component that creates something worth watching is listed here; its monitored_items
# become alarms, dashboard widgets and queries with no other edit.
watched = (backend, edge, analytics, alert_routing, security,
           # The severity topics alarm only to the alert-path topic: only when it exists.
           *((topics, alert_path) if alert_path is not None else ()))

# --- automated responses: runbooks started by the DLQ alarms, the WAF, GuardDuty, requests ---
# Before observability: its dead-letter queues are watched too; the DLQ depth alarms it starts
# on are named from the items above by the one alarm naming scheme.
responses = Responses(
    f"{prefix}-automation",
    ResponsesArgs(context=context, config=config.automation, items=collect(watched),
                  audit_log_group_name=audit.name, audit_log_stream_arn=audit.stream_arn,
                  event_bus_name=bus.name, distribution_id=edge.distribution_id,
                  distribution_arn=edge.distribution_arn, block_list=edge.block_list),
    regional,
)
observability = Observability(
    f"{prefix}-observability",
    ObservabilityArgs(
        context=context,
        config=config.observability,
        items=collect((*watched, responses)),
        audit_log_group_name=audit.name,
        security_alarm_arns=security.cis_alarm_arns,
    ),
    regional,
)

# --- stack outputs: what operators and other stacks read ------------------------------------
outputs: dict[str, object] = {
    "region": platform.region,
    "kmsKeyArn": core.kms_key_arn,
    "eventBusName": bus.name,
    "alertTopicArns": topics.arns,
    "auditLogGroup": audit.name,
    "alertRouterFunctionName": alert_routing.router_function_name,
    "alertStateTableName": alert_routing.state_table_name,
    "pagerDutySecretArn": alert_routing.pagerduty_secret_arn,
    "slackWebhooksSecretArn": alert_routing.slack_secret_arn,
    "cloudTrailName": security.trail_name,
    "cloudTrailBucket": security.trail_bucket_name,
    "budgetName": cost_guardrails.budget_name,
    "dashboards": observability.dashboard_names,
    "automationDocuments": responses.document_names,
    "alertEdgeTopicArns": topics.edge_arns,
    "distributionId": edge.distribution_id,
    "distributionDomain": edge.distribution_domain,
    "assetsBucket": edge.assets_bucket_name,
    "mediaBucket": edge.media_bucket_name,
    "analyticsStreamName": analytics.stream_name,
    "analyticsLakeBucket": analytics.lake_bucket_name,
    "analyticsAthenaWorkgroup": analytics.workgroup_name,
    "analyticsGlueDatabase": analytics.database_name,
    "apiUrl": backend.api_url,
    "apiOriginDomain": backend.api_origin_domain,
    "listingsTableName": backend.table_name,
    "userPoolId": backend.user_pool_id,
    "userPoolClientId": backend.user_pool_client_id,
}
# Present only when config turns them on.
optional_outputs = {"rumSnippet": observability.rum_snippet,
                    "healthCanary": observability.canary_name,
                    "alertPathTopicArn": alert_path.arn if alert_path is not None else None,
                    "slackInteractivityUrl": alert_routing.slack_interactivity_url,
                    "slackBotTokenSecretArn": alert_routing.slack_bot_token_secret_arn,
                    "slackSigningSecretArn": alert_routing.slack_signing_secret_arn}
outputs.update({k: v for k, v in optional_outputs.items() if v is not None})
for key, value in outputs.items():
    pulumi.export(key, value)
