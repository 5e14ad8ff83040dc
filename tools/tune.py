"""``python -m tools.tune``: propose each function's memory from its measured runs.

Runs the stack's saved ``memory-sizing`` Logs Insights query (the text in
:mod:`components.observability.log_queries`, so the tool and the console read the same) over
the functions' log groups for a window, or reads a file offline (``--from-file``): a saved
``get-query-results`` JSON document, or log lines holding REPORT records (text or JSON log
format). For each function it prints what was measured, the proposed size with the expected
duration and monthly cost at both sizes (:mod:`tools.tune_model`), then the lines to paste
into ``Pulumi.<stack>.yaml`` (:mod:`tools.tune_config`).

Exit codes: 0 proposals printed; 1 the query failed, timed out or found nothing; 2 bad input
(arguments, stack file, or a file that cannot be read: the message names the line).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from components.config import ConfigError, StackConfig
from components.config.stack import build
from components.observability.log_queries import QUERIES
from policy.cost.price_table import PriceTableError, table
from tools.mock_runtime import PROJECT, config_from_file, stack_file
from tools.tune_config import TARGETS, config_lines
from tools.tune_model import (
    Prices,
    Proposal,
    ReportError,
    Summary,
    parse_reports,
    propose,
    summarise,
    summary_from_row,
)

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
QUERY = next(q.query for q in QUERIES if q.key == "memory-sizing")
DONE = {"Complete", "Failed", "Cancelled", "Timeout", "Unknown"}


class TuneError(Exception):
    """A failure the tool reports in one line, with its exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.tune",
        description="Propose Lambda memory sizes from measured REPORT records.")
    parser.add_argument("--stack", required=True, help="stack name, e.g. dev or prod")
    parser.add_argument("--config", type=Path,
                        help="stack settings file (default: Pulumi.<stack>.yaml)")
    parser.add_argument("--function", action="append", choices=sorted(TARGETS),
                        help="a function to size (repeatable; default: all of them)")
    parser.add_argument("--log-group", action="append", default=[],
                        help="also size this log group (no config line: not a stack function)")
    parser.add_argument("--from-file", type=Path, metavar="PATH",
                        help="read saved query results or REPORT lines instead of querying")
    parser.add_argument("--hours", type=float, default=14 * 24,
                        help="window the figures cover, in hours (default 336: 14 days)")
    parser.add_argument("--headroom", type=float, default=0.2,
                        help="memory kept above the p99 used, as a fraction (default 0.2)")
    parser.add_argument("--cpu-fraction", type=float, default=0.5,
                        help="share of the duration that is CPU-bound, 0..1 (default 0.5)")
    parser.add_argument("--arch", choices=("arm64", "x86_64"), default="arm64",
                        help="architecture to price (the stack's functions are arm64)")
    parser.add_argument("--region", help="AWS region (default: the stack's)")
    parser.add_argument("--deadline", type=float, default=120,
                        help="seconds to wait for the query (default 120)")
    return parser.parse_args(argv)


def load_stack(stack: str, path: Path | None) -> StackConfig:
    """The stack's validated config, from its settings file."""
    path = path or stack_file(stack)
    try:
        raw, secrets = config_from_file(path)
        return build(raw, secrets, project=PROJECT, stack=stack)
    except (OSError, yaml.YAMLError, ValueError, ConfigError) as error:
        raise TuneError(f"cannot read stack settings {path.name}: {error}",
                        EXIT_BAD_INPUT) from None


def groups_of(args: argparse.Namespace, prefix: str) -> dict[str, str]:
    """Log group → label (a target key, or the log group itself) of what to size."""
    keys = args.function or ([] if args.log_group else list(TARGETS))
    groups = {TARGETS[k].log_group(prefix): k for k in keys}
    groups.update({g: g for g in args.log_group})
    return groups


