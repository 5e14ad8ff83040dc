"""Alarms and graphs that can fire: every metric they read exists, and its source produces it.

CloudWatch accepts an alarm or a widget on any (namespace, metric, dimensions), existing or
not; one that names a dimension set AWS does not publish, a resource the stack does not have,
or a custom metric nothing writes stays at "insufficient data" forever, silently. These rules
check every metric alarm, every metric query of a metric-math alarm and every metric row of
every dashboard against:

- :data:`AWS_METRICS`, the metrics AWS documents per resource type, with the exact dimension
  sets they are published under (one row per source page);
- the custom metrics the plan itself writes (log metric filters) and the handlers' emitters
  table :data:`policy.emitters.EMITTERS` (proven against the handlers' real EMF by
  ``tests/functions/test_metric_emitters.py``), in the namespace the emitting function's
  environment names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..emitters import ANY_VALUE, EMITTERS, SERVICE_NAME, Emitter
from ..plan import Plan, PlanResource, as_list
from . import stack_rule

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
FUNCTION = "aws:lambda/function:Function"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
STREAM = "aws:kinesis/stream:Stream"
FIREHOSE = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
TABLE = "aws:dynamodb/table:Table"
RULE = "aws:cloudwatch/eventRule:EventRule"
BUS = "aws:cloudwatch/eventBus:EventBus"
QUEUE = "aws:sqs/queue:Queue"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
BUCKET_NOTIFICATION = "aws:s3/bucketNotification:BucketNotification"
LOG_FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
ACCOUNT = ""  # a metric of the account, not of a resource the stack makes


@dataclass(frozen=True)
class AwsMetrics:
    """Metrics AWS publishes for a resource type under one exact dimension set."""

    resource_type: str
    namespace: str
    metrics: frozenset[str]
    dimensions: frozenset[str]
    source: str


def _row(resource_type: str, namespace: str, metrics: str, dimensions: str,
         source: str) -> AwsMetrics:
    return AwsMetrics(resource_type, namespace, frozenset(metrics.split()),
                      frozenset(d for d in dimensions.split(",") if d), source)


_LAMBDA = "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html"
_DYNAMODB = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html"
_APIGW = ("https://docs.aws.amazon.com/apigateway/latest/developerguide/"
          "api-gateway-metrics-and-dimensions.html")
_EVENTS = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html"
_SQS = ("https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/"
        "sqs-available-cloudwatch-metrics.html")
_SNS = "https://docs.aws.amazon.com/sns/latest/dg/sns-monitoring-using-cloudwatch.html"
_KINESIS = "https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html"
_FIREHOSE = ("https://docs.aws.amazon.com/firehose/latest/dev/"
             "monitoring-with-cloudwatch-metrics.html")
_CLOUDFRONT = ("https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/"
               "viewing-cloudfront-metrics.html")
_WAF = "https://docs.aws.amazon.com/waf/latest/developerguide/waf-metrics.html"
_DAX = ("https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"
        "dax-metrics-dimensions-dax.html")
_ELASTICACHE = ("https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/"
                "serverless-metrics-events-redis.html")
_STATES = "https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html"
_LOGS = ("https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/"
         "CloudWatch-Logs-Monitoring-CloudWatch-Metrics.html")
_USAGE = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Usage-Metrics.html"
_BILLING = ("https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/"
            "gs_monitor_estimated_charges_with_cloudwatch.html")
_SYNTHETICS = ("https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/"
               "CloudWatch_Synthetics_Canaries_metrics.html")
_RUM = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-RUM-metrics.html"
_COGNITO = ("https://docs.aws.amazon.com/cognito/latest/developerguide/"
            "metrics-for-cognito-user-pools.html")

_APIGW_METRICS = "4XXError 5XXError CacheHitCount CacheMissCount Count IntegrationLatency Latency"
_EVENTS_RULE_METRICS = ("DeadLetterInvocations FailedInvocations Invocations MatchedEvents "
                        "ThrottledRules TriggeredRules InvocationsSentToDlq "
                        "InvocationsFailedToBeSentToDlq IngestionToInvocationStartLatency")
_DYNAMODB_CAPACITY = ("ConsumedReadCapacityUnits ConsumedWriteCapacityUnits "
                      "ProvisionedReadCapacityUnits ProvisionedWriteCapacityUnits "
                      "ReadThrottleEvents WriteThrottleEvents")
_CLOUDFRONT_METRICS = ("Requests BytesDownloaded BytesUploaded TotalErrorRate 4xxErrorRate "
                       "5xxErrorRate OriginLatency CacheHitRate 401ErrorRate 403ErrorRate "
                       "404ErrorRate 502ErrorRate 503ErrorRate 504ErrorRate "
                       # Lambda@Edge errors CloudFront counts per distribution.
                       "LambdaExecutionError LambdaValidationError LambdaLimitExceededErrors")

AWS_METRICS: tuple[AwsMetrics, ...] = (
    _row(FUNCTION, "AWS/Lambda",
         "Invocations Errors Throttles Duration ConcurrentExecutions IteratorAge "
         "DeadLetterErrors DestinationDeliveryFailures ProvisionedConcurrencyUtilization "
         "ProvisionedConcurrencySpilloverInvocations AsyncEventAge AsyncEventsDropped",
         "FunctionName", _LAMBDA),
    _row(TABLE, "AWS/DynamoDB", _DYNAMODB_CAPACITY + " ConditionalCheckFailedRequests "
         "TransactionConflict TimeToLiveDeletedItemCount", "TableName", _DYNAMODB),
    _row(TABLE, "AWS/DynamoDB", _DYNAMODB_CAPACITY, "TableName,GlobalSecondaryIndexName",
         _DYNAMODB),
    _row(TABLE, "AWS/DynamoDB", "SuccessfulRequestLatency SystemErrors ThrottledRequests "
         "ReturnedItemCount", "TableName,Operation", _DYNAMODB),
    _row("aws:apigateway/stage:Stage", "AWS/ApiGateway", _APIGW_METRICS, "ApiName,Stage", _APIGW),
    _row("aws:apigateway/stage:Stage", "AWS/ApiGateway", _APIGW_METRICS,
         "ApiName,Method,Resource,Stage", _APIGW),
    _row("aws:apigateway/restApi:RestApi", "AWS/ApiGateway", _APIGW_METRICS, "ApiName", _APIGW),
    # Default-bus rules: RuleName alone; custom-bus rules: EventBusName and RuleName.
    _row(RULE, "AWS/Events", _EVENTS_RULE_METRICS, "RuleName", _EVENTS),
    _row(RULE, "AWS/Events", _EVENTS_RULE_METRICS, "EventBusName,RuleName", _EVENTS),
    _row(QUEUE, "AWS/SQS",
         "ApproximateAgeOfOldestMessage ApproximateNumberOfMessagesDelayed "
         "ApproximateNumberOfMessagesNotVisible ApproximateNumberOfMessagesVisible "
         "NumberOfEmptyReceives NumberOfMessagesDeleted NumberOfMessagesReceived "
         "NumberOfMessagesSent SentMessageSize", "QueueName", _SQS),
    _row("aws:sns/topic:Topic", "AWS/SNS",
         "NumberOfMessagesPublished NumberOfNotificationsDelivered NumberOfNotificationsFailed "
         "NumberOfNotificationsFilteredOut PublishSize", "TopicName", _SNS),
    _row(STREAM, "AWS/Kinesis",
         "GetRecords.Bytes GetRecords.IteratorAgeMilliseconds GetRecords.Latency "
         "GetRecords.Records GetRecords.Success IncomingBytes IncomingRecords "
         "PutRecord.Success PutRecords.FailedRecords PutRecords.Success "
         "ReadProvisionedThroughputExceeded WriteProvisionedThroughputExceeded",
         "StreamName", _KINESIS),
    _row(STREAM, "AWS/Kinesis", "SubscribeToShardEvent.MillisBehindLatest "
         "SubscribeToShard.RateExceeded", "StreamName,ConsumerName", _KINESIS),
    _row(FIREHOSE, "AWS/Firehose",
         "DeliveryToS3.DataFreshness DeliveryToS3.Success DeliveryToS3.Records "
         "DeliveryToS3.Bytes IncomingRecords IncomingBytes DataReadFromKinesisStream.Records "
         "DataReadFromKinesisStream.Bytes ThrottledGetRecords", "DeliveryStreamName",
         _FIREHOSE),
    _row("aws:cloudfront/distribution:Distribution", "AWS/CloudFront", _CLOUDFRONT_METRICS,
         "DistributionId,Region", _CLOUDFRONT),
    _row("aws:wafv2/webAcl:WebAcl", "AWS/WAFV2", "AllowedRequests BlockedRequests "
         "CountedRequests CaptchaRequests ChallengeRequests", "Region,Rule,WebACL", _WAF),
    _row("aws:wafv2/webAcl:WebAcl", "AWS/WAFV2", "AllowedRequests BlockedRequests "
         "CountedRequests", "Rule,WebACL", _WAF),
    _row("aws:dax/cluster:Cluster", "AWS/DAX",
         "CPUUtilization ThrottledRequestCount FaultRequestCount ErrorRequestCount "
         "TotalRequestCount ItemCacheHits ItemCacheMisses QueryCacheHits QueryCacheMisses "
         "ScanCacheHits ScanCacheMisses", "ClusterId", _DAX),
    _row("aws:elasticache/serverlessCache:ServerlessCache", "AWS/ElastiCache",
         "BytesUsedForCache ElastiCacheProcessingUnits SuccessfulReadRequestLatency "
         "SuccessfulWriteRequestLatency TotalCmdsCount CacheHitRate CacheHits CacheMisses "
         "CurrConnections ThrottledCmds Evictions", "clusterId", _ELASTICACHE),
    _row("aws:sfn/stateMachine:StateMachine", "AWS/States",
         "ExecutionsFailed ExecutionsTimedOut ExecutionsStarted ExecutionsSucceeded "
         "ExecutionsAborted ExecutionThrottled ExecutionTime", "StateMachineArn", _STATES),
    _row("aws:cloudwatch/logGroup:LogGroup", "AWS/Logs",
         "IncomingBytes IncomingLogEvents ForwardedBytes ForwardedLogEvents", "LogGroupName",
         _LOGS),
    _row(ACCOUNT, "AWS/Usage", "CallCount ResourceCount", "Class,Resource,Service,Type", _USAGE),
    _row(ACCOUNT, "AWS/Billing", "EstimatedCharges", "Currency", _BILLING),
    _row(ACCOUNT, "AWS/Billing", "EstimatedCharges", "Currency,ServiceName", _BILLING),
    _row("aws:synthetics/canary:Canary", "CloudWatchSynthetics", "SuccessPercent Duration "
         "Failed Failed requests 2xx 4xx 5xx", "CanaryName", _SYNTHETICS),
    _row("aws:rum/appMonitor:AppMonitor", "AWS/RUM",
         "JsErrorCount HttpErrorCount SessionCount PageViewCount SessionDuration TimeOnPage "
         "PageViewCountPerSession JsErrorCountPerSession PerformanceNavigationDuration "
         "PerformanceResourceDuration "
         "WebVitalsCumulativeLayoutShift WebVitalsFirstInputDelay "
         "WebVitalsInteractionToNextPaint WebVitalsLargestContentfulPaint",
         "application_name", _RUM),
    _row("aws:cognito/userPool:UserPool", "AWS/Cognito",
         "SignUpSuccesses SignUpThrottles SignInSuccesses SignInThrottles "
         "TokenRefreshSuccesses TokenRefreshThrottles FederationSuccesses FederationThrottles",
         "UserPool,UserPoolClient", _COGNITO),
)

# The Operation values DynamoDB publishes request metrics under (same page as above).
DYNAMODB_OPERATIONS = frozenset((
    "GetItem", "BatchGetItem", "Query", "Scan", "PutItem", "UpdateItem", "DeleteItem",
    "BatchWriteItem", "TransactGetItems", "TransactWriteItems", "ExecuteStatement",
    "BatchExecuteStatement", "ExecuteTransaction", "GetRecords"))
CLOUDFRONT_REGION = "Global"  # CloudFront publishes its metrics with Region=Global


def _autonamed(resource: PlanResource, value: str) -> bool:
    """Pulumi's auto-name: the resource name, a dash, seven hex digits."""
    return re.fullmatch(re.escape(resource.name) + r"-[0-9a-f]{7}", value) is not None


