"""Memory sizing from measured runs: REPORT records in, a proposed size and its cost out.

Pure logic behind ``python -m tools.tune`` (:mod:`tools.tune`): no AWS calls, no files.

Inputs are Lambda's per-invocation reports, in either of the two shapes Lambda writes them:
the text line of the plain-text log format (``REPORT RequestId: … Duration: 15.74 ms Billed
Duration: 147 ms Memory Size: 128 MB Max Memory Used: 56 MB Init Duration: 130.49 ms``) and
the ``platform.report`` record of the JSON log format, which the stack's functions use
(``record.metrics.durationMs``, ``billedDurationMs``, ``memorySizeMB``, ``maxMemoryUsedMB``,
``initDurationMs``). Either becomes a :class:`Report`; reports become a :class:`Summary`, the
same figures the saved ``memory-sizing`` Logs Insights query returns per log group.

The model (docs/preview-and-bench.md, "Memory from measured runs", states it and its limits):

- **Memory.** The proposal is the smallest size of :data:`SIZES_MB` at or above both the p99
  of ``Max Memory Used`` times ``1 + headroom`` and the largest ``Max Memory Used`` seen.
- **Duration.** Lambda gives CPU in proportion to memory, one vCPU at 1,769 MB
  (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html). REPORT lines do
  not say how much of a run was CPU and how much waiting on the network, so the caller names
  the CPU-bound fraction; that part scales with the CPU share, the rest stays. Above 1,769 MB
  a single-threaded Python handler gains nothing (it uses one vCPU at most), so the share is
  capped at one vCPU.
- **Cost.** Invocations a month × billed seconds × GB × the GB-second price, plus the request
  price (prices from policy/cost/prices.csv; free tiers are not subtracted).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

MIN_MB, MAX_MB = 128, 10240  # Lambda's range, in 1 MB steps
ONE_VCPU_MB = 1769  # one vCPU-second of credit per second (configuration-memory.html)
# Sizes a proposal rounds up to: 128 MB steps to 1.5 GB, one vCPU, then whole GB steps.
SIZES_MB = (128, 256, 384, 512, 640, 768, 896, 1024, 1280, 1536, 1769, 2048, 3008, 4096,
            5120, 6144, 7168, 8192, 10240)
HOURS_PER_MONTH = 730  # the cost estimate's month (policy/cost/charges.py)

_TEXT_FIELDS = {  # REPORT line label → Report field; Init Duration only on a cold start
    "Duration": "duration_ms", "Billed Duration": "billed_ms", "Memory Size": "memory_mb",
    "Max Memory Used": "max_used_mb", "Init Duration": "init_ms",
    # A SnapStart restore's figures: read so that their "Duration" is not taken for the run's.
    "Restore Duration": "restore_ms", "Billed Restore Duration": "billed_restore_ms",
}
_JSON_FIELDS = {
    "durationMs": "duration_ms", "billedDurationMs": "billed_ms", "memorySizeMB": "memory_mb",
    "maxMemoryUsedMB": "max_used_mb", "initDurationMs": "init_ms",
}
_REQUIRED = ("duration_ms", "billed_ms", "memory_mb", "max_used_mb")
_VALUE = re.compile(r"(Billed Restore Duration|Restore Duration|Billed Duration|Init Duration|"
                    r"Max Memory Used|Memory Size|Duration):"
                    r"\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|MB)")


class ReportError(ValueError):
    """Lines that look like reports but cannot be read; the message names each line."""


@dataclass(frozen=True)
class Report:
    """One invocation's report."""

    duration_ms: float
    billed_ms: float
    memory_mb: int
    max_used_mb: int
    init_ms: float | None = None


@dataclass(frozen=True)
class Summary:
    """A function's reports over a window: what a size is chosen from."""

    invocations: int
    memory_mb: int
    min_memory_mb: int
    avg_duration_ms: float
    p50_duration_ms: float
    p99_duration_ms: float
    avg_billed_ms: float
    p99_used_mb: float
    max_used_mb: float
    cold_starts: int
    p99_init_ms: float | None = None


def _report(values: Mapping[str, float], where: str) -> Report:
    missing = [f for f in _REQUIRED if f not in values]
    if missing:
        raise ReportError(f"{where}: no {', '.join(missing)}")
    return Report(values["duration_ms"], values["billed_ms"], int(values["memory_mb"]),
                  int(values["max_used_mb"]), values.get("init_ms"))


