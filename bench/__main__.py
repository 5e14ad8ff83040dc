"""`make bench`: run every bench/bench_*.py module, print a table, write bench/results.json."""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from pathlib import Path

import bench
from bench import Measurement

RESULTS = Path(__file__).resolve().parent / "results.json"


def modules(only: list[str]) -> list[str]:
    """The bench module names, optionally filtered by substring."""
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__)
                   if m.name.startswith("bench_"))
    return [n for n in names if not only or any(o in n for o in only)]


def table(rows: list[Measurement]) -> str:
    """A fixed-width table of the measurements."""
    lines = [f"{'name':34} {'value':>12} {'baseline':>12} {'unit':10} {'ratio':>8} {'target':>8}"]
    for m in rows:
        target = "" if m.target is None else f"{'<=' if m.better == 'lower' else '>='}{m.target:g}"
        flag = {True: " ok", False: " MISS", None: ""}[m.meets_target]
        lines.append(f"{m.name:34} {m.value:12.4g} {m.baseline:12.4g} {m.unit:10} "
                     f"{m.ratio:8.3f} {target:>8}{flag}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; exit 0 (a missed target is reported, not fatal)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("only", nargs="*", help="run only modules whose name contains these")
    args = parser.parse_args(argv)
    rows: list[Measurement] = []
    for name in modules(args.only):
        module = importlib.import_module(f"bench.{name}")
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows.extend(module.measure())
    print(table(rows))
    RESULTS.write_text(json.dumps([m.as_json() for m in rows], indent=2) + "\n")
    print(f"\nwrote {RESULTS.name} ({len(rows)} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