def _named(resource_type: str, key: str = "name") -> Callable[[Plan, str], bool]:
    def has(plan: Plan, value: str) -> bool:
        for r in plan.of_type(resource_type):
            given = r.props.get(key)
            if given == value or (given is None and _autonamed(r, value)):
                return True
        return False
    return has


def _gsi(plan: Plan, value: str) -> bool:
    return any(i.get("name") == value for t in plan.of_type(TABLE)
               for i in as_list(t.props.get("globalSecondaryIndexes")) if isinstance(i, Mapping))


def _any(_plan: Plan, _value: str) -> bool:
    return True


# How to tell that a dimension value names something the plan deploys. Values AWS assigns
# (a distribution id, a user pool id) are not in the plan's inputs; only their type is checked.
DIMENSION_VALUES: Mapping[str, Callable[[Plan, str], bool]] = {
    "FunctionName": _named(FUNCTION),
    "TableName": _named(TABLE),
    "GlobalSecondaryIndexName": _gsi,
    "Operation": lambda _p, v: v in DYNAMODB_OPERATIONS,
    "ApiName": _named("aws:apigateway/restApi:RestApi"),
    "Stage": _named("aws:apigateway/stage:Stage", "stageName"),
    "RuleName": _named(RULE),
    "EventBusName": _named(BUS),
    "QueueName": _named(QUEUE),
    "TopicName": _named("aws:sns/topic:Topic"),
    "StreamName": _named(STREAM),
    "DeliveryStreamName": _named(FIREHOSE),
    "Region": lambda _p, v: v == CLOUDFRONT_REGION,
    "ClusterId": _named("aws:dax/cluster:Cluster", "clusterName"),
    "clusterId": _named("aws:elasticache/serverlessCache:ServerlessCache"),
    "CanaryName": _named("aws:synthetics/canary:Canary"),
    "application_name": _named("aws:rum/appMonitor:AppMonitor"),
    "LogGroupName": _named("aws:cloudwatch/logGroup:LogGroup"),
}


