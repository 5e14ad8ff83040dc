"""What a threshold override may name: per kind of monitored item, the catalog's metrics.

Data both sides read: the config Reader checks ``alarmThresholds`` entries against it
before any resource exists, and the observability catalog is held to it by a test
(``tests/components/blocks/test_alarm_metrics.py``). It imports nothing, so config stays
upstream of the catalog and the alarm factory.

``ALARM_METRICS[kind][metric]`` is the highest threshold the metric takes (100 for a
percentage, 1 for a ratio) or None when it has no upper bound.
"""

from __future__ import annotations

from collections.abc import Mapping

SEVERITIES = ("warning", "critical")

ALARM_METRICS: Mapping[str, Mapping[str, float | None]] = {
    "lambda": {"error-rate": 100, "throttles": None, "duration-p99": 100,
               "iterator-age": None, "concurrency": 100},
    "api-stage": {"5xx-rate": 100, "4xx-rate": 100, "latency-p99": None,
                  "cache-hit-ratio": 100},
    "dynamodb-table": {"read-throttles": None, "write-throttles": None, "system-errors": None,
                       "request-latency": None, "read-capacity": 100, "write-capacity": 100},
    "dynamodb-gsi": {"read-throttles": None, "write-throttles": None, "read-capacity": 100,
                     "write-capacity": 100},
    "dax-cluster": {"cpu": 100, "throttled-requests": None, "faults": None,
                    "cache-miss-ratio": 100},
    "cloudfront": {"5xx-rate": 100, "origin-latency": None},
    "lambda-edge": {"execution-errors": None, "validation-errors": None,
                    "limit-exceeded": None},
    "kinesis-stream": {"iterator-age": None, "write-throughput-exceeded": None},
    "firehose": {"data-freshness": None, "delivery-success": 1},
    "sqs-queue": {"depth": None},
    "eventbridge-rule": {"failed-invocations": None},
    "elasticache": {"throttled-commands": None, "cache-hit-rate": 100, "read-latency": None},
    "cloudflare-zone": {"5xx-rate": 100, "cache-hit-ratio": 100},
    "sns-topic": {"notifications-failed": None},
}


def check_override(scope: str, metric: str, severity: str, value: float) -> str | None:
    """Why an override ``<scope>/<metric>/<severity>=<value>`` is wrong, or None.

    ``scope`` is a kind (checked here) or an item name (checked once the items are known),
    for which ``metric`` must be a metric of some kind.
    """
    if severity not in SEVERITIES:
        return f"severity {severity!r} is not one of {', '.join(SEVERITIES)}"
    kinds = [scope] if scope in ALARM_METRICS else list(ALARM_METRICS)
    found = [ALARM_METRICS[k] for k in kinds if metric in ALARM_METRICS[k]]
    if not found:
        where = f"kind {scope!r}" if len(kinds) == 1 else "any kind"
        known = sorted({m for k in kinds for m in ALARM_METRICS[k]})
        return f"metric {metric!r} is not in the catalog for {where}; known: {', '.join(known)}"
    if value < 0:
        return f"threshold {value:g} is negative"
    bounds = [b for metrics in found if (b := metrics[metric]) is not None]
    if bounds and value > min(bounds):
        return f"threshold {value:g} is above the maximum {min(bounds):g} for {metric!r}"
    return None
