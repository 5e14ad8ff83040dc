"""The alarm catalog: per kind of monitored item, the metrics to alarm on and how.

This module is data. Every :class:`AlarmSpec` says which CloudWatch metric (or metric-math
expression over several) to watch, with which statistic and period, in which direction, and
the default ``warning`` and ``critical`` thresholds. The alarm factory turns one spec and one
item into one alarm per severity; the dashboards draw the same specs. Adding a kind means
adding an entry here (and its runbook anchors), never a new code path.

Thresholds marked ``relative_to`` are percentages of an item attribute (a function's p99
duration as a percentage of its ``timeout_ms``); specs with ``requires`` apply only to items
whose attributes match (iterator age only for stream consumers). A spec in
``STACK_NAMESPACE`` reads custom metrics in the item's ``namespace`` attribute.
"""

from __future__ import annotations

from collections.abc import Mapping

# Re-exported: the config Reader's check_override, held to this catalog by test_alarm_metrics.
from components.blocks.alarm_metrics import SEVERITIES, check_override  # noqa: F401
from components.blocks.monitored_items import Kind, MonitoredItem

# Re-exported: the catalog's entry types, which most readers import from here.
from components.observability.alarm_spec import (  # noqa: F401
    CLOUDFRONT_REGION,
    COMPARISONS,
    NOTIFIES,
    STACK_NAMESPACE,
    STATISTICS,
    TREAT_MISSING,
    AlarmSpec,
    Query,
    for_operations,
)


def _rate(numerator: str, denominator: str, empty: float = 0) -> str:
    """A percentage that is ``empty`` when nothing happened (no division by zero)."""
    return f"IF(({denominator}) > 0, 100 * {numerator} / ({denominator}), {empty})"


def _capacity(kind_word: str) -> AlarmSpec:
    """Consumed vs provisioned capacity of a provisioned table or index, in percent."""
    return AlarmSpec(
        metric=f"{kind_word}-capacity",
        title=f"Consumed {kind_word} capacity (% of provisioned)",
        namespace="AWS/DynamoDB",
        comparison="GreaterThanThreshold",
        warning=80,
        critical=95,
        unit="%",
        period=300,
        evaluation_periods=3,
        datapoints_to_alarm=2,
        expression="100 * (consumed / PERIOD(consumed)) / provisioned",
        queries=(
            Query("consumed", f"Consumed{kind_word.capitalize()}CapacityUnits", "Sum"),
            Query("provisioned", f"Provisioned{kind_word.capitalize()}CapacityUnits", "Average"),
        ),
        requires=(("billing_mode", "PROVISIONED"),),
        maximum=100,
    )


def _throttles(kind_word: str) -> AlarmSpec:
    return AlarmSpec(
        metric=f"{kind_word}-throttles", title=f"{kind_word.capitalize()} throttle events",
        namespace="AWS/DynamoDB", comparison="GreaterThanThreshold", warning=0, critical=50,
        unit="events", metric_name=f"{kind_word.capitalize()}ThrottleEvents", statistic="Sum",
    )


def _edge_errors(metric: str, title: str, metric_name: str) -> AlarmSpec:
    """A count of failed Lambda@Edge invocations CloudFront reports for the distribution."""
    return AlarmSpec(metric=metric, title=title, namespace="AWS/CloudFront",
                     comparison="GreaterThanThreshold", warning=0, critical=10, unit="errors",
                     period=300, evaluation_periods=3, datapoints_to_alarm=2,
                     metric_name=metric_name, statistic="Sum")


