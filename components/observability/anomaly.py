"""Anomaly-detection alarms: API stages' request rate, business metrics, Cloudflare WAF blocks.

Each row of :data:`BUSINESS_ANOMALIES` / :data:`REQUEST_RATE` is a metric-math series and
the direction that matters; the alarm compares the series with
``ANOMALY_DETECTION_BAND(series, <width>)`` through ``threshold_metric_id``
(:func:`~components.observability.alarm_factory.anomaly_plan`). Counts are
``FILL``-ed with 0 so a quiet period is a value the model learns (and a drop in listings
is an alert), not missing data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from components.blocks.monitored_items import Kind, MonitoredItem
from functions.shared import metrics as business

SEVERITY = "warning"


@dataclass(frozen=True)
class AnomalySpec:
    """One anomaly alarm: the series (metric math over ``metrics``) and its bad direction."""

    key: str
    title: str
    expression: str
    metrics: tuple[tuple[str, str], ...]  # (query id, metric name), all Sum
    comparison: str
    period: int = 300
    evaluation_periods: int = 3
    datapoints_to_alarm: int = 3


BUSINESS_ANOMALIES: tuple[AnomalySpec, ...] = (
    AnomalySpec("listings-created", "Listings created", "FILL(m, 0)",
                (("m", business.LISTINGS_CREATED),), "LessThanLowerThreshold"),
    AnomalySpec("registrations", "Registrations", "FILL(m, 0)",
                (("m", business.REGISTRATIONS),), "LessThanLowerThreshold"),
    AnomalySpec("searches", "Searches", "FILL(m, 0)", (("m", business.SEARCHES),),
                "LessThanLowerOrGreaterThanUpperThreshold"),
    AnomalySpec("search-success-rate", "Searches with results (%)",
                "IF(FILL(searches, 0) > 0, 100 * FILL(hits, 0) / searches, 100)",
                (("searches", business.SEARCHES), ("hits", business.SEARCHES_WITH_RESULTS)),
                "LessThanLowerThreshold"),
)

REQUEST_RATE = AnomalySpec("request-rate", "API requests", "FILL(m, 0)", (("m", "Count"),),
                           "LessThanLowerOrGreaterThanUpperThreshold")


# A spike of WAF blocks at the Cloudflare edge (the analytics collector's WafBlocks): an
# attack or a rule blocking real users; fewer blocks than usual is no incident.
WAF_BLOCKS = AnomalySpec("waf-blocks", "Cloudflare WAF blocks", "FILL(m, 0)",
                         (("m", "WafBlocks"),), "GreaterThanUpperThreshold",
                         evaluation_periods=4, datapoints_to_alarm=2)


def runbook_anchor(spec: AnomalySpec) -> str:
    """Runbook anchor of an anomaly alarm."""
    return f"anomaly-{spec.key}"


def targets(items: tuple[MonitoredItem, ...], namespace: str,
            ) -> list[tuple[str, AnomalySpec, str, Mapping[str, pulumi.Input[str]]]]:
    """Every anomaly alarm to create: (subject name, spec, namespace, dimensions)."""
    found: list[tuple[str, AnomalySpec, str, Mapping[str, pulumi.Input[str]]]] = [
        ("business", spec, namespace, {"service": business.BUSINESS_SERVICE})
        for spec in BUSINESS_ANOMALIES
    ]
    found += [(item.name, REQUEST_RATE, "AWS/ApiGateway", dict(item.dimensions))
              for item in items if item.kind is Kind.API_STAGE]
    found += [(item.name, WAF_BLOCKS, str(item.attributes["namespace"]), dict(item.dimensions))
              for item in items if item.kind is Kind.CLOUDFLARE_ZONE]
    return found
