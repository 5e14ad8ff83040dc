"""Code-quality figures of main, measured in CI and published as CloudWatch metrics.

The deploy workflow's ``quality`` job runs pytest-cov, radon and pip-audit (pinned in
``requirements-quality.txt``), then ``python -m tools.quality measure`` turns their JSON
reports into one line of figures; each deploy job publishes that line into its stack's
namespace with ``python -m tools.quality publish``, where the developer dashboard reads it.

The technical-debt proxy (docs/ci.md) is one count a reviewer can act on: markers left in
the code (``TODO``, ``FIXME``, ``XXX``, ``HACK``), modules over :data:`LONG_MODULE_LINES` lines
and functions over complexity :data:`COMPLEX_FUNCTION`, each counting one.

    python -m tools.quality measure --coverage coverage.json --radon radon.json \\
        --audit audit.json --root .
    python -m tools.quality publish --stack dev --figures '{"CoveragePercent": 91.2, ...}'
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

SERVICE = "quality"  # the `service` dimension of every code-quality metric
COMPLEX_FUNCTION = 10  # ruff's and radon's usual ceiling (mccabe max-complexity)
LONG_MODULE_LINES = 300
# A marker is the word itself followed by a colon or a parenthesis, as people write them.
MARKER = re.compile(r"#.*\b(TODO|FIXME|XXX|HACK)\b[:(]")
# The figures, their CloudWatch units, in the order the dashboard shows them.
UNITS: dict[str, str] = {
    "CoveragePercent": "Percent",
    "MeanComplexity": "None",
    "ComplexFunctions": "Count",
    "Vulnerabilities": "Count",
    "TechDebtScore": "Count",
}
# Where the code lives (tests and benchmarks are measured by coverage, not debt).
SOURCE_DIRS = ("components", "functions", "policy", "tools")


@dataclass(frozen=True)
class Complexity:
    """Cyclomatic complexity over every function, method and closure radon reports."""

    functions: int
    mean: float
    over_limit: int
    highest: int


def coverage_percent(report: Mapping[str, Any]) -> float:
    """Line coverage of a coverage.py JSON report (``pytest --cov-report=json``), 0-100."""
    return round(float(report["totals"]["percent_covered"]), 2)


def _blocks(blocks: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    """Functions and methods with their closures; classes are skipped.

    ``radon cc -j`` lists each method at the top level and again under its class's
    ``methods``; a class's own figure is the mean of its methods. Only the top level and
    closures are walked, so each function counts once.
    """
    for block in blocks:
        if block.get("type") == "class":
            continue
        yield block
        yield from _blocks(block.get("closures") or ())


def complexity(report: Mapping[str, Any]) -> Complexity:
    """The :class:`Complexity` of a ``radon cc -j`` report (file -> blocks, or an error)."""
    scores = [int(b["complexity"]) for blocks in report.values() if isinstance(blocks, list)
              for b in _blocks(blocks)]
    if not scores:
        return Complexity(0, 0.0, 0, 0)
    return Complexity(len(scores), round(sum(scores) / len(scores), 2),
                      sum(1 for s in scores if s > COMPLEX_FUNCTION), max(scores))


def vulnerabilities(report: Mapping[str, Any]) -> tuple[int, list[str]]:
    """(known vulnerabilities, names of dependencies not audited) of ``pip-audit -f json``."""
    found = 0
    skipped: list[str] = []
    for dep in report.get("dependencies", ()):
        if "skip_reason" in dep:
            skipped.append(str(dep["name"]))
        found += len(dep.get("vulns") or ())
    return found, skipped


def debt_markers(text: str) -> int:
    """How many ``TODO``/``FIXME``/``XXX``/``HACK`` markers the comments of ``text`` hold."""
    return sum(1 for line in text.splitlines() if MARKER.search(line))


def tech_debt(sources: Mapping[str, str], complexity_over_limit: int) -> int:
    """The debt proxy: markers + modules over :data:`LONG_MODULE_LINES` + complex functions."""
    markers = sum(debt_markers(text) for text in sources.values())
    long_modules = sum(1 for text in sources.values()
                       if len(text.splitlines()) > LONG_MODULE_LINES)
    return markers + long_modules + complexity_over_limit


def read_sources(root: Path) -> dict[str, str]:
    """Every Python module under :data:`SOURCE_DIRS` of ``root``: relative path -> text."""
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8")
            for d in SOURCE_DIRS for p in sorted((root / d).rglob("*.py"))}


def figures(coverage: Mapping[str, Any], radon: Mapping[str, Any], audit: Mapping[str, Any],
            sources: Mapping[str, str]) -> dict[str, float]:
    """The figures :data:`UNITS` names; Vulnerabilities only when every dependency was audited.

    A dependency pip-audit could not audit (not on PyPI, advisory service unreachable) would
    make a 0 a lie, so the figure is left out and the dashboard shows the gap.
    """
    cc = complexity(radon)
    found, skipped = vulnerabilities(audit)
    result: dict[str, float] = {
        "CoveragePercent": coverage_percent(coverage),
        "MeanComplexity": cc.mean,
        "ComplexFunctions": cc.over_limit,
        "TechDebtScore": tech_debt(sources, cc.over_limit),
    }
    if not skipped:
        result["Vulnerabilities"] = found
    return {name: result[name] for name in UNITS if name in result}


def metric_data(values: Mapping[str, float]) -> list[dict[str, Any]]:
    """PutMetricData entries of ``values``, dimension ``service`` = :data:`SERVICE`."""
    unknown = sorted(set(values) - set(UNITS))
    if unknown:
        raise ValueError(f"unknown quality figures: {', '.join(unknown)}")
    return [{"MetricName": name, "Value": float(values[name]), "Unit": UNITS[name],
             "Dimensions": [{"Name": "service", "Value": SERVICE}]}
            for name in UNITS if name in values]


def publish(values: Mapping[str, float], namespace: str, cloudwatch: Any) -> None:
    """Put the figures into ``namespace`` (the stack's ``<project>/<stack>``)."""
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=metric_data(values))


def _load(path: str) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    """``measure`` prints the figures as one JSON line; ``publish`` puts them into CloudWatch."""
    parser = argparse.ArgumentParser(prog="python -m tools.quality", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    measure = sub.add_parser("measure", help="reports -> figures (one JSON line on stdout)")
    measure.add_argument("--coverage", required=True, help="coverage.py JSON report")
    measure.add_argument("--radon", required=True, help="radon cc -j output")
    measure.add_argument("--audit", required=True, help="pip-audit -f json output")
    measure.add_argument("--root", default=".", help="the repository's root")
    put = sub.add_parser("publish", help="figures -> CloudWatch, in the stack's namespace")
    put.add_argument("--stack", required=True)
    put.add_argument("--project", default="marketplace")
    put.add_argument("--figures", required=True, help="the JSON line `measure` printed")
    args = parser.parse_args(argv)
    if args.command == "measure":
        audit = _load(args.audit)
        _found, skipped = vulnerabilities(audit)
        if skipped:
            print(f"not audited, so no Vulnerabilities figure: {', '.join(skipped)}",
                  file=sys.stderr)
        values = figures(_load(args.coverage), _load(args.radon), audit,
                         read_sources(Path(args.root)))
        print(json.dumps(values, separators=(",", ":")))
        return 0
    publish(json.loads(args.figures), f"{args.project}/{args.stack}", boto3.client("cloudwatch"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
