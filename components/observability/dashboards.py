"""The four dashboards, generated from the monitored items, the catalog and the alarms made.

* executive — business KPIs, their growth and expected range, API availability against the
  SLO, SLO and incident status, security status, cost;
* operations — active alarms, API performance, every non-function item's catalog metrics
  with its alarm thresholds, real-user page performance (RUM), security events;
* developer — delivery (DORA) and code quality, every function's catalog metrics with
  thresholds, DynamoDB latency by operation and by access pattern, errors by type;
* customer success — the user journey: registrations, listings, searches and their success
  rate, listing views, contacts, the funnel, and real users' sessions, session length and
  page performance (RUM).

Each builder returns the dashboard body (a dict whose leaves may be Outputs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

from components.blocks.monitored_items import Kind, MonitoredItem
from components.observability.catalog import specs_for
from components.observability.cdn_panel import CDN_KINDS, cdn_widgets
from components.observability.dashboard_business import customer_success_rows, executive_rows
from components.observability.dashboard_delivery import delivery_rows, quality_rows
from components.observability.executive_trends import (
    band_rows,
    banded_metrics,
    expected_range_widgets,
    growth_widgets,
    kpi_row,
)
from components.observability.log_queries import QUERIES
from components.observability.rum_widgets import page_performance_widgets, session_widgets
from components.observability.security_filters import EVENTS as SECURITY_EVENTS
from components.observability.security_status import security_widgets
from components.observability.widgets import (
    Grid,
    alarm_status_widget,
    expression_row,
    log_widget,
    metric_row,
    metric_widget,
    spec_metrics,
    text_widget,
    threshold_lines,
)
from functions.shared import metrics as business

BILLING_DIMENSIONS = {"Currency": "USD"}
BILLING_REGION = "us-east-1"  # AWS/Billing metrics exist only there
DASHBOARDS = ("executive", "operations", "developer", "customer-success")
MAX_WIDGETS = 500  # CloudWatch's limit per dashboard

AlarmKey = tuple[str, str, str]  # (item name, metric, severity)


@dataclass(frozen=True)
class AlarmRef:
    """What a graph needs of an alarm: its name, ARN and the value it compares with."""

    name: str
    arn: pulumi.Input[str]
    threshold: float


@dataclass
class DashboardInputs:
    """Everything the builders read; filled by the observability component."""

    prefix: str
    region: str
    namespace: str
    start_hours: int
    items: Sequence[MonitoredItem]
    alarms: Mapping[AlarmKey, AlarmRef]
    composite_arns: Sequence[pulumi.Input[str]] = ()
    slo_arns: Sequence[pulumi.Input[str]] = ()
    anomaly_arns: Sequence[pulumi.Input[str]] = ()
    security_arns: Sequence[pulumi.Input[str]] = ()
    log_groups: Sequence[pulumi.Input[str]] = ()
    band_width: float = 2.0
    rum_app_name: str | None = None
    canary_name: pulumi.Input[str] | None = None
    extra_status: list[pulumi.Input[str]] = field(default_factory=list)
    marketing_spend_monthly_usd: float = 0.0


def paginate(body: dict[str, Any], limit: int = MAX_WIDGETS) -> list[dict[str, Any]]:
    """Split a body into pages of at most ``limit`` widgets, each page starting at y = 0.

    A big stack's operations or developer board can outgrow CloudWatch's 500 widgets; the
    component then creates ``<name>``, ``<name>-2``, ... instead of failing the deployment.
    """
    widgets = body["widgets"]
    pages = []
    for start in range(0, max(len(widgets), 1), limit):
        chunk = widgets[start:start + limit]
        top = min((w["y"] for w in chunk), default=0)
        pages.append({**body, "widgets": [{**w, "y": w["y"] - top} for w in chunk]})
    return pages


def _body(d: DashboardInputs, grid: Grid) -> dict[str, Any]:
    return {"start": f"-PT{d.start_hours}H", "periodOverride": "inherit",
            "widgets": grid.widgets}


def _biz_row(d: DashboardInputs, metric: str, **options: Any) -> list[Any]:
    return kpi_row(d.namespace, metric, **options)


def _items(d: DashboardInputs, *kinds: Kind) -> list[MonitoredItem]:
    return [i for i in d.items if i.kind in kinds]


def item_widgets(d: DashboardInputs, item: MonitoredItem, width: int = 8) -> list[dict]:
    """One graph per catalog entry of ``item``, with its alarms' thresholds drawn on it."""
    widgets = []
    for spec in specs_for(item):
        lines = {
            severity: (ref.threshold, ref.name)
            for severity in ("warning", "critical")
            if (ref := d.alarms.get((item.name, spec.metric, severity))) is not None
        }
        widgets.append(metric_widget(
            f"{item.name} · {spec.title}", spec_metrics(item, spec), item.region,
            period=spec.period, stat=spec.statistic or "Sum", width=width,
            horizontal=threshold_lines(spec, lines)))
    return widgets


