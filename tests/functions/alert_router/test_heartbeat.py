"""The alert-path heartbeat through the handler: delivered, then counted; never routed."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from functions.alert_router import handler as router
from functions.alert_router import heartbeat
from functions.alert_router.dispatch import UndeliveredError
from tests.functions.alert_router import test_handler
from tests.functions.alert_router.conftest import alarm_message, sns_record
from tests.functions.alert_router.test_handler import Context

# What Scheduler publishes once it has filled in its context attributes
# (components/alerting/alert_path.py heartbeat_message).
MESSAGE = ('{"kind": "alert-path-heartbeat", "stack": "marketplace-prod", '
           '"scheduled_time": "2026-12-03T12:00:00Z", '
           '"execution_id": "3b5c1e7a-0d3e-4c55-9f51-6f0c2a1b9d10"}')
KEY = "heartbeat:marketplace-prod:2026-12-03T12:00:00Z"
# The handler tests' fixture: the handler wired to moto and the local server.
lambda_env = test_handler.lambda_env


def _emf(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()
            if '"_aws"' in line]


def _delivered(blobs: list[dict[str, Any]]) -> int:
    values = [b.get("HeartbeatDelivered") for b in blobs if "HeartbeatDelivered" in b]
    return sum(sum(v) if isinstance(v, list) else int(v) for v in values)  # type: ignore[arg-type]


def test_parse_reads_the_scheduler_message() -> None:
    beat = heartbeat.parse(sns_record(MESSAGE, "info"))
    assert beat == heartbeat.Heartbeat("marketplace-prod", "2026-12-03T12:00:00Z",
                                       "3b5c1e7a-0d3e-4c55-9f51-6f0c2a1b9d10")
    assert beat is not None
    assert beat.key == KEY


@pytest.mark.parametrize("message", [
    json.dumps(alarm_message("down", "ALARM")),
    '{"kind": "alert-path-heartbeat"',  # cut short: not JSON
    '{"kind": "something-else", "note": "alert-path-heartbeat"}',
    '["alert-path-heartbeat"]',
])
def test_parse_ignores_everything_else(message: str) -> None:
    assert heartbeat.parse(sns_record(message, "info")) is None


def test_heartbeat_goes_to_its_target_then_counts(
        lambda_env: SimpleNamespace, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HEARTBEAT_TARGET", "slack:alerts")
    lambda_env.server.expect_request("/slack/alerts").respond_with_data("ok")
    result = router.handler({"Records": [sns_record(MESSAGE, "info")]}, Context())
    assert result["sent"] == {KEY: ["slack:alerts"]}
    (request, _), = lambda_env.server.log
    assert request.path == "/slack/alerts"
    assert json.loads(request.data)["text"] == (
        ":heartbeat: Alert path heartbeat from marketplace-prod: topic, router and delivery "
        "work (scheduled 2026-12-03T12:00:00Z).")
    blobs = _emf(capsys)
    assert _delivered(blobs) == 1
    # Not an alert: nothing received, nothing routed (the critical route would page).
    assert not any("AlertsReceived" in b for b in blobs)


def test_without_a_target_the_heartbeat_is_recorded(
        lambda_env: SimpleNamespace, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("HEARTBEAT_TARGET", raising=False)
    result = router.handler({"Records": [sns_record(MESSAGE, "info")]}, Context())
    assert result == {"sent": {KEY: ["recorded"]}, "skipped": {}}
    assert lambda_env.server.log == []
    assert _delivered(_emf(capsys)) == 1


def test_a_failed_delivery_raises_and_counts_nothing(
        lambda_env: SimpleNamespace, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HEARTBEAT_TARGET", "slack:alerts")
    lambda_env.server.expect_request("/slack/alerts").respond_with_data("", status=500)
    with pytest.raises(UndeliveredError, match="slack:alerts"):
        router.handler({"Records": [sns_record(MESSAGE, "info")]}, Context())
    # Four tries (the router's backoff), then Lambda's retry and failure queue take over.
    assert len(lambda_env.server.log) == 4
    assert _delivered(_emf(capsys)) == 0


def test_a_channel_missing_from_the_secret_is_a_failure(
        lambda_env: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTBEAT_TARGET", "slack:nowhere")
    with pytest.raises(UndeliveredError, match="no webhook URL"):
        router.handler({"Records": [sns_record(MESSAGE, "info")]}, Context())
    assert lambda_env.server.log == []


def test_alarms_beside_a_heartbeat_are_still_routed(
        lambda_env: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HEARTBEAT_TARGET", raising=False)
    lambda_env.server.expect_request("/slack/alerts").respond_with_data("ok")
    event = {"Records": [sns_record(MESSAGE, "info"),
                         sns_record(alarm_message("slow", "ALARM"), "warning")]}
    result = router.handler(event, Context())
    assert result["sent"][KEY] == ["recorded"]
    assert [r.path for r, _ in lambda_env.server.log] == ["/slack/alerts"]
