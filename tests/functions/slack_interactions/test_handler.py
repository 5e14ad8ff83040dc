"""The interactivity endpoint end to end: signed Slack payloads, moto, Slack and PagerDuty."""

from __future__ import annotations

import json
from types import SimpleNamespace

from functions.alert_router.alert import Alert
from functions.alert_router.dedup import DedupStore
from functions.slack_interactions import handler as endpoint
from tests.functions.slack_interactions.conftest import (
    FIRST_SEEN,
    KEY,
    NOW,
    ROUTING_KEY,
    Context,
    click_body,
    item,
    signed_event,
    slack_ok,
)

SEVEN_MINUTES = 7 * 60


def pagerduty_ok(server: object) -> None:
    server.expect_request("/v2/enqueue", method="POST").respond_with_json(  # type: ignore[attr-defined]
        {"status": "success", "dedup_key": KEY}, status=202)


def bodies(server: object, path: str) -> list[dict[str, object]]:
    return [json.loads(r.data) for r, _ in server.log if r.path == path]  # type: ignore[attr-defined]


# -- refused requests -----------------------------------------------------------------------

def test_a_bad_signature_gets_401_and_changes_nothing(env: SimpleNamespace) -> None:
    before = item(env.table)
    event = signed_event(click_body("alert_acknowledge"), secret="not-the-signing-secret")
    assert endpoint.handler(event, Context())["statusCode"] == 401
    assert item(env.table) == before
    assert env.server.log == []


def test_a_stale_timestamp_gets_401_and_changes_nothing(env: SimpleNamespace) -> None:
    before = item(env.table)
    event = signed_event(click_body("alert_resolve"), timestamp=NOW - SEVEN_MINUTES)
    assert endpoint.handler(event, Context())["statusCode"] == 401
    assert item(env.table) == before
    assert env.server.log == []


def test_a_body_changed_after_signing_gets_401(env: SimpleNamespace) -> None:
    event = signed_event(click_body("alert_acknowledge"))
    event["body"] = click_body("alert_resolve").decode()
    assert endpoint.handler(event, Context())["statusCode"] == 401
    assert item(env.table)["state"] == "ALARM"


def test_missing_headers_get_401(env: SimpleNamespace) -> None:
    event = signed_event(click_body("alert_acknowledge"))
    event["headers"] = {"content-type": "application/x-www-form-urlencoded"}
    assert endpoint.handler(event, Context())["statusCode"] == 401


def test_a_signed_payload_that_is_not_a_click_gets_400(env: SimpleNamespace) -> None:
    event = signed_event(b"payload=%7B%22type%22%3A%22view_submission%22%7D")
    assert endpoint.handler(event, Context())["statusCode"] == 400
    assert "acked_by" not in item(env.table)


# -- acknowledge ------------------------------------------------------------------------------

def test_acknowledge_records_who_and_when_tells_pagerduty_and_updates(
        env: SimpleNamespace) -> None:
    pagerduty_ok(env.server)
    slack_ok(env.server)
    event = signed_event(click_body("alert_acknowledge", user="U0ONCALL1"), base64_body=True)
    assert endpoint.handler(event, Context())["statusCode"] == 200
    stored = item(env.table)
    assert (stored["acked_by"], int(stored["acked_at"])) == ("U0ONCALL1", NOW)
    assert bodies(env.server, "/v2/enqueue") == [
        {"routing_key": ROUTING_KEY, "event_action": "acknowledge", "dedup_key": KEY}]
    (update,) = bodies(env.server, "/api/chat.update")
    assert (update["channel"], update["ts"]) == ("CBR2V3XEX", "1548261231.000200")
    assert update["text"] == "This content can't be displayed."
    (request, _), = [e for e in env.server.log if e[0].path == "/api/chat.update"]
    assert request.headers["Authorization"] == "Bearer xoxb-test-token"
    blocks = {b.get("block_id"): b for b in update["blocks"]}
    assert blocks["=qXel"]["text"]["text"] == "This is a section block"
    assert blocks["alert_status"]["elements"][0]["text"] == (
        ":eyes: Acknowledged by <@U0ONCALL1> at 2026-11-30 00:53 UTC")
    assert [e["action_id"] for e in blocks["alert_actions"]["elements"]] == [
        "alert_resolve", "alert_silence"]


def test_acknowledged_warnings_are_not_escalated(env: SimpleNamespace) -> None:
    pagerduty_ok(env.server)
    slack_ok(env.server)
    endpoint.handler(signed_event(click_body("alert_acknowledge")), Context())
    store = DedupStore(env.table, 3600, 86400, 120)
    assert store.overdue_warnings(NOW, after_seconds=60) == []


def test_a_second_acknowledge_changes_nothing_and_sends_no_event(env: SimpleNamespace) -> None:
    pagerduty_ok(env.server)
    slack_ok(env.server)
    endpoint.handler(signed_event(click_body("alert_acknowledge", user="U0FIRST01")), Context())
    endpoint.handler(signed_event(click_body("alert_acknowledge", user="U0SECOND1")), Context())
    assert item(env.table)["acked_by"] == "U0FIRST01"
    assert len(bodies(env.server, "/v2/enqueue")) == 1


def test_pagerduty_5xx_during_acknowledge_keeps_the_ack_and_says_so(
        env: SimpleNamespace) -> None:
    env.server.expect_request("/v2/enqueue").respond_with_data("busy", status=503)
    slack_ok(env.server)
    response = endpoint.handler(signed_event(click_body("alert_acknowledge")), Context())
    assert response["statusCode"] == 200
    assert len(bodies(env.server, "/v2/enqueue")) == 3  # three tries, then given up
    assert item(env.table)["acked_by"] == "UA8RXUSPL"
    (update,) = bodies(env.server, "/api/chat.update")
    notes = [b for b in update["blocks"] if b.get("block_id") == "alert_note"]
    assert notes[0]["elements"][0]["text"] == (
        ":warning: PagerDuty did not take the acknowledge; acknowledge the incident in "
        "PagerDuty.")