@dataclass(frozen=True)
class MetricUse:
    """One metric an alarm or widget reads: where, namespace, name, dimensions (name -> value)."""

    resource: str
    namespace: str
    metric: str
    dimensions: Mapping[str, Any]


def _alarm_uses(alarm: PlanResource) -> Iterator[MetricUse]:
    props = alarm.props
    if props.get("metricName"):
        yield MetricUse(alarm.name, str(props.get("namespace")), str(props["metricName"]),
                        dict(props.get("dimensions") or {}))
    for query in as_list(props.get("metricQueries")):
        metric = query.get("metric") if isinstance(query, Mapping) else None
        if isinstance(metric, Mapping) and metric.get("metricName"):
            yield MetricUse(alarm.name, str(metric.get("namespace")), str(metric["metricName"]),
                            dict(metric.get("dimensions") or {}))


def _widget_uses(dashboard: PlanResource) -> Iterator[MetricUse]:
    body = dashboard.props.get("dashboardBody")
    try:
        parsed = json.loads(body) if isinstance(body, str) else None
    except ValueError:
        parsed = None
    if not isinstance(parsed, Mapping):
        return  # unknown at preview time, or not JSON: nothing to read
    for widget in as_list(parsed.get("widgets")):
        if not isinstance(widget, Mapping) or widget.get("type") != "metric":
            continue
        previous: list[Any] = []
        for row in as_list((widget.get("properties") or {}).get("metrics")):
            if not isinstance(row, list) or not row or not isinstance(row[0], str):
                continue  # a metric-math row
            values = [v for v in row if not isinstance(v, Mapping)]
            # "." repeats the value at that position in the row above (CloudWatch's shorthand).
            values = [previous[i] if v == "." and i < len(previous) else v
                      for i, v in enumerate(values)]
            previous = values
            if len(values) < 2:
                continue
            pairs = values[2:]
            yield MetricUse(dashboard.name, str(values[0]), str(values[1]),
                            dict(zip(pairs[0::2], pairs[1::2], strict=False)))


