"""A test program: the platform, two real LambdaFunctions and one real resource per other kind.

Every kind of monitored item is built from a real (mocked) resource, so the alarms' and
dashboards' dimensions can be compared with what was recorded. The second function,
``orders``, stands for "a function the backend adds": nothing in the observability code
knows about it.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alerting.alert_path import AlertPathWatch, AlertPathWatchArgs
from components.blocks.lambda_function import LambdaFunction, LambdaFunctionArgs
from components.blocks.monitored_items import Kind, MonitoredItem, Slo
from components.config import build
from components.observability.component import Observability, ObservabilityArgs
from components.platform.alert_topics import AlertTopics, AlertTopicsArgs
from components.platform.audit_log import AuditLog, AuditLogArgs
from components.platform.core import PlatformCore, PlatformCoreArgs
from functions.cloudflare_analytics.graphql import SERVICE as CLOUDFLARE_SERVICE
from tests.components.platform.support import context_for
from tests.helpers import config_of
from tools.mock_runtime import Registry, run

# The operations of the test table's handler (per-operation alarms and graphs).
OPERATIONS = ("GetItem", "Query")

SLO = Slo(availability_percent=99.9, latency_ms=400, latency_percent=99)
STREAM_TIMEOUT_S = 30
RESERVED = 20

# The Cloudflare zone's id is config (cloudflareZoneId), not a resource the program records.
ZONE_ID = "0123456789abcdef0123456789abcdef"


@dataclass
class Built:
    """What the program built, for assertions."""

    items: list[MonitoredItem] = field(default_factory=list)
    observability: Observability | None = None
    prefix: str = ""


def _function(name: str, p: Any, core: PlatformCore, defaults: Any, **extra: Any,
              ) -> LambdaFunction:
    return LambdaFunction(
        f"{p.prefix}-{name}",
        LambdaFunctionArgs(
            package="shared", handler="functions.shared.events.validate",
            description=f"{name} test function", defaults=defaults,
            kms_key_arn=core.kms_key_arn, region=p.region,
            powertools_namespace=p.metrics_namespace, owner=f"{name}-team", **extra),
        pulumi.ResourceOptions(providers=core.providers),
    )


def program(stack: str, built: Built, overrides: dict[str, Any],
            us_east_1_key: str | None = None) -> None:
    """The test program (run under the recording mocks).

    Every alarm severity and every dashboard, whatever the stack file trims for cost, unless
    a test overrides ``alarmSeverityFloor`` or ``dashboards`` itself.
    """
    overrides = {"alarmSeverityFloor": None, "dashboards": None, **overrides}
    config = build(config_of(stack, **overrides), project="marketplace", stack=stack)
    p = config.platform
    built.prefix = p.prefix
    core = PlatformCore(f"{p.prefix}-core", PlatformCoreArgs(platform=p))
    regional = pulumi.ResourceOptions(providers=core.providers)
    on_regional = pulumi.ResourceOptions(provider=core.provider)
    context = dataclasses.replace(
        context_for(core, stack, platform_config=p, lambdas=config.lambdas),
        us_east_1_kms_key_arn=us_east_1_key or core.us_east_1_kms_key_arn)
    topics = AlertTopics(f"{p.prefix}-alerts", AlertTopicsArgs(context=context), regional)
    context = context.with_topics(topics.arns, topics.edge_arns)
    # The alert-path topics (here and in us-east-1) the topics' own alarms notify.
    alert_path = AlertPathWatch(f"{p.prefix}-alert-path", AlertPathWatchArgs(
        context=context, alerting=config.alerting,
        router_service_name=f"{p.prefix}-alert-router"), regional)
    context = context.with_alert_path(alert_path.arn, alert_path.edge_arn)
    audit = AuditLog(f"{p.prefix}-audit", AuditLogArgs(context=context), regional)

    # Invoked asynchronously (say, an EventBridge target): it has a failure queue to watch.
    search = _function("search", p, core, config.lambdas, invoked_async=True)
    consumer = _function("stream-consumer", p, core,
                         dataclasses.replace(config.lambdas,
                                             reserved_concurrency={"streamProcessor": RESERVED}),
                         timeout_seconds=STREAM_TIMEOUT_S, concurrency_key="streamProcessor",
                         consumes_stream=True)
    orders = _function("orders", p, core, config.lambdas)

    table = aws.dynamodb.Table(
        "table", name=f"{p.prefix}-listings", billing_mode="PROVISIONED", read_capacity=5,
        write_capacity=5, hash_key="pk", range_key="sk",
        attributes=[aws.dynamodb.TableAttributeArgs(name=n, type="S")
                    for n in ("pk", "sk", "gsi1pk")],
        global_secondary_indexes=[aws.dynamodb.TableGlobalSecondaryIndexArgs(
            name="gsi1", projection_type="ALL", read_capacity=5,
            key_schemas=[aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                attribute_name="gsi1pk", key_type="HASH")],
            write_capacity=5)],
        opts=on_regional)
    dax = aws.dax.Cluster("dax", cluster_name=f"{p.stack}-dax", node_type="dax.t3.small",
                          replication_factor=1,
                          iam_role_arn="arn:aws:iam::123456789012:role/dax", opts=on_regional)
    distribution = aws.cloudfront.Distribution(
        "cdn", enabled=True,
        origins=[aws.cloudfront.DistributionOriginArgs(
            domain_name=f"api.{p.domain}", origin_id="api",
            custom_origin_config=aws.cloudfront.DistributionOriginCustomOriginConfigArgs(
                http_port=80, https_port=443, origin_protocol_policy="https-only",
                origin_ssl_protocols=["TLSv1.2"]))],
        default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
            allowed_methods=["GET", "HEAD"], cached_methods=["GET", "HEAD"],
            target_origin_id="api", viewer_protocol_policy="redirect-to-https"),
        restrictions=aws.cloudfront.DistributionRestrictionsArgs(
            geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(
                restriction_type="none")),
        viewer_certificate=aws.cloudfront.DistributionViewerCertificateArgs(
            cloudfront_default_certificate=True),
        opts=pulumi.ResourceOptions(provider=core.us_east_1))
    stream = aws.kinesis.Stream("stream", name=f"{p.prefix}-events", shard_count=1,
                                opts=on_regional)
    firehose = aws.kinesis.FirehoseDeliveryStream(
        "firehose", name=f"{p.prefix}-lake", destination="extended_s3",
        extended_s3_configuration=aws.kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationArgs(
            bucket_arn="arn:aws:s3:::lake", role_arn="arn:aws:iam::123456789012:role/fh",
            buffering_interval=300),
        opts=on_regional)
    bus = aws.cloudwatch.EventBus("bus", name=f"{p.prefix}-domain", opts=on_regional)
    rule = aws.cloudwatch.EventRule("rule", name=f"{p.prefix}-to-kinesis",
                                    event_bus_name=bus.name,
                                    event_pattern=json.dumps({"source": ["marketplace"]}),
                                    opts=on_regional)
    cache_ = aws.elasticache.ServerlessCache("cache", name=f"{p.stack}-cache", engine="valkey",
                                             opts=on_regional)
    api = aws.apigateway.RestApi("api", name=f"{p.prefix}-api", opts=on_regional)
    deployment = aws.apigateway.Deployment("api-deployment", rest_api=api.id, opts=on_regional)
    stage = aws.apigateway.Stage("api-stage", rest_api=api.id, deployment=deployment.id,
                                 stage_name="v1", opts=on_regional)

    def item(kind: Kind, name: str, dims: dict[str, Any], region: str = p.region,
             **extra: Any) -> MonitoredItem:
        return MonitoredItem(kind=kind, name=f"{p.prefix}-{name}", dimensions=dims,
                             region=region, owner="platform-team", **extra)

    built.items = [
        *search.monitored_items,
        *consumer.monitored_items,
        *orders.monitored_items,
        *topics.monitored_items,
        item(Kind.API_STAGE, "api", {"ApiName": api.name, "Stage": stage.stage_name},
             slo=SLO, attributes={"cache_enabled": True,
                                  "access_log_group": "/aws/apigateway/test-api/access"}),
        item(Kind.DYNAMODB_TABLE, "listings", {"TableName": table.name},
             attributes={"billing_mode": "PROVISIONED", "read_capacity": 5,
                         "write_capacity": 5, "operations": OPERATIONS}),
        item(Kind.DYNAMODB_GSI, "listings-gsi1",
             {"TableName": table.name, "GlobalSecondaryIndexName": "gsi1"},
             attributes={"billing_mode": "PROVISIONED", "read_capacity": 5,
                         "write_capacity": 5}),
        item(Kind.DAX_CLUSTER, "dax", {"ClusterId": dax.cluster_name},
             attributes={"node_count": 1}),
        item(Kind.CLOUDFRONT, "cdn", {"DistributionId": distribution.id, "Region": "Global"},
             region="us-east-1"),
        item(Kind.LAMBDA_EDGE, "images", {"DistributionId": distribution.id, "Region": "Global"},
             region="us-east-1"),
        item(Kind.KINESIS_STREAM, "events", {"StreamName": stream.name},
             attributes={"shard_count": 1}),
        item(Kind.FIREHOSE, "lake", {"DeliveryStreamName": firehose.name},
             attributes={"buffer_seconds": 300}),
        item(Kind.EVENTBRIDGE_RULE, "to-kinesis",
             {"RuleName": rule.name, "EventBusName": bus.name}),
        item(Kind.ELASTICACHE, "cache", {"clusterId": cache_.name},
             attributes={"serverless": True}),
        item(Kind.CLOUDFLARE_ZONE, "zone",
             {"service": CLOUDFLARE_SERVICE, "ZoneId": ZONE_ID},
             attributes={"namespace": p.metrics_namespace}),
    ]
    built.observability = Observability(
        f"{p.prefix}-observability",
        ObservabilityArgs(context=context, config=config.observability, items=built.items,
                          audit_log_group_name=audit.name),
        regional,
    )


def run_test_program(stack: str = "dev", us_east_1_key: str | None = None,
                     **overrides: Any) -> tuple[Registry, Built]:
    """Run the test program for ``stack`` with config ``overrides``."""
    built = Built()
    config = config_of(stack, **overrides)
    registry = run(stack, config, [],
                   lambda: program(stack, built, overrides, us_east_1_key))
    return registry, built


@cache
def cached(stack: str = "dev") -> tuple[Registry, Built]:
    """The test program run once per process and stack."""
    return run_test_program(stack)
