"""What the architecture diagram can show, as data: the actors, their groups and the flows.

An actor is drawn when the plan holds a resource that stands for it (:class:`Select`: a type,
optionally narrowed by what refers to it or by a test of its inputs). A flow is drawn when
both of its actors are, and, if it lists links, when one resource of the plan ties a resource
of the one to a resource of the other through the dependencies the engine records
(:class:`Link`). ``tools/architecture.py`` reads these tables in one loop; a new capability
is a few rows here, not a new drawing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tools.mock_runtime import Resource

FUNCTION = "aws:lambda/function:Function"
BUCKET = "aws:s3/bucket:Bucket"
TOPIC = "aws:sns/topic:Topic"
DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
CHATBOT = "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration"

# A dependency on one of these stands for a dependency on what it names through the property:
# an integration or subscription points at the function's ``live`` alias, a consumer of
# enhanced fan-out at its stream.
STANDS_FOR = {
    "aws:lambda/alias:Alias": "functionName",
    "aws:kinesis/streamConsumer:StreamConsumer": "streamArn",
}


def _proxied(resource: Resource) -> bool:
    """A DNS record Cloudflare answers for with its own edge (orange cloud)."""
    return resource.inputs.get("proxied") is True


def _email(resource: Resource) -> bool:
    """An SNS subscription that mails its endpoint."""
    return resource.inputs.get("protocol") == "email"


def _aws_source(resource: Resource) -> bool:
    """An EventBridge rule matching events AWS services emit (Health, GuardDuty, ...)."""
    try:
        sources = json.loads(resource.inputs.get("eventPattern") or "{}").get("source", [])
    except (TypeError, ValueError, AttributeError):
        return False
    return bool(sources) and all(str(s).startswith("aws.") for s in sources)


def _variables(resource: Resource) -> dict[str, Any]:
    """A function's environment variables ({} when it has none)."""
    variables = (resource.inputs.get("environment") or {}).get("variables") or {}
    return variables if isinstance(variables, dict) else {}


def _purges_cloudflare(resource: Resource) -> bool:
    """A function told which Cloudflare zone to purge."""
    return "CLOUDFLARE_ZONE_ID" in _variables(resource)


def _routes_to(kind: str) -> Callable[[Resource], bool]:
    """A function whose ``ROUTES`` (the alert router's table) sends some alerts to ``kind``."""
    def test(resource: Resource) -> bool:
        try:
            routes = json.loads(_variables(resource).get("ROUTES") or "[]")
        except (TypeError, ValueError):
            return False
        return any(target == kind or str(target).startswith(f"{kind}:")
                   for route in routes if isinstance(route, dict)
                   for target in route.get("targets", ()))
    test.__doc__ = f"routes alerts to {kind}"
    return test


@dataclass(frozen=True)
class Select:
    """Resources of ``type`` that stand for an actor.

    ``used_by`` keeps those a resource of the given type depends on through the given property
    (the function behind an API integration, the bucket behind a Firehose); ``where`` keeps
    those whose inputs pass a test.
    """

    type: str
    used_by: tuple[str, str] | None = None
    where: Callable[[Resource], bool] | None = None


@dataclass(frozen=True)
class Actor:
    """A box of the diagram: ``group`` is a key of :data:`GROUPS`, or "" for outside parties."""

    key: str
    label: str
    group: str
    selects: tuple[Select, ...]
    shape: str = "box"  # box | store (cylinder) | outside (stadium)


@dataclass(frozen=True)
class Link:
    """A resource of type ``via`` tying the source's resources to the target's.

    ``source`` and ``target`` are properties of ``via`` that depend on a resource of the
    source or target actor; ``None`` means ``via`` is itself one of that actor's resources.
    """

    via: str
    source: str | None
    target: str | None


@dataclass(frozen=True)
class Flow:
    """An arrow: drawn when both ends are, one of ``links`` holds (if any), ``unless`` is not.

    ``source`` may name a group, for flows every actor of a group takes part in (metrics).
    """

    source: str
    target: str
    label: str
    links: tuple[Link, ...] = ()
    unless: str = ""
    dotted: bool = False


GROUPS: tuple[tuple[str, str], ...] = (
    ("edge", "Edge"),
    ("backend", "Backend"),
    ("analytics", "Analytics"),
    ("observability", "Observability and guardrails"),
    ("alerting", "Alerting"),
)