def metric_uses(plan: Plan) -> list[MetricUse]:
    """Every metric every alarm and dashboard widget of the plan reads."""
    uses = [u for a in plan.of_type(ALARM) for u in _alarm_uses(a)]
    return uses + [u for d in plan.of_type(DASHBOARD) for u in _widget_uses(d)]


def _function_env(plan: Plan, package: str) -> list[Mapping[str, Any]]:
    """The environment of every function of the plan whose handler is in ``package``."""
    return [
        (f.prop("environment", "variables") or {})
        for f in plan.of_type(FUNCTION)
        if str(f.props.get("handler") or "").startswith(f"functions.{package}.")
    ]


def _stack_namespaces(plan: Plan) -> set[str]:
    return {str(v) for f in plan.of_type(FUNCTION)
            if (v := (f.prop("environment", "variables") or {}).get(
                "POWERTOOLS_METRICS_NAMESPACE"))}


def _emitter_writes(plan: Plan, emitter: Emitter, use: MetricUse) -> bool:
    """Whether ``emitter``, as deployed in ``plan``, writes the series ``use`` reads."""
    if emitter.metric != use.metric or dict(emitter.dimensions).keys() != use.dimensions.keys():
        return False
    if emitter.function:
        envs = _function_env(plan, emitter.function)
    else:  # an operator's metric, in the stack namespace
        envs = [{"POWERTOOLS_METRICS_NAMESPACE": n} for n in _stack_namespaces(plan)]
    for env in envs:
        if env.get("POWERTOOLS_METRICS_NAMESPACE") != use.namespace:
            continue
        ok = True
        for name, want in emitter.dimensions:
            got = use.dimensions[name]
            if not isinstance(got, str) or want == ANY_VALUE:
                continue
            expected = env.get("POWERTOOLS_SERVICE_NAME") if want == SERVICE_NAME else want
            ok = ok and got == expected
        if ok:
            return True
    return False


