"""Which priced items each resource type uses, and how many a month, at zero traffic.

:data:`FIXED` maps a type token to a function of the resource (and the plan, for what it
links to) that returns its :class:`Use` of priced items. :data:`NO_FIXED_CHARGE` lists every
other type the stack creates, with the reason it costs nothing until traffic arrives (or
nothing at all). A type in neither table is an error, so a new resource type cannot slip into
the stack uncosted.

A month is 730 hours, the convention of the AWS pricing pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..emitters import EMITTERS
from ..plan import Plan, PlanResource

HOURS_PER_MONTH = 730
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600
# CloudWatch bills an anomaly detection band as two more metrics: its upper and lower bound.
ANOMALY_BAND_METRICS = 2
HIGH_RESOLUTION_BELOW_SECONDS = 60


@dataclass(frozen=True)
class Use:
    """``quantity`` of a priced item in a month, in the item's price unit."""

    item: str
    quantity: float
    basis: str


Charge = Callable[[PlanResource, Plan], list[Use]]


def _number(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _hours(item: str, count: float, what: str) -> Use:
    return Use(item, count * HOURS_PER_MONTH, f"{count:g} {what} × {HOURS_PER_MONTH} h")


def _monthly(item: str, count: float = 1, what: str = "") -> Use:
    return Use(item, count, f"{count:g} {what}".strip())


def metric_alarm(r: PlanResource, _: Plan) -> list[Use]:
    """Per metric the alarm reads (metric math: each metric; a band adds two)."""
    queries = [q for q in r.props.get("metricQueries") or [] if isinstance(q, Mapping)]
    if queries:
        metrics = [q for q in queries if q.get("metric")]
        periods = [_number((q["metric"] or {}).get("period"), 60) for q in metrics]
        band = any("ANOMALY_DETECTION_BAND" in str(q.get("expression") or "") for q in queries)
    else:
        metrics, periods, band = [r.props], [_number(r.props.get("period"), 60)], False
    count = len(metrics) + (ANOMALY_BAND_METRICS if band else 0)
    high = any(p < HIGH_RESOLUTION_BELOW_SECONDS for p in periods)
    item = "cloudwatch.alarm.high_resolution" if high else "cloudwatch.alarm.standard"
    what = "alarm metrics" + (" (with the anomaly band's two)" if band else "")
    return [_monthly(item, count, what)]


def composite_alarm(_: PlanResource, __: Plan) -> list[Use]:
    """A flat price per composite alarm."""
    return [_monthly("cloudwatch.alarm.composite", 1, "composite alarm")]


def dashboard(_: PlanResource, __: Plan) -> list[Use]:
    """A flat price per dashboard."""
    return [_monthly("cloudwatch.dashboard", 1, "dashboard")]


def metric_filter(r: PlanResource, _: Plan) -> list[Use]:
    """A filter with a default value publishes its metric whenever the group takes logs.

    Without a default it publishes only on a match, which is usage. The groups these filters
    read (CloudTrail's) take events whatever the application's traffic.
    """
    transformation = r.props.get("metricTransformation") or {}
    if transformation.get("defaultValue") in (None, ""):
        return []
    return [_monthly("cloudwatch.custom_metric", 1, "custom metric (filter with a default)")]


def kms_key(_: PlanResource, __: Plan) -> list[Use]:
    """A flat price per customer managed key."""
    return [_monthly("kms.key", 1, "customer managed key")]


def secret(_: PlanResource, __: Plan) -> list[Use]:
    """A flat price per secret."""
    return [_monthly("secretsmanager.secret", 1, "secret")]


def _stream_shards(props: Mapping[str, Any]) -> tuple[str, float]:
    mode = str((props.get("streamModeDetails") or {}).get("streamMode") or "PROVISIONED")
    return mode, _number(props.get("shardCount"), 1)


def kinesis_stream(r: PlanResource, _: Plan) -> list[Use]:
    """On-demand: per stream-hour; provisioned: per shard-hour."""
    mode, shards = _stream_shards(r.props)
    if mode == "ON_DEMAND":
        return [_hours("kinesis.on_demand.stream_hour", 1, "on-demand stream")]
    return [_hours("kinesis.provisioned.shard_hour", shards, "shards")]


def stream_consumer(r: PlanResource, plan: Plan) -> list[Use]:
    """Enhanced fan-out: per consumer-shard hour (provisioned), per consumer-stream hour
    (on demand), on the stream it reads."""
    stream_name = str(r.props.get("streamArn") or "").rsplit("/", 1)[-1]
    streams = [s for s in plan.of_type("aws:kinesis/stream:Stream")
               if s.props.get("name") == stream_name] or plan.depends_on(r, "streamArn")
    mode, shards = _stream_shards(streams[0].props) if streams else ("PROVISIONED", 1.0)
    if mode == "ON_DEMAND":
        return [_hours("kinesis.efo.on_demand.consumer_stream_hour", 1, "consumer stream")]
    return [_hours("kinesis.efo.consumer_shard_hour", shards, "consumer shards")]


def web_acl(r: PlanResource, _: Plan) -> list[Use]:
    """Per web ACL, plus per rule (a managed rule group is one rule)."""
    rules = len(r.props.get("rules") or [])
    return [_monthly("wafv2.web_acl", 1, "web ACL"), _monthly("wafv2.rule", rules, "rules")]


def vpc_endpoint(r: PlanResource, _: Plan) -> list[Use]:
    """Interface endpoints: per AZ (one subnet each) per hour; gateway endpoints are free."""
    if r.props.get("vpcEndpointType", "Gateway") != "Interface":
        return []
    azs = len(r.props.get("subnetIds") or []) or 1
    return [_hours("vpc.interface_endpoint.az_hour", azs, "endpoint AZs")]


def dax_cluster(r: PlanResource, _: Plan) -> list[Use]:
    """Per node-hour of the node type."""
    node_type = str(r.props.get("nodeType"))
    nodes = _number(r.props.get("replicationFactor"), 1)
    return [_hours(f"dax.node_hour.{node_type}", nodes, f"{node_type} nodes")]


def api_stage(r: PlanResource, _: Plan) -> list[Use]:
    """The stage's cache, per hour of its size."""
    if not r.props.get("cacheClusterEnabled"):
        return []
    size = str(r.props.get("cacheClusterSize") or "0.5")
    return [_hours(f"apigateway.cache_hour.{size}", 1, f"{size} GB cache")]


def _function(plan: Plan, name: str) -> PlanResource | None:
    found = plan.find("aws:lambda/function:Function", "name", name)
    return found[0] if found else None


def provisioned_concurrency(r: PlanResource, plan: Plan) -> list[Use]:
    """Per GB-second of memory kept warm, at the function's architecture's price."""
    function = _function(plan, str(r.props.get("functionName")))
    memory_mb = _number(function.props.get("memorySize"), 128) if function else 128.0
    arch = ((function.props.get("architectures") if function else None) or ["x86_64"])[0]
    count = _number(r.props.get("provisionedConcurrentExecutions"), 0)
    gb = count * memory_mb / 1024
    return [Use(f"lambda.provisioned_concurrency.gb_second.{arch}", gb * SECONDS_PER_MONTH,
                f"{count:g} × {memory_mb:g} MB × {SECONDS_PER_MONTH} s")]


# Function packages that write every one of their custom metric series on a schedule, zeros
# included, traffic or not: their series are a fixed monthly charge, one custom metric each
# (the analytics collector: functions/cloudflare_analytics, one zone per stack).
ALWAYS_PUBLISHING = ("cloudflare_analytics",)


def function(r: PlanResource, _: Plan) -> list[Use]:
    """SnapStart on published versions caches the live version's snapshot all month, per
    GB-second of the function's memory; restores are per GB and come with traffic. Without
    SnapStart a function is usage only (requests and GB-seconds), unless it always publishes
    its custom metrics (:data:`ALWAYS_PUBLISHING`): then each series it writes is billed."""
    uses: list[Use] = []
    package = str(r.props.get("handler") or "").split(".")[1:2]
    if package and package[0] in ALWAYS_PUBLISHING:
        series = sum(1 for e in EMITTERS if e.function == package[0])
        uses.append(_monthly("cloudwatch.custom_metric", series,
                             "custom metrics written every window, zeros included"))
    if (r.props.get("snapStart") or {}).get("applyOn") != "PublishedVersions":
        return uses
    memory_mb = _number(r.props.get("memorySize"), 128)
    return [*uses, Use("lambda.snapstart.cache_gb_second", memory_mb / 1024 * SECONDS_PER_MONTH,
                       f"1 published version × {memory_mb:g} MB × {SECONDS_PER_MONTH} s")]


_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours)\)$")