def _api_availability(item: MonitoredItem) -> list[list[Any]]:
    return [
        metric_row("AWS/ApiGateway", "5XXError", item.dimensions, id="errors", stat="Sum",
                   visible=False),
        metric_row("AWS/ApiGateway", "Count", item.dimensions, id="requests", stat="Sum",
                   visible=False),
        expression_row("IF(requests > 0, 100 - 100 * errors / requests, 100)",
                       f"{item.name} availability (%)"),
    ]


def executive(d: DashboardInputs) -> dict[str, Any]:
    """Business overview, KPIs, availability and SLO status, cost."""
    grid = Grid()
    grid.add(text_widget(f"# {d.prefix} — executive overview", height=1))
    grid.section("KPIs", "Totals over the dashboard's time range.")
    for metric in business.HEADLINE_METRICS:
        grid.add(metric_widget(metric, [_biz_row(d, metric, label=metric)], d.region,
                               period=86400, view="singleValue", width=4, height=3,
                               extra={"setPeriodToTimeRange": True}))
    executive_rows(d, grid, d.marketing_spend_monthly_usd)
    grid.section("Availability", "API availability (share of requests without a 5XX).")
    apis = _items(d, Kind.API_STAGE)
    for item in apis:
        slo = item.slo.availability_percent if item.slo else None
        horizontal = ([{"label": f"SLO {slo:g}%", "value": slo, "color": "#d62728"}]
                      if slo is not None else [])
        grid.add(metric_widget(f"{item.name} availability", _api_availability(item),
                               item.region, period=3600, width=12, horizontal=horizontal,
                               extra={"yAxis": {"left": {"min": 90, "max": 100}}}))
    if not apis:
        grid.add(text_widget("No API stage is monitored in this stack yet.", height=2))
    status = [*d.slo_arns, *d.composite_arns]
    if status:
        grid.section("SLO and incident status")
        grid.extend(alarm_status_widget("SLO burn rate and incidents", status))
    grid.section("Growth", "Rolling 7 and 30 days against the 7 and 30 before; 12 weeks.")
    grid.extend(growth_widgets(d.namespace, d.region))
    grid.section("Expected range", "Shaded: the band the anomaly alarms expect (14 days).")
    grid.extend(expected_range_widgets(d.namespace, d.region, d.band_width))
    security = security_widgets(d.items, d.region, d.security_arns)
    if security:
        grid.section("Security status", "Findings routed by severity; CIS and audit alarms.")
        grid.extend(security)
    grid.section("Cost", "Estimated month-to-date charges (needs billing alerts enabled).")
    grid.add(metric_widget(
        "Estimated charges (USD)",
        [metric_row("AWS/Billing", "EstimatedCharges", BILLING_DIMENSIONS, label="USD")],
        BILLING_REGION, period=21600, stat="Maximum", width=24))
    return _body(d, grid)


def operations(d: DashboardInputs) -> dict[str, Any]:
    """Active alarms, API performance, infrastructure per kind, security."""
    grid = Grid()
    grid.add(text_widget(f"# {d.prefix} — operations", height=1))
    critical = [ref.arn for (_i, _m, sev), ref in d.alarms.items() if sev == "critical"]
    grid.section("Active alarms")
    grid.extend(alarm_status_widget(
        "Incidents, critical alarms and anomalies",
        [*d.composite_arns, *critical, *d.anomaly_arns, *d.extra_status]))
    for item in _items(d, Kind.API_STAGE):
        grid.section(f"API performance · {item.name}")
        grid.add(metric_widget(f"{item.name} requests and errors", [
            metric_row("AWS/ApiGateway", "Count", item.dimensions, label="requests"),
            metric_row("AWS/ApiGateway", "4XXError", item.dimensions, label="4XX"),
            metric_row("AWS/ApiGateway", "5XXError", item.dimensions, label="5XX"),
        ], item.region, period=60, width=8))
        grid.add(metric_widget(f"{item.name} latency", [
            metric_row("AWS/ApiGateway", "Latency", item.dimensions, stat=p, label=p)
            for p in ("p50", "p90", "p99")
        ] + [metric_row("AWS/ApiGateway", "IntegrationLatency", item.dimensions, stat="p99",
                        label="integration p99")], item.region, period=60, width=8))
        grid.extend(item_widgets(d, item))
    if cdn := _items(d, *CDN_KINDS):
        grid.section("CDN performance", "Cloudflare's edge, then CloudFront behind it.")
        grid.extend(cdn_widgets(cdn, lambda item: item_widgets(d, item)))
    for kind in Kind:
        if kind in (Kind.LAMBDA, Kind.API_STAGE, *CDN_KINDS):
            continue
        items = _items(d, kind)
        if not items:
            continue
        grid.section(f"Infrastructure · {kind.value}")
        for item in items:
            grid.extend(item_widgets(d, item))
    if d.rum_app_name:
        grid.section("Page performance", "CloudWatch RUM: what real browsers measure.")
        grid.extend(page_performance_widgets(d.rum_app_name, d.region))
    grid.section("Security", "Audit events counted by the metric filters on the audit log.")
    for event in SECURITY_EVENTS:
        grid.add(metric_widget(event.title, [
            metric_row(d.namespace, event.metric_name, {}, label=event.title)],
            d.region, period=300, width=8))
    if d.canary_name is not None:
        grid.add(metric_widget("Health canary success", [
            metric_row("CloudWatchSynthetics", "SuccessPercent", {"CanaryName": d.canary_name},
                       stat="Average", label="success %")],
            d.region, period=300, stat="Average", width=8))
    return _body(d, grid)