def _filter_writes(plan: Plan, use: MetricUse) -> bool:
    for f in plan.of_type(LOG_FILTER):
        t = f.props.get("metricTransformation")
        t = t[0] if isinstance(t, list) and t else t
        if not isinstance(t, Mapping):
            continue
        if (t.get("namespace"), t.get("name")) == (use.namespace, use.metric) and \
                set((t.get("dimensions") or {}).keys()) == set(use.dimensions):
            return True
    return False


def _aws_problem(plan: Plan, use: MetricUse) -> str | None:
    rows = [r for r in AWS_METRICS if r.namespace == use.namespace and use.metric in r.metrics]
    if not rows:
        return (f"reads {use.namespace} {use.metric}, which AWS does not document in that "
                "namespace")
    dims = frozenset(use.dimensions)
    fitting = [r for r in rows if r.dimensions == dims]
    if not fitting:
        sets = " or ".join("{" + ", ".join(sorted(r.dimensions)) + "}" for r in rows)
        return (f"reads {use.namespace} {use.metric} with dimensions "
                f"{{{', '.join(sorted(dims))}}}; AWS publishes it with {sets} "
                f"({rows[0].source})")
    if not any(r.resource_type == ACCOUNT or plan.of_type(r.resource_type) for r in fitting):
        return (f"reads {use.namespace} {use.metric} of a {fitting[0].resource_type} the plan "
                "does not deploy")
    for name, value in use.dimensions.items():
        check = DIMENSION_VALUES.get(name, _any)
        if isinstance(value, str) and not check(plan, value):
            return (f"reads {use.namespace} {use.metric} with {name}={value}, which names "
                    "nothing the plan deploys")
    return None


