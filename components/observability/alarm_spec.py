"""What one catalog entry says: the metric to watch, how, and the thresholds per severity.

The types the catalog (:mod:`components.observability.catalog`) is written in, and the
values CloudWatch's PutMetricAlarm accepts for their fields; the factory, the dashboards and
the policy pack read entries through these types.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from components.blocks.monitored_items import MonitoredItem

# What CloudWatch's PutMetricAlarm accepts.
STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
COMPARISONS = (
    "GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
    "LessThanOrEqualToThreshold", "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold", "GreaterThanUpperThreshold",
)
TREAT_MISSING = ("breaching", "notBreaching", "ignore", "missing")
NOTIFIES = ("severity", "alert-path", "both")  # whom alarms notify; alert-path skips the router

# A dimension value that is not a resource name: CloudFront's global metrics.
CLOUDFRONT_REGION = "Global"
STACK_NAMESPACE = "$STACK"


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