CATALOG: Mapping[Kind, tuple[AlarmSpec, ...]] = {
    Kind.LAMBDA: (
        AlarmSpec(
            metric="error-rate", title="Error rate (% of invocations)", namespace="AWS/Lambda",
            comparison="GreaterThanThreshold", warning=1, critical=5, unit="%",
            expression=_rate("errors", "invocations"),
            queries=(Query("errors", "Errors", "Sum"), Query("invocations", "Invocations", "Sum")),
            maximum=100,
        ),
        AlarmSpec(
            metric="throttles", title="Throttled invocations", namespace="AWS/Lambda",
            comparison="GreaterThanThreshold", warning=0, critical=10, unit="invocations",
            metric_name="Throttles", statistic="Sum",
        ),
        AlarmSpec(
            metric="duration-p99", title="p99 duration (% of timeout)", namespace="AWS/Lambda",
            comparison="GreaterThanThreshold", warning=80, critical=95, unit="% of timeout",
            period=300, evaluation_periods=3, datapoints_to_alarm=2,
            metric_name="Duration", statistic="p99", relative_to="timeout_ms", maximum=100,
        ),
        AlarmSpec(
            metric="iterator-age", title="Stream iterator age", namespace="AWS/Lambda",
            comparison="GreaterThanThreshold", warning=60_000, critical=300_000, unit="ms",
            metric_name="IteratorAge", statistic="Maximum",
            requires=(("consumes_stream", True),),
        ),
        AlarmSpec(
            metric="concurrency", title="Concurrent executions (% of reserved)",
            namespace="AWS/Lambda", comparison="GreaterThanThreshold", warning=80,
            critical=95, unit="% of reserved", metric_name="ConcurrentExecutions",
            statistic="Maximum", relative_to="reserved_concurrency", maximum=100,
        ),
    ),
    Kind.API_STAGE: (
        AlarmSpec(
            metric="5xx-rate", title="5XX rate (% of requests)", namespace="AWS/ApiGateway",
            comparison="GreaterThanThreshold", warning=1, critical=5, unit="%",
            expression=_rate("errors", "requests"),
            queries=(Query("errors", "5XXError", "Sum"), Query("requests", "Count", "Sum")),
            maximum=100,
        ),
        AlarmSpec(
            metric="4xx-rate", title="4XX rate (% of requests)", namespace="AWS/ApiGateway",
            comparison="GreaterThanThreshold", warning=10, critical=25, unit="%",
            period=300, evaluation_periods=3, datapoints_to_alarm=2,
            expression=_rate("errors", "requests"),
            queries=(Query("errors", "4XXError", "Sum"), Query("requests", "Count", "Sum")),
            maximum=100,
        ),
        AlarmSpec(
            metric="latency-p99", title="p99 latency", namespace="AWS/ApiGateway",
            comparison="GreaterThanThreshold", warning=1000, critical=2500, unit="ms",
            metric_name="Latency", statistic="p99",
        ),
        AlarmSpec(
            metric="cache-hit-ratio", title="Stage cache hit ratio", namespace="AWS/ApiGateway",
            comparison="LessThanThreshold", warning=50, critical=20, unit="%",
            period=300, evaluation_periods=3, datapoints_to_alarm=3,
            expression=_rate("hits", "hits + misses", empty=100),
            queries=(Query("hits", "CacheHitCount", "Sum"),
                     Query("misses", "CacheMissCount", "Sum")),
            requires=(("cache_enabled", True),), maximum=100,
        ),
    ),
    Kind.DYNAMODB_TABLE: (
        _throttles("read"),
        _throttles("write"),
        AlarmSpec(
            metric="system-errors", title="System errors (all operations)",
            namespace="AWS/DynamoDB", comparison="GreaterThanThreshold", warning=0,
            critical=10, unit="errors", expression="",
            per_operation=("SystemErrors", "Sum", "sum"), requires=(("operations", True),),
        ),
        AlarmSpec(
            metric="request-latency", title="Successful request latency (slowest operation)",
            namespace="AWS/DynamoDB", comparison="GreaterThanThreshold", warning=25,
            critical=100, unit="ms", period=300, evaluation_periods=3, datapoints_to_alarm=2,
            expression="", per_operation=("SuccessfulRequestLatency", "Average", "max"),
            requires=(("operations", True),),
        ),
        _capacity("read"),
        _capacity("write"),
    ),
    Kind.DYNAMODB_GSI: (
        _throttles("read"),
        _throttles("write"),
        _capacity("read"),
        _capacity("write"),
    ),
    Kind.DAX_CLUSTER: (
        AlarmSpec(
            metric="cpu", title="CPU utilization", namespace="AWS/DAX",
            comparison="GreaterThanThreshold", warning=70, critical=90, unit="%",
            period=300, evaluation_periods=3, datapoints_to_alarm=3,
            metric_name="CPUUtilization", statistic="Average", maximum=100,
        ),
        AlarmSpec(
            metric="throttled-requests", title="Throttled requests", namespace="AWS/DAX",
            comparison="GreaterThanThreshold", warning=0, critical=100, unit="requests",
            metric_name="ThrottledRequestCount", statistic="Sum",
        ),
        AlarmSpec(
            metric="faults", title="Fault requests (system errors)", namespace="AWS/DAX",
            comparison="GreaterThanThreshold", warning=0, critical=10, unit="requests",
            metric_name="FaultRequestCount", statistic="Sum",
        ),
        AlarmSpec(
            metric="cache-miss-ratio", title="Item cache miss ratio", namespace="AWS/DAX",
            comparison="GreaterThanThreshold", warning=50, critical=80, unit="%",
            period=300, evaluation_periods=3, datapoints_to_alarm=3,
            expression=_rate("misses", "hits + misses"),
            queries=(Query("hits", "ItemCacheHits", "Sum"),
                     Query("misses", "ItemCacheMisses", "Sum")),
            maximum=100,
        ),
    ),
    Kind.CLOUDFRONT: (
        AlarmSpec(
            metric="5xx-rate", title="5xx error rate", namespace="AWS/CloudFront",
            comparison="GreaterThanThreshold", warning=1, critical=5, unit="%",
            metric_name="5xxErrorRate", statistic="Average", maximum=100,
        ),
        AlarmSpec(
            metric="origin-latency", title="Origin latency (p99)", namespace="AWS/CloudFront",
            comparison="GreaterThanThreshold", warning=1000, critical=3000, unit="ms",
            period=300, evaluation_periods=3, datapoints_to_alarm=2,
            metric_name="OriginLatency", statistic="p99",
        ),
    ),
    # CloudFront's counts of the distribution's Lambda@Edge failures (us-east-1, Sum).
    Kind.LAMBDA_EDGE: (
        _edge_errors("execution-errors", "Lambda@Edge execution errors (viewer got a 502)",
                     "LambdaExecutionError"),
        _edge_errors("validation-errors", "Lambda@Edge invalid responses (viewer got a 502)",
                     "LambdaValidationError"),
        _edge_errors("limit-exceeded", "Lambda@Edge throttled or timed out (viewer got a 503)",
                     "LambdaLimitExceededErrors"),
    ),
    Kind.KINESIS_STREAM: (
        AlarmSpec(
            metric="iterator-age", title="GetRecords iterator age", namespace="AWS/Kinesis",
            comparison="GreaterThanThreshold", warning=60_000, critical=600_000, unit="ms",
            metric_name="GetRecords.IteratorAgeMilliseconds", statistic="Maximum",
        ),
        AlarmSpec(
            metric="write-throughput-exceeded", title="Writes over shard throughput",
            namespace="AWS/Kinesis", comparison="GreaterThanThreshold", warning=0,
            critical=100, unit="records", metric_name="WriteProvisionedThroughputExceeded",
            statistic="Sum",
        ),
    ),
    Kind.FIREHOSE: (
        AlarmSpec(
            metric="data-freshness", title="Age of the oldest undelivered record",
            namespace="AWS/Firehose", comparison="GreaterThanThreshold", warning=200,
            critical=400, unit="% of buffer interval", period=300, evaluation_periods=3,
            datapoints_to_alarm=2, metric_name="DeliveryToS3.DataFreshness",
            statistic="Maximum", relative_to="buffer_seconds",
        ),
        AlarmSpec(
            metric="delivery-success", title="Delivery success to S3", namespace="AWS/Firehose",
            comparison="LessThanThreshold", warning=0.99, critical=0.95, unit="ratio",
            period=300, evaluation_periods=3, datapoints_to_alarm=2,
            metric_name="DeliveryToS3.Success", statistic="Average", maximum=1,
        ),
    ),
    Kind.SQS_QUEUE: (
        AlarmSpec(
            metric="depth", title="Messages waiting in the dead-letter queue",
            namespace="AWS/SQS", comparison="GreaterThanThreshold", warning=0, critical=100,
            unit="messages", evaluation_periods=1, datapoints_to_alarm=1,
            metric_name="ApproximateNumberOfMessagesVisible", statistic="Maximum",
            requires=(("dead_letter", True),),
        ),
    ),
    Kind.SNS_TOPIC: (AlarmSpec(
        metric="notifications-failed", title="Notifications SNS failed to deliver",
        namespace="AWS/SNS", comparison="GreaterThanThreshold", warning=None, critical=0,
        unit="notifications", evaluation_periods=1, datapoints_to_alarm=1,
        metric_name="NumberOfNotificationsFailed", statistic="Sum", notifies="alert-path"),),
    Kind.EVENTBRIDGE_RULE: (
        AlarmSpec(
            metric="failed-invocations", title="Failed target invocations",
            namespace="AWS/Events", comparison="GreaterThanThreshold", warning=0, critical=10,
            unit="invocations", metric_name="FailedInvocations", statistic="Sum",
        ),
    ),
    Kind.ELASTICACHE: (
        AlarmSpec(
            metric="throttled-commands", title="Throttled commands",
            namespace="AWS/ElastiCache", comparison="GreaterThanThreshold", warning=0,
            critical=100, unit="commands", metric_name="ThrottledCmds", statistic="Sum",
        ),
        AlarmSpec(
            metric="cache-hit-rate", title="Cache hit rate", namespace="AWS/ElastiCache",
            comparison="LessThanThreshold", warning=80, critical=50, unit="%", period=300,
            evaluation_periods=3, datapoints_to_alarm=3, metric_name="CacheHitRate",
            statistic="Average", maximum=100,
        ),
        AlarmSpec(
            metric="read-latency", title="Successful read latency (p99)",
            namespace="AWS/ElastiCache", comparison="GreaterThanThreshold", warning=2000,
            critical=10_000, unit="µs", period=300, evaluation_periods=3,
            datapoints_to_alarm=2, metric_name="SuccessfulReadRequestLatency",
            statistic="p99",
        ),
    ),
    # The collector's metrics land 5-10 min late: 5-min periods, N of 4 ride over the gap.
    Kind.CLOUDFLARE_ZONE: (
        AlarmSpec(
            metric="5xx-rate", title="Cloudflare edge 5xx rate (% of requests)",
            namespace=STACK_NAMESPACE, comparison="GreaterThanThreshold", warning=1, critical=5,
            unit="%", period=300, evaluation_periods=4, datapoints_to_alarm=2,
            requires=(("namespace", True),),
            expression=_rate("errors", "requests"), maximum=100,
            queries=(Query("errors", "Responses5xx", "Sum"), Query("requests", "Requests", "Sum")),
        ),
        AlarmSpec(
            metric="cache-hit-ratio", title="Cloudflare cache hit ratio",
            namespace=STACK_NAMESPACE, comparison="LessThanThreshold", warning=50, critical=25,
            unit="%", period=300, evaluation_periods=4, datapoints_to_alarm=3,
            requires=(("namespace", True),),
            expression=_rate("cached", "cached + uncached", empty=100), maximum=100,
            queries=(Query("cached", "CachedRequests", "Sum"),
                     Query("uncached", "UncachedRequests", "Sum")),
        ),
    ),
}


def specs_for(item: MonitoredItem) -> tuple[AlarmSpec, ...]:
    """The catalog entries that apply to ``item``, per-operation ones expanded for it."""
    operations = tuple(item.attributes.get("operations") or ())  # type: ignore[arg-type]
    return tuple(for_operations(spec, operations)
                 for spec in CATALOG[item.kind] if spec.applies_to(item))


def find(kind: Kind, metric: str) -> AlarmSpec | None:
    """The spec of ``metric`` for ``kind``, if the catalog has one."""
    return next((s for s in CATALOG[kind] if s.metric == metric), None)


def namespace_of(spec: AlarmSpec, item: MonitoredItem) -> str:
    """The namespace ``spec`` reads for ``item``: its own, or the item's for custom metrics."""
    if spec.namespace == STACK_NAMESPACE:
        return str(item.attributes["namespace"])
    return spec.namespace


def anchor(kind: Kind, metric: str) -> str:
    """The runbook anchor of one catalog entry: ``<kind>-<metric>``."""
    return f"{kind.value}-{metric}"
