"""Offline alert simulation: what the router would do with recorded notifications.

    python -m tools.alerts simulate FILE... [--stack dev|prod | --config FILE]
                                    [--at ISO8601] [--alarm NAME ...] [--topic SEVERITY]
                                    [--json]

Alertmanager's ``amtool config routes test`` for this router. Each FILE holds SNS records
(a Lambda event), a bare SNS message, an EventBridge event or a message body
(``tools/alert_inputs.py``); all of them go, in order and sharing the router's state, through
the real router code with the stack's routing config (``tools/alert_simulator.py``). For each
notification it prints the parsed source, severity, key and state, the targets, whether the
alert is suppressed and why (maintenance window, duplicate, silenced, dropped at the topic by
a filter policy, never published by an EventBridge rule), and the exact Slack and PagerDuty
payloads. ``--json`` prints one document instead. ``--at`` sets the router's clock (default:
now), so maintenance windows apply; ``--alarm`` names a CloudWatch alarm that is in ALARM
(for inhibition); ``--topic`` is the severity topic a bare message body is published to.

Exit status: 0; 1 when a file could not be read as a notification (reported, the others are
still simulated) or a delivery failed; 2 for bad arguments, a missing file or a bad stack
file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from components.config import ConfigError
from components.platform.alert_topics import SEVERITIES
from tools.alert_simulator import Simulation, load_stack, parse_time

EXIT_PROBLEMS = 1
EXIT_USAGE = 2
STACKS = ("dev", "prod")


def parser() -> argparse.ArgumentParser:
    """The command line."""
    top = argparse.ArgumentParser(prog="python -m tools.alerts",
                  description="Offline tools for the alert router.")
    commands = top.add_subparsers(dest="command", required=True)
    sim = commands.add_parser(
        "simulate", help="run recorded notifications through the router offline",
        description="Run recorded notifications through the router with a stack's settings.")
    sim.add_argument("files", nargs="+", type=Path, metavar="FILE",
                     help="SNS records, an SNS message, an EventBridge event or a message body")
    where = sim.add_mutually_exclusive_group()
    where.add_argument("--stack", choices=STACKS, help="read Pulumi.<stack>.yaml (default dev)")
    where.add_argument("--config", type=Path, metavar="FILE",
                       help="read this stack-file-shaped YAML instead")
    sim.add_argument("--at", metavar="ISO8601",
                     help="the router's clock, e.g. 2026-11-29T02:30:00Z (default: now)")
    sim.add_argument("--alarm", action="append", default=[], metavar="NAME",
                     help="a CloudWatch alarm in ALARM (repeatable)")
    sim.add_argument("--topic", choices=SEVERITIES, default="warning",
                     help="severity topic of a bare message body, or of a record whose topic "
                          "names none (default warning)")
    sim.add_argument("--json", action="store_true", help="print one JSON document")
    return top


def simulate(args: argparse.Namespace, at: float) -> tuple[dict[str, Any], int]:
    """The run's document and exit status (after the files were found to exist)."""
    inputs = load_stack(args.stack, args.config)
    with Simulation(inputs, at, frozenset(args.alarm)) as simulation:
        doc = simulation.run_files(args.files, args.topic)
    return doc, EXIT_PROBLEMS if failed(doc) else 0


def failed(doc: dict[str, Any]) -> bool:
    """Whether a run had an unreadable file or a delivery that failed."""
    return bool(doc["problems"]) or any(r.get("errors") for r in doc["notifications"])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command: 0, 1 (unreadable input, failed delivery) or 2 (usage, settings)."""
    args = parser().parse_args(argv)
    missing = [str(p) for p in args.files if not p.is_file()]
    if missing:
        print(f"error: no such file: {', '.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        at = parse_time(args.at) if args.at else _now()
    except ValueError:
        print(f"error: --at {args.at!r} is not an ISO 8601 time (e.g. 2026-11-29T02:30:00Z)",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        doc, status = simulate(args, at)
    except ConfigError as error:
        name = args.config or f"Pulumi.{args.stack or 'dev'}.yaml"
        print(f"error: {name}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (OSError, yaml.YAMLError, ValueError) as error:
        print(f"error: cannot read stack settings: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(doc, indent=2, sort_keys=True))
    else:
        print(text(doc))
    for problem in doc["problems"]:
        print(f"error: {problem}", file=sys.stderr)
    return status


def _now() -> float:
    import time  # noqa: PLC0415 - only the default of --at reads the wall clock

    return time.time()


# -- the text report ---------------------------------------------------------------------------
INDENT = "    "


def _json_block(value: Any) -> list[str]:
    return [INDENT * 2 + line for line in json.dumps(value, indent=2).splitlines()]


def text(doc: dict[str, Any]) -> str:
    """The human report of a run's document."""
    lines = [f"Alert simulation: stack {doc['stack']} ({doc['config']}) at {doc['at']}"]
    if doc["alarms_in_alarm"]:
        lines.append(f"Alarms in ALARM: {', '.join(doc['alarms_in_alarm'])}")
    for result in doc["notifications"]:
        lines += ["", *_notification_lines(result)]
    if doc["problems"]:
        lines += ["", "Not simulated:", *(f"{INDENT}{p}" for p in doc["problems"])]
    return "\n".join(lines)


def _notification_lines(result: dict[str, Any]) -> list[str]:
    head = f"== {result['input']} ({result['kind']})"
    lines = [head]
    if result.get("topic"):
        lines.append(f"{INDENT}topic      {result['topic']}")
    if result.get("note"):
        lines.append(f"{INDENT}via        {result['note']}")
    if not result.get("reaches_router"):
        lines.append(f"{INDENT}SUPPRESSED {result.get('dropped')}")
        return lines
    if "escalated" in result:
        lines.append(f"{INDENT}escalated  {', '.join(result['escalated']) or 'nothing'}")
        lines += _delivery_lines(result["deliveries"])
    if "heartbeat" in result:
        beat = result["heartbeat"]
        lines.append(f"{INDENT}heartbeat  {beat['key']} -> {', '.join(beat['sent']) or '-'}")
        lines += _delivery_lines(beat["deliveries"])
    if result.get("suppressed"):
        lines.append(f"{INDENT}SUPPRESSED {result['suppressed']}")
    for alert in result.get("alerts", []):
        lines += _alert_lines(alert)
    lines += [f"{INDENT}ERROR      {e}" for e in result.get("errors", [])]
    return lines


def _alert_lines(alert: dict[str, Any]) -> list[str]:
    lines = [f"{INDENT}alert      {alert['source']} / {alert['severity']} / {alert['state']}: "
             f"{alert['title']}",
             f"{INDENT}key        {alert['key']}",
             f"{INDENT}targets    {', '.join(alert['targets']) or '(no route matches)'}"]
    if alert["suppressed"]:
        lines.append(f"{INDENT}SUPPRESSED {alert['suppressed']}")
    else:
        lines.append(f"{INDENT}sent       {', '.join(alert['sent']) or '-'}")
    return lines + _delivery_lines(alert["deliveries"])


def _delivery_lines(deliveries: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for d in deliveries:
        how = {"pagerduty": "PagerDuty Events API v2", "slack-webhook": "Slack webhook",
               "slack-api": f"Slack {d.get('method', '')}",
               "sns-publish": "SNS publish (email copy)"}.get(d["via"], d["via"])
        lines.append(f"{INDENT}-> {d['target']} ({how}):")
        lines += _json_block(d["payload"])
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
