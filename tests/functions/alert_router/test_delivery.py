"""The exact Slack and PagerDuty payloads, and every failure path of the HTTP delivery."""

from __future__ import annotations

import json
import logging
import random
import socket
import time
from dataclasses import replace
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest
import urllib3
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from functions.alert_router import pagerduty, slack
from functions.alert_router.delivery import DeliveryError, post_json
from functions.alert_router.delivery import Response as DeliveryResponse
from functions.alert_router.dispatch import UndeliveredError
from functions.alert_router.parsers import Origin, parse
from functions.shared.retry import Backoff, Deadline
from tests.functions.alert_router.conftest import ROUTING_KEY, alarm_message, sns_record
from tests.functions.fake_clock import fake_clock


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


# -- post_json on its own: urllib3's backoff with fixed jitter, a fake clock, no real pauses --
# The backoff of Backoff(base_seconds=0.25): urllib3 retries the first failure at once, then
# waits 0.25 * 2**(n - 1) after the n-th failure (0.5 s after the second), plus jitter of
# random.random() * 0.25, pinned to 0.5 * 0.25 = 0.125 here: pauses 0.0, 0.625, 1.125 ...
STEPS = Backoff(attempts=3, base_seconds=0.25, cap_seconds=8.0)


class Recording(urllib3.PoolManager):
    """A pool that keeps the keyword arguments of every request."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[dict[str, Any]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> Any:  # type: ignore[override]
        self.calls.append({"method": method, **kwargs})
        return super().request(method, url, **kwargs)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """A fake monotonic clock that backoff pauses advance instead of sleeping."""
    monkeypatch.setattr(random, "random", lambda: 0.5)  # the jitter draw
    return fake_clock(monkeypatch, start=100.0)


def post(server: HTTPServer, clock: SimpleNamespace, *, attempts: int = 3,
         seconds: float = 10.0, timeout: float = 0.5,
         http: urllib3.PoolManager | None = None) -> DeliveryResponse:
    return post_json(http or urllib3.PoolManager(), "slack:alerts", server.url_for("/hook"),
                     {"text": "hi"}, clock.deadline(seconds),
                     replace(STEPS, attempts=attempts), timeout)


def test_post_json_sends_the_body_as_json(httpserver: HTTPServer,
                                          clock: SimpleNamespace) -> None:
    httpserver.expect_request("/hook", method="POST", data=b'{"text": "hi"}',
                              headers={"Content-Type": "application/json"}
                              ).respond_with_data("ok", status=200)
    assert post(httpserver, clock) == DeliveryResponse(200, "ok")
    assert clock.pauses == []


@pytest.mark.parametrize("status", [200, 202, 204, 299])
def test_every_2xx_is_accepted(httpserver: HTTPServer, clock: SimpleNamespace,
                               status: int) -> None:
    httpserver.expect_request("/hook").respond_with_data("", status=status)
    assert post(httpserver, clock).status == status


@pytest.mark.parametrize("status", [300, 302, 400, 404, 413, 428, 430, 499])
def test_other_non_5xx_statuses_are_permanent_and_not_retried(
        httpserver: HTTPServer, clock: SimpleNamespace, status: int,
        caplog: pytest.LogCaptureFixture) -> None:
    # 302: a redirect is not followed, the POST is not re-sent elsewhere. 413 with
    # Retry-After, which urllib3 would retry by default: too large stays too large.
    httpserver.expect_request("/hook").respond_with_data(
        "bad " + "x" * 400, status=status, headers={"Location": "/elsewhere",
                                                    "Retry-After": "1"})
    with pytest.raises(DeliveryError) as caught:
        post(httpserver, clock)
    error = caught.value
    assert (error.target, error.status, error.permanent) == ("slack:alerts", status, True)
    assert str(error) == f"slack:alerts: rejected with {status}: bad " + "x" * 296
    assert len(httpserver.log) == 1
    assert clock.pauses == []
    [record] = [r for r in caplog.records if r.getMessage() == "target rejected the message"]
    assert record.levelname == "ERROR"
    assert (record.target, record.status, record.response) == (
        "slack:alerts", status, "bad " + "x" * 400)


@pytest.mark.parametrize("status", [500, 503, 429])
def test_retryable_statuses_use_every_attempt(httpserver: HTTPServer, clock: SimpleNamespace,
                                              status: int,
                                              caplog: pytest.LogCaptureFixture) -> None:
    httpserver.expect_request("/hook").respond_with_data("busy", status=status)
    with pytest.raises(DeliveryError) as caught:
        post(httpserver, clock, attempts=3)
    assert str(caught.value) == f"slack:alerts: gave up after 3 attempts: HTTP {status}"
    assert caught.value.permanent is False
    assert caught.value.status == status  # the last answer's, for the logs
    assert len(httpserver.log) == 3
    assert clock.pauses == [0.0, 0.625]
    warnings = [r for r in caplog.records if r.getMessage() == "HTTP attempt failed; retrying"]
    assert [(r.levelname, r.target, r.attempt, r.error, r.pause) for r in warnings] == [
        ("WARNING", "slack:alerts", 1, f"HTTP {status}", 0.0),
        ("WARNING", "slack:alerts", 2, f"HTTP {status}", 0.625)]


def test_the_backoff_is_capped(httpserver: HTTPServer, clock: SimpleNamespace) -> None:
    httpserver.expect_request("/hook").respond_with_data("", status=500)
    with pytest.raises(DeliveryError, match="gave up after 5 attempts: HTTP 500"):
        post_json(urllib3.PoolManager(), "pagerduty", httpserver.url_for("/hook"), {},
                  clock.deadline(60), Backoff(attempts=5, base_seconds=0.25, cap_seconds=0.75),
                  0.5)
    # 0, 0.5 + 0.125, then 1.0 + 0.125 and 2.0 + 0.125 capped at 0.75.
    assert clock.pauses == [0.0, 0.625, 0.75, 0.75]


def test_a_5xx_then_success_returns_the_success(httpserver: HTTPServer,
                                                clock: SimpleNamespace) -> None:
    httpserver.expect_ordered_request("/hook").respond_with_data("", status=503)
    httpserver.expect_ordered_request("/hook").respond_with_data("done", status=201)
    assert post(httpserver, clock) == DeliveryResponse(201, "done")
    assert clock.pauses == [0.0]
    assert len(httpserver.log) == 2


@pytest.mark.parametrize(("header", "pauses"), [
    ({"Retry-After": "2"}, [2.0, 2.0]),
    ({"Retry-After": "soon"}, [0.0, 0.625]),  # unreadable: the backoff decides
    ({"Retry-After": "0"}, [0.0, 0.625]),  # no wait asked: the backoff decides
    ({}, [0.0, 0.625]),
])
def test_429_waits_for_retry_after_or_the_backoff(httpserver: HTTPServer,
                                                  clock: SimpleNamespace,
                                                  header: dict[str, str],
                                                  pauses: list[float]) -> None:
    for _ in range(2):
        httpserver.expect_ordered_request("/hook").respond_with_data("", status=429,
                                                                     headers=header)
    httpserver.expect_ordered_request("/hook").respond_with_data("ok")
    assert post(httpserver, clock).status == 200
    assert clock.pauses == pauses
    assert len(httpserver.log) == 3


@pytest.mark.parametrize(("seconds", "requests", "message"), [
    # A 2 s pause and one more attempt (0.5 s to connect, 0.5 s to read) need over 3 s.
    (3.0, 1, "gave up after 1 attempts: HTTP 429; a 2 s pause does not fit in the time left"),
    (3.01, 2, "gave up after 2 attempts: HTTP 429"),
])
def test_a_pause_and_an_attempt_must_fit_in_the_time_left(
        httpserver: HTTPServer, clock: SimpleNamespace, seconds: float, requests: int,
        message: str) -> None:
    httpserver.expect_request("/hook").respond_with_data(
        "", status=429, headers={"Retry-After": "2"})
    with pytest.raises(DeliveryError) as caught:
        post(httpserver, clock, attempts=2, seconds=seconds)
    assert str(caught.value) == f"slack:alerts: {message}"
    assert caught.value.permanent is False
    assert len(httpserver.log) == requests


@pytest.mark.parametrize("attempts", [0, -1, 1])
def test_zero_attempts_still_tries_once(httpserver: HTTPServer, clock: SimpleNamespace,
                                        attempts: int) -> None:
    httpserver.expect_request("/hook").respond_with_data("", status=503)
    with pytest.raises(DeliveryError) as caught:
        post(httpserver, clock, attempts=attempts)
    assert str(caught.value) == "slack:alerts: gave up after 1 attempts: HTTP 503"
    assert len(httpserver.log) == 1
    assert clock.pauses == []


def test_zero_attempts_delivers_on_the_one_try(httpserver: HTTPServer,
                                               clock: SimpleNamespace) -> None:
    httpserver.expect_request("/hook").respond_with_data("ok")
    assert post(httpserver, clock, attempts=0) == DeliveryResponse(200, "ok")


def test_connection_errors_are_retried_by_name_and_the_url_never_logged(
        clock: SimpleNamespace, caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    caplog.set_level(logging.DEBUG, logger="functions")
    caplog.set_level(logging.WARNING, logger="urllib3")
    with pytest.raises(DeliveryError) as caught:
        post_json(urllib3.PoolManager(), "pagerduty", f"http://127.0.0.1:{port}/secret-path",
                  {}, clock.deadline(10), replace(STEPS, attempts=2), 0.5)
    assert str(caught.value) == "pagerduty: gave up after 2 attempts: NewConnectionError"
    assert caught.value.__cause__ is None  # urllib3's error text holds the URL
    assert clock.pauses == [0.0]
    assert [r.getMessage() for r in caplog.records] == ["HTTP attempt failed; retrying"]
    assert all("secret-path" not in r.getMessage() + str(r.__dict__) for r in caplog.records)


@pytest.mark.parametrize(("seconds", "expected"), [
    (10.0, 0.5),   # the configured timeout
    (0.25, 0.25),  # less time left than that
    (0.05, 0.1),   # never below 0.1 s
    (0.0, 0.1),
])
def test_the_request_timeout_is_bounded_by_the_time_left(
        httpserver: HTTPServer, clock: SimpleNamespace, seconds: float,
        expected: float) -> None:
    httpserver.expect_request("/hook").respond_with_data("ok")
    http = Recording()
    post(httpserver, clock, seconds=seconds, http=http)
    [call] = http.calls
    assert call["method"] == "POST"
    assert (call["timeout"].connect_timeout, call["timeout"].read_timeout) == (
        expected, expected)
    policy = call["retries"]
    assert (policy.total, policy.allowed_methods, policy.attempt_seconds, policy.label) == (
        2, frozenset({"POST"}), 2 * expected, "slack:alerts")


def test_the_response_text_is_cut_and_decoded_leniently(httpserver: HTTPServer,
                                                        clock: SimpleNamespace) -> None:
    httpserver.expect_request("/hook").respond_with_data(b"\xff" + b"a" * 2500)
    assert post(httpserver, clock).body == "\ufffd" + "a" * 1999


def test_delivery_error_defaults() -> None:
    error = DeliveryError("pagerduty", "boom")
    assert (str(error), error.target, error.status, error.permanent) == (
        "pagerduty: boom", "pagerduty", None, False)
