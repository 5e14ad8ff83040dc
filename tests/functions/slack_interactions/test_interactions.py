"""Parsing a click and redrawing its message, without AWS."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from functions.shared.slack_web import WebCallError
from functions.slack_interactions.interactions import (
    BadPayloadError,
    Click,
    Result,
    notify_pagerduty,
    parse_click,
    redraw,
)
from tests.functions.slack_interactions.conftest import click_body

NOW = 1_796_000_000


def test_a_documented_click_parses() -> None:
    click = parse_click(click_body("alert_resolve", key="k1", first_seen=7, user="U9"))
    assert (click.action, click.key, click.first_seen, click.user, click.channel, click.ts) == (
        "alert_resolve", "k1", 7, "U9", "CBR2V3XEX", "1548261231.000200")
    assert click.text == "This content can't be displayed."


@pytest.mark.parametrize("body", [
    b"payload=not-json", b"nothing=here",
    urlencode({"payload": json.dumps({"type": "view_submission"})}).encode(),
    urlencode({"payload": json.dumps({"type": "block_actions", "actions": []})}).encode(),
])
def test_anything_else_is_a_bad_payload(body: bytes) -> None:
    with pytest.raises(BadPayloadError):
        parse_click(body)


def _click(action: str = "alert_acknowledge") -> Click:
    return Click(action, "k1", 7, "U9", "C1", "1.2", blocks=[
        {"type": "section", "block_id": "a"}, {"type": "context", "block_id": "alert_note"}])


def test_a_lost_write_sends_no_pagerduty_event() -> None:
    sent: list[tuple[str, str]] = []
    notify_pagerduty(_click(), Result(False, {}), lambda *a: sent.append(a))
    assert sent == []


def test_a_pagerduty_failure_becomes_a_note() -> None:
    def fail(_action: str, _key: str) -> None:
        raise WebCallError("pagerduty", "HTTP 503")
    result = Result(True, {"alert_key": "k1", "state": "ALARM", "first_seen": 7})
    notify_pagerduty(_click("alert_resolve"), result, fail)
    assert result.notes == [":warning: PagerDuty did not take the resolve; resolve the "
                            "incident in PagerDuty."]


def test_a_newer_episode_takes_the_buttons_off_the_old_message() -> None:
    result = Result(False, {"alert_key": "k1", "state": "ALARM", "first_seen": 99})
    blocks = redraw(_click(), result, NOW)
    assert [b.get("block_id") for b in blocks] == ["a"]
