"""Code-quality figures (tools/quality.py) from recorded reports in tests/fixtures/quality."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from policy.emitters import EMITTERS, WORKFLOW
from tools import quality

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "quality"


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def test_coverage_is_the_reports_total_line_coverage() -> None:
    assert quality.coverage_percent(_fixture("coverage.json")) == 17.81


def test_complexity_counts_each_function_once_with_closures_and_no_classes() -> None:
    # reader.py: 15 methods (12, 12, 8, 7, 7, 6, 4, 4, 3, 3, 2, 1, 1, 1, 1 = 72) and the
    # closure `entry` of Reader.table (6): 16 functions, 78 in all.
    cc = quality.complexity(_fixture("radon-cc.json"))
    assert cc == quality.Complexity(functions=16, mean=4.88, over_limit=2, highest=12)


def test_complexity_of_nothing_and_of_radons_error_rows() -> None:
    assert quality.complexity({}) == quality.Complexity(0, 0.0, 0, 0)
    assert quality.complexity({"bad.py": {"error": "invalid syntax"}}) == \
        quality.Complexity(0, 0.0, 0, 0)


def test_vulnerabilities_count_every_advisory_and_name_what_was_not_audited() -> None:
    assert quality.vulnerabilities(_fixture("pip-audit-vulns.json")) == (3, ["internal-tool"])
    assert quality.vulnerabilities(_fixture("pip-audit-skipped.json")) == (
        0, ["requests", "urllib3"])


def test_debt_markers_are_comment_markers_with_a_colon_or_parenthesis() -> None:
    text = ("x = 1  # TODO: split\n"
            "# FIXME(ana) leaks\n"
            "# XXX: and HACK: on one line\n"
            "todo = 'TODO: in a string'\n"
            "# a TODO list\n")
    assert quality.debt_markers(text) == 3


def test_tech_debt_adds_markers_long_modules_and_complex_functions() -> None:
    sources = {"a.py": "# TODO: one\n" + "x = 1\n" * 300, "b.py": "y = 2\n" * 300}
    # one marker, a.py has 301 lines (over 300), b.py exactly 300 (not over), 2 complex.
    assert quality.tech_debt(sources, 2) == 4


def test_figures_leave_vulnerabilities_out_when_something_was_not_audited() -> None:
    sources = {"m.py": "# HACK: x\n"}
    audited = {"dependencies": [{"name": "boto3", "version": "1.44.5", "vulns": []}]}
    assert quality.figures(_fixture("coverage.json"), _fixture("radon-cc.json"), audited,
                           sources) == {
        "CoveragePercent": 17.81, "MeanComplexity": 4.88, "ComplexFunctions": 2,
        "Vulnerabilities": 0, "TechDebtScore": 3}
    partial = quality.figures(_fixture("coverage.json"), _fixture("radon-cc.json"),
                              _fixture("pip-audit-vulns.json"), sources)
    assert "Vulnerabilities" not in partial


def test_metric_data_and_the_emitters_table_agree() -> None:
    data = quality.metric_data({"CoveragePercent": 91.5, "Vulnerabilities": 2})
    assert data == [
        {"MetricName": "CoveragePercent", "Value": 91.5, "Unit": "Percent",
         "Dimensions": [{"Name": "service", "Value": "quality"}]},
        {"MetricName": "Vulnerabilities", "Value": 2.0, "Unit": "Count",
         "Dimensions": [{"Name": "service", "Value": "quality"}]},
    ]
    declared = {e.metric for e in EMITTERS
                if e.via == WORKFLOW and e.dimensions == (("service", "quality"),)}
    assert declared == {"CoveragePercent", "MeanComplexity", "ComplexFunctions",
                        "Vulnerabilities", "TechDebtScore"}
    with pytest.raises(ValueError, match="Coverage"):
        quality.metric_data({"Coverage": 1.0})


def test_measure_prints_one_line_of_figures(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "m.py").write_text("# TODO: x\n")
    argv = ["measure", "--coverage", str(FIXTURES / "coverage.json"),
            "--radon", str(FIXTURES / "radon-cc.json"),
            "--audit", str(FIXTURES / "pip-audit-skipped.json"), "--root", str(tmp_path)]
    assert quality.main(argv) == 0
    out, err = capsys.readouterr()
    assert out == ('{"CoveragePercent":17.81,"MeanComplexity":4.88,"ComplexFunctions":2,'
                   '"TechDebtScore":3}\n')
    assert err == "not audited, so no Vulnerabilities figure: requests, urllib3\n"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A moto account."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield


def test_publish_puts_into_the_stack_namespace(aws: None) -> None:
    assert quality.main(["publish", "--stack", "prod",
                         "--figures", '{"CoveragePercent": 88.0, "TechDebtScore": 41}']) == 0
    metrics = boto3.client("cloudwatch").list_metrics(Namespace="marketplace/prod")["Metrics"]
    assert sorted(m["MetricName"] for m in metrics) == ["CoveragePercent", "TechDebtScore"]
