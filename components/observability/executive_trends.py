"""The executive board's growth and expected-range views of the headline KPIs.

CloudWatch has no calendar comparison, so growth is metric math over one KPI at a weekly or
30-day period: each widget sets its own ``start`` (independently of the dashboard's range),
so its range holds exactly two buckets, and ``DIFF`` (each value minus the one before) over
``m - DIFF(m)`` (the bucket before) is the change in percent. The weeks and months are
rolling (the last 7 or 30 days against the 7 or 30 before), not calendar ones; the
12-week bars show the trend behind them. The expected range is the anomaly-detection band of
the KPIs the anomaly alarms watch, the same band the alarms compare with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from components.observability.anomaly import BUSINESS_ANOMALIES
from components.observability.widgets import Widget, expression_row, metric_row, metric_widget
from functions.shared import metrics as business

WEEK_SECONDS = 7 * 86400
MONTH_SECONDS = 30 * 86400
TREND_WEEKS = 12
# The band's model needs history: two weeks of hourly points show it settle and hold.
BAND_START = "-P14D"
BAND_PERIOD_SECONDS = 3600

# The bucket before the latest is m - DIFF(m); a KPI with none then shows 0 % change.
GROWTH_EXPRESSION = "IF(m - DIFF(m) > 0, 100 * DIFF(m) / (m - DIFF(m)), 0)"


@dataclass(frozen=True)
class Comparison:
    """One growth widget: the bucket length and the widget's own range (two buckets)."""

    label: str
    period: int
    start: str


COMPARISONS = (
    Comparison("week over week", WEEK_SECONDS, "-P14D"),
    Comparison("month over month (30 days)", MONTH_SECONDS, "-P60D"),
)

HEADLINE_KPIS: tuple[str, ...] = (
    business.REGISTRATIONS,
    business.LISTINGS_CREATED,
    business.SEARCHES,
    business.CONTACTS,
    business.PAYMENTS,
)


def kpi_row(namespace: str, metric: str, **options: Any) -> list[Any]:
    """A business KPI as the stream processor publishes it (``service=business``)."""
    return metric_row(namespace, metric, {"service": business.BUSINESS_SERVICE}, **options)


def growth_widgets(namespace: str, region: str,
                   kpis: Sequence[str] = HEADLINE_KPIS) -> list[Widget]:
    """Per KPI: a single value per comparison (change in %) and 12 weekly totals as bars."""
    widgets: list[Widget] = []
    for metric in kpis:
        for comparison in COMPARISONS:
            widgets.append(metric_widget(
                f"{metric} · {comparison.label} (%)",
                [kpi_row(namespace, metric, id="m", visible=False),
                 expression_row(GROWTH_EXPRESSION, f"change {comparison.label} (%)")],
                region, period=comparison.period, view="singleValue", width=4, height=3,
                extra={"start": comparison.start}))
        widgets.append(metric_widget(
            f"{metric} · weekly totals", [kpi_row(namespace, metric, label=metric)],
            region, period=WEEK_SECONDS, view="bar", width=16, height=3,
            extra={"start": f"-P{TREND_WEEKS}W"}))
    return widgets


def banded_metrics() -> tuple[str, ...]:
    """The KPIs whose anomaly alarm watches the plain (zero-filled) count, in table order."""
    return tuple(m for spec in BUSINESS_ANOMALIES if spec.expression == "FILL(m, 0)"
                 for _id, m in spec.metrics)


def band_rows(namespace: str, metric: str, band_width: float) -> list[list[Any]]:
    """The KPI and the band its anomaly alarm expects (``ANOMALY_DETECTION_BAND``)."""
    return [kpi_row(namespace, metric, label=metric, id="m"),
            expression_row(f"ANOMALY_DETECTION_BAND(m, {band_width:g})", "expected",
                           row_id="band")]


def expected_range_widgets(namespace: str, region: str, band_width: float) -> list[Widget]:
    """One graph per banded KPI over the last two weeks, hourly, with its expected band."""
    return [
        metric_widget(f"{metric} · expected range", band_rows(namespace, metric, band_width),
                      region, period=BAND_PERIOD_SECONDS, width=12,
                      extra={"start": BAND_START})
        for metric in banded_metrics()
    ]