def developer(d: DashboardInputs) -> dict[str, Any]:
    """Function metrics, DynamoDB latency by operation and access pattern, errors."""
    grid = Grid()
    grid.add(text_widget(f"# {d.prefix} — developer", height=1))
    # Deployments (the markers), DORA and code quality first: what changed, then its effect.
    # The router's service name is its function's name (the Lambda block's convention).
    router = f"{d.prefix}-alert-router"
    watched = any(i.name == router for i in _items(d, Kind.LAMBDA))
    delivery_rows(d.namespace, d.region, router if watched else None, grid)
    quality_rows(d.namespace, d.region, grid)
    for item in _items(d, Kind.LAMBDA):
        grid.section(f"Function · {item.name}", f"Owner: {item.owner}")
        grid.add(metric_widget(f"{item.name} invocations", [
            metric_row("AWS/Lambda", "Invocations", item.dimensions, label="invocations"),
            metric_row("AWS/Lambda", "Errors", item.dimensions, label="errors"),
        ], item.region, period=60, width=8))
        grid.extend(item_widgets(d, item))
    tables = _items(d, Kind.DYNAMODB_TABLE)
    if tables:
        grid.section("DynamoDB latency by operation")
        for item in tables:
            grid.add(metric_widget(f"{item.name} successful request latency", [
                metric_row("AWS/DynamoDB", "SuccessfulRequestLatency",
                           {**item.dimensions, "Operation": op}, label=op)
                for op in item.attributes.get("operations") or ()  # type: ignore[attr-defined]
            ], item.region, period=300, stat="Average", width=12))
    if d.log_groups:
        grid.section("Logs", "Saved Logs Insights queries over every function's log group.")
        for q in QUERIES:
            grid.add(log_widget(q.title, q.query, list(d.log_groups), d.region))
    return _body(d, grid)


def customer_success(d: DashboardInputs) -> dict[str, Any]:
    """User journey and engagement: registrations, listings, searches, contacts, funnel."""
    grid = Grid()
    grid.add(text_widget(f"# {d.prefix} — customer success", height=1))
    grid.section("Engagement", "Shaded: the band the anomaly alarms expect.")
    banded = banded_metrics()
    for metric in (business.REGISTRATIONS, business.LISTINGS_CREATED, business.SEARCHES,
                   business.LISTING_VIEWS, business.CONTACTS):
        rows = (band_rows(d.namespace, metric, d.band_width) if metric in banded
                else [_biz_row(d, metric, label=metric, id="m")])
        grid.add(metric_widget(metric, rows, d.region, period=300, width=8))
    grid.add(metric_widget("Search success rate (%)", [
        _biz_row(d, business.SEARCHES, id="searches", visible=False),
        _biz_row(d, business.SEARCHES_WITH_RESULTS, id="hits", visible=False),
        expression_row("IF(searches > 0, 100 * hits / searches, 100)", "searches with results"),
    ], d.region, period=3600, width=8))
    grid.section("Funnel", "Searches → listing views → contact requests over the range.")
    grid.add(metric_widget("Funnel", [
        _biz_row(d, metric, label=metric)
        for metric in (business.SEARCHES, business.LISTING_VIEWS, business.CONTACTS)
    ], d.region, period=86400, view="bar", width=12, extra={"setPeriodToTimeRange": True}))
    grid.add(metric_widget("Contact conversion (% of listing views)", [
        _biz_row(d, business.LISTING_VIEWS, id="views", visible=False),
        _biz_row(d, business.CONTACTS, id="contacts", visible=False),
        expression_row("IF(views > 0, 100 * contacts / views, 0)", "contacts per view (%)"),
    ], d.region, period=3600, width=12))
    customer_success_rows(d, grid)
    if d.rum_app_name:
        grid.section("Real users", "CloudWatch RUM: sessions, their length, and page speed.")
        grid.extend(session_widgets(d.rum_app_name, d.region))
        grid.extend(page_performance_widgets(d.rum_app_name, d.region))
    return _body(d, grid)


BUILDERS = {
    "executive": executive,
    "operations": operations,
    "developer": developer,
    "customer-success": customer_success,
}
