"""`make mutants`: mutation-test every logic module against its own tests, one row each.

Each module runs in a scratch copy of the checkout (tracked and new files, so the work tree
stays clean and mutmut's caches never mix between modules), with a ``setup.cfg`` that makes
mutmut mutate that one file and run only that module's test modules. The score is

    detected / (mutants - skipped - equivalent)

where "detected" is mutmut's killed, timeout, segfault and caught-by-type-check, and the
equivalent mutants are those listed in ``bench/equivalent_mutants/*.txt``. A listed name that
the run did not produce, or that a test killed, is an error: the list cannot go stale.

Rows are ``mutation <module path>``, target 0.85 (higher is better), merged into
``bench/results.json``. The command exits 1 when a row misses its target or a list is stale.
Not part of ``make test``: a full run takes minutes.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench import Measurement, missed, results
from bench.__main__ import table

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = Path(__file__).resolve().parent / "equivalent_mutants"
TARGET = 0.85

# Modules under functions/ with no logic to mutate, and why. Every other module there is a
# logic module and must have tests/functions/<pkg>/test_<module>.py.
NOT_LOGIC: dict[str, str] = {
    "functions/api/roles.py": "a tuple of route names: data read by the component and the handler",
    "functions/shared/audit_events.py": "the audited event names: data shared with config",
    "functions/shared/metrics.py": "business metric names: data shared by the handlers and the "
                                   "components (the emitters table is policy/emitters.py)",
}

# Logic modules outside functions/, and modules whose tests live in more than the one
# module the naming convention gives.
EXTRA_TESTS: dict[str, tuple[str, ...]] = {
    "components/observability/alarm_factory.py": (
        "tests/components/observability/test_alarm_factory.py",),
    "components/observability/alarm_plans.py": (
        "tests/components/observability/test_alarm_factory.py",),
    "components/observability/composites.py": (
        "tests/components/observability/test_composites.py",),
    "tools/sns_filter.py": ("tests/tools/test_sns_filter.py",),
    "tools/tune_model.py": ("tests/tools/test_tune_model.py",),
}

DETECTED = frozenset({"killed", "timeout", "segfault", "caught by type check"})
# Copied beside the mutated tree: the tests import the components, tools and the program.
ALSO_COPY = ("components", "tools", "policy", "bench", "functions", "__main__.py",
             "Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml")
_RESULT_LINE = re.compile(r"^\s*(?P<name>[\w.]+__mutmut_\d+): (?P<status>.+?)\s*$")


class StaleEquivalentsError(Exception):
    """An equivalent-mutant list names a mutant that was not produced, or that was killed."""


@dataclass(frozen=True)
class Target:
    """One logic module and the test modules that must kill its mutants."""

    module: str
    tests: tuple[str, ...]

    @property
    def dotted(self) -> str:
        """The module's import path, which prefixes its mutant names."""
        return self.module.removesuffix(".py").replace("/", ".")


@dataclass(frozen=True)
class Score:
    """What one run of one module found."""

    module: str
    statuses: dict[str, str]
    equivalent: frozenset[str]

    @property
    def counts(self) -> Counter[str]:
        """How many mutants, equivalents aside, ended in each status."""
        return Counter(status for name, status in self.statuses.items()
                       if name not in self.equivalent)

    @property
    def scored(self) -> int:
        """Mutants that count: all but the skipped and the equivalent."""
        return self.counts.total() - self.counts["skipped"]

    @property
    def detected(self) -> int:
        """Mutants some test noticed."""
        return sum(1 for status in self.statuses.values() if status in DETECTED)

    @property
    def value(self) -> float:
        """``detected / scored``; 1.0 for a module with nothing to mutate."""
        return self.detected / self.scored if self.scored else 1.0

    def measurement(self) -> Measurement:
        """The ``bench/results.json`` row."""
        return Measurement(
            name=f"mutation {self.module}", value=round(self.value, 4), unit="score",
            baseline=1.0, target=TARGET, better="higher",
            note=f"{self.detected} of {self.scored} detected; {len(self.equivalent)} equivalent, "
                 f"{self.counts['survived']} survived, {self.counts['no tests']} untested")


def test_module_for(module: str) -> str:
    """The conventional test module of ``functions/<pkg>/<name>.py``."""
    path = Path(module)
    return str(Path("tests") / path.parent / f"test_{path.name}")


def targets(root: Path = ROOT) -> list[Target]:
    """Every logic module, with the test modules that run against its mutants."""
    found = []
    for path in sorted((root / "functions").rglob("*.py")):
        module = str(path.relative_to(root))
        if path.name == "__init__.py" or module in NOT_LOGIC:
            continue
        found.append(Target(module, (test_module_for(module), *EXTRA_TESTS.get(module, ()))))
    found.extend(Target(module, tests) for module, tests in EXTRA_TESTS.items()
                 if not module.startswith("functions/"))
    return found


