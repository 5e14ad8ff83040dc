"""The PR comment's cost section: main against the branch, from two preview documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.cost_diff import main, section

BASE = {"fixedMonthlyUsd": 73.70, "withTrafficMonthlyUsd": 74.41,
        "byComponent": {"dev-analytics": {"fixedUsd": 29.20}, "dev-core": {"fixedUsd": 1.00},
                        "dev-old": {"fixedUsd": 2.50}}}
HEAD = {"fixedMonthlyUsd": 29.15, "withTrafficMonthlyUsd": 29.86, "ceilingUsd": 30.0,
        "overCeiling": False,
        "byComponent": {"dev-analytics": {"fixedUsd": 10.95}, "dev-core": {"fixedUsd": 1.00},
                        "dev-new": {"fixedUsd": 0.40}}}


def test_totals_and_only_the_components_that_changed() -> None:
    assert section("dev", BASE, HEAD) == (
        "### dev\n\n"
        "| USD a month | main | this branch | change |\n|---|---:|---:|---:|\n"
        "| Fixed (zero traffic) | $73.70 | $29.15 | −$44.55 |\n"
        "| With the traffic in config | $74.41 | $29.86 | −$44.55 |\n"
        "\nCeiling (costCeilingUsd): $30.00, within.\n\n"
        "| component (fixed) | main | this branch | change |\n|---|---:|---:|---:|\n"
        "| dev-analytics | $29.20 | $10.95 | −$18.25 |\n"
        "| dev-new | $0.00 | $0.40 | +$0.40 |\n"
        "| dev-old | $2.50 | $0.00 | −$2.50 |\n")


def test_a_base_without_cost_is_unknown_not_zero() -> None:
    text = section("prod", None, {**HEAD, "overCeiling": True})
    assert "| Fixed (zero traffic) | n/a | $29.15 | n/a |" in text
    assert "Ceiling (costCeilingUsd): $30.00, **over**." in text
    assert "component (fixed)" not in text


def test_a_failed_branch_preview_says_so() -> None:
    assert section("dev", BASE, None) == "### dev\n\nThe branch's preview has no cost: it failed.\n"


def test_the_command_reads_files_and_tolerates_a_missing_base(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = tmp_path / "head.json"
    head.write_text(json.dumps({"steps": [], "cost": HEAD}))
    assert main(["--stack", "dev", str(tmp_path / "absent.json"), str(head)]) == 0
    assert "| Fixed (zero traffic) | n/a | $29.15 | n/a |" in capsys.readouterr().out
