"""Audit events: logged, written to the audit log group, matched by the metric filters."""

from __future__ import annotations

import json
import logging
import re

import boto3
import pytest
from moto import mock_aws

from functions.shared import audit

GROUP = "/marketplace-dev/audit"


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("logs", region_name="us-east-1")
        client.create_log_group(logGroupName=GROUP)
        yield client


def _messages(client) -> list[dict]:
    events = client.filter_log_events(logGroupName=GROUP)["events"]
    return [json.loads(e["message"]) for e in events]


def test_event_goes_to_the_audit_group_and_the_function_log(
        logs, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("AUDIT_LOG_GROUP", GROUP)
    writer = audit.writer_from_env(logs)
    logger = logging.getLogger("test-audit")
    with caplog.at_level(logging.WARNING):
        audit.record(logger, writer, audit.AUTH_FAILED, path="/listings", status=401)
        audit.record(logger, writer, audit.ADMIN_ACTION, path="/listings/1", action="delete")
    assert [m["event"] for m in _messages(logs)] == [audit.AUTH_FAILED, audit.ADMIN_ACTION]
    assert all(m["audit"] is True for m in _messages(logs))
    assert len([r for r in caplog.records if r.getMessage() == "audit event"]) == 2


def test_without_a_group_events_are_only_logged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUDIT_LOG_GROUP", raising=False)
    assert audit.writer_from_env(object()) is None
    document = audit.record(logging.getLogger("t"), None, audit.PERMISSION_DENIED, status=403)
    assert document == {"audit": True, "event": audit.PERMISSION_DENIED, "status": 403}


def test_a_failing_audit_write_does_not_fail_the_request(
        caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        def write(self, document: dict) -> None:
            raise ConnectionError("logs endpoint down")

    with caplog.at_level(logging.WARNING):
        audit.record(logging.getLogger("t"), Broken(), audit.AUTH_FAILED)  # type: ignore[arg-type]
    assert any("could not write audit event" in r.getMessage() for r in caplog.records)


def test_unknown_events_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown audit event"):
        audit.audit_event("logged_in")


@pytest.mark.parametrize("event", audit.EVENTS)
def test_filter_patterns_name_the_fields_record_writes(event: str) -> None:
    # CloudWatch JSON filter patterns: { $.field = "value" && $.flag IS TRUE }.
    pattern = audit.FILTER_PATTERNS[event]
    terms = re.findall(r'\$\.(\w+) (?:= "([^"]+)"|IS (TRUE))', pattern)
    document = audit.audit_event(event, status=401)
    assert terms
    for field, value, is_true in terms:
        assert document[field] == (True if is_true else value)
    others = [e for e in audit.EVENTS if e != event]
    assert all(f'"{e}"' not in pattern for e in others)
