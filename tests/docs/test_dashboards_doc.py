"""docs/dashboards.md: every panel the design names has a row, and its widgets exist."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.helpers import stack_registry

DOC = Path(__file__).resolve().parents[2] / "docs" / "dashboards.md"

# The panels the design names per persona: the observability issue's dashboards and the
# missing ones issue 13 lists, spelled as the doc's first column spells them.
SEED_PANELS = {
    "Executive": {
        "business overview, KPIs", "availability", "cost", "total revenue", "MRR",
        "user acquisition cost", "customer satisfaction", "market share", "security status",
        "trend views", "forecast views"},
    "Operations": {"active alarms", "API performance", "infrastructure", "security",
                   "CDN performance"},
    "Developer": {"function-level metrics", "DynamoDB query latency by access pattern",
                  "errors", "deployment markers", "deployment frequency", "lead time",
                  "change failure rate", "time to restore", "test coverage", "complexity",
                  "vulnerabilities", "technical debt"},
    "Customer success": {
        "registrations, listings, searches, contacts", "funnel", "onboarding completion",
        "feature adoption", "satisfaction", "support tickets", "daily active users",
        "session length", "page performance", "retention", "mobile versus desktop",
        "geography", "trial-to-paid", "churn"},
}
BOARDS = {"Executive": "executive", "Operations": "operations", "Developer": "developer",
          "Customer success": "customer-success"}


def _rows() -> dict[str, list[list[str]]]:
    """The table rows under each persona heading, as lists of cells."""
    tables: dict[str, list[list[str]]] = {}
    persona = None
    for line in DOC.read_text().splitlines():
        if line.startswith("## "):
            persona = line[3:].strip()
        elif persona and line.startswith("|") and not line.startswith(("| panel", "|---")):
            tables.setdefault(persona, []).append(
                [cell.strip() for cell in line.strip("|").split("|")])
    return tables


def _titles(board: str) -> set[str]:
    registry = stack_registry("prod")
    (body,) = [json.loads(r.inputs["dashboardBody"])
               for r in registry.by_type("aws:cloudwatch/dashboard:Dashboard")
               if r.inputs["dashboardName"] == f"marketplace-prod-{board}"]
    titles = set()
    for widget in body["widgets"]:
        props = widget["properties"]
        title = props.get("title") or props.get("markdown", "").split("\n")[0].lstrip("# ")
        # An alarm status widget over 100 alarms is split into numbered parts: "<title> (2)".
        titles.add(re.sub(r" \(\d+\)$", "", title) if widget["type"] == "alarm" else title)
    return titles


def test_every_seed_panel_has_exactly_one_row() -> None:
    rows = _rows()
    assert {persona: sorted(row[0] for row in rows.get(persona, [])) for persona in SEED_PANELS} \
        == {persona: sorted(panels) for persona, panels in SEED_PANELS.items()}


def test_a_panel_without_widgets_says_why() -> None:
    for persona, rows in _rows().items():
        for row in rows:
            assert len(row) == 4, (persona, row)
            if row[1] == "—":
                assert len(row[3]) > 40, f"{persona} · {row[0]}: say why nothing shows it"


@pytest.mark.parametrize("persona", sorted(BOARDS))
def test_every_widget_a_row_names_is_on_the_prod_board(persona: str) -> None:
    titles = _titles(BOARDS[persona])
    missing = []
    for row in _rows()[persona]:
        for named in re.findall(r"`([^`]+)`", row[1]):
            pattern = re.compile(re.escape(named).replace(re.escape("<item>"), ".+") + "$")
            if not any(pattern.match(title) for title in titles):
                missing.append(f"{row[0]}: {named}")
    assert missing == []
