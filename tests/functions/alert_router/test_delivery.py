"""The exact Slack and PagerDuty payloads, and every failure path of the HTTP delivery."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import datetime
from types import SimpleNamespace

import pytest
from werkzeug import Request, Response

from functions.alert_router import pagerduty, slack
from functions.alert_router.dispatch import UndeliveredError
from functions.alert_router.parsers import Origin, parse
from functions.shared.retry import Deadline
from tests.functions.alert_router.conftest import ROUTING_KEY, alarm_message, sns_record


def critical_alarm(name: str = "api-5xx", state: str = "ALARM") -> dict:
    return sns_record(alarm_message(name, state, "OK" if state == "ALARM" else "ALARM"))


def bodies(env: SimpleNamespace, path: str) -> list[dict]:
    return [json.loads(req.get_data()) for req, _ in env.server.log if req.path == path]


def test_critical_alarm_triggers_pagerduty_and_posts_slack(env: SimpleNamespace) -> None:
    env.server.expect_request("/v2/enqueue", method="POST").respond_with_json(
        {"status": "success", "dedup_key": "k"}, status=202)
    env.server.expect_request("/slack/incidents", method="POST").respond_with_data("ok")
    record = critical_alarm()
    message = json.loads(record["Sns"]["Message"])
    outcome = env.dispatcher.handle_record(record, Deadline(10))
    assert outcome.errors == []
    assert outcome.sent == {message["AlarmArn"]: ["pagerduty", "slack:incidents"]}
    [event] = bodies(env, "/v2/enqueue")
    assert event["routing_key"] == ROUTING_KEY
    assert event["event_action"] == "trigger"
    assert event["dedup_key"] == message["AlarmArn"]
    assert event["payload"]["severity"] == "critical"
    assert event["payload"]["summary"] == (
        f"[CRITICAL] {message['AlarmName']}: {message['NewStateReason']}")
    assert datetime.fromisoformat(event["payload"]["timestamp"]) == datetime.strptime(
        message["StateChangeTime"], "%Y-%m-%dT%H:%M:%S.%f%z")
    assert event["payload"]["custom_details"]["threshold"] == message["Trigger"]["Threshold"]
    assert {link["text"] for link in event["links"]} == {"Alarm", "Runbook"}
    [post] = bodies(env, "/slack/incidents")
    attachment = post["attachments"][0]
    assert attachment["color"] == slack.COLOURS[("ALARM", "critical")]
    assert attachment["blocks"][0]["type"] == "header"
    assert message["AlarmName"] in attachment["blocks"][0]["text"]["text"]
    assert {b["type"] for b in attachment["blocks"]} == {"header", "section", "actions"}
    assert env.metrics.counts["MessagesSent"] == 2


def test_ok_after_alarm_resolves_with_the_same_key(env: SimpleNamespace) -> None:
    env.server.expect_request("/v2/enqueue").respond_with_json({"status": "success"}, 202)
    env.server.expect_request("/slack/incidents").respond_with_data("ok")
    env.dispatcher.handle_record(critical_alarm(), Deadline(10))
    env.clock.now += 60
    env.dispatcher.handle_record(critical_alarm(state="OK"), Deadline(10))
    trigger, resolve = bodies(env, "/v2/enqueue")
    assert resolve == {"routing_key": ROUTING_KEY, "event_action": "resolve",
                       "dedup_key": trigger["dedup_key"]}
    resolved = bodies(env, "/slack/incidents")[1]
    assert resolved["attachments"][0]["color"] == slack.COLOURS[("OK", "*")]
    assert resolved["text"].startswith("RESOLVED")


def test_summary_is_cut_to_1024() -> None:
    message = alarm_message("x", "ALARM")
    message["NewStateReason"] = "r" * 5000
    [alert] = parse(json.dumps(message), Origin("critical", "https://r.example.com"))
    event = pagerduty.event_for(alert, "key")
    assert event is not None
    assert len(event["payload"]["summary"]) == pagerduty.SUMMARY_MAX


@pytest.mark.parametrize(("text", "iso"), [
    ("2015-06-03T17:43:27.123+0000", "2015-06-03T17:43:27.123000+00:00"),
    ("2026-11-28T06:05:21Z", "2026-11-28T06:05:21+00:00"),
    ("Sat, 28 Nov 2026 04:02:00 GMT", "2026-11-28T04:02:00+00:00"),
    ("yesterday", None),
])
def test_timestamps_are_iso_8601_or_left_out(text: str, iso: str | None) -> None:
    assert pagerduty.iso_timestamp(text) == iso


def test_429_honours_retry_after_then_delivers(env: SimpleNamespace) -> None:
    env.server.expect_ordered_request("/slack/alerts").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "3"})
    env.server.expect_ordered_request("/slack/alerts").respond_with_data("ok")
    outcome = env.dispatcher.handle_record(
        sns_record(alarm_message("w", "ALARM"), "warning"), Deadline(10))
    assert outcome.errors == []
    assert env.pauses == [3.0]
    assert len(env.server.log) == 2


def test_5xx_backs_off_and_retries(env: SimpleNamespace) -> None:
    for _ in range(2):
        env.server.expect_ordered_request("/slack/alerts").respond_with_data("", status=503)
    env.server.expect_ordered_request("/slack/alerts").respond_with_data("ok")
    outcome = env.dispatcher.handle_record(
        sns_record(alarm_message("w", "ALARM"), "warning"), Deadline(10))
    assert outcome.errors == []
    assert len(env.pauses) == 2
    assert all(0 <= p <= env.dispatcher.backoff.cap_seconds for p in env.pauses)


def test_timeouts_are_retried_then_raised(env: SimpleNamespace) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.15)  # longer than the 0.1 s timeout
        return Response("late")

    env.dispatcher.settings = replace(env.settings, http_timeout_seconds=0.1)
    env.server.expect_request("/slack/alerts").respond_with_handler(slow)
    outcome = env.dispatcher.handle_record(
        sns_record(alarm_message("w", "ALARM"), "warning"), Deadline(10))
    [error] = outcome.errors
    assert isinstance(error, UndeliveredError)
    assert "gave up after 4 attempts" in str(error)
    assert len(env.pauses) == 3
    # The single-threaded server still answers the abandoned requests: let it finish.
    deadline = time.monotonic() + 3
    while len(env.server.log) < 4 and time.monotonic() < deadline:
        time.sleep(0.02)


def test_retries_stop_when_the_function_runs_out_of_time(env: SimpleNamespace) -> None:
    env.server.expect_request("/slack/alerts").respond_with_data(
        "", status=429, headers={"Retry-After": "30"})
    outcome = env.dispatcher.handle_record(
        sns_record(alarm_message("w", "ALARM"), "warning"), Deadline(5))
    assert len(outcome.errors) == 1
    assert env.pauses == []  # a 30 s pause does not fit in 5 s: raise now
    assert len(env.server.log) == 1


def test_400_is_not_retried_and_logged_with_the_response(
        env: SimpleNamespace, caplog: pytest.LogCaptureFixture) -> None:
    env.server.expect_request("/slack/alerts").respond_with_data("invalid_blocks", status=400)
    outcome = env.dispatcher.handle_record(
        sns_record(alarm_message("w", "ALARM"), "warning"), Deadline(10))
    [error] = outcome.errors
    assert "400" in str(error)
    assert "invalid_blocks" in str(error)
    assert len(env.server.log) == 1
    assert env.pauses == []
    rejected = [r for r in caplog.records if r.getMessage() == "target rejected the message"]
    assert rejected[0].response == "invalid_blocks"
    # The webhook URL is a secret: never in a log line.
    ours = [r for r in caplog.records if r.name.startswith("functions.")]
    assert all("/slack/alerts" not in r.getMessage() + str(r.__dict__) for r in ours)


def test_one_failing_target_does_not_stop_the_others(
        env: SimpleNamespace, caplog: pytest.LogCaptureFixture) -> None:
    env.server.expect_request("/v2/enqueue").respond_with_data("", status=500)
    env.server.expect_request("/slack/incidents").respond_with_data("ok")
    outcome = env.dispatcher.handle_record(critical_alarm(), Deadline(10))
    assert len(outcome.errors) == 1
    assert len(bodies(env, "/slack/incidents")) == 1
    assert env.metrics.counts["DeliveryFailures"] == 1
    # The routing key went out in the body; it is never in a log record or the error.
    assert ROUTING_KEY not in str(outcome.errors[0])
    assert all(ROUTING_KEY not in r.getMessage() + str(r.__dict__) for r in caplog.records)


def test_missing_channel_in_secret_fails_clearly(env: SimpleNamespace) -> None:
    env.secrets.put_secret_value(SecretId=env.slack_arn, SecretString=json.dumps({}))
    outcome = env.dispatcher.handle_record(
        sns_record(alarm_message("w", "ALARM"), "warning"), Deadline(10))
    [error] = outcome.errors
    assert "slack:alerts: no webhook URL" in str(error)


def test_secret_without_a_value_fails_clearly(env: SimpleNamespace) -> None:
    # The PagerDuty secret created again without a value (same name, as the stack names it).
    env.secrets.delete_secret(SecretId=env.pd_arn, ForceDeleteWithoutRecovery=True)
    empty = env.secrets.create_secret(Name="pagerduty")["ARN"]
    env.dispatcher.settings = replace(env.settings, pagerduty_secret_arn=empty)
    env.server.expect_request("/slack/incidents").respond_with_data("ok")
    outcome = env.dispatcher.handle_record(critical_alarm(), Deadline(10))
    [error] = outcome.errors
    assert "has no value" in str(error)