def canary(r: PlanResource, _: Plan) -> list[Use]:
    """Per run; a ``rate(...)`` schedule gives the runs a month (``rate(0 minutes)``: once)."""
    expression = str((r.props.get("schedule") or {}).get("expression") or "")
    match = _RATE.match(expression)
    if not match:
        raise ValueError(f"{r.name}: cannot count the runs of schedule {expression!r}; "
                         "only rate(N minutes|hours) is priced")
    every = int(match[1]) * (60 if match[2].startswith("hour") else 1)
    runs = 1.0 if every == 0 else HOURS_PER_MONTH * 60 / every
    return [Use("synthetics.canary_run", runs, f"a run every {every} min")]


def serverless_cache(r: PlanResource, _: Plan) -> list[Use]:
    """ElastiCache Serverless bills its minimum data stored even when empty."""
    engine = str(r.props.get("engine") or "valkey")
    item = f"elasticache.serverless.{engine}.storage_gb_hour"
    minimum_gb = 0.1 if engine == "valkey" else 1.0
    return [Use(item, minimum_gb * HOURS_PER_MONTH,
                f"{minimum_gb:g} GB minimum × {HOURS_PER_MONTH} h")]


def _capacity_targets(plan: Plan) -> dict[tuple[str, str], float]:
    """Autoscaling minimums of DynamoDB capacity, by (resource id, dimension)."""
    return {(str(t.props.get("resourceId")), str(t.props.get("scalableDimension"))):
            _number(t.props.get("minCapacity"))
            for t in plan.of_type("aws:appautoscaling/target:Target")
            if t.props.get("serviceNamespace") == "dynamodb"}


