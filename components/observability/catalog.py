"""The alarm catalog: per kind of monitored item, the metrics to alarm on and how.

This module is data. Every :class:`AlarmSpec` says which CloudWatch metric (or metric-math
expression over several) to watch, with which statistic and period, in which direction, and
the default ``warning`` and ``critical`` thresholds. The alarm factory turns one spec and one
item into one alarm per severity; the dashboards draw the same specs. Adding a kind means
adding an entry here (and its runbook anchors), never a new code path.

Thresholds marked ``relative_to`` are percentages of an item attribute (a function's p99
duration as a percentage of its ``timeout_ms``); specs with ``requires`` apply only to items
whose attributes match (iterator age only for stream consumers).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from components.blocks.alarm_metrics import SEVERITIES
from components.blocks.monitored_items import Kind, MonitoredItem

# What CloudWatch's PutMetricAlarm accepts.
STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
COMPARISONS = (
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
)
TREAT_MISSING = ("breaching", "notBreaching", "ignore", "missing")
NOTIFIES = ("severity", "alert-path", "both")  # whom alarms notify; alert-path skips the router

# A dimension value that is not a resource name: CloudFront's global metrics.
CLOUDFRONT_REGION = "Global"


@dataclass(frozen=True)
class Query:
    """One metric read by a metric-math alarm, referred to by ``id`` in the expression."""

    id: str
    metric_name: str
    stat: str
    extra_dimensions: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AlarmSpec:
    """How to alarm on one metric of one kind of item.

    Either ``metric_name`` + ``statistic`` (a plain metric; ``statistic`` may be a percentile
    such as ``p99``) or ``expression`` + ``queries`` (metric math). ``warning``/``critical``
    of ``None`` means no alarm at that severity. ``maximum`` bounds threshold overrides
    (100 for percentages). ``per_operation`` = (metric name, statistic, ``sum``/``max``) reads
    that metric once per DynamoDB operation the item's ``operations`` attribute names (the
    operations its handler calls) and combines them; :func:`specs_for` expands it.
    ``notifies`` is one of :data:`NOTIFIES` (an item on the alert path adds the alert path).
    """

    metric: str
    title: str
    namespace: str
    comparison: str
    warning: float | None
    critical: float | None
    unit: str
    period: int = 60
    evaluation_periods: int = 5
    datapoints_to_alarm: int = 3
    treat_missing_data: str = "notBreaching"
    metric_name: str | None = None
    statistic: str | None = None
    expression: str | None = None
    queries: tuple[Query, ...] = ()
    relative_to: str | None = None
    requires: tuple[tuple[str, object], ...] = ()
    maximum: float | None = None
    per_operation: tuple[str, str, str] | None = None
    notifies: str = "severity"

    def applies_to(self, item: MonitoredItem) -> bool:
        """Whether ``item`` gets this alarm (its attributes meet ``requires``/``relative_to``)."""
        attrs = item.attributes
        for name, expected in self.requires:
            value = attrs.get(name)
            if expected is True and not value:
                return False
            if expected is not True and value != expected:
                return False
        if self.relative_to is not None:
            base = attrs.get(self.relative_to)
            if not isinstance(base, int | float) or isinstance(base, bool) or base <= 0:
                return False
        return True

    def default(self, severity: str) -> float | None:
        """The catalog's threshold for ``severity``."""
        return self.warning if severity == "warning" else self.critical

    @property
    def rising(self) -> bool:
        """Whether a higher value is worse (the alarm fires above the threshold)."""
        return self.comparison.startswith("Greater")


def _rate(numerator: str, denominator: str, empty: float = 0) -> str:
    """A percentage that is ``empty`` when nothing happened (no division by zero)."""
    return f"IF(({denominator}) > 0, 100 * {numerator} / ({denominator}), {empty})"


def for_operations(spec: AlarmSpec, operations: tuple[str, ...]) -> AlarmSpec:
    """``spec`` with one query per operation and the expression that combines them."""
    if spec.per_operation is None:
        return spec
    metric_name, stat, combine = spec.per_operation
    queries = tuple(Query(f"op{i}", metric_name, stat, (("Operation", op),))
                    for i, op in enumerate(operations))
    ids = [q.id for q in queries]
    expression = (" + ".join(f"FILL({i}, 0)" for i in ids) if combine == "sum"
                  else "MAX([" + ", ".join(ids) + "])")
    return replace(spec, queries=queries, expression=expression)


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
        metric=f"{kind_word}-throttles",
        title=f"{kind_word.capitalize()} throttle events",
        namespace="AWS/DynamoDB",
        comparison="GreaterThanThreshold",
        warning=0,
        critical=50,
        unit="events",
        metric_name=f"{kind_word.capitalize()}ThrottleEvents",
        statistic="Sum",
    )


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
}


def specs_for(item: MonitoredItem) -> tuple[AlarmSpec, ...]:
    """The catalog entries that apply to ``item``, per-operation ones expanded for it."""
    operations = tuple(item.attributes.get("operations") or ())  # type: ignore[arg-type]
    return tuple(for_operations(spec, operations)
                 for spec in CATALOG[item.kind] if spec.applies_to(item))


def find(kind: Kind, metric: str) -> AlarmSpec | None:
    """The spec of ``metric`` for ``kind``, if the catalog has one."""
    return next((s for s in CATALOG[kind] if s.metric == metric), None)


def check_override(scope: str, metric: str, severity: str, value: float) -> str | None:
    """Why an override ``<scope>/<metric>/<severity>=<value>`` is wrong, or None.

    ``scope`` is a kind (checked here) or an item name (checked when the items are known).
    """
    if severity not in SEVERITIES:
        return f"severity {severity!r} is not one of {', '.join(SEVERITIES)}"
    kinds = [Kind(scope)] if scope in {k.value for k in Kind} else list(CATALOG)
    specs = [s for k in kinds if (s := find(k, metric)) is not None]
    if not specs:
        where = f"kind {scope!r}" if len(kinds) == 1 else "any kind"
        known = sorted({s.metric for k in kinds for s in CATALOG[k]})
        return f"metric {metric!r} is not in the catalog for {where}; known: {', '.join(known)}"
    if value < 0:
        return f"threshold {value:g} is negative"
    bounds = [s.maximum for s in specs if s.maximum is not None]
    if bounds and value > min(bounds):
        return f"threshold {value:g} is above the maximum {min(bounds):g} for {metric!r}"
    return None


def anchor(kind: Kind, metric: str) -> str:
    """The runbook anchor of one catalog entry: ``<kind>-<metric>``."""
    return f"{kind.value}-{metric}"
