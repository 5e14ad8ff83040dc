"""The Slack app's message blocks and status lines, worked out by hand."""

from __future__ import annotations

import json

from functions.shared.alert_actions import app_blocks, message_attribute, status_lines

NOW = 1_796_000_000  # 2026-11-30 00:53:20 UTC
BASE = [{"type": "header", "text": {"type": "plain_text", "text": "ALARM: api-5xx"}},
        {"type": "context", "block_id": "alert_status", "elements": []}]


def test_the_message_attribute_names_the_channel() -> None:
    assert message_attribute("dev-alerts") == "slack_msg_dev_alerts"


def test_status_lines_say_who_did_what() -> None:
    item = {"acked_by": "U1", "acked_at": NOW, "silenced_until": NOW + 3600,
            "silenced_by": "U2"}
    assert status_lines(item, NOW) == [
        ":eyes: Acknowledged by <@U1> at 2026-11-30 00:53 UTC",
        ":no_bell: Silenced until 2026-11-30 01:53 UTC by <@U2>"]


def test_an_expired_silence_is_not_shown() -> None:
    assert status_lines({"silenced_until": NOW, "silenced_by": "U2"}, NOW) == []


def test_an_alarm_gets_three_buttons_naming_key_and_episode() -> None:
    blocks = app_blocks(BASE, {"alert_key": "k", "first_seen": 5}, "ALARM", NOW)
    assert [b.get("block_id") for b in blocks] == [None, "alert_actions"]
    buttons = blocks[-1]["elements"]
    assert [b["action_id"] for b in buttons] == ["alert_acknowledge", "alert_resolve",
                                                 "alert_silence"]
    assert buttons[0]["style"] == "primary"
    assert "style" not in buttons[1]
    assert {json.dumps(json.loads(b["value"])) for b in buttons} == {'{"k": "k", "f": 5}'}


def test_ok_has_no_buttons_but_keeps_the_status() -> None:
    blocks = app_blocks(BASE, {"alert_key": "k", "acked_by": "U1", "acked_at": NOW}, "OK", NOW)
    assert [b.get("block_id") for b in blocks] == [None, "alert_status"]
