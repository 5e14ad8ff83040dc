"""Stored simulator output for every alerting fixture, per stack: ``make alerts-snapshots``.

    python -m tools.alert_snapshots          # rewrite tests/fixtures/alerting/simulated/

Each scenario (every notification fixture of ``tests/fixtures/alerting/`` alone, and a few
sequences: a repeat, a maintenance window, a recovery) is simulated for ``dev`` and ``prod``
with fresh router state at a fixed time, and its ``--json`` document is kept in
``simulated/<stack>/<scenario>.json`` with the commands that reproduce its steps. The test
(``tests/tools/test_alert_snapshots.py``) simulates them again, in one process per stack, and
shows a diff when the router's payloads, routes or suppression changed. The other fixtures
of ``tests/fixtures`` are not notifications the router receives (API Gateway, Kinesis,
CloudFront, Cloudflare, Slack interactions, GetFindings); the scheduled-event copies of
analytics/ and edge/ are the alerting one.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.alert_simulator import Simulation, load_stack, parse_time
from tools.mock_runtime import ROOT

FIXTURES = Path("tests/fixtures/alerting")
SNAPSHOTS = FIXTURES / "simulated"
STACKS = ("dev", "prod")
# A Saturday morning after the fixtures' alarms fired; prod's window is Sunday 02:00-04:00.
AT = "2026-11-28T06:05:00Z"
IN_WINDOW = "2026-11-29T02:30:00Z"
AFTER_WINDOW = "2026-11-29T04:05:00Z"
LATER = "2026-11-28T08:05:00Z"  # two hours on: past either stack's escalation delay
NOT_NOTIFICATIONS = {"SOURCES.md"}
INCIDENT_AT = "2026-12-02T03:10:30Z"
INCIDENT = ("incident/01-data-tier-degraded-alarm.json", "incident/02-api-5xx-rate-alarm.json",
            "incident/02-api-5xx-rate-alarm.json", "incident/03-data-tier-degraded-ok.json")
REGENERATE = "make alerts-snapshots"


@dataclass(frozen=True)
class Step:
    """Files simulated at one time, message bodies on one severity topic."""

    files: tuple[str, ...]
    at: str = AT
    topic: str = "critical"

    def command(self, stack: str, alarms: Sequence[str] = ()) -> str:
        """The command line that prints this step's document (state aside)."""
        files = " ".join(str(FIXTURES / f) for f in self.files)
        flags = "".join(f" --alarm {a}" for a in alarms)
        return (f"python -m tools.alerts simulate {files} --stack {stack} --at {self.at}"
                f"{flags} --topic {self.topic} --json")


@dataclass(frozen=True)
class Scenario:
    """Steps in order, sharing the router's state (the clock moves between them)."""

    name: str
    steps: tuple[Step, ...]
    # CloudWatch alarms in ALARM throughout (``--alarm``), as ``<prefix>-<rest>`` rests.
    alarms: tuple[str, ...] = ()

    def alarm_names(self, prefix: str) -> list[str]:
        """The alarms in ALARM, with the stack's prefix."""
        return [f"{prefix}-{a}" for a in self.alarms]


def scenarios(fixtures: Path = ROOT / FIXTURES) -> list[Scenario]:
    """One scenario per fixture file, then the sequences."""
    composite = "cloudwatch-composite-alarm-sns-message.json"
    sweep = "eventbridge-scheduled-event.json"
    alone = [Scenario(p.stem, (Step((p.name,)),)) for p in sorted(fixtures.iterdir())
             if p.is_file() and p.name not in NOT_NOTIFICATIONS]
    return [*alone,
            Scenario("sequence-repeat-is-duplicate", (Step((composite, composite)),)),
            # Held in prod's window (dev has none); the sweep after it closes summarizes.
            Scenario("sequence-maintenance-window-closes", (
                Step((composite,), at=IN_WINDOW, topic="warning"),
                Step((sweep,), at=AFTER_WINDOW))),
            # A warning still in ALARM after alertEscalateAfterMinutes pages as critical.
            Scenario("sequence-warning-escalates", (
                Step((composite,), topic="warning"), Step((sweep,), at=LATER))),
            # docs/alerting.md's incident walk-through: the data tier fails, the API's 5XX
            # page waits behind it (twice: the repeat is a duplicate), the data tier recovers.
            Scenario("sequence-incident-inhibited", (Step(INCIDENT, at=INCIDENT_AT),),
                     alarms=("data-tier-degraded-critical",))]


def documents(stack: str, chosen: Sequence[Scenario] | None = None) -> dict[str, Any]:
    """Scenario name -> its document, simulated in one process with state reset between."""
    inputs = load_stack(stack, None)
    out: dict[str, Any] = {}
    todo = list(chosen if chosen is not None else scenarios())
    with Simulation(inputs, parse_time(AT)) as simulation:
        for scenario in todo:
            alarms = scenario.alarm_names(inputs.prefix)
            simulation.reset(frozenset(alarms))
            doc: dict[str, Any] = {}
            for step in scenario.steps:
                simulation.advance(parse_time(step.at))
                part = simulation.run_files([ROOT / FIXTURES / f for f in step.files],
                                            step.topic)
                if not doc:
                    doc = {**part, "commands": []}
                else:
                    doc["notifications"] += part["notifications"]
                    doc["problems"] += part["problems"]
                doc["commands"].append(step.command(stack, alarms))
            out[scenario.name] = doc
    return out


def render(doc: Any) -> str:
    """A snapshot file's text."""
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def path_of(stack: str, name: str, root: Path = ROOT) -> Path:
    """Where a scenario's snapshot lives."""
    return root / SNAPSHOTS / stack / f"{name}.json"


def write(root: Path = ROOT) -> list[Path]:
    """Rewrite every snapshot (and remove those of scenarios that are gone)."""
    written: list[Path] = []
    for stack in STACKS:
        folder = root / SNAPSHOTS / stack
        folder.mkdir(parents=True, exist_ok=True)
        docs = documents(stack)
        for old in folder.glob("*.json"):
            if old.stem not in docs:
                old.unlink()
        for name, doc in docs.items():
            path = path_of(stack, name, root)
            path.write_text(render(doc))
            written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Write the snapshots; print how many."""
    del argv
    written = write()
    print(f"wrote {len(written)} snapshots under {SNAPSHOTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