def summaries_from_rows(rows: Sequence[Sequence[Mapping[str, str]]],
                        groups: Mapping[str, str]) -> dict[str, Summary]:
    """Label → summary from ``get_query_results`` rows, for the log groups asked about."""
    found: dict[str, Summary] = {}
    for row in rows:
        fields = {cell["field"]: cell["value"] for cell in row if "field" in cell}
        # @log is "<account>:<log group>".
        label = groups.get(fields.get("@log", "").split(":", 1)[-1])
        if label is not None:
            found[label] = summary_from_row(fields)
    return found


def read_file(path: Path, groups: Mapping[str, str]) -> dict[str, Summary]:
    """Summaries from a saved query result document, or from log lines with REPORT records."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise TuneError(f"cannot read {path}: {error}", EXIT_BAD_INPUT) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        document = None
    try:
        if isinstance(document, dict) and "results" in document:
            return summaries_from_rows(document["results"], groups)
        if len(groups) != 1:
            raise TuneError(f"{path.name} holds log lines of one function: name it with one "
                            "--function or --log-group", EXIT_BAD_INPUT)
        reports = parse_reports(text.splitlines())
        return {next(iter(groups.values())): summarise(reports)} if reports else {}
    except ReportError as error:
        raise TuneError(f"{path.name}: {error}", EXIT_BAD_INPUT) from None


def run_query(client: Any, log_groups: Sequence[str], hours: float, deadline: float, *,
              now: Callable[[], float] | None = None,
              sleep: Callable[[float], None] | None = None) -> dict[str, Any]:
    """Start the sizing query and poll it until it ends or ``deadline`` seconds pass."""
    now, sleep = now or time.time, sleep or time.sleep
    end = int(now())
    query_id = client.start_query(logGroupNames=list(log_groups), startTime=end - int(hours * 3600),
                                  endTime=end, queryString=QUERY)["queryId"]
    give_up = now() + deadline
    while True:
        response = client.get_query_results(queryId=query_id)
        if response.get("status") in DONE:
            break
        if now() >= give_up:
            client.stop_query(queryId=query_id)
            raise TuneError(f"the query did not finish within {deadline:g} s (stopped)",
                            EXIT_FAILED)
        sleep(1.0)
    if response["status"] != "Complete":
        raise TuneError(f"the query ended {response['status']}", EXIT_FAILED)
    return response


def live_results(client: Any, log_groups: Sequence[str],
                 args: argparse.Namespace) -> dict[str, Any]:
    """:func:`run_query`, with AWS's errors (credentials, throttling, a missing log group) as
    one line and exit code 1."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415
    try:
        return run_query(client, log_groups, args.hours, args.deadline)
    except (BotoCoreError, ClientError) as error:
        raise TuneError(f"the query failed: {error}", EXIT_FAILED) from None


def _ms(value: float) -> str:
    return f"{value:,.1f} ms"


def _usd(value: float) -> str:
    # Cents hide a small function's figures; below a dollar, four places show them.
    return f"${value:,.2f}" if abs(value) >= 1 else f"${value:.4f}"


def describe(label: str, s: Summary, p: Proposal, hours: float) -> list[str]:
    """The measured figures and the proposal for one function, as printed."""
    mixed = (f" (the window spans sizes {s.min_memory_mb}..{s.memory_mb} MB; figures mix them)"
             if s.min_memory_mb != s.memory_mb else "")
    init = f", p99 init {_ms(s.p99_init_ms)}" if s.p99_init_ms is not None else ""
    change = p.monthly_change_usd
    verb = ("keep" if p.proposed.memory_mb == s.memory_mb
            else "lower to" if p.proposed.memory_mb < s.memory_mb else "raise to")
    return [
        f"{label}: {s.invocations:,} invocations in {hours:g} h, {s.cold_starts:,} cold starts"
        f"{init}",
        f"  memory   {s.memory_mb} MB configured{mixed}; used p99 {s.p99_used_mb:g} MB, "
        f"max {s.max_used_mb:g} MB; needs {p.need_mb:.0f} MB",
        f"  propose  {verb} {p.proposed.memory_mb} MB",
        f"  duration avg {_ms(p.current.avg_duration_ms)} -> {_ms(p.proposed.avg_duration_ms)}, "
        f"p99 {_ms(p.current.p99_duration_ms)} -> {_ms(p.proposed.p99_duration_ms)} "
        f"(p99 {_ms(p.p99_io_bound_ms)} if I/O-bound .. {_ms(p.p99_cpu_bound_ms)} if CPU-bound)",
        f"  cost     {_usd(p.current.monthly_usd)} -> {_usd(p.proposed.monthly_usd)} a month "
        f"({'+' if change >= 0 else '-'}{_usd(abs(change))}) at "
        f"{p.monthly_invocations:,.0f} invocations a month",
    ]


