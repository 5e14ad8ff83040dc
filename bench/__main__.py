"""`make bench`: run every bench/bench_*.py module, print a table, merge rows into results.json.

Exits 1 when a row with a target misses it, after the whole table is printed and every row,
missed or not, is merged: a reviewer sees all the figures and CI still fails.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

import bench
from bench import Measurement, missed, results, silence_access_log


def modules(only: list[str]) -> list[str]:
    """The bench module names, optionally filtered by substring."""
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__)
                   if m.name.startswith("bench_"))
    return [n for n in names if not only or any(o in n for o in only)]


def table(rows: list[Measurement]) -> str:
    """A fixed-width table of the measurements."""
    width = max([34, *(len(m.name) for m in rows)])
    lines = [f"{'name':{width}} {'value':>12} {'baseline':>12} {'unit':10} {'ratio':>8} "
             f"{'target':>8}"]
    for m in rows:
        target = "" if m.target is None else f"{'<=' if m.better == 'lower' else '>='}{m.target:g}"
        flag = {True: " ok", False: " MISS", None: ""}[m.meets_target]
        lines.append(f"{m.name:{width}} {m.value:12.4g} {m.baseline:12.4g} {m.unit:10} "
                     f"{m.ratio:8.3f} {target:>8}{flag}")
    return "\n".join(lines)


def report(rows: list[Measurement], path: Path = results.RESULTS) -> int:
    """Print the table, merge ``rows`` into ``path``, name the misses; the exit status."""
    print(table(rows))
    total = results.write(rows, path)
    print(f"\nwrote {len(rows)} rows to {path.name} ({total} in all)")
    misses = missed(rows)
    for m in misses:
        print(f"MISS: {m.name} ratio {m.ratio:.3f}, target "
              f"{'<=' if m.better == 'lower' else '>='}{m.target:g}", file=sys.stderr)
    return 1 if misses else 0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and report them; 1 when a row misses its target."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", nargs="*", help="run only modules whose name contains these")
    args = parser.parse_args(argv)
    silence_access_log()
    rows: list[Measurement] = []
    for name in modules(args.only):
        module = importlib.import_module(f"bench.{name}")
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows.extend(module.measure())
    return report(rows)


if __name__ == "__main__":
    raise SystemExit(main())
