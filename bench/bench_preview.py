"""Rows ``preview-<stack>``: the offline preview's wall time against Pulumi's own floor.

Each stack's preview runs as a whole process (``python -m tools.preview --stack X``:
interpreter start, imports, config validation, the program, rendering), as a user runs it.
The baseline is ``bench.baseline_program``, also a whole process, registering as many plain
resources as the stack has under the same mocks, with no provider SDK: what the framework
alone costs for that many resources. The ratio is what the program and the preview add on top;
the target is at most 2. Runs alternate between the two commands so machine noise hits both,
and the median of the repetitions is kept.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

from bench import Measurement
from tools.mock_runtime import ROOT, run

STACKS = ("dev", "prod")
REPETITIONS = 5
TARGET_RATIO = 2.0


def resource_count(stack: str) -> int:
    """How many resources the stack's program registers (the stack itself excluded)."""
    return len(run(stack))


def wall_time(command: Sequence[str]) -> float:
    """Seconds one run of ``command`` takes from start to exit; it must succeed."""
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def measure_stack(stack: str, repetitions: int = REPETITIONS) -> Measurement:
    """The ``preview-<stack>`` row."""
    count = resource_count(stack)
    preview = [sys.executable, "-m", "tools.preview", "--stack", stack]
    baseline = [sys.executable, "-m", "bench.baseline_program", "--count", str(count)]
    # One unmeasured run of each warms the OS file cache and the bytecode caches.
    wall_time(preview)
    wall_time(baseline)
    preview_times: list[float] = []
    baseline_times: list[float] = []
    for _ in range(repetitions):
        preview_times.append(wall_time(preview))
        baseline_times.append(wall_time(baseline))
    return Measurement(
        name=f"preview-{stack}",
        value=round(statistics.median(preview_times), 4),
        unit="s",
        baseline=round(statistics.median(baseline_times), 4),
        target=TARGET_RATIO,
        better="lower",
        note=f"{count} resources; median of {repetitions} process runs each",
    )


def measure() -> list[Measurement]:
    """One row per stack."""
    return [measure_stack(stack) for stack in STACKS]
