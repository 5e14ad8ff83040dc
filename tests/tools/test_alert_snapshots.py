"""The simulator's output for every alerting fixture matches its stored snapshot, per stack.

A change to the router's payloads, routes, deduplication or windows, or to a stack's routing
config, shows here as a diff of the stored documents (tests/fixtures/alerting/simulated/).
When the change is meant, `make alerts-snapshots` rewrites them; review the diff it leaves.
One simulation per stack runs every scenario in process.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

from tools.alert_snapshots import REGENERATE, SNAPSHOTS, STACKS, documents, path_of, render
from tools.mock_runtime import ROOT


@pytest.mark.parametrize("stack", STACKS)
def test_snapshots_match_the_simulator(stack: str) -> None:
    docs = documents(stack)
    stored = {p.stem for p in (ROOT / SNAPSHOTS / stack).glob("*.json")}
    assert stored == set(docs), (
        f"snapshots missing {sorted(set(docs) - stored)} / stale {sorted(stored - set(docs))};"
        f" run `{REGENERATE}`")
    diffs = []
    for name, doc in docs.items():
        path = path_of(stack, name)
        old, new = path.read_text(), render(doc)
        if old != new:
            diffs.append("".join(difflib.unified_diff(
                old.splitlines(keepends=True), new.splitlines(keepends=True),
                fromfile=str(path.relative_to(ROOT)), tofile="simulated now", n=2)))
    assert not diffs, (f"{len(diffs)} snapshot(s) of {stack} changed; if meant, run "
                       f"`{REGENERATE}`:\n" + "\n".join(diffs)[:6000])


def _doc(stack: str, name: str) -> dict:
    return json.loads(Path(path_of(stack, name)).read_text())


def test_prod_pages_a_critical_alarm_and_dev_posts_it_to_its_channel() -> None:
    # Hand-checked against Pulumi.prod.yaml / Pulumi.dev.yaml alertRoutes.
    prod = _doc("prod", "cloudwatch-composite-alarm-sns-message")["notifications"][0]
    alert = prod["alerts"][0]
    assert alert["targets"] == ["pagerduty", "slack:incidents"]
    assert [d["via"] for d in alert["deliveries"]] == ["pagerduty", "slack-api"]
    assert alert["deliveries"][0]["payload"]["dedup_key"] == (
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:marketplace-prod-api-degraded")
    assert alert["deliveries"][1]["method"] == "chat.postMessage"
    dev = _doc("dev", "cloudwatch-composite-alarm-sns-message")["notifications"][0]
    assert dev["alerts"][0]["targets"] == ["slack:dev-alerts"]
    assert [d["via"] for d in dev["alerts"][0]["deliveries"]] == ["slack-webhook"]


def test_findings_reach_dev_only_where_its_rules_exist() -> None:
    # GuardDuty and Security Hub are prod's account baseline: dev has no finding rules.
    dev = _doc("dev", "eventbridge-guardduty-finding")["notifications"][0]
    assert dev["reaches_router"] is False
    assert dev["dropped"].startswith("never published")
    prod = _doc("prod", "eventbridge-guardduty-finding")["notifications"][0]
    assert prod["note"] == "EventBridge rule guardduty-high publishes it to the critical topic"