def dynamodb_table(r: PlanResource, plan: Plan) -> list[Use]:
    """Provisioned tables pay for capacity at its autoscaling minimum (or as set)."""
    if r.props.get("billingMode", "PROVISIONED") != "PROVISIONED":
        return []
    targets = _capacity_targets(plan)
    table_id = f"table/{r.props.get('name')}"
    parts = [(table_id, "table", r.props)]
    parts += [(f"{table_id}/index/{g.get('name')}", "index", g)
              for g in r.props.get("globalSecondaryIndexes") or []]
    rcu = wcu = 0.0
    for resource_id, kind, props in parts:
        rcu += targets.get((resource_id, f"dynamodb:{kind}:ReadCapacityUnits"),
                           _number(props.get("readCapacity")))
        wcu += targets.get((resource_id, f"dynamodb:{kind}:WriteCapacityUnits"),
                           _number(props.get("writeCapacity")))
    return [_hours("dynamodb.provisioned.rcu_hour", rcu, "read capacity units"),
            _hours("dynamodb.provisioned.wcu_hour", wcu, "write capacity units")]


def contributor_insights(r: PlanResource, plan: Plan) -> list[Use]:
    """DynamoDB's managed rules: most accessed and most throttled keys (throttled only in
    THROTTLED_KEYS mode), each by partition key and, with a sort key, by both keys."""
    tables = plan.find("aws:dynamodb/table:Table", "name", r.props.get("tableName"))
    schema: Mapping[str, Any] = tables[0].props if tables else {}
    if r.props.get("indexName"):
        schema = next((g for g in schema.get("globalSecondaryIndexes") or []
                       if g.get("name") == r.props["indexName"]), {})
    keys = 2 if schema.get("rangeKey") else 1
    kinds = 1 if r.props.get("mode") == "THROTTLED_KEYS" else 2
    return [_monthly("dynamodb.contributor_insights", keys * kinds, "Contributor Insights rules")]


