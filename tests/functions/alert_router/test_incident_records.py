"""Incident records from the router: moto EventBridge with an SQS target catches what is sent."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace
from typing import Any

import pytest
import urllib3
from aws_lambda_powertools import Metrics as PowertoolsMetrics

from functions.alert_router.alert import Alert
from functions.alert_router.dedup import Claim
from functions.alert_router.delivery_metrics import DeliveryMetrics
from functions.alert_router.dispatch import Dispatcher
from functions.alert_router.incident_records import record_for
from functions.shared.publisher import Publisher
from functions.shared.retry import Backoff, Deadline
from tests.functions.alert_router.conftest import ACCOUNT, alarm_message, sns_record
from tests.functions.event_capture import capture_bus, received

BUS = "marketplace-test-events"
START = 1_796_000_000  # the conftest Clock's epoch
KEY = f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:{{}}"


def _alert(state: str, severity: str = "warning") -> Alert:
    return Alert(key="k", source="cloudwatch", severity=severity, title="API 5xx", state=state)


def test_a_new_alarm_is_raised_and_its_ok_resolves_it() -> None:
    assert record_for(_alert("ALARM"), Claim(True, {"state": "OK"}, 1, 0), 2000) == (
        "AlertRaised", {"alert_key": "k", "severity": "warning", "first_seen": 2000,
                        "alert_source": "cloudwatch", "title": "API 5xx"})
    assert record_for(_alert("OK"), Claim(True, {"state": "ALARM", "first_seen": 1100}, 1, 0),
                      2000) == (
        "AlertResolved", {"alert_key": "k", "severity": "warning", "first_seen": 1100,
                          "resolved_via": "alarm", "resolve_seconds": 900})


def test_repeats_and_settling_alarms_record_nothing() -> None:
    # A re-notification of the same ALARM after the dedup window, and OK after OK.
    assert record_for(_alert("ALARM"), Claim(True, {"state": "ALARM", "first_seen": 1}, 1, 0),
                      2000) is None
    assert record_for(_alert("OK"), Claim(True, {"state": "OK"}, 1, 0), 2000) is None
    assert record_for(_alert("INSUFFICIENT_DATA"), Claim(True, {}, 1, 0), 2000) is None


@pytest.fixture
def bus(env: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """The stack's bus on moto with a rule sending our events to a queue to read back."""
    monkeypatch.setenv("EVENT_BUS_NAME", BUS)
    return capture_bus(BUS, "incident-records")


def _dispatcher(env: SimpleNamespace, publisher: Publisher, metrics: Any) -> Dispatcher:
    return Dispatcher(env.settings, env.table, env.secrets, urllib3.PoolManager(), metrics,
                      clock=env.clock, backoff=Backoff(2, 0.01, 0.05), publisher=publisher)


def test_the_router_publishes_an_episode_raised_and_resolved(env: SimpleNamespace,
                                                             bus: SimpleNamespace) -> None:
    env.server.expect_request("/slack/alerts").respond_with_data("ok")
    dispatcher = _dispatcher(env, Publisher.from_env(bus.events, logging.getLogger()),
                             env.metrics)
    dispatcher.handle_record(sns_record(alarm_message("db-lag", "ALARM"), "warning"),
                             Deadline(10))
    env.clock.now += 420
    dispatcher.handle_record(sns_record(alarm_message("db-lag", "OK", "ALARM"), "warning"),
                             Deadline(10))
    got = sorted(received(bus), key=lambda e: e["detail-type"])
    assert [e["detail-type"] for e in got] == ["AlertRaised", "AlertResolved"]
    assert {e["source"] for e in got} == {"marketplace.listings"}
    raised, resolved = (e["detail"] for e in got)
    assert {k: raised[k] for k in ("alert_key", "severity", "first_seen", "alert_source")} == {
        "alert_key": KEY.format("db-lag"), "severity": "warning", "first_seen": START,
        "alert_source": "cloudwatch"}
    assert {k: resolved[k] for k in ("first_seen", "resolved_via", "resolve_seconds")} == {
        "first_seen": START, "resolved_via": "alarm", "resolve_seconds": 420}
    assert raised["schema_version"] == 1
    assert env.metrics.counts["IncidentRecordsLost"] == 0


class _Refusing:
    """An EventBridge client whose PutEvents fails every entry with a retryable error."""

    def __init__(self) -> None:
        self.calls = 0

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.calls += 1
        return {"FailedEntryCount": len(Entries),
                "Entries": [{"ErrorCode": "InternalFailure"} for _ in Entries]}


def test_a_lost_record_is_counted_and_the_alert_stays_delivered(
        env: SimpleNamespace) -> None:
    env.server.expect_request("/slack/alerts").respond_with_data("ok")
    emf = PowertoolsMetrics(namespace="marketplace/test", service="alert-router")
    emf.clear_metrics()
    client = _Refusing()
    dispatcher = _dispatcher(env, Publisher(client, BUS, logging.getLogger()), emf)
    outcome = dispatcher.handle_record(
        sns_record(alarm_message("disk", "ALARM"), "warning"), Deadline(10))
    blob = emf.serialize_metric_set()
    emf.clear_metrics()
    assert outcome.sent == {KEY.format("disk"): ["slack:alerts"]}
    assert outcome.errors == []
    assert blob["IncidentRecordsLost"] == [1.0]
    assert client.calls == 4  # the publisher's four attempts
    item = env.table.get_item(Key={"alert_key": KEY.format("disk")})["Item"]
    assert item["delivered"] is True


def test_time_to_resolve_is_one_emf_line_per_severity(
        capsys: pytest.CaptureFixture[str]) -> None:
    emf = PowertoolsMetrics(namespace="marketplace/test", service="alert-router")
    DeliveryMetrics(emf, None, "", 3600).observe(
        _alert("OK", "warning"), Claim(True, {"state": "ALARM", "first_seen": 5000}, 1, 0), 5750)
    [line] = [json.loads(x) for x in capsys.readouterr().out.splitlines() if '"_aws"' in x]
    assert line["TimeToResolveSeconds"] == [750.0]
    assert line["severity"] == "warning"
    assert line["service"] == "alert-router"
    directive = line["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "marketplace/test"
    assert sorted(directive["Dimensions"][0]) == ["service", "severity"]
    # Only a critical resolve is also DORA's time to restore.
    assert emf.metric_set == {}
    emf.clear_metrics()