@stack_rule("metrics-have-a-source",
            "Every alarm and graph reads a metric AWS publishes for a resource the plan "
            "deploys, or one a handler, log filter or runbook really writes.")
def metrics_have_a_source(plan: Plan) -> Iterable[tuple[str, str]]:
    """Every (namespace, metric, exact dimension set) an alarm or dashboard widget reads exists.

    AWS namespaces: the metric and its exact dimension set are documented for a resource type
    the plan deploys, and each dimension value names such a resource (AWS_METRICS, one source
    page per row): Lambda
    https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html, DynamoDB
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html,
    API Gateway https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html,
    EventBridge (RuleName alone on the default bus)
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html, and the other
    pages of AWS_METRICS. Custom namespaces: a log metric filter of the plan writes it, or
    policy.emitters.EMITTERS names an emitter deployed in the plan whose environment
    gives that namespace and service name (Powertools EMF:
    https://docs.powertools.aws.dev/lambda/python/latest/core/metrics/).
    """
    seen: set[tuple[str, str]] = set()
    for use in metric_uses(plan):
        if use.namespace.startswith("AWS/") or use.namespace == "CloudWatchSynthetics":
            problem = _aws_problem(plan, use)
        elif _filter_writes(plan, use) or any(_emitter_writes(plan, e, use) for e in EMITTERS):
            problem = None
        else:
            dims = ", ".join(f"{k}={v}" for k, v in sorted(use.dimensions.items()))
            problem = (f"reads {use.namespace} {use.metric} {{{dims}}}, which no log filter "
                       "of the plan and no emitter in policy/emitters.py writes")
        if problem is not None and (use.resource, problem) not in seen:
            seen.add((use.resource, problem))
            yield use.resource, problem


def _function_name_of(reference: Any) -> str | None:
    """The function name in a Lambda ARN (with or without a qualifier) or a bare name."""
    if not isinstance(reference, str):
        return None
    match = re.search(r":function:([^:]+)", reference)
    return match.group(1) if match else reference


def _async_callers(plan: Plan) -> set[str]:
    """Functions something in the plan invokes asynchronously (targets, SNS, S3 events)."""
    found = {_function_name_of(t.props.get("arn")) for t in plan.of_type(TARGET)}
    found |= {_function_name_of(s.props.get("endpoint")) for s in plan.of_type(SUBSCRIPTION)
              if s.props.get("protocol") == "lambda"}
    for n in plan.of_type(BUCKET_NOTIFICATION):
        for f in as_list(n.props.get("lambdaFunctions")):
            if isinstance(f, Mapping):
                found.add(_function_name_of(f.get("lambdaFunctionArn")))
    return {f for f in found if f}


def _queue_name(plan: Plan, arn: Any) -> str | None:
    return arn.rsplit(":", 1)[-1] if isinstance(arn, str) and arn.startswith("arn:") else None


def _consumed_streams(plan: Plan) -> set[str]:
    """Kinesis stream and DynamoDB stream ARNs (as prefixes) that something reads."""
    sources = {str(m.props.get("eventSourceArn") or "") for m in plan.of_type(MAPPING)}
    for f in plan.of_type(FIREHOSE):
        source = f.props.get("kinesisSourceConfiguration")
        source = source[0] if isinstance(source, list) and source else source
        if isinstance(source, Mapping) and source.get("kinesisStreamArn"):
            sources.add(str(source["kinesisStreamArn"]))
    return {s for s in sources if s}