def influxdb_instance(r: PlanResource, _: Plan) -> list[Use]:
    """Per instance-hour of the class (two for Multi-AZ), plus the allocated storage."""
    instance_class = str(r.props.get("dbInstanceType"))
    copies = 2 if r.props.get("deploymentType") == "WITH_MULTIAZ_STANDBY" else 1
    return [_hours(f"timestream_influxdb.instance_hour.{instance_class}", copies,
                   f"{instance_class} instances"),
            _monthly("timestream_influxdb.storage_gb_month",
                     _number(r.props.get("allocatedStorage")), "GB allocated")]


def quicksight_source(r: PlanResource, _: Plan) -> list[Use]:
    """The author seat of the principal the data source is shared with (one per source)."""
    principals = {str(p.get("principal")) for p in r.props.get("permissions") or []}
    return [_monthly("quicksight.author_month", len(principals) or 1, "author")]


def argo_smart_routing(r: PlanResource, _: Plan) -> list[Use]:
    """Argo's monthly fee per zone once on (its per-GB charge is usage)."""
    on = r.props.get("value") == "on"
    return [_monthly("cloudflare.argo_smart_routing", 1 if on else 0, "zone with Argo")]


FIXED: dict[str, Charge] = {
    "aws:cloudwatch/metricAlarm:MetricAlarm": metric_alarm,
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": composite_alarm,
    "aws:cloudwatch/dashboard:Dashboard": dashboard,
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": metric_filter,
    "aws:kms/key:Key": kms_key,
    "aws:secretsmanager/secret:Secret": secret,
    "aws:kinesis/stream:Stream": kinesis_stream,
    "aws:kinesis/streamConsumer:StreamConsumer": stream_consumer,
    "aws:wafv2/webAcl:WebAcl": web_acl,
    "aws:ec2/vpcEndpoint:VpcEndpoint": vpc_endpoint,
    "aws:dax/cluster:Cluster": dax_cluster,
    "aws:apigateway/stage:Stage": api_stage,
    "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig":
        provisioned_concurrency,
    "aws:lambda/function:Function": function,
    "aws:synthetics/canary:Canary": canary,
    "aws:elasticache/serverlessCache:ServerlessCache": serverless_cache,
    "aws:dynamodb/table:Table": dynamodb_table,
    "aws:dynamodb/contributorInsights:ContributorInsights": contributor_insights,
    "aws:timestreaminfluxdb/dbInstance:DbInstance": influxdb_instance,
    "aws:quicksight/dataSource:DataSource": quicksight_source,
    "cloudflare:index/argoSmartRouting:ArgoSmartRouting": argo_smart_routing,
}

