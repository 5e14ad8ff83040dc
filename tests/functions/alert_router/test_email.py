"""The email copy: SNS subject rules at their limit, the plain-text body, the loop guard."""

from __future__ import annotations

from typing import Any

import pytest

from functions.alert_router import email
from functions.alert_router.alert import Alert
from functions.alert_router.email import body_of, forwarded, publish_args, subject_of

TOPIC = "arn:aws:sns:us-east-1:123456789012:marketplace-prod-warning"


def alert(**fields: Any) -> Alert:
    """A warning alarm; ``fields`` override."""
    values: dict[str, Any] = {"key": "k", "source": "cloudwatch", "severity": "warning",
                              "title": "api-5xx", "state": "ALARM"}
    values.update(fields)
    return Alert(**values)


def test_the_marker_and_limit() -> None:
    assert (email.FORWARDED_BY, email.ROUTER, email.SUBJECT_MAX) == (
        "forwarded-by", "alert-router", 100)


@pytest.mark.parametrize(("state", "subject"), [
    ("ALARM", "[WARNING] ALARM: api-5xx"), ("OK", "[WARNING] RESOLVED: api-5xx"),
    ("INSUFFICIENT_DATA", "[WARNING] INSUFFICIENT_DATA: api-5xx")])
def test_subjects(state: str, subject: str) -> None:
    assert subject_of(alert(state=state)) == subject


def test_subjects_are_printable_ascii() -> None:
    title = "a\nb\tc~d e\x7ff\x1fgé "
    assert subject_of(alert(title=title)) == "[WARNING] ALARM: a b c~d e f g  "


@pytest.mark.parametrize(("length", "subject_length", "cut"), [
    (98, 98, False), (99, 99, False), (100, 99, True), (101, 99, True)])
def test_subjects_stay_under_100(length: int, subject_length: int, cut: bool) -> None:
    # "[WARNING] ALARM: " is 17 characters.
    subject = subject_of(alert(title="t" * (length - 17)))
    assert len(subject) == subject_length
    assert subject == ("[WARNING] ALARM: " + "t" * 79 + "..." if cut
                       else "[WARNING] ALARM: " + "t" * (length - 17))


def test_a_full_body() -> None:
    a = alert(resource="AWS/ApiGateway/5XXError", region="us-east-1", account="123456789012",
              time="2026-11-28T06:01:10Z", reason="Threshold crossed", escalated=True,
              links={"Alarm": "https://a.example.com", "Runbook": "https://r.example.com"})
    assert body_of(a) == (
        "[WARNING] ALARM: api-5xx\n\nSource: cloudwatch\nResource: AWS/ApiGateway/5XXError\n"
        "Region: us-east-1\nAccount: 123456789012\nSince: 2026-11-28T06:01:10Z\n"
        "Escalated: yes\n\nThreshold crossed\n\nAlarm: https://a.example.com\n"
        "Runbook: https://r.example.com\n")


def test_a_bare_body() -> None:
    assert body_of(alert()) == "[WARNING] ALARM: api-5xx\n\nSource: cloudwatch\n"


def test_publish_args_mark_the_copy() -> None:
    assert publish_args(alert(), TOPIC) == {
        "TopicArn": TOPIC, "Subject": "[WARNING] ALARM: api-5xx",
        "Message": "[WARNING] ALARM: api-5xx\n\nSource: cloudwatch\n",
        "MessageAttributes": {"forwarded-by": {"DataType": "String",
                                               "StringValue": "alert-router"}}}


@pytest.mark.parametrize(("record", "copy"), [
    ({"Sns": {"MessageAttributes": {"forwarded-by": {"Type": "String",
                                                     "Value": "alert-router"}}}}, True),
    ({"Sns": {"MessageAttributes": {"forwarded-by": {}, "Test": {}}}}, True),
    ({"Sns": {"MessageAttributes": {}}}, False),           # what alarms and Budgets send
    ({"Sns": {"MessageAttributes": {"Test": {"Type": "String", "Value": "x"}}}}, False),
    ({"Sns": {"MessageAttributes": None}}, False),
    ({"Sns": {"MessageAttributes": ["forwarded-by"]}}, False),
    ({"Sns": {}}, False),
    ({"Sns": "forwarded-by"}, False),
    ({}, False),
    ("forwarded-by", False),
    (None, False),
])
def test_forwarded(record: Any, copy: bool) -> None:
    assert forwarded(record) is copy