def _stream_read(consumed: set[str], name: str) -> bool:
    return any(re.search(rf":stream/{re.escape(name)}(/|$)", s) for s in consumed)


@stack_rule("alarm-sources-produce",
            "Each alarm watches something that can produce its metric: failure queues of "
            "asynchronously invoked functions, iterator ages of streams something reads, "
            "event-rule metrics with the dimensions of the rule's bus.")
def alarm_sources_produce(plan: Plan) -> Iterable[tuple[str, str]]:
    """An alarm's source can actually produce the metric it waits for.

    - Depth of a function's on-failure destination queue: Lambda sends there only what an
      asynchronous invocation still fails with, so something in the plan must invoke the
      function asynchronously (an EventBridge target, an SNS subscription, an S3
      notification): https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
      and https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
    - Lambda IteratorAge exists only for functions an event source mapping feeds:
      https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
    - Kinesis GetRecords.IteratorAgeMilliseconds only for a stream something reads:
      https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html
    - EventBridge publishes default-bus rule metrics with RuleName alone and custom-bus rule
      metrics with EventBusName and RuleName:
      https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html
    """
    callers = _async_callers(plan)
    failure_queues: dict[str, str] = {}
    for config in plan.of_type(INVOKE_CONFIG):
        function = _function_name_of(config.props.get("functionName"))
        destinations = config.props.get("destinationConfig") or {}
        for key in ("onFailure", "onSuccess"):
            queue = _queue_name(plan, (destinations.get(key) or {}).get("destination"))
            if queue and function:
                failure_queues[queue] = function
    mapped = {_function_name_of(m.props.get("functionName")) for m in plan.of_type(MAPPING)}
    consumed = _consumed_streams(plan)
    rules = {str(r.props.get("name")): str(r.props.get("eventBusName") or "default")
             for r in plan.of_type(RULE) if r.props.get("name")}
    for alarm in plan.of_type(ALARM):
        for use in _alarm_uses(alarm):
            dims = use.dimensions
            if (use.namespace, use.metric) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible"):
                function = failure_queues.get(str(dims.get("QueueName")))
                if function is not None and function not in callers:
                    yield alarm.name, (
                        f"watches the failure queue of {function}, which nothing in the plan "
                        "invokes asynchronously: the queue stays empty")
            elif (use.namespace, use.metric) == ("AWS/Lambda", "IteratorAge"):
                function = dims.get("FunctionName")
                if isinstance(function, str) and function not in mapped:
                    yield alarm.name, (f"watches IteratorAge of {function}, which no event "
                                       "source mapping feeds")
            elif (use.namespace, use.metric) == ("AWS/Kinesis",
                                                  "GetRecords.IteratorAgeMilliseconds"):
                stream = dims.get("StreamName")
                if isinstance(stream, str) and not _stream_read(consumed, stream):
                    yield alarm.name, (f"watches the iterator age of stream {stream}, which "
                                       "nothing reads")
            elif use.namespace == "AWS/Events" and isinstance(dims.get("RuleName"), str):
                bus = rules.get(dims["RuleName"])
                named = dims.get("EventBusName")
                if bus == "default" and "EventBusName" in dims:
                    yield alarm.name, (
                        f"names EventBusName={named} for default-bus rule {dims['RuleName']}; "
                        "AWS publishes default-bus rule metrics with RuleName alone")
                elif bus is not None and bus != "default" and isinstance(named, str) \
                        and named != bus:
                    yield alarm.name, (f"names EventBusName={named} for rule "
                                       f"{dims['RuleName']} on bus {bus}")
                elif bus is not None and bus != "default" and "EventBusName" not in dims:
                    yield alarm.name, (f"omits EventBusName for rule {dims['RuleName']} on "
                                       f"custom bus {bus}")


_ALARM_REFERENCE = re.compile(r"\b(?:ALARM|OK|INSUFFICIENT_DATA)\(\s*\"?([^\")]+?)\"?\s*\)")