_FREE = "no charge"
_USAGE = "usage only: billed per request, event, GB or invocation"
NO_FIXED_CHARGE: dict[str, str] = {
    "aws:acm/certificate:Certificate": "public ACM certificates are free",
    "aws:acm/certificateValidation:CertificateValidation": _FREE,
    "aws:apigateway/account:Account": _FREE,
    "aws:apigateway/authorizer:Authorizer": _FREE,
    "aws:apigateway/deployment:Deployment": _FREE,
    "aws:apigateway/integration:Integration": _FREE,
    "aws:apigateway/method:Method": _FREE,
    "aws:apigateway/methodSettings:MethodSettings":
        "detailed metrics are custom metrics, published only with requests",
    "aws:apigateway/resource:Resource": _FREE,
    "aws:apigateway/response:Response": _FREE,
    "aws:apigateway/restApi:RestApi": _USAGE + " (requests)",
    "aws:appautoscaling/policy:Policy": _FREE,
    "aws:appautoscaling/target:Target": "priced with the table it scales (its minimum)",
    "aws:athena/namedQuery:NamedQuery": _FREE,
    "aws:athena/workgroup:Workgroup": _USAGE + " (data scanned)",
    "aws:budgets/budget:Budget": "budgets without actions are free",
    "aws:cloudcontrol/resource:Resource": "the QuickSight dashboard: priced by its author seat",
    "aws:cloudfront/cachePolicy:CachePolicy": _FREE,
    "aws:cloudfront/distribution:Distribution": _USAGE + " (requests, transfer)",
    "aws:cloudfront/function:Function": _USAGE + " (invocations)",
    "aws:cloudfront/monitoringSubscription:MonitoringSubscription":
        "additional metrics are custom metrics, published only with requests",
    "aws:cloudfront/originAccessControl:OriginAccessControl": _FREE,
    "aws:cloudfront/originRequestPolicy:OriginRequestPolicy": _FREE,
    "aws:cloudfront/realtimeLogConfig:RealtimeLogConfig":
        _USAGE + " (log lines; its Kinesis stream is priced as a stream)",
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": _FREE,
    "aws:cloudtrail/trail:Trail": "the first trail's management events are free; data events "
                                  "are usage",
    "aws:cloudwatch/eventArchive:EventArchive": _USAGE + " (events archived, GB stored)",
    "aws:cloudwatch/eventBus:EventBus": _USAGE + " (custom events)",
    "aws:cloudwatch/eventBusPolicy:EventBusPolicy": _FREE,
    "aws:cloudwatch/eventRule:EventRule": _FREE,
    "aws:cloudwatch/eventTarget:EventTarget": _FREE,
    "aws:cloudwatch/logDelivery:LogDelivery": _USAGE + " (vended logs delivered)",
    "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination": _FREE,
    "aws:cloudwatch/logDeliverySource:LogDeliverySource": _FREE,
    "aws:cloudwatch/logGroup:LogGroup": _USAGE + " (GB ingested and stored)",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": _FREE,
    "aws:cloudwatch/logStream:LogStream": _FREE,
    "aws:cloudwatch/queryDefinition:QueryDefinition": _FREE,
    "aws:cognito/identityPool:IdentityPool": _FREE,
    "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment": _FREE,
    "aws:cognito/userGroup:UserGroup": _FREE,
    "aws:cognito/userPool:UserPool": _USAGE + " (monthly active users)",
    "aws:cognito/userPoolClient:UserPoolClient": _FREE,
    "aws:costexplorer/anomalyMonitor:AnomalyMonitor": "Cost Anomaly Detection is free",
    "aws:costexplorer/anomalySubscription:AnomalySubscription": _FREE,
    "aws:costexplorer/costAllocationTag:CostAllocationTag": _FREE,
    "aws:dax/parameterGroup:ParameterGroup": _FREE,
    "aws:dax/subnetGroup:SubnetGroup": _FREE,
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": _FREE,
    "aws:ec2/flowLog:FlowLog": _USAGE + " (log GB delivered)",
    "aws:ec2/routeTable:RouteTable": _FREE,
    "aws:ec2/routeTableAssociation:RouteTableAssociation": _FREE,
    "aws:ec2/securityGroup:SecurityGroup": _FREE,
    "aws:ec2/subnet:Subnet": _FREE,
    "aws:ec2/vpc:Vpc": _FREE,
    "aws:glue/catalogDatabase:CatalogDatabase": "free under a million catalog objects",
    "aws:glue/catalogTable:CatalogTable": "free under a million catalog objects",
    "aws:guardduty/detector:Detector": _USAGE + " (events and GB analysed)",
    "aws:guardduty/detectorFeature:DetectorFeature": _USAGE + " (events and GB analysed)",
    "aws:iam/role:Role": _FREE,
    "aws:iam/rolePolicy:RolePolicy": _FREE,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _FREE,
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": _USAGE + " (GB ingested)",
    "aws:kms/alias:Alias": _FREE,
    "aws:kms/keyPolicy:KeyPolicy": _FREE,
    "aws:lambda/alias:Alias": _FREE,
    "aws:lambda/eventSourceMapping:EventSourceMapping": _FREE,
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": _FREE,
    # No charge of its own: requests through it are billed as the function's invocations
    # (aws.amazon.com/lambda/pricing, "Function URLs").
    "aws:lambda/functionUrl:FunctionUrl": _FREE,
    "aws:lambda/layerVersion:LayerVersion": "stored with the functions' code, free",
    "aws:lambda/permission:Permission": _FREE,
    "aws:quicksight/dataSet:DataSet": _USAGE + " (SPICE GB beyond the authors' allowance)",
    "aws:quicksight/refreshSchedule:RefreshSchedule": _FREE,
    "aws:rum/appMonitor:AppMonitor": _USAGE + " (RUM events)",
    "aws:s3/bucket:Bucket": _USAGE + " (GB stored, requests)",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _FREE,
    "aws:s3/bucketLogging:BucketLogging": _FREE,
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": _FREE,
    "aws:s3/bucketObjectv2:BucketObjectv2": _USAGE + " (GB stored)",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _FREE,
    "aws:s3/bucketPolicy:BucketPolicy": _FREE,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _FREE,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
        _FREE,
    "aws:s3/bucketVersioning:BucketVersioning": _FREE,
    "aws:schemas/registry:Registry": _FREE,
    "aws:schemas/schema:Schema": _FREE,
    "aws:secretsmanager/secretVersion:SecretVersion": "priced with its secret",
    "aws:securityhub/account:Account": _USAGE + " (security checks and findings)",
    "aws:securityhub/standardsSubscription:StandardsSubscription":
        _USAGE + " (security checks)",
    "aws:scheduler/schedule:Schedule": _USAGE + " (invocations; 14 million a month free)",
    "aws:sns/topic:Topic": _USAGE + " (publishes, deliveries)",
    "aws:sns/topicPolicy:TopicPolicy": _FREE,
    "aws:sns/topicSubscription:TopicSubscription": _FREE,
    "aws:sqs/queue:Queue": _USAGE + " (requests)",
    "aws:sqs/queuePolicy:QueuePolicy": _FREE,
    # https://aws.amazon.com/systems-manager/pricing/: standard parameters and standard
    # throughput API calls carry no charge.
    "aws:ssm/parameter:Parameter": "standard parameters are free",
    "aws:ssm/document:Document": ("documents are free; an automation run is billed per step "
                                  "and per second of aws:executeScript, as usage "
                                  "(https://aws.amazon.com/systems-manager/pricing/)"),
    "aws:timestreamwrite/database:Database": _USAGE + " (writes, queries, GB stored)",
    "aws:timestreamwrite/table:Table": _USAGE + " (writes, queries, GB stored)",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _FREE,
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _FREE,
    "aws:wafv2/webAclAssociation:WebAclAssociation": _FREE,
    "aws:wafv2/ipSet:IpSet": "IP sets are free; the rule that uses one is priced with the web ACL",
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration":
        _USAGE + " (log GB delivered)",
    "aws:xray/group:Group": _FREE,
    "aws:xray/samplingRule:SamplingRule": _FREE,
    "random:index/randomPassword:RandomPassword": "computed by the provider, no cloud resource",
    "cloudflare:index/dnsRecord:DnsRecord": "DNS is part of every Cloudflare plan",
    "cloudflare:index/ruleset:Ruleset": "rules are part of the zone's plan",
    "cloudflare:index/argoTieredCaching:ArgoTieredCaching": "Tiered Cache is free on every plan",
    "cloudflare:index/regionalTieredCache:RegionalTieredCache":
        "part of the Enterprise plan (Regional Tiered Cache)",
    "cloudflare:index/tieredCache:TieredCache": "Smart Tiered Cache is free on every plan",
    "cloudflare:index/zoneCacheReserve:ZoneCacheReserve":
        _USAGE + " (GB stored, reads and writes)",
    "cloudflare:index/zoneSetting:ZoneSetting": "part of the zone's plan",
}


def uses(resource: PlanResource, plan: Plan) -> list[Use]:
    """What ``resource`` uses a month; an error for a type in neither table."""
    charge = FIXED.get(resource.type)
    if charge is not None:
        return [u for u in charge(resource, plan) if u.quantity]
    if resource.type in NO_FIXED_CHARGE:
        return []
    raise KeyError(f"{resource.type} ({resource.name}) is neither priced in "
                   "policy/cost/charges.py FIXED nor listed in NO_FIXED_CHARGE")
