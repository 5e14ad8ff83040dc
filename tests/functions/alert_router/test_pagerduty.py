"""PagerDuty Events API v2 bodies: trigger, resolve, nothing; severities, limits, timestamps."""

from __future__ import annotations

from typing import Any

import pytest

from functions.alert_router import pagerduty
from functions.alert_router.alert import Alert
from functions.alert_router.pagerduty import event_for, iso_timestamp, severity_of, summary_of


def alert(**fields: Any) -> Alert:
    """A critical alarm; ``fields`` override."""
    values: dict[str, Any] = {"key": "arn:aws:cloudwatch:us-east-1:1:alarm:api-5xx",
                              "source": "cloudwatch", "severity": "critical",
                              "title": "api-5xx", "state": "ALARM"}
    values.update(fields)
    return Alert(**values)


def test_the_endpoint_and_limit() -> None:
    assert pagerduty.DEFAULT_URL == "https://events.pagerduty.com/v2/enqueue"
    assert pagerduty.SUMMARY_MAX == 1024


def test_a_full_trigger() -> None:
    a = alert(resource="AWS/ApiGateway/5XXError", region="us-east-1", account="123456789012",
              time="2026-11-28T06:01:10.554+0000", reason="Threshold crossed",
              links={"Alarm": "https://a.example.com", "Runbook": "https://r.example.com"},
              details={"threshold": 5, "empty": "", "none": None, "zero": 0})
    assert event_for(a, "RKEY") == {
        "routing_key": "RKEY", "event_action": "trigger",
        "dedup_key": "arn:aws:cloudwatch:us-east-1:1:alarm:api-5xx",
        "payload": {
            "summary": "[CRITICAL] api-5xx: Threshold crossed",
            "source": "AWS/ApiGateway/5XXError", "severity": "critical",
            "component": "AWS/ApiGateway/5XXError", "group": "us-east-1",
            "class": "cloudwatch",
            "custom_details": {"state": "ALARM", "resource": "AWS/ApiGateway/5XXError",
                               "region": "us-east-1", "account": "123456789012",
                               "reason": "Threshold crossed", "threshold": 5, "zero": 0},
            "timestamp": "2026-11-28T06:01:10.554000+00:00",
        },
        "links": [{"href": "https://a.example.com", "text": "Alarm"},
                  {"href": "https://r.example.com", "text": "Runbook"}],
        "client": "marketplace alert router",
    }


def test_a_bare_trigger_falls_back_to_source_and_global() -> None:
    event = event_for(alert(), "RKEY")
    assert event is not None
    assert event["payload"] == {
        "summary": "[CRITICAL] api-5xx", "source": "cloudwatch", "severity": "critical",
        "component": "cloudwatch", "group": "global", "class": "cloudwatch",
        "custom_details": {"state": "ALARM", "resource": "", "region": "", "account": "",
                           "reason": ""}}
    assert event["links"] == []


def test_the_region_is_the_source_without_a_resource() -> None:
    event = event_for(alert(region="eu-west-1"), "k")
    assert event is not None
    assert event["payload"]["source"] == "eu-west-1"


def test_the_component_is_cut_to_255() -> None:
    event = event_for(alert(resource="r" * 300), "k")
    assert event is not None
    assert event["payload"]["component"] == "r" * 255
    assert event["payload"]["source"] == "r" * 300


def test_an_unreadable_time_is_left_out() -> None:
    event = event_for(alert(time="yesterday"), "k")
    assert event is not None
    assert "timestamp" not in event["payload"]


def test_ok_resolves_with_the_same_key() -> None:
    assert event_for(alert(state="OK", reason="fine"), "RKEY") == {
        "routing_key": "RKEY", "event_action": "resolve",
        "dedup_key": "arn:aws:cloudwatch:us-east-1:1:alarm:api-5xx"}


def test_insufficient_data_sends_nothing() -> None:
    assert event_for(alert(state="INSUFFICIENT_DATA"), "k") is None


@pytest.mark.parametrize(("severity", "escalated", "expected"), [
    ("critical", False, "critical"), ("warning", False, "warning"), ("info", False, "info"),
    ("maintenance", False, "info"), ("odd", False, "warning"), ("warning", True, "error"),
    ("critical", True, "error")])
def test_severities(severity: str, escalated: bool, expected: str) -> None:
    assert severity_of(alert(severity=severity, escalated=escalated)) == expected


@pytest.mark.parametrize(("length", "cut"), [(1023, False), (1024, False), (1025, True)])
def test_the_summary_fits_1024(length: int, cut: bool) -> None:
    # "[CRITICAL] api-5xx: " is 20 characters.
    text = summary_of(alert(reason="r" * (length - 20)))
    assert len(text) == min(length, 1024)
    assert text == ("[CRITICAL] api-5xx: " + "r" * 1003 + "…" if cut
                    else "[CRITICAL] api-5xx: " + "r" * (length - 20))


@pytest.mark.parametrize(("text", "iso"), [
    ("2015-06-03T17:43:27.123+0000", "2015-06-03T17:43:27.123000+00:00"),
    ("2026-11-28T06:05:21Z", "2026-11-28T06:05:21+00:00"),
    ("2026-11-28T06:05:21", "2026-11-28T06:05:21+00:00"),       # no zone: UTC
    ("2026-11-28T06:05:21+02:00", "2026-11-28T06:05:21+02:00"),
    ("Sat, 28 Nov 2026 04:02:00 GMT", "2026-11-28T04:02:00+00:00"),
    ("Sat, 28 Nov 2026 04:02:00 -0000", "2026-11-28T04:02:00+00:00"),  # naive: UTC
    ("Sat, 28 Nov 2026 04:02:00 +0100", "2026-11-28T04:02:00+01:00"),
    ("yesterday", None),
    ("", None),
])
def test_timestamps_are_iso_8601_or_left_out(text: str, iso: str | None) -> None:
    assert iso_timestamp(text) == iso