def missing_tests(found: list[Target], root: Path = ROOT) -> list[str]:
    """Test modules named by ``found`` that do not exist."""
    return [test for target in found for test in target.tests if not (root / test).is_file()]


def parse_results(text: str) -> dict[str, str]:
    """``mutmut results --all true`` output as ``{mutant name: status}``."""
    return {m["name"]: m["status"] for line in text.splitlines()
            if (m := _RESULT_LINE.match(line))}


def read_equivalents(folder: Path = EQUIVALENTS) -> dict[str, str]:
    """Every listed equivalent mutant, with its reason."""
    listed: dict[str, str] = {}
    for path in sorted(folder.glob("*.txt")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            name, sep, reason = line.partition("#")
            if not sep or not reason.strip():
                raise StaleEquivalentsError(f"{path.name}:{number}: {name.strip()} has no reason")
            listed[name.strip()] = reason.strip()
    return listed


def score(target: Target, statuses: dict[str, str], listed: dict[str, str]) -> Score:
    """The module's score, refusing equivalents that are missing or were killed."""
    mine = {name for name in listed if name.rsplit(".", 1)[0] == target.dotted}
    stale = sorted(name for name in mine if name not in statuses)
    killed = sorted(name for name in mine if statuses.get(name) in DETECTED)
    if stale or killed:
        raise StaleEquivalentsError(
            f"{target.module}: listed as equivalent but "
            + "; ".join(part for part in (
                f"not produced: {', '.join(stale)}" if stale else "",
                f"killed by a test: {', '.join(killed)}" if killed else "") if part))
    return Score(target.module, statuses, frozenset(mine))


def setup_cfg(target: Target) -> str:
    """mutmut's configuration for one module."""
    def block(key: str, values: tuple[str, ...]) -> str:
        return f"{key}=\n" + "".join(f"    {v}\n" for v in values)
    top = target.module.split("/", 1)[0]
    return ("[mutmut]\n"
            f"source_paths={top}\n"
            f"only_mutate={target.module}\n"
            + block("also_copy", tuple(p for p in ALSO_COPY if p != top))
            # One token a line: mutmut splits the value on newlines.
            + block("pytest_add_cli_args", ("-p", "no:xdist", "-p", "no:cacheprovider"))
            + block("pytest_add_cli_args_test_selection", target.tests))


def tracked_files(root: Path = ROOT) -> list[str]:
    """Files git tracks or would track (new, not ignored)."""
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=root,
                         check=True, capture_output=True, text=True).stdout
    return [name for name in out.split("\0") if name and (root / name).is_file()]


def run(target: Target, children: int) -> dict[str, str]:
    """Mutation-test one module in a scratch copy; its mutants' statuses."""
    with tempfile.TemporaryDirectory(prefix="mutants-") as scratch:
        work = Path(scratch)
        for name in tracked_files():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            (work / name).write_bytes((ROOT / name).read_bytes())
        (work / "setup.cfg").write_text(setup_cfg(target))
        mutmut = [sys.executable, "-m", "mutmut"]
        done = subprocess.run([*mutmut, "run", "--max-children", str(children)], cwd=work,
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"mutmut run failed for {target.module}:\n"
                               f"{done.stdout[-2000:]}{done.stderr[-2000:]}")
        listing = subprocess.run([*mutmut, "results", "--all", "true"], cwd=work, check=True,
                                 capture_output=True, text=True).stdout
    return parse_results(listing)


def main(argv: list[str] | None = None) -> int:
    """Run every (or the matching) module; print the table; merge the rows into results.json."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", nargs="*", help="run only modules whose path contains these")
    parser.add_argument("--children", type=int, default=os.cpu_count() or 1,
                        help="mutants tested at once (default: one per core)")
    args = parser.parse_args(argv)
    chosen = [t for t in targets() if not args.only or any(o in t.module for o in args.only)]
    if missing := missing_tests(chosen):
        print("logic modules without their test module:\n  " + "\n  ".join(missing),
              file=sys.stderr)
        return 1
    listed = read_equivalents()
    rows: list[Measurement] = []
    stale: list[str] = []
    total = 0
    for target in chosen:
        print(f"mutating {target.module} ...", file=sys.stderr, flush=True)
        try:
            row = score(target, run(target, args.children), listed).measurement()
        except StaleEquivalentsError as error:
            stale.append(str(error))
            continue
        rows.append(row)
        # Merged as each module finishes: a full run is long, and an interrupted one keeps
        # what it measured.
        total = results.write([row])
        print(f"  {row.value:.4f} ({row.note})", file=sys.stderr, flush=True)
    print(table(rows))
    print(f"\nwrote {len(rows)} rows to {results.RESULTS.name} ({total} in all)")
    for error in stale:
        print(f"stale equivalent-mutant list: {error}", file=sys.stderr)
    return 0 if not stale and not missed(rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