def prices_for(arch: str, region: str) -> Prices:
    """Lambda's list prices for ``arch`` in ``region``, from the price table."""
    try:
        prices = table()
        return Prices(prices.get(f"lambda.duration.gb_second.{arch}", region).usd,
                      prices.get("lambda.requests", region).usd)
    except PriceTableError as error:
        raise TuneError(str(error), EXIT_BAD_INPUT) from None


def tune(args: argparse.Namespace, client_factory: Callable[[str], Any]) -> list[str]:
    """Every line the tool prints on success."""
    # Written so that NaN fails too (every comparison with it is false).
    for name, ok in (("--hours", args.hours > 0), ("--headroom", args.headroom >= 0),
                     ("--cpu-fraction", 0 <= args.cpu_fraction <= 1),
                     ("--deadline", args.deadline > 0)):
        if not ok:
            raise TuneError(f"{name} {getattr(args, name[2:].replace('-', '_')):g} is out of "
                            "range", EXIT_BAD_INPUT)
    config = load_stack(args.stack, args.config)
    prefix, region = config.platform.prefix, args.region or config.platform.region
    groups = groups_of(args, prefix)
    prices = prices_for(args.arch, region)
    out: list[str] = []
    if args.from_file:
        found = read_file(args.from_file, groups)
    else:
        response = live_results(client_factory(region), sorted(groups), args)
        scanned = float((response.get("statistics") or {}).get("bytesScanned", 0))
        insights = table().get("cloudwatch.logs.insights_scanned_gb", region).usd
        out.append(f"query scanned {scanned / 1e9:,.3f} GB (${scanned / 1e9 * insights:,.4f})")
        try:
            found = summaries_from_rows(response.get("results", []), groups)
        except ReportError as error:
            raise TuneError(str(error), EXIT_FAILED) from None
    if not found:
        raise TuneError("no REPORT records for the functions asked about in the window",
                        EXIT_FAILED)
    sizes: dict[str, int] = {}
    for label, summary in found.items():
        if label in TARGETS and summary.memory_mb != TARGETS[label].memory_mb(config):
            out.append(f"note: {label} ran at {summary.memory_mb} MB, the stack file says "
                       f"{TARGETS[label].memory_mb(config)} MB (not deployed yet?)")
        try:
            proposal = propose(summary, window_hours=args.hours, prices=prices,
                               headroom=args.headroom, cpu_fraction=args.cpu_fraction)
        except ValueError as error:
            out.append(f"{label}: cannot propose a size: {error}")
            continue
        out.extend(describe(label, summary, proposal, args.hours))
        if label in TARGETS and proposal.proposed.memory_mb != TARGETS[label].memory_mb(config):
            sizes[label] = proposal.proposed.memory_mb
    missing = sorted(set(groups.values()) - set(found))
    if missing:
        out.append(f"no REPORT records for: {', '.join(missing)}")
    stack_path = (args.config or stack_file(args.stack)).name
    out += ([f"Lines to paste under config: in {stack_path} (each replaces that key):",
             *config_lines(sizes, config)]
            if sizes else [f"Nothing to change in {stack_path}."])
    return out


def _logs_client(region: str) -> Any:
    import boto3  # noqa: PLC0415  (only the live path needs it)
    return boto3.client("logs", region_name=region)


def main(argv: Sequence[str] | None = None,
         client_factory: Callable[[str], Any] = _logs_client) -> int:
    """Print the proposals: 0, 1 (query failed or found nothing) or 2 (bad input)."""
    args = parse_args(argv)
    try:
        lines = tune(args, client_factory)
    except TuneError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.code
    print("\n".join(lines))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