ACTORS: tuple[Actor, ...] = (
    Actor("users", "Users and browsers", "", (
        Select(DNS_RECORD, where=_proxied), Select(DISTRIBUTION),
        Select("aws:apigateway/stage:Stage")), shape="outside"),
    Actor("cloudflare", "Cloudflare<br/>DNS, WAF, cache rules", "edge", (
        Select(DNS_RECORD), Select("cloudflare:index/ruleset:Ruleset"),
        Select("cloudflare:index/zoneSetting:ZoneSetting"))),
    Actor("cloudfront", "CloudFront", "edge", (Select(DISTRIBUTION),)),
    Actor("aws_waf", "AWS WAF", "edge", (Select("aws:wafv2/webAcl:WebAcl"),)),
    Actor("assets", "S3 assets and media", "edge",
          (Select(BUCKET, used_by=(DISTRIBUTION, "origins")),), shape="store"),
    Actor("apigw", "API Gateway (REST)", "backend", (Select("aws:apigateway/restApi:RestApi"),)),
    Actor("cognito", "Cognito user pool", "backend", (Select("aws:cognito/userPool:UserPool"),)),
    Actor("api_fn", "API function", "backend", (
        Select(FUNCTION, used_by=("aws:apigateway/integration:Integration", "uri")),)),
    Actor("signup_fn", "post-confirmation function", "backend", (
        Select(FUNCTION, used_by=("aws:cognito/userPool:UserPool", "lambdaConfig")),)),
    Actor("dax", "DAX", "backend", (Select("aws:dax/cluster:Cluster"),)),
    Actor("dynamodb", "DynamoDB", "backend", (Select("aws:dynamodb/table:Table"),),
          shape="store"),
    Actor("bus", "EventBridge bus", "backend", (Select("aws:cloudwatch/eventBus:EventBus"),)),
    Actor("purger", "cache purger function", "edge",
          (Select(FUNCTION, used_by=(EVENT_TARGET, "arn"), where=_purges_cloudflare),)),
    Actor("kinesis", "Kinesis stream", "analytics", (Select("aws:kinesis/stream:Stream"),)),
    Actor("consumers", "stream processor,<br/>window aggregator", "analytics", (
        Select(FUNCTION, used_by=("aws:lambda/eventSourceMapping:EventSourceMapping",
                                  "functionName")),)),
    Actor("firehose", "Firehose (Parquet)", "analytics",
          (Select("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"),)),
    Actor("lake", "S3 data lake", "analytics", (Select(BUCKET, used_by=(
        "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
        "extendedS3Configuration")),), shape="store"),
    Actor("glue_athena", "Glue catalog, Athena", "analytics", (
        Select("aws:glue/catalogTable:CatalogTable"), Select("aws:athena/workgroup:Workgroup"))),
    Actor("quicksight", "QuickSight", "analytics",
          (Select("aws:quicksight/dataSource:DataSource"),)),
    Actor("rum", "CloudWatch RUM", "observability", (Select("aws:rum/appMonitor:AppMonitor"),)),
    Actor("canary", "Synthetics canary", "observability",
          (Select("aws:synthetics/canary:Canary"),)),
    Actor("alarms", "CloudWatch alarms", "observability", (
        Select(METRIC_ALARM), Select("aws:cloudwatch/compositeAlarm:CompositeAlarm"))),
    Actor("service_events", "AWS service events",
          "observability", (Select("aws:cloudwatch/eventRule:EventRule", where=_aws_source),)),
    Actor("cost", "Budgets, cost anomalies", "observability", (
        Select("aws:budgets/budget:Budget"),
        Select("aws:costexplorer/anomalySubscription:AnomalySubscription"))),
    Actor("topics", "SNS severity topics", "alerting", (Select(TOPIC),)),
    Actor("router", "alert router function", "alerting",
          (Select(FUNCTION, used_by=(SUBSCRIPTION, "endpoint")),)),
    Actor("slack", "Slack", "", (Select(FUNCTION, where=_routes_to("slack")), Select(CHATBOT)),
          shape="outside"),
    Actor("pagerduty", "PagerDuty", "", (Select(FUNCTION, where=_routes_to("pagerduty")),),
          shape="outside"),
    Actor("email", "email", "", (Select(SUBSCRIPTION, where=_email),), shape="outside"),
)

