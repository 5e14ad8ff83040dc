"""The buttons' incident records: moto EventBridge with an SQS target catches what is sent."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from functions.slack_interactions import handler as endpoint
from tests.functions.event_capture import capture_bus, received
from tests.functions.slack_interactions.conftest import (
    FIRST_SEEN,
    KEY,
    NOW,
    Context,
    click_body,
    signed_event,
    slack_ok,
)

BUS = "marketplace-test-events"


@pytest.fixture
def bus(env: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """The stack's bus on moto, a rule to a queue, and the endpoint publishing to it."""
    monkeypatch.setenv("EVENT_BUS_NAME", BUS)
    capture = capture_bus(BUS, "button-records")
    monkeypatch.setattr(endpoint, "_events", capture.events)
    env.server.expect_request("/v2/enqueue", method="POST").respond_with_json(
        {"status": "success", "dedup_key": KEY}, status=202)
    slack_ok(env.server)
    return capture


def _only(bus: SimpleNamespace) -> tuple[str, dict[str, Any]]:
    (event,) = received(bus)
    detail = {k: v for k, v in event["detail"].items()
              if k not in ("event_id", "occurred_at", "schema_version")}
    assert event["source"] == "marketplace.listings"
    return event["detail-type"], detail


def test_acknowledge_is_recorded_with_the_time_since_the_alarm(
        env: SimpleNamespace, bus: SimpleNamespace) -> None:
    endpoint.handler(signed_event(click_body("alert_acknowledge", user="U0ONCALL1")), Context())
    assert _only(bus) == ("AlertAcknowledged", {
        "alert_key": KEY, "severity": "warning", "first_seen": FIRST_SEEN,
        "acked_by": "U0ONCALL1", "ack_seconds": 600})


def test_resolve_is_recorded_as_resolved_from_slack(
        env: SimpleNamespace, bus: SimpleNamespace) -> None:
    endpoint.handler(signed_event(click_body("alert_resolve", user="U0ONCALL1")), Context())
    assert _only(bus) == ("AlertResolved", {
        "alert_key": KEY, "severity": "warning", "first_seen": FIRST_SEEN,
        "resolved_via": "slack", "resolve_seconds": 600, "resolved_by": "U0ONCALL1"})


def test_silence_is_recorded_with_its_end(env: SimpleNamespace, bus: SimpleNamespace) -> None:
    endpoint.handler(signed_event(click_body("alert_silence", user="U0ONCALL1")), Context())
    assert _only(bus) == ("AlertSilenced", {
        "alert_key": KEY, "severity": "warning", "silenced_by": "U0ONCALL1",
        "silenced_until": NOW + 3600})


def test_a_refused_click_records_nothing(env: SimpleNamespace, bus: SimpleNamespace) -> None:
    endpoint.handler(signed_event(click_body("alert_acknowledge")), Context())
    received(bus)  # the first click's record
    endpoint.handler(signed_event(click_body("alert_acknowledge", user="U0SECOND1")), Context())
    assert received(bus) == []


def test_a_lost_record_is_counted_and_the_click_still_answers(
        env: SimpleNamespace, bus: SimpleNamespace, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # A bus that does not exist: PutEvents fails every try (as it would without the grant).
    monkeypatch.setenv("EVENT_BUS_NAME", "marketplace-test-missing")
    response = endpoint.handler(signed_event(click_body("alert_acknowledge")), Context())
    assert response["statusCode"] == 200
    [blob] = [json.loads(x) for x in capsys.readouterr().out.splitlines() if '"_aws"' in x]
    assert blob["InteractionRecordsLost"] == [1.0]
    assert blob["ClicksApplied"] == [1.0]
