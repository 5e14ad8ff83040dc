"""Maintenance windows that remember, against moto and a local Slack/PagerDuty."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from functions.alert_router import escalation, maintenance
from functions.alert_router.routing import load_windows, parse_window
from functions.shared.retry import Deadline
from tests.functions.alert_router.conftest import ACCOUNT, alarm_message, sns_record

SUNDAY_3AM = 1_795_921_200  # 2026-11-29 03:00 UTC, inside "sun 02:00-04:00"
CLOSE = 1_795_924_800       # 2026-11-29 04:00 UTC, when that occurrence closes
OCCURRENCE = f"sun 02:00-04:00 @ {CLOSE}"
RESOURCE = "AWS/EC2/NetworkOut InstanceId=TestInstance"


def key_of(name: str) -> str:
    """The alert key (alarm ARN) of ``alarm_message(name, ...)``."""
    return f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:{name}"


@pytest.fixture
def window(env: SimpleNamespace) -> SimpleNamespace:
    """The env with the Sunday 02:00-04:00 window, the clock at 03:00 in it."""
    env.clock.now = SUNDAY_3AM
    env.dispatcher.settings = replace(env.settings, windows=load_windows(["sun 02:00-04:00"]))
    return env


def notify(env: SimpleNamespace, name: str, state: str, severity: str = "warning",
           old: str = "OK") -> dict[str, str]:
    """One alarm notification through the dispatcher; what it skipped."""
    outcome = env.dispatcher.handle_record(
        sns_record(alarm_message(name, state, old), severity), Deadline(10))
    assert outcome.errors == []
    return outcome.skipped


def posts(env: SimpleNamespace, path: str) -> list[dict[str, Any]]:
    """JSON bodies the server received on ``path``."""
    return [json.loads(r.get_data()) for r, _ in env.server.log if r.path == path]


def item(env: SimpleNamespace, name: str) -> dict[str, Any]:
    """The stored state item of an alarm."""
    return env.table.get_item(Key={"alert_key": key_of(name)})["Item"]


def sweep_at(env: SimpleNamespace, now: int) -> list[str]:
    """The escalation sweep at ``now``."""
    env.clock.now = now
    return escalation.sweep(env.dispatcher, Deadline(10))


@pytest.mark.parametrize(("text", "when", "close"), [
    ("sun 02:00-04:00", datetime(2026, 11, 29, 3, 59), datetime(2026, 11, 29, 4, 0)),
    ("sun 02:00-04:00", datetime(2026, 11, 29, 4, 0), None),
    ("sat 23:00-01:00", datetime(2026, 11, 28, 23, 30), datetime(2026, 11, 29, 1, 0)),
    ("sat 23:00-01:00", datetime(2026, 11, 29, 0, 30), datetime(2026, 11, 29, 1, 0)),
    ("sat 23:00-01:00", datetime(2026, 11, 29, 1, 0), None),
])
def test_an_occurrence_closes_at_its_end(text: str, when: datetime,
                                         close: datetime | None) -> None:
    expected = close.replace(tzinfo=UTC) if close else None
    assert maintenance.closing(parse_window(text), when.replace(tzinfo=UTC)) == expected


def test_a_window_is_labelled_as_configured() -> None:
    assert maintenance.label(parse_window("SAT 23:05-1:00")) == "sat 23:05-01:00"


def test_a_held_alarm_is_recorded_not_sent(window: SimpleNamespace) -> None:
    assert notify(window, "cpu", "ALARM") == {key_of("cpu"): "maintenance window"}
    stored = item(window, "cpu")
    assert (stored["state"], stored["severity"], stored["held_in"]) == (
        "ALARM", "warning", OCCURRENCE)
    assert stored["delivered"] is False
    assert json.loads(stored["summary"])["title"] == "cpu"
    assert window.server.log == []


def test_an_ok_that_never_followed_an_alarm_is_not_held(window: SimpleNamespace) -> None:
    notify(window, "settling", "OK", old="INSUFFICIENT_DATA")
    assert "held_in" not in item(window, "settling")


def test_nothing_is_summarized_while_the_window_is_open(window: SimpleNamespace) -> None:
    notify(window, "cpu", "ALARM")
    assert sweep_at(window, CLOSE - 1) == []
    assert window.server.log == []
    assert item(window, "cpu")["held_in"] == OCCURRENCE


def test_the_close_lists_what_is_still_in_alarm_and_counts_recoveries(
        window: SimpleNamespace) -> None:
    notify(window, "blip", "ALARM")
    window.clock.now += 60
    notify(window, "blip", "OK", old="ALARM")
    notify(window, "disk", "ALARM")
    window.server.expect_request("/slack/alerts").respond_with_data("ok")
    sweep_at(window, CLOSE + 120)
    [post] = posts(window, "/slack/alerts")
    assert post["text"] == (
        "ALARM [warning] Maintenance window sun 02:00-04:00 closed: 1 still in ALARM")
    blocks = post["attachments"][0]["blocks"]
    assert blocks[2]["text"]["text"] == (
        f"• [warning] disk ({RESOURCE})\n"
        "1 alert(s) raised during the window recovered.")
    assert {"type": "mrkdwn", "text": "*Since*\n2026-11-29 04:00 UTC"} in blocks[1]["fields"]
    assert posts(window, "/v2/enqueue") == []  # warnings do not page
    assert window.metrics.counts["MaintenanceSummaries"] == 1


def test_a_handed_back_alarm_is_an_ordinary_delivered_one(window: SimpleNamespace) -> None:
    notify(window, "disk", "ALARM")
    window.server.expect_request("/slack/alerts").respond_with_data("ok")
    sweep_at(window, CLOSE + 120)
    stored = item(window, "disk")
    assert "held_in" not in stored
    assert stored["delivered"] is True
    assert stored["first_seen"] == CLOSE
    # Its OK now resolves it in Slack like any other.
    window.clock.now = CLOSE + 600
    notify(window, "disk", "OK", old="ALARM")
    assert posts(window, "/slack/alerts")[-1]["text"] == "RESOLVED [warning] disk"


def test_a_warning_still_in_alarm_escalates_counted_from_the_close(
        window: SimpleNamespace) -> None:
    notify(window, "disk", "ALARM")
    window.server.expect_request("/slack/alerts").respond_with_data("ok")
    window.server.expect_request("/slack/incidents").respond_with_data("ok")
    window.server.expect_request("/v2/enqueue").respond_with_json({"status": "success"}, 202)
    assert sweep_at(window, CLOSE + 120) == []
    assert sweep_at(window, CLOSE + 1799) == []
    assert sweep_at(window, CLOSE + 1800) == [key_of("disk")]


def test_a_repeated_sweep_sends_the_summary_once(window: SimpleNamespace) -> None:
    notify(window, "disk", "ALARM")
    window.server.expect_request("/slack/alerts").respond_with_data("ok")
    sweep_at(window, CLOSE + 60)
    sweep_at(window, CLOSE + 120)
    assert len(posts(window, "/slack/alerts")) == 1


def test_an_overlapping_sweep_finds_the_summary_taken(window: SimpleNamespace) -> None:
    # The other sweep claimed the summary but has not cleaned up yet: this one only cleans up.
    notify(window, "disk", "ALARM")
    assert maintenance.claim_summary(window.dispatcher.store, OCCURRENCE, CLOSE, True) is True
    sweep_at(window, CLOSE + 60)
    assert window.server.log == []
    assert "held_in" not in item(window, "disk")
    assert window.metrics.counts["MaintenanceSummaries"] == 0


def test_all_recovered_is_an_all_clear(window: SimpleNamespace) -> None:
    for name in ("a", "b"):
        notify(window, name, "ALARM")
        notify(window, name, "OK", old="ALARM")
    window.server.expect_request("/slack/alerts").respond_with_data("ok")
    sweep_at(window, CLOSE)
    [post] = posts(window, "/slack/alerts")
    assert post["text"] == (
        "RESOLVED [maintenance] Maintenance window sun 02:00-04:00 closed: all clear")
    assert post["attachments"][0]["blocks"][2]["text"]["text"] == (
        "2 alert(s) raised during the window recovered before it closed; none is in ALARM.")
    assert "held_in" not in item(window, "a")


def test_a_window_that_held_nothing_sends_nothing(window: SimpleNamespace) -> None:
    sweep_at(window, CLOSE + 60)
    assert window.server.log == []
    assert window.table.get_item(
        Key={"alert_key": f"maintenance-summary/{OCCURRENCE}"}).get("Item") is None


def test_a_held_critical_pages_when_the_window_closes(window: SimpleNamespace) -> None:
    window.dispatcher.settings = replace(window.dispatcher.settings,
                                         suppress_severities=("critical", "warning"))
    notify(window, "down", "ALARM", severity="critical")
    assert window.server.log == []
    window.server.expect_request("/slack/incidents").respond_with_data("ok")
    window.server.expect_request("/v2/enqueue").respond_with_json({"status": "success"}, 202)
    sweep_at(window, CLOSE + 60)
    [page] = posts(window, "/v2/enqueue")
    assert (page["event_action"], page["dedup_key"]) == ("trigger", key_of("down"))
    texts = [p["text"] for p in posts(window, "/slack/incidents")]
    assert texts == [
        "ALARM [critical] Maintenance window sun 02:00-04:00 closed: 1 still in ALARM",
        "ALARM [critical] down"]


def test_a_failed_summary_is_given_back_and_sent_by_the_next_sweep(
        window: SimpleNamespace) -> None:
    notify(window, "disk", "ALARM")
    window.server.expect_ordered_request("/slack/alerts").respond_with_data("", status=500)
    window.server.expect_ordered_request("/slack/alerts").respond_with_data("", status=500)
    window.server.expect_ordered_request("/slack/alerts").respond_with_data("", status=500)
    window.server.expect_ordered_request("/slack/alerts").respond_with_data("", status=500)
    with pytest.raises(Exception, match="slack:alerts"):
        sweep_at(window, CLOSE + 60)
    assert item(window, "disk")["held_in"] == OCCURRENCE
    window.server.clear()
    window.server.expect_request("/slack/alerts").respond_with_data("ok")
    sweep_at(window, CLOSE + 360)
    assert len(posts(window, "/slack/alerts")) == 1
    assert "held_in" not in item(window, "disk")


def test_a_summary_is_about_other_alerts_so_it_carries_no_buttons() -> None:
    occurrence = "Sun 02:00-04:00 @ 1796004000"
    kept = json.dumps({"key": "arn:a", "source": "cloudwatch", "severity": "critical",
                       "title": "db", "state": "ALARM"})
    still = [{"alert_key": "arn:a", "state": "ALARM", "severity": "critical", "summary": kept}]
    recovered = [{"alert_key": "arn:b", "state": "OK", "severity": "warning", "title": "api"}]
    for items in (still, recovered):
        alert = maintenance.summary_alert(occurrence, items)
        assert alert.key == "maintenance-summary/Sun 02:00-04:00 @ 1796004000"
        assert alert.actionable is False
