"""The documents hold together: relative links resolve, and the cost figures docs/cost.md
states are the ones the estimator gives today."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policy.cost.estimate import estimate
from tests.helpers import stack_registry
from tools.plans import plan_of

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading anchor in a Markdown file."""
    return {anchor(line.lstrip("#")) for line in path.read_text().splitlines()
            if line.startswith("#")}


def test_anchor_follows_githubs_rule() -> None:
    assert anchor(" Exit codes of the offline preview") == "exit-codes-of-the-offline-preview"
    assert anchor("Keys: cost guardrails") == "keys-cost-guardrails"
    assert anchor("`--json OUT`") == "--json-out"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_relative_links_resolve(document: Path) -> None:
    broken = []
    for match in LINK.finditer(document.read_text()):
        target = match["target"]
        if re.match(r"[a-z]+:", target):
            continue
        file_part, _, fragment = target.partition("#")
        linked = (document.parent / file_part).resolve() if file_part else document
        missing_anchor = bool(fragment) and linked.suffix == ".md" and (
            not linked.exists() or fragment not in anchors(linked))
        if not linked.exists() or missing_anchor:
            broken.append(target)
    assert broken == []


@pytest.mark.parametrize(("stack", "stated"), [("dev", "$29.95"), ("prod", "$902.89")])
def test_cost_doc_states_each_stacks_fixed_cost(stack: str, stated: str) -> None:
    doc = (ROOT / "docs" / "cost.md").read_text()
    assert f"| {stack} | **{stated}** |" in doc
    total = estimate(plan_of(stack_registry(stack), components=True)).total
    assert f"${total:,.2f}" == stated