@stack_rule("composite-children-exist",
            "Every alarm a composite alarm's rule names is an alarm of the plan.")
def composite_children_exist(plan: Plan) -> Iterable[tuple[str, str]]:
    """A composite alarm's rule only names alarms that exist.

    CloudWatch evaluates a rule over alarms by name or ARN; one that names an alarm that does
    not exist never leaves INSUFFICIENT_DATA for that child:
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Composite_Alarm.html
    """
    names = {str(a.props.get("name")) for a in plan.of_type(ALARM)}
    names |= {str(c.props.get("alarmName")) for c in plan.of_type(COMPOSITE)}
    for composite in plan.of_type(COMPOSITE):
        rule = composite.props.get("alarmRule")
        if not isinstance(rule, str):
            continue
        for reference in _ALARM_REFERENCE.findall(rule):
            child = reference.rsplit(":alarm:", 1)[-1]
            if child not in names:
                yield composite.name, f"its rule names alarm {child}, which the plan lacks"


@stack_rule("suppressors-suppress",
            "Every composite's actions suppressor is an alarm of the plan, and every composite "
            "tagged as a suppressor suppresses some composite.")
def suppressors_suppress(plan: Plan) -> Iterable[tuple[str, str]]:
    """An actions suppressor exists; an action-less inhibitor is someone's suppressor.

    PutCompositeAlarm's ActionsSuppressor "can be an AlarmName or an Amazon Resource Name
    (ARN) from an existing alarm", and a suppressor that never exists never holds anything:
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html.
    A composite tagged ``SuppressorOf`` is exempt from alarm-has-actions only because another
    composite names it; one no composite names would change state and tell nobody.
    """
    names = {str(a.props.get("name")) for a in plan.of_type(ALARM)}
    names |= {str(c.props.get("alarmName")) for c in plan.of_type(COMPOSITE)}
    used: set[str] = set()
    for composite in plan.of_type(COMPOSITE):
        suppressor = (composite.props.get("actionsSuppressor") or {}).get("alarm")
        if not isinstance(suppressor, str):
            continue
        name = suppressor.rsplit(":alarm:", 1)[-1]
        used.add(name)
        if name not in names:
            yield composite.name, f"its actions suppressor {name} is not an alarm of the plan"
    for composite in plan.of_type(COMPOSITE):
        tags = composite.props.get("tags") or {}
        if tags.get("SuppressorOf") and composite.props.get("alarmName") not in used:
            yield composite.name, ("it is tagged SuppressorOf but no composite names it as "
                                   "actions suppressor, and it has no actions of its own")


@stack_rule("streams-have-consumers",
            "Every Kinesis stream and every DynamoDB stream the plan enables has a reader.")
def streams_have_consumers(plan: Plan) -> Iterable[tuple[str, str]]:
    """Every stream has a consumer, or is not created.

    A Kinesis data stream bills per shard hour (or per GB on demand) whether or not anything
    reads it, and its records expire after the retention period; a reader is a Lambda event
    source mapping or a Firehose delivery stream with it as source:
    https://docs.aws.amazon.com/streams/latest/dev/amazon-kinesis-consumers.html,
    https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html,
    https://docs.aws.amazon.com/firehose/latest/dev/writing-with-kinesis-streams.html.
    A DynamoDB stream (streamEnabled) is read by an event source mapping:
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.Lambda.html
    """
    consumed = _consumed_streams(plan)
    for stream in plan.of_type(STREAM):
        name = stream.props.get("name")
        if isinstance(name, str) and not _stream_read(consumed, name):
            yield stream.name, (f"Kinesis stream {name} has no event source mapping and no "
                                "Firehose reading it")
    for table in plan.of_type(TABLE):
        name = table.props.get("name")
        if table.props.get("streamEnabled") and isinstance(name, str) and not any(
                f":table/{name}/stream/" in s for s in consumed):
            yield table.name, f"DynamoDB table {name} enables a stream nothing reads"