_ALARMED_BY = (Link(METRIC_ALARM, "dimensions", None), Link(METRIC_ALARM, "metricQueries", None))

FLOWS: tuple[Flow, ...] = (
    Flow("users", "cloudflare", "HTTPS", (Link(DNS_RECORD, None, None),)),
    Flow("users", "cloudfront", "HTTPS", unless="cloudflare"),
    Flow("cloudflare", "cloudfront", "proxied origin", (Link(DNS_RECORD, None, "content"),)),
    Flow("aws_waf", "cloudfront", "filters", (Link(DISTRIBUTION, "webAclId", None),)),
    Flow("cloudfront", "assets", "static, media", (Link(DISTRIBUTION, None, "origins"),)),
    Flow("cloudfront", "apigw", "/api/*", (Link(DISTRIBUTION, None, "origins"),)),
    Flow("apigw", "api_fn", "proxy", (
        Link("aws:apigateway/integration:Integration", "restApi", "uri"),)),
    Flow("users", "cognito", "sign-up, sign-in"),
    Flow("cognito", "signup_fn", "post confirmation", (
        Link("aws:cognito/userPool:UserPool", None, "lambdaConfig"),)),
    # With DAX on, the API's reads and writes all go through it (functions/api/repository.py).
    Flow("api_fn", "dax", "reads, writes", (Link(FUNCTION, None, "environment"),)),
    Flow("dax", "dynamodb", "write-through"),
    Flow("api_fn", "dynamodb", "reads, writes", (Link(FUNCTION, None, "environment"),),
         unless="dax"),
    Flow("api_fn", "bus", "listing events", (Link(FUNCTION, None, "environment"),)),
    Flow("signup_fn", "bus", "UserRegistered", (Link(FUNCTION, None, "environment"),)),
    Flow("bus", "purger", "ListingUpdated, ListingDeleted",
         (Link(EVENT_TARGET, "eventBusName", "arn"),)),
    Flow("purger", "cloudflare", "purge cache"),
    Flow("bus", "kinesis", "rules", (Link(EVENT_TARGET, "eventBusName", "arn"),)),
    Flow("kinesis", "consumers", "records", (
        Link("aws:lambda/eventSourceMapping:EventSourceMapping", "eventSourceArn",
             "functionName"),)),
    Flow("kinesis", "firehose", "records", (
        Link("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
             "kinesisSourceConfiguration", None),)),
    Flow("firehose", "lake", "Parquet", (
        Link("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", None,
             "extendedS3Configuration"),)),
    Flow("lake", "glue_athena", "tables", (
        Link("aws:glue/catalogTable:CatalogTable", "storageDescriptor", None),)),
    Flow("glue_athena", "quicksight", "datasets", (
        Link("aws:quicksight/dataSource:DataSource", "parameters", None),)),
    Flow("users", "rum", "page sessions"),
    Flow("canary", "cloudflare", "health probe"),
    Flow("edge", "alarms", "metrics", _ALARMED_BY, dotted=True),
    Flow("backend", "alarms", "metrics", _ALARMED_BY, dotted=True),
    Flow("analytics", "alarms", "metrics", _ALARMED_BY, dotted=True),
    Flow("alarms", "topics", "alarm actions", (
        Link(METRIC_ALARM, None, "alarmActions"),
        Link("aws:cloudwatch/compositeAlarm:CompositeAlarm", None, "alarmActions"))),
    Flow("service_events", "topics", "findings, notices", (Link(EVENT_TARGET, "rule", "arn"),)),
    Flow("cost", "topics", "budget, anomaly", (
        Link("aws:budgets/budget:Budget", None, "notifications"),
        Link("aws:costexplorer/anomalySubscription:AnomalySubscription", None, "subscribers"))),
    Flow("topics", "router", "notifications", (Link(SUBSCRIPTION, "topic", "endpoint"),)),
    Flow("topics", "email", "subscriptions", (Link(SUBSCRIPTION, "topic", None),)),
    Flow("topics", "slack", "Amazon Q Developer", (Link(CHATBOT, "snsTopicArns", None),)),
    # The router's own route table is what sends to Slack or PagerDuty.
    Flow("router", "slack", "webhooks", (Link(FUNCTION, None, None),)),
    Flow("router", "pagerduty", "Events API v2", (Link(FUNCTION, None, None),)),
)
