"""Benchmarks run by `make bench`: each ``bench/bench_*.py`` module adds rows.

A module exposes ``measure() -> list[Measurement]``. Every measurement is a ratio against a
baseline measured in the same run on the same machine, because these machines are shared and
noisy: absolute times mean little, ratios travel.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Measurement:
    """One row of ``bench/results.json``.

    ``ratio`` is ``value / baseline``; ``target`` and ``better`` (``"lower"`` or ``"higher"``)
    say which side of the target is good, so the table can mark a regression.
    """

    name: str
    value: float
    unit: str
    baseline: float
    target: float | None = None
    better: str = "lower"
    note: str = ""

    @property
    def ratio(self) -> float:
        """``value / baseline`` (0 when the baseline is 0)."""
        return self.value / self.baseline if self.baseline else 0.0

    @property
    def meets_target(self) -> bool | None:
        """Whether the ratio is on the good side of the target (None without a target)."""
        if self.target is None:
            return None
        return self.ratio <= self.target if self.better == "lower" else self.ratio >= self.target

    def as_json(self) -> dict[str, object]:
        """The JSON row: ``name, value, unit, baseline, ratio`` plus target information."""
        row = asdict(self)
        row["ratio"] = round(self.ratio, 4)
        row["meets_target"] = self.meets_target
        return row


def missed(rows: Iterable[Measurement]) -> list[Measurement]:
    """The rows that have a target and miss it: what makes ``make bench`` and ``make mutants``
    exit 1. A row without a target is a figure to read, never a failure."""
    return [m for m in rows if m.meets_target is False]


def silence_access_log() -> None:
    """Keep the local HTTP servers' one-line-per-request log off the terminal.

    pytest-httpserver serves through werkzeug, which logs every request at INFO on the
    ``werkzeug`` logger and, when that logger's level is unset, sets it to INFO and adds its
    own stderr handler. At WARNING the request lines are dropped while werkzeug's warnings
    and errors (a handler that raised, a port in use) still show.
    """
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


@dataclass(frozen=True)
class LambdaContext:
    """The parts of a Lambda context the handlers and Powertools read, for benchmark calls."""

    function_name: str = "bench"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    aws_request_id: str = "bench"
    remaining_ms: int = 60_000

    def get_remaining_time_in_millis(self) -> int:
        """Time left before the (pretend) timeout."""
        return self.remaining_ms