def parse_line(text: str, number: int) -> Report | None:
    """The report on line ``number``, or ``None`` for any other log line (START, app logs)."""
    line = text.strip()
    where = f"line {number}"
    if line.startswith("{"):
        try:
            event = json.loads(line)
        except json.JSONDecodeError as error:
            if "platform.report" not in line:
                return None  # a print of a dict, say: not Lambda's record
            raise ReportError(f"{where}: platform.report is not valid JSON ({error.msg})") \
                from None
        if not isinstance(event, dict) or event.get("type") != "platform.report":
            return None
        metrics = (event.get("record") or {}).get("metrics")
        if not isinstance(metrics, dict):
            raise ReportError(f"{where}: platform.report without record.metrics")
        values: dict[str, float] = {}
        for key, field in _JSON_FIELDS.items():
            if key in metrics:
                if not isinstance(metrics[key], int | float) or isinstance(metrics[key], bool):
                    raise ReportError(f"{where}: {key} is {metrics[key]!r}, not a number")
                values[field] = float(metrics[key])
        return _report(values, where)
    if "REPORT RequestId:" not in line:
        return None
    found = {_TEXT_FIELDS[label]: float(value) for label, value, _unit in _VALUE.findall(line)}
    return _report(found, where)


def parse_reports(lines: Iterable[str]) -> list[Report]:
    """Every report in ``lines`` (1-based line numbers); one error lists every bad line."""
    reports: list[Report] = []
    problems: list[str] = []
    for number, text in enumerate(lines, 1):
        try:
            report = parse_line(text, number)
        except ReportError as error:
            problems.append(str(error))
            continue
        if report is not None:
            reports.append(report)
    if problems:
        raise ReportError("; ".join(problems))
    return reports


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``pct`` % at or below it."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def summarise(reports: Sequence[Report]) -> Summary:
    """The figures the ``memory-sizing`` query returns, computed from reports."""
    if not reports:
        raise ValueError("no REPORT records to size from")
    durations = [r.duration_ms for r in reports]
    used = [float(r.max_used_mb) for r in reports]
    inits = [r.init_ms for r in reports if r.init_ms is not None]
    return Summary(
        invocations=len(reports),
        memory_mb=max(r.memory_mb for r in reports),
        min_memory_mb=min(r.memory_mb for r in reports),
        avg_duration_ms=sum(durations) / len(durations),
        p50_duration_ms=percentile(durations, 50),
        p99_duration_ms=percentile(durations, 99),
        avg_billed_ms=sum(r.billed_ms for r in reports) / len(reports),
        p99_used_mb=percentile(used, 99),
        max_used_mb=max(used),
        cold_starts=len(inits),
        p99_init_ms=percentile(inits, 99) if inits else None,
    )


_ROW_FIELDS = ("invocations", "memory_size_mb", "min_memory_size_mb", "avg_duration_ms",
               "p50_duration_ms", "p99_duration_ms", "avg_billed_ms", "p99_memory_used_mb",
               "max_memory_used_mb", "cold_starts")


def summary_from_row(row: Mapping[str, str]) -> Summary:
    """A ``memory-sizing`` query result row (field → text) as a :class:`Summary`."""
    missing = [f for f in _ROW_FIELDS if row.get(f) in (None, "")]
    if missing:
        raise ReportError(f"query row for {row.get('@log', '?')}: no {', '.join(missing)}")
    try:
        number = {f: float(row[f]) for f in _ROW_FIELDS}
        init = float(row["p99_init_ms"]) if row.get("p99_init_ms") not in (None, "") else None
    except ValueError as error:
        raise ReportError(f"query row for {row.get('@log', '?')}: {error}") from None
    return Summary(int(number["invocations"]), int(number["memory_size_mb"]),
                   int(number["min_memory_size_mb"]), number["avg_duration_ms"],
                   number["p50_duration_ms"], number["p99_duration_ms"],
                   number["avg_billed_ms"], number["p99_memory_used_mb"],
                   number["max_memory_used_mb"], int(number["cold_starts"]), init)


def cpu_share(memory_mb: int) -> float:
    """vCPUs a single-threaded handler can use at ``memory_mb`` (at most one)."""
    return min(memory_mb, ONE_VCPU_MB) / ONE_VCPU_MB


