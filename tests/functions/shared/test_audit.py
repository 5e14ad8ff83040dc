"""Audit events: logged, written to the audit log group, matched by the metric filters."""

from __future__ import annotations

import json
import logging
import os
import re
import time
from datetime import UTC, datetime
from typing import Any

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


def _streams(client: Any) -> list[str]:
    return [s["logStreamName"] for s in client.describe_log_streams(logGroupName=GROUP)[
        "logStreams"]]


def _count_calls(client: Any, operation: str) -> list[str]:
    """A list that grows by one each time ``client`` sends ``operation``."""
    calls: list[str] = []
    client.meta.events.register(f"before-call.cloudwatch-logs.{operation}",
                                lambda model, **_: calls.append(model.name))
    return calls


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


def test_without_a_writer_nothing_is_reported_as_failed(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        audit.record(logging.getLogger("t"), None, audit.PERMISSION_DENIED, status=403)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [("WARNING", "audit event")]


def test_a_failing_audit_write_does_not_fail_the_request(
        caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        def write(self, document: dict) -> None:
            raise ConnectionError("logs endpoint down")

    with caplog.at_level(logging.WARNING):
        document = audit.record(logging.getLogger("t"), Broken(),  # type: ignore[arg-type]
                                audit.AUTH_FAILED)
    assert document == {"audit": True, "event": "auth_failed"}
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "audit event"),
        ("ERROR", "could not write audit event to the audit log group")]
    failed = caplog.records[1].exc_info
    assert failed is not None
    assert isinstance(failed[1], ConnectionError)


def test_unknown_events_are_refused() -> None:
    message = ("unknown audit event 'logged_in'; "
               "use one of auth_failed, permission_denied, admin_action")
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        audit.audit_event("logged_in")


def test_the_document_is_the_flag_the_event_and_the_fields() -> None:
    document = audit.audit_event(audit.AUTH_FAILED, path="/listings", status=401)
    assert document == {"audit": True, "event": "auth_failed", "path": "/listings", "status": 401}
    assert list(document) == ["audit", "event", "path", "status"]


def test_the_writer_puts_the_document_as_json_into_a_stream_named_for_the_function(
        logs: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDIT_LOG_GROUP", GROUP)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "marketplace-dev-api")
    before_ns = time.time_ns()
    writer = audit.writer_from_env(logs)
    after_ns = time.time_ns()
    assert writer is not None
    before_ms = int(time.time() * 1000)
    writer.write({"audit": True, "event": "permission_denied", "user_id": "u-7", "status": 403})
    after_ms = int(time.time() * 1000)

    (stream,) = _streams(logs)
    prefix = f"marketplace-dev-api/{os.getpid()}-"
    assert stream.startswith(prefix)
    assert before_ns <= int(stream.removeprefix(prefix)) <= after_ns
    (event,) = logs.get_log_events(logGroupName=GROUP, logStreamName=stream)["events"]
    assert event["message"] == (
        '{"audit": true, "event": "permission_denied", "user_id": "u-7", "status": 403}')
    assert before_ms <= event["timestamp"] <= after_ms


def test_outside_lambda_the_stream_is_named_local(
        logs: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDIT_LOG_GROUP", GROUP)
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    writer = audit.writer_from_env(logs)
    assert writer is not None
    writer.write(audit.audit_event(audit.ADMIN_ACTION))
    (stream,) = _streams(logs)
    assert re.fullmatch(rf"local/{os.getpid()}-\d+", stream)


def test_an_empty_group_setting_means_no_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDIT_LOG_GROUP", "")
    assert audit.writer_from_env(object()) is None


def test_the_stream_is_created_once_per_writer(logs: Any) -> None:
    creates = _count_calls(logs, "CreateLogStream")
    writer = audit.AuditWriter(logs, GROUP, "api/1-1")
    writer.write(audit.audit_event(audit.AUTH_FAILED, status=401))
    writer.write(audit.audit_event(audit.AUTH_FAILED, status=401))
    writer.write(audit.audit_event(audit.PERMISSION_DENIED, status=403))
    assert creates == ["CreateLogStream"]
    assert _streams(logs) == ["api/1-1"]
    assert [m["event"] for m in _messages(logs)] == [
        "auth_failed", "auth_failed", "permission_denied"]


def test_a_stream_that_already_exists_is_written_to(logs: Any) -> None:
    # Another writer of this execution environment created the stream first.
    logs.create_log_stream(logGroupName=GROUP, logStreamName="api/1-1")
    audit.AuditWriter(logs, GROUP, "api/1-1").write(audit.audit_event(audit.ADMIN_ACTION))
    assert _streams(logs) == ["api/1-1"]
    assert _messages(logs) == [{"audit": True, "event": "admin_action"}]


def test_values_json_cannot_hold_are_written_as_text(logs: Any) -> None:
    at = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    audit.AuditWriter(logs, GROUP, "api/1-1").write(audit.audit_event(audit.ADMIN_ACTION, at=at))
    (event,) = logs.get_log_events(logGroupName=GROUP, logStreamName="api/1-1")["events"]
    assert event["message"] == (
        '{"audit": true, "event": "admin_action", "at": "2026-12-02 15:00:00+00:00"}')


def test_record_logs_a_warning_carrying_the_fields_and_writes_the_same_document(
        logs: Any, caplog: pytest.LogCaptureFixture) -> None:
    writer = audit.AuditWriter(logs, GROUP, "api/1-1")
    with caplog.at_level(logging.WARNING):
        document = audit.record(logging.getLogger("test-audit"), writer, audit.ADMIN_ACTION,
                                user_id="u-1", action="delete")
    assert document == {"audit": True, "event": "admin_action", "user_id": "u-1",
                        "action": "delete"}
    (logged,) = caplog.records
    assert (logged.levelname, logged.getMessage()) == ("WARNING", "audit event")
    assert (logged.audit, logged.event, logged.user_id, logged.action) == (  # type: ignore[attr-defined]
        True, "admin_action", "u-1", "delete")
    assert _messages(logs) == [{"audit": True, "event": "admin_action", "user_id": "u-1",
                                "action": "delete"}]


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
