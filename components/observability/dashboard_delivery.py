"""The developer dashboard's delivery (DORA) and code-quality sections.

Every metric here is in the stack namespace and has one producer (``policy/emitters.py``):

- the deploy workflow after each ``pulumi up`` (``tools/delivery.py``, ``service=delivery``):
  ``Deployments``, ``DeploymentFailed``, ``LeadTimeSeconds``;
- the alert router (``functions/alert_router/delivery_metrics.py``, its own ``service``):
  ``ChangeFailures`` (a critical alarm within the change-failure window after a deployment)
  ``TimeToRestoreSeconds`` (a critical alarm from ALARM back to OK) and
  ``TimeToResolveSeconds`` per ``severity`` (the incident records' MTTR, every severity);
- the deploy workflow's quality job (``tools/quality.py``, ``service=quality``).

The change failure rate is metric math over the range: failed deployments plus the
deployments a critical incident followed, over all deployments.
"""

from __future__ import annotations

from typing import Any

from components.observability.widgets import (
    Grid,
    expression_row,
    metric_row,
    metric_widget,
    text_widget,
)

DELIVERY = {"service": "delivery"}
QUALITY = {"service": "quality"}
DAY = 86400
# The severities an alert resolves from (maintenance notices have no ALARM worth timing).
MTTR_SEVERITIES = ("critical", "warning", "info")
WEEK = 7 * DAY
# Code-quality figures: (metric, widget title); one value per push to main, so Maximum.
QUALITY_GRAPHS: tuple[tuple[str, str], ...] = (
    ("CoveragePercent", "Test coverage (%)"),
    ("MeanComplexity", "Mean cyclomatic complexity"),
    ("ComplexFunctions", "Functions over complexity 10"),
    ("Vulnerabilities", "Known vulnerabilities in pinned dependencies"),
    ("TechDebtScore", "Technical debt (markers + long modules + complex functions)"),
)


def delivery_rows(namespace: str, region: str, router_service: str | None,
                  grid: Grid) -> None:
    """Deployment frequency, lead time, change failure rate and time to restore.

    ``router_service`` is the alert router's service name, or None where the stack watches
    no router: then failed deployments alone make the change failure rate.
    """
    grid.section("Delivery (DORA)", "Deployments by the deploy workflow; incidents and "
                 "restores from the alert router's critical alarms (docs/ci.md).")
    grid.add(metric_widget("Deployments per day", [
        metric_row(namespace, "Deployments", DELIVERY, label="deployments"),
        metric_row(namespace, "DeploymentFailed", DELIVERY, label="failed"),
    ], region, period=DAY, view="bar", width=8))
    grid.add(metric_widget("Deployments per week", [
        metric_row(namespace, "Deployments", DELIVERY, label="deployments")],
        region, period=WEEK, width=4))
    grid.add(metric_widget("Lead time, commit to deploy (hours)", [
        metric_row(namespace, "LeadTimeSeconds", DELIVERY, id=f"lt{p}", stat=p,
                   visible=False) for p in ("p50", "p90")
    ] + [expression_row(f"lt{p} / 3600", f"{p}", f"h{p}") for p in ("p50", "p90")],
        region, period=DAY, width=12))
    grid.add(metric_widget("Change failure rate (%)",
                           _change_failure_rate(namespace, router_service),
                           region, period=WEEK, view="singleValue", width=8,
                           extra={"setPeriodToTimeRange": True}))
    if router_service is None:
        grid.add(text_widget("No alert router in this stack: no time to restore.", width=16,
                             height=2))
        return
    router = {"service": router_service}
    grid.add(metric_widget("Time to restore (minutes)", [
        metric_row(namespace, "TimeToRestoreSeconds", router, id=f"tr{s}", stat=s,
                   visible=False) for s in ("Average", "Maximum")
    ] + [expression_row(f"tr{s} / 60", s.lower(), f"m{s}") for s in ("Average", "Maximum")],
        region, period=DAY, width=16))
    grid.add(metric_widget("MTTR per severity (minutes)", [
        metric_row(namespace, "TimeToResolveSeconds", {**router, "severity": s}, id=f"ttr{s}",
                   stat="Average", visible=False) for s in MTTR_SEVERITIES
    ] + [expression_row(f"ttr{s} / 60", s, f"mttr{s}") for s in MTTR_SEVERITIES],
        region, period=WEEK, width=8))


def _change_failure_rate(namespace: str, router_service: str | None) -> list[list[Any]]:
    rows = [
        metric_row(namespace, "Deployments", DELIVERY, id="deploys", visible=False),
        metric_row(namespace, "DeploymentFailed", DELIVERY, id="failed", visible=False),
    ]
    # FILL: a range without incidents (or failures) has no datapoint, which is 0.
    failures = "FILL(failed, 0)"
    if router_service is not None:
        rows.append(metric_row(namespace, "ChangeFailures", {"service": router_service},
                               id="incidents", visible=False))
        failures += " + FILL(incidents, 0)"
    return [*rows, expression_row(f"IF(deploys > 0, 100 * ({failures}) / deploys, 0)",
                                  "change failure rate (%)")]


def quality_rows(namespace: str, region: str, grid: Grid) -> None:
    """Coverage, complexity, vulnerabilities and the debt proxy of main, per push."""
    grid.section("Code quality", "Measured on every push to main by the deploy workflow's "
                 "quality job (docs/ci.md#code-quality).")
    for metric, title in QUALITY_GRAPHS:
        grid.add(metric_widget(title, [metric_row(namespace, metric, QUALITY, label=metric)],
                               region, period=DAY, stat="Maximum", width=8))