def scaled_duration(duration_ms: float, from_mb: int, to_mb: int, cpu_fraction: float) -> float:
    """``duration_ms`` measured at ``from_mb``, estimated at ``to_mb``: the CPU-bound part
    scales with the CPU share, the rest (waiting on the network) stays."""
    if not 0 <= cpu_fraction <= 1:
        raise ValueError(f"cpu fraction {cpu_fraction} is not within 0..1")
    cpu = duration_ms * cpu_fraction
    return duration_ms - cpu + cpu * cpu_share(from_mb) / cpu_share(to_mb)


def needed_mb(summary: Summary, headroom: float) -> float:
    """Memory a size must hold: p99 used × (1 + headroom), and never below the max seen."""
    return max(summary.p99_used_mb * (1 + headroom), summary.max_used_mb)


def size_for(need_mb: float) -> int:
    """The smallest size of :data:`SIZES_MB` at or above ``need_mb``."""
    for size in SIZES_MB:
        if size >= need_mb:
            return size
    raise ValueError(f"{need_mb:.0f} MB is above Lambda's {MAX_MB} MB")


@dataclass(frozen=True)
class Prices:
    """What Lambda charges: per GB-second of the architecture, per million requests."""

    gb_second_usd: float
    million_requests_usd: float


@dataclass(frozen=True)
class Estimate:
    """A function at one memory size: its durations and what a month of it costs."""

    memory_mb: int
    avg_duration_ms: float
    p99_duration_ms: float
    avg_billed_ms: float
    monthly_usd: float


@dataclass(frozen=True)
class Proposal:
    """Today's size and the proposed one, with the latency bounds of the proposal."""

    need_mb: float
    monthly_invocations: float
    current: Estimate
    proposed: Estimate
    p99_io_bound_ms: float  # the proposal's p99 if no part were CPU-bound
    p99_cpu_bound_ms: float  # ... and if all of it were

    @property
    def monthly_change_usd(self) -> float:
        """Proposed minus current monthly cost (negative: a saving)."""
        return self.proposed.monthly_usd - self.current.monthly_usd


def monthly_usd(invocations: float, billed_ms: float, memory_mb: int, prices: Prices) -> float:
    """Requests plus GB-seconds for ``invocations`` billed ``billed_ms`` each."""
    gb_seconds = invocations * billed_ms / 1000 * memory_mb / 1024
    return gb_seconds * prices.gb_second_usd + invocations / 1e6 * prices.million_requests_usd


def estimate(summary: Summary, memory_mb: int, invocations: float, prices: Prices,
             cpu_fraction: float) -> Estimate:
    """The function at ``memory_mb``, from what was measured at ``summary.memory_mb``.

    Billed time keeps what it adds to the duration today (rounding up to the millisecond,
    a billed init), so it moves by as much as the average duration does.
    """
    def at(ms: float) -> float:
        return scaled_duration(ms, summary.memory_mb, memory_mb, cpu_fraction)
    avg = at(summary.avg_duration_ms)
    billed = max(1.0, summary.avg_billed_ms + avg - summary.avg_duration_ms)
    return Estimate(memory_mb, avg, at(summary.p99_duration_ms), billed,
                    monthly_usd(invocations, billed, memory_mb, prices))


def propose(summary: Summary, *, window_hours: float, prices: Prices, headroom: float = 0.2,
            cpu_fraction: float = 0.5) -> Proposal:
    """The smallest size that holds the measured memory, and what it does to cost and time."""
    if window_hours <= 0:
        raise ValueError("the window must be longer than 0 hours")
    if headroom < 0:
        raise ValueError(f"headroom {headroom} is below 0")
    invocations = summary.invocations * HOURS_PER_MONTH / window_hours
    need = needed_mb(summary, headroom)
    size = size_for(need)
    return Proposal(
        need_mb=need,
        monthly_invocations=invocations,
        current=estimate(summary, summary.memory_mb, invocations, prices, cpu_fraction),
        proposed=estimate(summary, size, invocations, prices, cpu_fraction),
        p99_io_bound_ms=scaled_duration(summary.p99_duration_ms, summary.memory_mb, size, 0),
        p99_cpu_bound_ms=scaled_duration(summary.p99_duration_ms, summary.memory_mb, size, 1),
    )
