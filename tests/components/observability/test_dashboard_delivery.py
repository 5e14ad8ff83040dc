"""The developer dashboard's DORA and code-quality sections on both stacks' plans."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers import stack_registry


def _developer(stack: str) -> list[dict[str, Any]]:
    registry = stack_registry(stack)
    (body,) = [json.loads(r.inputs["dashboardBody"])
               for r in registry.by_type("aws:cloudwatch/dashboard:Dashboard")
               if r.inputs["dashboardName"] == f"marketplace-{stack}-developer"]
    return body["widgets"]


def _by_title(stack: str) -> dict[str, dict[str, Any]]:
    return {w["properties"]["title"]: w["properties"] for w in _developer(stack)
            if w["type"] == "metric"}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_deployment_frequency_per_day_and_week(stack: str) -> None:
    graphs = _by_title(stack)
    ns = f"marketplace/{stack}"
    daily = graphs["Deployments per day"]
    assert daily["metrics"] == [[ns, "Deployments", "service", "delivery",
                                 {"label": "deployments"}],
                                [ns, "DeploymentFailed", "service", "delivery",
                                 {"label": "failed"}]]
    assert (daily["period"], daily["stat"], daily["view"]) == (86400, "Sum", "bar")
    assert graphs["Deployments per week"]["period"] == 604800


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_lead_time_is_p50_and_p90_in_hours(stack: str) -> None:
    rows = _by_title(stack)["Lead time, commit to deploy (hours)"]["metrics"]
    ns = f"marketplace/{stack}"
    assert rows == [
        [ns, "LeadTimeSeconds", "service", "delivery", {"id": "ltp50", "stat": "p50",
                                                        "visible": False}],
        [ns, "LeadTimeSeconds", "service", "delivery", {"id": "ltp90", "stat": "p90",
                                                        "visible": False}],
        [{"expression": "ltp50 / 3600", "label": "p50", "id": "hp50"}],
        [{"expression": "ltp90 / 3600", "label": "p90", "id": "hp90"}],
    ]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_change_failure_rate_adds_the_routers_incidents_to_failed_deploys(stack: str) -> None:
    graph = _by_title(stack)["Change failure rate (%)"]
    ns, router = f"marketplace/{stack}", f"marketplace-{stack}-alert-router"
    assert graph["metrics"][:3] == [
        [ns, "Deployments", "service", "delivery", {"id": "deploys", "visible": False}],
        [ns, "DeploymentFailed", "service", "delivery", {"id": "failed", "visible": False}],
        [ns, "ChangeFailures", "service", router, {"id": "incidents", "visible": False}],
    ]
    assert graph["metrics"][3][0]["expression"] == (
        "IF(deploys > 0, 100 * (FILL(failed, 0) + FILL(incidents, 0)) / deploys, 0)")
    assert graph["setPeriodToTimeRange"] is True


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_time_to_restore_comes_from_the_router(stack: str) -> None:
    rows = _by_title(stack)["Time to restore (minutes)"]["metrics"]
    assert [r[:4] for r in rows[:2]] == [
        [f"marketplace/{stack}", "TimeToRestoreSeconds", "service",
         f"marketplace-{stack}-alert-router"]] * 2
    assert [r[0]["expression"] for r in rows[2:]] == ["trAverage / 60", "trMaximum / 60"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_mttr_per_severity_comes_from_the_router(stack: str) -> None:
    graph = _by_title(stack)["MTTR per severity (minutes)"]
    ns, router = f"marketplace/{stack}", f"marketplace-{stack}-alert-router"
    assert graph["metrics"] == [
        [ns, "TimeToResolveSeconds", "service", router, "severity", "critical",
         {"id": "ttrcritical", "stat": "Average", "visible": False}],
        [ns, "TimeToResolveSeconds", "service", router, "severity", "warning",
         {"id": "ttrwarning", "stat": "Average", "visible": False}],
        [ns, "TimeToResolveSeconds", "service", router, "severity", "info",
         {"id": "ttrinfo", "stat": "Average", "visible": False}],
        [{"expression": "ttrcritical / 60", "label": "critical", "id": "mttrcritical"}],
        [{"expression": "ttrwarning / 60", "label": "warning", "id": "mttrwarning"}],
        [{"expression": "ttrinfo / 60", "label": "info", "id": "mttrinfo"}],
    ]
    assert graph["period"] == 604800


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_code_quality_shows_each_figure_of_main(stack: str) -> None:
    graphs = _by_title(stack)
    expected = {"Test coverage (%)": "CoveragePercent",
                "Mean cyclomatic complexity": "MeanComplexity",
                "Functions over complexity 10": "ComplexFunctions",
                "Known vulnerabilities in pinned dependencies": "Vulnerabilities",
                "Technical debt (markers + long modules + complex functions)": "TechDebtScore"}
    for title, metric in expected.items():
        assert graphs[title]["metrics"] == [[f"marketplace/{stack}", metric, "service",
                                             "quality", {"label": metric}]]
        assert graphs[title]["stat"] == "Maximum"


def test_the_sections_come_before_the_functions() -> None:
    texts = [w["properties"]["markdown"].split("\n")[0] for w in _developer("prod")
             if w["type"] == "text"]
    assert texts[1:3] == ["## Delivery (DORA)", "## Code quality"]
