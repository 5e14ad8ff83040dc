"""The normalized alert: copies, summaries, keys at PagerDuty's limit, digests and slugs."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from functions.alert_router import alert as alert_module
from functions.alert_router.alert import Alert, digest, slug, stable_key


def sample(**fields: object) -> Alert:
    """An alert with every field set."""
    values: dict[str, object] = {
        "key": "k", "source": "cloudwatch", "severity": "warning", "title": "t",
        "state": "ALARM", "resource": "r", "region": "us-east-1", "account": "1",
        "time": "2026-11-28T06:01:10Z", "reason": "why", "links": {"Alarm": "https://a"},
        "details": {"n": 1}, "raw": {"m": 1}}
    values.update(fields)
    return Alert(**values)  # type: ignore[arg-type]


def test_the_vocabulary() -> None:
    assert alert_module.SEVERITIES == ("critical", "warning", "info", "maintenance")
    assert alert_module.STATES == ("ALARM", "OK", "INSUFFICIENT_DATA")
    assert (alert_module.ALARM, alert_module.OK, alert_module.INSUFFICIENT_DATA) == (
        "ALARM", "OK", "INSUFFICIENT_DATA")
    assert alert_module.MAX_KEY == 255


def test_defaults() -> None:
    bare = Alert(key="k", source="s", severity="info", title="t", state="OK")
    assert (bare.resource, bare.region, bare.account, bare.time, bare.reason) == (
        "", "", "", "", "")
    assert (bare.links, bare.details, bare.raw, bare.escalated) == ({}, {}, None, False)


@pytest.mark.parametrize(("was", "escalated", "now"), [
    (False, False, False), (False, True, True), (True, False, True), (True, True, True)])
def test_with_severity_never_forgets_an_escalation(was: bool, escalated: bool,
                                                   now: bool) -> None:
    copy = sample(escalated=was).with_severity("critical", escalated=escalated)
    assert copy.severity == "critical"
    assert copy.escalated is now
    assert copy.title == "t"


def test_with_severity_defaults_to_not_escalating() -> None:
    assert sample().with_severity("info").escalated is False


def test_summary_is_everything_but_raw() -> None:
    assert sample().summary() == {
        "key": "k", "source": "cloudwatch", "severity": "warning", "title": "t",
        "state": "ALARM", "resource": "r", "region": "us-east-1", "account": "1",
        "time": "2026-11-28T06:01:10Z", "reason": "why", "links": {"Alarm": "https://a"},
        "details": {"n": 1}, "escalated": False}


def test_from_summary_ignores_raw_and_unknown_fields() -> None:
    data = {"key": "k", "source": "s", "severity": "info", "title": "t", "state": "OK",
            "raw": "dropped", "later_field": 1, "escalated": True}
    assert Alert.from_summary(data) == Alert(key="k", source="s", severity="info", title="t",
                                             state="OK", escalated=True)


@pytest.mark.parametrize(("parts", "key"), [
    (("a", "b"), "a/b"), (("a", "", "b"), "a/b"), (("",), ""), (("only",), "only")])
def test_keys_join_the_parts_that_are_there(parts: tuple[str, ...], key: str) -> None:
    assert stable_key(*parts) == key


@pytest.mark.parametrize("length", [254, 255])
def test_keys_up_to_255_are_kept(length: int) -> None:
    assert stable_key("a" * length) == "a" * length


@pytest.mark.parametrize("length", [256, 400])
def test_longer_keys_are_hashed(length: int) -> None:
    text = "a" * length
    expected = "a" * 200 + "#" + hashlib.sha256(text.encode()).hexdigest()[:32]
    assert stable_key(text) == expected
    assert len(expected) == 233


@pytest.mark.parametrize(("value", "text"), [
    ("hello", "hello"),
    ({"b": 1, "a": [1, 2]}, '{"a": [1, 2], "b": 1}'),
    ([datetime(2026, 12, 1, tzinfo=UTC)], '["2026-12-01 00:00:00+00:00"]'),
])
def test_digests(value: object, text: str) -> None:
    assert digest(value) == hashlib.sha256(text.encode()).hexdigest()[:24]


def test_a_digest_of_unencodable_text() -> None:
    assert digest("a\ud800") == hashlib.sha256(b"a?").hexdigest()[:24]


@pytest.mark.parametrize(("text", "anchor"), [
    ("API 5xx", "api-5xx"), ("--db CPU / high--", "db-cpu-high"), ("EXAMPLE", "example"),
    ("", ""), ("a__b", "a-b")])
def test_slugs(text: str, anchor: str) -> None:
    assert slug(text) == anchor
