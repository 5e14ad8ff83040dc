"""SLACK_DELIVERY=app: one message per alert, updated in place, follow-ups in its thread.

A local HTTP server answers as Slack's Web API does (``{"ok": true, "channel", "ts"}`` with
HTTP 200, ``ok: false`` with an error, 429 with ``Retry-After``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from pytest_httpserver import HTTPServer

from functions.alert_router import handler as router
from functions.alert_router.dispatch import UndeliveredError
from tests.functions.alert_router.conftest import ROUTES, TABLE, alarm_message, sns_record
from tests.functions.alert_router.test_handler import Context

BOT_TOKEN = "xoxb-router-test"
CHANNEL_ID = "C0INCIDENT"
TS = "1796000000.000100"


@pytest.fixture(scope="module")
def bot_token_arn(aws: SimpleNamespace) -> str:
    return aws.secrets.create_secret(Name="slack-bot-token", SecretString=BOT_TOKEN)["ARN"]


@pytest.fixture
def app_env(env: SimpleNamespace, bot_token_arn: str,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    """The router handler in app mode, on moto and the local server."""
    for key, value in {
        "DEDUP_TABLE": TABLE, "ROUTES": json.dumps(ROUTES), "DEDUP_WINDOW_SECONDS": "3600",
        "PAGERDUTY_SECRET_ARN": env.pd_arn, "SLACK_SECRET_ARN": env.slack_arn,
        "PAGERDUTY_URL": env.server.url_for("/v2/enqueue"), "HTTP_TIMEOUT_SECONDS": "1",
        "SLACK_DELIVERY": "app", "SLACK_BOT_TOKEN_SECRET_ARN": bot_token_arn,
        "SLACK_API_URL": env.server.url_for("/api"),
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(router, "_dynamodb", boto3.resource("dynamodb", region_name="us-east-1"))
    monkeypatch.setattr(router, "_secrets", env.secrets)
    router.dispatcher.cache_clear()
    yield env
    router.dispatcher.cache_clear()


def slack_answers(server: HTTPServer) -> None:
    server.expect_request("/api/chat.postMessage").respond_with_json(
        {"ok": True, "channel": CHANNEL_ID, "ts": TS, "message": {}})
    server.expect_request("/api/chat.update").respond_with_json(
        {"ok": True, "channel": CHANNEL_ID, "ts": TS})


def calls(server: HTTPServer) -> list[tuple[str, dict[str, Any]]]:
    return [(r.path, json.loads(r.data)) for r, _ in server.log if r.path.startswith("/api/")]


def notify(name: str, state: str, severity: str = "warning") -> dict[str, Any]:
    return router.handler({"Records": [sns_record(alarm_message(name, state), severity)]},
                          Context())


def key_of(name: str) -> str:
    return alarm_message(name, "ALARM")["AlarmArn"]


def test_alarm_posts_one_message_with_buttons_and_keeps_its_ts(app_env: SimpleNamespace) -> None:
    slack_answers(app_env.server)
    notify("api-5xx", "ALARM")
    [(path, body)] = calls(app_env.server)
    assert path == "/api/chat.postMessage"
    assert body["channel"] == "alerts"
    (request, _), = [e for e in app_env.server.log if e[0].path == path]
    assert request.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    actions = next(b for b in body["blocks"] if b.get("block_id") == "alert_actions")
    assert [(e["action_id"], e["text"]["text"]) for e in actions["elements"]] == [
        ("alert_acknowledge", "Acknowledge"), ("alert_resolve", "Resolve"),
        ("alert_silence", "Silence 1 h")]
    item = app_env.table.get_item(Key={"alert_key": key_of("api-5xx")})["Item"]
    assert json.loads(actions["elements"][0]["value"]) == {
        "k": key_of("api-5xx"), "f": int(item["first_seen"])}
    assert item["slack_msg_alerts"] == {"channel": CHANNEL_ID, "ts": TS,
                                        "first_seen": item["first_seen"]}


def test_ok_updates_the_same_message_without_buttons(app_env: SimpleNamespace) -> None:
    slack_answers(app_env.server)
    notify("api-5xx", "ALARM")
    notify("api-5xx", "OK")
    assert [p for p, _ in calls(app_env.server)] == ["/api/chat.postMessage", "/api/chat.update"]
    _, update = calls(app_env.server)[1]
    assert (update["channel"], update["ts"]) == (CHANNEL_ID, TS)
    assert "alert_actions" not in [b.get("block_id") for b in update["blocks"]]
    assert update["blocks"][0]["text"]["text"].startswith(":white_check_mark: RESOLVED")


def test_a_re_notification_after_the_window_goes_in_the_thread(
        app_env: SimpleNamespace) -> None:
    slack_answers(app_env.server)
    notify("api-5xx", "ALARM")
    # The dedup window passes: the last send moves two hours back.
    app_env.table.update_item(Key={"alert_key": key_of("api-5xx")},
                              UpdateExpression="SET last_sent = last_sent - :two_hours",
                              ExpressionAttributeValues={":two_hours": 7200})
    notify("api-5xx", "ALARM")
    paths = [p for p, _ in calls(app_env.server)]
    assert paths == ["/api/chat.postMessage", "/api/chat.postMessage"]
    _, reply = calls(app_env.server)[1]
    assert (reply["channel"], reply["thread_ts"]) == (CHANNEL_ID, TS)


def test_a_silenced_alert_is_recorded_but_not_sent(app_env: SimpleNamespace) -> None:
    slack_answers(app_env.server)
    notify("api-5xx", "ALARM")
    app_env.table.update_item(Key={"alert_key": key_of("api-5xx")},
                              UpdateExpression="SET silenced_until = :later, "
                                               "last_sent = last_sent - :two_hours",
                              ExpressionAttributeValues={":later": 4_000_000_000,
                                                         ":two_hours": 7200})
    result = notify("api-5xx", "ALARM")
    assert result["skipped"] == {key_of("api-5xx"): "silenced"}
    assert len(calls(app_env.server)) == 1


def test_slack_429_waits_retry_after_then_posts(app_env: SimpleNamespace) -> None:
    app_env.server.expect_oneshot_request("/api/chat.postMessage").respond_with_json(
        {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "3"})
    slack_answers(app_env.server)
    result = notify("api-5xx", "ALARM")
    assert result["sent"] == {key_of("api-5xx"): ["slack:alerts"]}
    assert app_env.pauses == [3.0]
    assert len(calls(app_env.server)) == 2


def test_ok_false_fails_the_delivery_and_a_retry_posts_again(app_env: SimpleNamespace) -> None:
    app_env.server.expect_oneshot_request("/api/chat.postMessage").respond_with_json(
        {"ok": False, "error": "channel_not_found"})
    with pytest.raises(UndeliveredError, match="channel_not_found"):
        notify("api-5xx", "ALARM")
    assert len(calls(app_env.server)) == 1  # not retried: it would fail the same way
    slack_answers(app_env.server)
    assert notify("api-5xx", "ALARM")["sent"] == {key_of("api-5xx"): ["slack:alerts"]}


def test_a_storm_sends_one_message_per_state(app_env: SimpleNamespace) -> None:
    """The alert-storm's measure, counting updates as messages: 1 post and 1 update."""
    slack_answers(app_env.server)
    for _ in range(20):
        notify("api-5xx", "ALARM")
    notify("api-5xx", "OK")
    notify("api-5xx", "OK")
    assert [p for p, _ in calls(app_env.server)] == ["/api/chat.postMessage", "/api/chat.update"]


def test_a_maintenance_summary_is_posted_without_buttons_and_not_kept(
        app_env: SimpleNamespace) -> None:
    from functions.alert_router.alert import ALARM, Alert
    from functions.shared.retry import Deadline

    slack_answers(app_env.server)
    summary = Alert(key="maintenance-summary/deploys @ 1796000400", source="maintenance",
                    severity="warning", title="Maintenance window deploys closed: 1 still in "
                    "ALARM", state=ALARM, reason="[warning] api-5xx", actionable=False)
    try:
        router.dispatcher().deliver(summary, Deadline(10), targets=["slack:alerts"])
    finally:
        # Outside the handler nothing flushes the counts; Powertools shares them process-wide.
        router.metrics.clear_metrics()
    [(path, body)] = calls(app_env.server)
    assert path == "/api/chat.postMessage"
    assert body["channel"] == "alerts"
    assert [b for b in body["blocks"] if b.get("block_id") == "alert_actions"] == []
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(TABLE)
    assert "Item" not in table.get_item(Key={"alert_key": summary.key})
