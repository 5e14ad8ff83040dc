"""The cost of a pull request: a stack's cost in the branch's preview against main's.

    python -m tools.cost_diff --stack dev BASE.json HEAD.json >> comment.md

Reads two ``--json`` documents of ``tools.preview`` and prints a Markdown section: the fixed
and with-traffic totals before and after, and each component whose fixed cost changed. A
base without a ``cost`` member (main before the estimate existed, or a failed preview)
counts as unknown, not as zero.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

MARKER = "<!-- marketplace-cost -->"


def _cost(path: Path) -> Mapping[str, Any] | None:
    try:
        return json.loads(path.read_text()).get("cost")
    except (OSError, ValueError):
        return None


def _usd(value: float | None) -> str:
    return "n/a" if value is None else f"${value:,.2f}"


def _change(before: float | None, after: float | None) -> str:
    if before is None or after is None:
        return "n/a"
    delta = after - before
    return "±$0.00" if abs(delta) < 0.005 else f"{'+' if delta > 0 else '−'}${abs(delta):,.2f}"


def _get(doc: Mapping[str, Any] | None, key: str) -> Any:
    return None if doc is None else doc.get(key)


def section(stack: str, base: Mapping[str, Any] | None, head: Mapping[str, Any] | None) -> str:
    """The Markdown section of one stack."""
    if head is None:
        return f"### {stack}\n\nThe branch's preview has no cost: it failed.\n"
    rows = [("Fixed (zero traffic)", _get(base, "fixedMonthlyUsd"), head["fixedMonthlyUsd"]),
            ("With the traffic in config", _get(base, "withTrafficMonthlyUsd"),
             head["withTrafficMonthlyUsd"])]
    lines = [f"### {stack}", "", "| USD a month | main | this branch | change |",
             "|---|---:|---:|---:|"]
    lines += [f"| {label} | {_usd(b)} | {_usd(h)} | {_change(b, h)} |" for label, b, h in rows]
    if head.get("ceilingUsd") is not None:
        verdict = "**over**" if head.get("overCeiling") else "within"
        lines.append(f"\nCeiling (costCeilingUsd): {_usd(head['ceilingUsd'])}, {verdict}.")
    before = {k: v["fixedUsd"] for k, v in (_get(base, "byComponent") or {}).items()}
    after = {k: v["fixedUsd"] for k, v in head["byComponent"].items()}
    changed = sorted(n for n in set(before) | set(after)
                     if abs(after.get(n, 0.0) - before.get(n, 0.0)) >= 0.005)
    if base is not None and changed:
        lines += ["", "| component (fixed) | main | this branch | change |",
                  "|---|---:|---:|---:|"]
        lines += [f"| {n} | {_usd(before.get(n, 0.0))} | {_usd(after.get(n, 0.0))} | "
                  f"{_change(before.get(n, 0.0), after.get(n, 0.0))} |" for n in changed]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Print the stack's section; 0 whatever the figures (the ceiling fails elsewhere)."""
    parser = argparse.ArgumentParser(prog="python -m tools.cost_diff", description=__doc__)
    parser.add_argument("--stack", required=True)
    parser.add_argument("base", type=Path, help="main's preview JSON")
    parser.add_argument("head", type=Path, help="the branch's preview JSON")
    args = parser.parse_args(argv)
    print(section(args.stack, _cost(args.base), _cost(args.head)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
