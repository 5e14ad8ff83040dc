"""Dashboard widgets drawn from CloudWatch RUM's vended metrics: session length, page speed.

The metrics are the ones RUM publishes for every app monitor in the ``AWS/RUM`` namespace
with an ``application_name`` dimension (the app monitor's name), listed in "CloudWatch
metrics that you can collect with CloudWatch RUM"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-RUM-metrics.html):

* ``SessionDuration`` (ms): time between the first and last event of a session;
* ``TimeOnPage`` (ms): time until the next page view (first to last event on the last page);
* ``PageViewCountPerSession`` (count), ``SessionCount`` (count), ``JsErrorCount`` (count);
* ``PerformanceNavigationDuration`` (ms): the duration of a navigation (page load);
* ``WebVitalsLargestContentfulPaint``, ``WebVitalsInteractionToNextPaint`` (ms) and
  ``WebVitalsCumulativeLayoutShift`` (no unit).

Core Web Vitals are read at p75, the percentile web.dev assesses them at. The policy rule
``metrics-have-a-source`` accepts ``AWS/RUM`` rows only in a plan with an app monitor.
"""

from __future__ import annotations

from typing import Any

from components.observability.widgets import metric_row, metric_widget

NAMESPACE = "AWS/RUM"
DIMENSION = "application_name"
# Web-vital "good" limits (web.dev): LCP 2.5 s, INP 200 ms, CLS 0.1, drawn as guides.
VITALS = (
    ("WebVitalsLargestContentfulPaint", "Largest contentful paint (p75)", 2500),
    ("WebVitalsInteractionToNextPaint", "Interaction to next paint (p75)", 200),
    ("WebVitalsCumulativeLayoutShift", "Cumulative layout shift (p75)", 0.1),
)


def _app(app_name: Any) -> dict[str, Any]:
    return {DIMENSION: app_name}


def session_widgets(app_name: Any, region: str) -> list[dict[str, Any]]:
    """Sessions and errors, session length (p50/p90), pages per session and time on page."""
    app = _app(app_name)
    return [
        metric_widget("Sessions and JS errors", [
            metric_row(NAMESPACE, "SessionCount", app, label="sessions"),
            metric_row(NAMESPACE, "JsErrorCount", app, label="JS errors"),
        ], region, period=300, width=8),
        metric_widget("Session length (ms)", [
            metric_row(NAMESPACE, "SessionDuration", app, stat=p, label=f"session {p}")
            for p in ("p50", "p90")
        ], region, period=3600, stat="p50", width=8),
        metric_widget("Pages per session and time on page", [
            metric_row(NAMESPACE, "PageViewCountPerSession", app, stat="Average",
                       label="pages per session"),
            metric_row(NAMESPACE, "TimeOnPage", app, stat="p50", label="time on page p50 (ms)",
                       yAxis="right"),
        ], region, period=3600, stat="Average", width=8),
    ]


def page_performance_widgets(app_name: Any, region: str) -> list[dict[str, Any]]:
    """Page load time (p50/p75/p90) and the three Core Web Vitals at p75 with their limits."""
    app = _app(app_name)
    widgets = [metric_widget("Page load time (ms)", [
        metric_row(NAMESPACE, "PerformanceNavigationDuration", app, stat=p, label=p)
        for p in ("p50", "p75", "p90")
    ], region, period=300, stat="p75", width=6)]
    widgets += [
        metric_widget(title, [metric_row(NAMESPACE, metric, app, stat="p75", label="p75")],
                      region, period=300, stat="p75", width=6,
                      horizontal=[{"label": "good", "value": good, "color": "#2ca02c"}])
        for metric, title, good in VITALS
    ]
    return widgets