def test_slack_429_on_update_waits_retry_after_then_updates(env: SimpleNamespace) -> None:
    pagerduty_ok(env.server)
    env.server.expect_oneshot_request("/api/chat.update").respond_with_json(
        {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"})
    env.server.expect_oneshot_request("/api/chat.update").respond_with_json(
        {"ok": True, "channel": "CBR2V3XEX", "ts": "1548261231.000200"})
    response = endpoint.handler(signed_event(click_body("alert_acknowledge")), Context())
    assert response["statusCode"] == 200
    assert env.pauses == [1.0]
    assert len(bodies(env.server, "/api/chat.update")) == 2


def test_slack_ok_false_is_logged_and_the_state_stays(env: SimpleNamespace) -> None:
    pagerduty_ok(env.server)
    env.server.expect_request("/api/chat.update").respond_with_json(
        {"ok": False, "error": "message_not_found"})
    response = endpoint.handler(signed_event(click_body("alert_acknowledge")), Context())
    assert response["statusCode"] == 200
    assert len(bodies(env.server, "/api/chat.update")) == 1  # not retried
    assert item(env.table)["acked_by"] == "UA8RXUSPL"


# -- acknowledge against the alarm's own OK -------------------------------------------------------

def _auto_resolve(table: object) -> None:
    """The router claiming the alarm's OK notification (its conditional state change)."""
    alert = Alert(key=KEY, state="OK", severity="warning", title="api-5xx", source="cloudwatch")
    claim = DedupStore(table, 3600, 86400, 120).claim(alert, NOW + 1)
    assert claim.send


def test_acknowledge_after_auto_resolve_loses_and_does_not_clobber(
        env: SimpleNamespace) -> None:
    slack_ok(env.server)
    _auto_resolve(env.table)
    resolved = item(env.table)
    endpoint.handler(signed_event(click_body("alert_acknowledge")), Context())
    assert item(env.table) == resolved
    assert "acked_by" not in resolved
    assert bodies(env.server, "/v2/enqueue") == []  # the incident is resolving, not acked
    (update,) = bodies(env.server, "/api/chat.update")
    assert "alert_actions" not in [b.get("block_id") for b in update["blocks"]]


def test_auto_resolve_after_acknowledge_still_resolves(env: SimpleNamespace) -> None:
    pagerduty_ok(env.server)
    slack_ok(env.server)
    endpoint.handler(signed_event(click_body("alert_acknowledge")), Context())
    _auto_resolve(env.table)
    stored = item(env.table)
    assert stored["state"] == "OK"
    assert "acked_by" not in stored  # the new state starts clean


# -- resolve and silence --------------------------------------------------------------------

def test_resolve_resolves_in_pagerduty_and_the_alarms_ok_is_a_duplicate(
        env: SimpleNamespace) -> None:
    pagerduty_ok(env.server)
    slack_ok(env.server)
    endpoint.handler(signed_event(click_body("alert_resolve", user="U0ONCALL1")), Context())
    stored = item(env.table)
    assert (stored["state"], stored["resolved_by"], int(stored["resolved_at"])) == (
        "OK", "U0ONCALL1", NOW)
    assert bodies(env.server, "/v2/enqueue") == [
        {"routing_key": ROUTING_KEY, "event_action": "resolve", "dedup_key": KEY}]
    alert = Alert(key=KEY, state="OK", severity="warning", title="api-5xx", source="cloudwatch")
    assert not DedupStore(env.table, 3600, 86400, 120).claim(alert, NOW + 60).send
    (update,) = bodies(env.server, "/api/chat.update")
    assert [b.get("block_id") for b in update["blocks"]] == ["=qXel", "alert_status"]


def test_resolve_of_an_older_episode_changes_nothing(env: SimpleNamespace) -> None:
    slack_ok(env.server)
    before = item(env.table)
    endpoint.handler(signed_event(click_body("alert_resolve", first_seen=FIRST_SEEN - 86400)),
                     Context())
    assert item(env.table) == before
    assert bodies(env.server, "/v2/enqueue") == []


def test_silence_holds_the_key_for_an_hour_and_the_message_says_so(
        env: SimpleNamespace) -> None:
    slack_ok(env.server)
    endpoint.handler(signed_event(click_body("alert_silence", user="U0ONCALL1")), Context())
    stored = item(env.table)
    assert (int(stored["silenced_until"]), stored["silenced_by"]) == (NOW + 3600, "U0ONCALL1")
    assert bodies(env.server, "/v2/enqueue") == []
    (update,) = bodies(env.server, "/api/chat.update")
    status = next(b for b in update["blocks"] if b.get("block_id") == "alert_status")
    assert status["elements"][0]["text"] == (
        ":no_bell: Silenced until 2026-11-30 01:53 UTC by <@U0ONCALL1>")
    buttons = next(b for b in update["blocks"] if b.get("block_id") == "alert_actions")
    assert [e["action_id"] for e in buttons["elements"]] == ["alert_acknowledge",
                                                             "alert_resolve"]


def test_silence_of_an_unknown_alert_changes_nothing(env: SimpleNamespace) -> None:
    slack_ok(env.server)
    endpoint.handler(signed_event(click_body("alert_silence", key="arn:unknown")), Context())
    assert env.table.get_item(Key={"alert_key": "arn:unknown"}).get("Item") is None
