"""Rows ``preview-<stack>``: the offline preview's wall time against Pulumi's own floor.

Each stack's preview runs as a whole process (``python -m tools.preview --stack X``:
interpreter start, imports, config validation, the program, rendering), as a user runs it.
The baseline is ``bench.baseline_program``, also a whole process, registering as many plain
resources as the stack has under the same mocks, with no provider SDK: what the framework
alone costs for that many resources. The ratio is what the program and the preview add on top;
the target is at most 2.

Rows ``preview-<stack>-vs-sdk`` divide the same preview time by a baseline that also imports
the provider SDK modules the stack's program loads, so they show the program's own work
with the SDK's import cost taken out (a diagnostic: no target).

Runs alternate between the commands so machine noise hits all of them, and the median of the
repetitions is kept.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bench import Measurement
from tools.mock_runtime import ROOT

STACKS = ("dev", "prod")
REPETITIONS = 5
TARGET_RATIO = 2.0
SDK_PACKAGES = ("pulumi_aws", "pulumi_cloudflare")

# Run in a fresh interpreter so the modules listed are the ones this stack's program loads.
# The SDKs register every service module lazily; only those the program touched are real
# modules (the rest are still lazy placeholders and cost nothing).
_SURVEY = f"""
import json, sys, types
from tools.mock_runtime import run
count = len(run(sys.argv[1]))
sdk = sorted(name for name, module in sys.modules.items()
             if name.split(".")[0] in {SDK_PACKAGES!r} and name.count(".") <= 1
             and type(module) is types.ModuleType)
print(json.dumps({{"count": count, "sdk": sdk}}))
"""


@dataclass(frozen=True)
class Survey:
    """What a stack's program registers and which provider SDK modules it loads."""

    count: int
    sdk_modules: tuple[str, ...]


def survey(stack: str) -> Survey:
    """Run the stack's program once in a child interpreter and report its size and imports."""
    out = subprocess.run([sys.executable, "-c", _SURVEY, stack], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    data = json.loads(out.strip().splitlines()[-1])
    return Survey(data["count"], tuple(data["sdk"]))


def wall_time(command: Sequence[str]) -> float:
    """Seconds one run of ``command`` takes from start to exit; it must succeed."""
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def measure_stack(stack: str, repetitions: int = REPETITIONS) -> list[Measurement]:
    """The ``preview-<stack>`` and ``preview-<stack>-vs-sdk`` rows."""
    found = survey(stack)
    commands = {
        "preview": [sys.executable, "-m", "tools.preview", "--stack", stack],
        "bare": [sys.executable, "-m", "bench.baseline_program", "--count", str(found.count)],
    }
    commands["sdk"] = [*commands["bare"], *(f"--import={m}" for m in found.sdk_modules)]
    # One unmeasured run of each warms the OS file cache and the bytecode caches.
    for command in commands.values():
        wall_time(command)
    times: dict[str, list[float]] = {key: [] for key in commands}
    for _ in range(repetitions):
        for key, command in commands.items():
            times[key].append(wall_time(command))
    median = {key: round(statistics.median(values), 4) for key, values in times.items()}
    runs = f"median of {repetitions} process runs each"
    return [
        Measurement(name=f"preview-{stack}", value=median["preview"], unit="s",
                    baseline=median["bare"], target=TARGET_RATIO, better="lower",
                    note=f"{found.count} resources; bare Pulumi baseline; {runs}"),
        Measurement(name=f"preview-{stack}-vs-sdk", value=median["preview"], unit="s",
                    baseline=median["sdk"], better="lower",
                    note=f"{found.count} resources; baseline also imports "
                         f"{len(found.sdk_modules)} provider SDK modules; {runs}"),
    ]


def measure() -> list[Measurement]:
    """Two rows per stack."""
    return [row for stack in STACKS for row in measure_stack(stack)]
