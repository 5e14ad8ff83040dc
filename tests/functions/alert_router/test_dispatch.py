"""Deduplication, flap control, maintenance windows, escalation and nothing lost on failure."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

import boto3
import pytest
from botocore.exceptions import ClientError

from functions.alert_router import escalation
from functions.alert_router.dispatch import Dispatcher, UndeliveredError
from functions.alert_router.routing import load_routes, load_windows, parse_window
from functions.shared.retry import Deadline
from tests.functions.alert_router.conftest import (
    ROUTING_KEY,
    TOPIC,
    WINDOW,
    alarm_message,
    fixture_json,
    sns_record,
)


def slack_posts(env: SimpleNamespace, channel: str) -> list[dict]:
    return [json.loads(r.get_data()) for r, _ in env.server.log
            if r.path == f"/slack/{channel}"]


def warning(name: str, state: str = "ALARM") -> dict:
    return sns_record(alarm_message(name, state), "warning")


def test_repeats_within_the_window_send_nothing_new(env: SimpleNamespace) -> None:
    env.server.expect_request("/slack/alerts").respond_with_data("ok")
    for _ in range(20):
        env.dispatcher.handle_record(warning("cpu"), Deadline(10))
        env.clock.now += 10
    assert len(slack_posts(env, "alerts")) == 1
    item = env.table.get_item(Key={"alert_key": json.loads(
        warning("cpu")["Sns"]["Message"])["AlarmArn"]})["Item"]
    assert int(item["count"]) == 20
    assert item["delivered"] is True
    assert int(item["expires_at"]) > env.clock.now
    assert env.metrics.counts["AlertsDeduplicated"] == 19


def test_same_state_after_the_window_is_sent_again(env: SimpleNamespace) -> None:
    env.server.expect_request("/slack/alerts").respond_with_data("ok")
    env.dispatcher.handle_record(warning("cpu"), Deadline(10))
    env.clock.now += WINDOW + 1
    env.dispatcher.handle_record(warning("cpu"), Deadline(10))
    assert len(slack_posts(env, "alerts")) == 2


def test_every_state_change_is_sent(env: SimpleNamespace) -> None:
    env.server.expect_request("/slack/alerts").respond_with_data("ok")
    for state in ("ALARM", "OK", "ALARM", "OK"):
        env.dispatcher.handle_record(warning("flappy", state), Deadline(10))
        env.clock.now += 30
    texts = [p["text"].split(" ")[0] for p in slack_posts(env, "alerts")]
    assert texts == ["ALARM", "RESOLVED", "ALARM", "RESOLVED"]


def test_ok_without_a_preceding_alarm_is_not_announced(env: SimpleNamespace) -> None:
    outcome = env.dispatcher.handle_record(warning("new-alarm", "OK"), Deadline(10))
    assert outcome.sent == {}
    assert list(outcome.skipped.values()) == ["OK without a preceding ALARM"]
    assert env.server.log == []


def test_unrouted_alerts_are_recorded_but_sent_nowhere(env: SimpleNamespace) -> None:
    outcome = env.dispatcher.handle_record(
        sns_record(alarm_message("i", "ALARM"), "info"), Deadline(10))
    assert list(outcome.sent.values()) == [[]]
    assert env.server.log == []


def test_failed_delivery_is_released_so_the_retry_sends(env: SimpleNamespace) -> None:
    env.server.expect_ordered_request("/slack/alerts").respond_with_data("", status=400)
    env.server.expect_ordered_request("/slack/alerts").respond_with_data("ok")
    first = env.dispatcher.handle_record(warning("cpu"), Deadline(10))
    assert len(first.errors) == 1
    # Lambda retries the same event a minute later: it is not deduplicated away.
    env.clock.now += 60
    second = env.dispatcher.handle_record(warning("cpu"), Deadline(10))
    assert second.errors == []
    assert len(env.server.log) == 2


def test_maintenance_window_holds_back_warnings_not_criticals(env: SimpleNamespace) -> None:
    sunday_3am = datetime(2026, 11, 29, 3, 0, tzinfo=UTC).timestamp()
    env.clock.now = sunday_3am
    env.dispatcher.settings = replace(env.settings,
                                      windows=load_windows(["sun 02:00-04:00"]))
    env.server.expect_request("/v2/enqueue").respond_with_json({"status": "success"}, 202)
    env.server.expect_request("/slack/incidents").respond_with_data("ok")
    held = env.dispatcher.handle_record(warning("cpu"), Deadline(10))
    assert list(held.skipped.values()) == ["maintenance window"]
    sent = env.dispatcher.handle_record(
        sns_record(alarm_message("down", "ALARM"), "critical"), Deadline(10))
    assert list(sent.sent.values()) == [["pagerduty", "slack:incidents"]]


@pytest.mark.parametrize(("window", "when", "inside"), [
    ("sun 02:00-04:00", datetime(2026, 11, 29, 2, 0), True),
    ("sun 02:00-04:00", datetime(2026, 11, 29, 4, 0), False),
    ("sun 02:00-04:00", datetime(2026, 11, 28, 3, 0), False),  # Saturday
    ("sat 23:00-01:00", datetime(2026, 11, 29, 0, 30), True),  # past midnight
])
def test_windows(window: str, when: datetime, inside: bool) -> None:
    assert parse_window(window).contains(when) is inside


def test_warning_past_the_escalation_time_is_reposted_once_as_critical(
        env: SimpleNamespace) -> None:
    env.server.expect_request("/slack/alerts").respond_with_data("ok")
    env.server.expect_request("/slack/incidents").respond_with_data("ok")
    env.server.expect_request("/v2/enqueue").respond_with_json({"status": "success"}, 202)
    env.dispatcher.handle_record(warning("slow"), Deadline(10))
    env.clock.now += env.settings.escalate_after_seconds - 1
    assert escalation.sweep(env.dispatcher, Deadline(10)) == []
    env.clock.now += 2
    key = json.loads(warning("slow")["Sns"]["Message"])["AlarmArn"]
    assert escalation.sweep(env.dispatcher, Deadline(10)) == [key]
    assert escalation.sweep(env.dispatcher, Deadline(10)) == []  # once
    [page] = [json.loads(r.get_data()) for r, _ in env.server.log if r.path == "/v2/enqueue"]
    assert page["event_action"] == "trigger"
    assert page["payload"]["severity"] == "error"
    assert page["dedup_key"] == key
    assert slack_posts(env, "incidents")[0]["text"].startswith("ESCALATED ALARM [critical]")
    # The OK of an escalated warning resolves the incident the escalation opened.
    env.clock.now += 60
    env.dispatcher.handle_record(warning("slow", "OK"), Deadline(10))
    resolves = [json.loads(r.get_data()) for r, _ in env.server.log if r.path == "/v2/enqueue"]
    assert resolves[-1] == {"routing_key": page["routing_key"], "event_action": "resolve",
                            "dedup_key": key}


def test_failed_escalation_is_retried_by_the_next_sweep(env: SimpleNamespace) -> None:
    env.server.expect_ordered_request("/slack/alerts").respond_with_data("ok")
    env.server.expect_ordered_request("/v2/enqueue").respond_with_data("bad", status=400)
    env.server.expect_ordered_request("/slack/incidents").respond_with_data("ok")
    env.dispatcher.handle_record(warning("slow"), Deadline(10))
    env.clock.now += env.settings.escalate_after_seconds + 1
    with pytest.raises(UndeliveredError):
        escalation.sweep(env.dispatcher, Deadline(10))
    env.server.expect_request("/v2/enqueue").respond_with_json({"status": "success"}, 202)
    env.server.expect_request("/slack/incidents").respond_with_data("ok")
    assert len(escalation.sweep(env.dispatcher, Deadline(10))) == 1


def test_resolved_warnings_are_not_escalated(env: SimpleNamespace) -> None:
    env.server.expect_request("/slack/alerts").respond_with_data("ok")
    env.dispatcher.handle_record(warning("blip"), Deadline(10))
    env.clock.now += 60
    env.dispatcher.handle_record(warning("blip", "OK"), Deadline(10))
    env.clock.now += env.settings.escalate_after_seconds * 2
    assert escalation.sweep(env.dispatcher, Deadline(10)) == []


def test_email_target_publishes_a_readable_copy_the_router_ignores(
        env: SimpleNamespace) -> None:
    sns = boto3.client("sns", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    topic = sns.create_topic(Name="marketplace-prod-warning")["TopicArn"]
    queue = sqs.create_queue(QueueName="mailbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    routes = (*env.settings.routes, *load_routes(json.dumps([
        {"severities": ["critical"], "sources": ["guardduty"], "targets": ["email:warning"]}])))
    env.dispatcher.settings = replace(env.settings, routes=routes,
                                      topic_arns={"warning": topic})
    env.dispatcher.sns = sns
    env.server.expect_request("/v2/enqueue").respond_with_json({"status": "success"}, 202)
    env.server.expect_request("/slack/incidents").respond_with_data("ok")
    finding = fixture_json("eventbridge-guardduty-finding.json")
    outcome = env.dispatcher.handle_record(sns_record(finding, "critical"), Deadline(10))
    assert list(outcome.sent.values()) == [["pagerduty", "slack:incidents", "email:warning"]]
    [delivered] = sqs.receive_message(QueueUrl=queue)["Messages"]
    envelope = json.loads(delivered["Body"])
    subject = envelope["Subject"]
    assert len(subject) < 100  # SNS's limit; the finding's title is longer
    assert f"[CRITICAL] ALARM: {finding['detail']['title']}".startswith(subject.removesuffix("..."))
    assert finding["detail"]["description"] in envelope["Message"]
    assert envelope["MessageAttributes"]["forwarded-by"]["Value"] == "alert-router"
    # Were it delivered back to the router, it would be skipped, not routed again.
    again = sns_record(envelope["Message"], "warning")
    again["Sns"]["MessageAttributes"] = envelope["MessageAttributes"]
    assert env.dispatcher.handle_record(again, Deadline(10)).skipped == {
        "forwarded": "published by the router"}


# -- the dispatcher's own pieces ----------------------------------------------------------
KEY = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:{}"


def posts(env: SimpleNamespace, path: str) -> list[dict]:
    """JSON bodies the server received on ``path``."""
    return [json.loads(r.get_data()) for r, _ in env.server.log if r.path == path]


def critical(name: str, state: str = "ALARM") -> dict:
    """A critical alarm record."""
    return sns_record(alarm_message(name, state), "critical")


def test_undelivered_error_joins_and_keeps_the_errors() -> None:
    errors: list[Exception] = [ValueError("a"), KeyError("b")]
    error = UndeliveredError(errors)
    assert str(error) == "a; 'b'"
    assert error.errors is errors


def test_the_dispatcher_keeps_its_sns_client(env: SimpleNamespace) -> None:
    sns = object()
    dispatcher = Dispatcher(env.settings, env.table, env.secrets, None, env.metrics, sns=sns)
    assert dispatcher.sns is sns
    assert Dispatcher(env.settings, env.table, env.secrets, None, env.metrics).sns is None


class Units:
    """Metrics as (name, unit, value)."""

    def __init__(self) -> None:
        self.added: list[tuple[str, str, float]] = []

    def add_metric(self, name: str, unit: str, value: float) -> None:
        self.added.append((name, unit, value))


def test_metrics_are_counts_by_name(env: SimpleNamespace) -> None:
    env.dispatcher.metrics = units = Units()
    env.server.expect_ordered_request("/slack/alerts").respond_with_data("ok")
    env.dispatcher.handle_record(warning("a"), Deadline(10))
    env.dispatcher.handle_record(warning("a"), Deadline(10))
    env.server.expect_ordered_request("/slack/alerts").respond_with_data("", status=400)
    env.dispatcher.handle_record(warning("b"), Deadline(10))
    assert units.added == [
        ("AlertsReceived", "Count", 1), ("MessagesSent", "Count", 1),
        ("AlertsReceived", "Count", 1), ("AlertsDeduplicated", "Count", 1),
        ("AlertsReceived", "Count", 1), ("DeliveryFailures", "Count", 1)]


def test_suppressed_alerts_are_counted(env: SimpleNamespace) -> None:
    env.clock.now = datetime(2026, 11, 29, 3, 0, tzinfo=UTC).timestamp()
    env.dispatcher.settings = replace(env.settings, windows=load_windows(["sun 02:00-04:00"]))
    outcome = env.dispatcher.handle_record(warning("a"), Deadline(10))
    assert outcome.skipped == {KEY.format("a"): "maintenance window"}
    assert env.metrics.counts == {"AlertsReceived": 1, "AlertsSuppressed": 1}


def test_windows_are_read_in_utc_whatever_the_local_zone(
        env: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    env.clock.now = datetime(2026, 11, 29, 3, 0, tzinfo=UTC).timestamp()
    env.dispatcher.settings = replace(env.settings, windows=load_windows(["sun 02:00-04:00"]))
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: local time is Sunday 17:00
    time.tzset()
    try:
        outcome = env.dispatcher.handle_record(warning("a"), Deadline(10))
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert outcome.skipped == {KEY.format("a"): "maintenance window"}


def test_a_repeat_is_skipped_as_a_duplicate(env: SimpleNamespace) -> None:
    env.server.expect_request("/slack/alerts").respond_with_data("ok")
    env.dispatcher.handle_record(warning("a"), Deadline(10))
    outcome = env.dispatcher.handle_record(warning("a"), Deadline(10))
    assert (outcome.sent, outcome.skipped) == ({}, {KEY.format("a"): "duplicate"})


def test_a_failed_alert_is_logged_and_kept(env: SimpleNamespace,
                                           caplog: pytest.LogCaptureFixture) -> None:
    env.server.expect_request("/slack/alerts").respond_with_data("nope", status=400)
    outcome = env.dispatcher.handle_record(warning("a"), Deadline(10))
    [error] = outcome.errors
    assert isinstance(error, UndeliveredError)
    [cause] = error.errors
    assert str(cause) == "slack:alerts: rejected with 400: nope"
    [record] = [r for r in caplog.records if r.getMessage() == "alert not delivered"]
    assert record.levelname == "ERROR"
    assert record.alert_key == KEY.format("a")
    assert record.exc_info is not None


def test_the_ok_of_an_escalated_warning_goes_out_as_escalated(env: SimpleNamespace) -> None:
    env.server.expect_request("/slack/alerts").respond_with_data("ok")
    env.server.expect_request("/slack/incidents").respond_with_data("ok")
    env.server.expect_request("/v2/enqueue").respond_with_json({"status": "success"}, 202)
    env.dispatcher.handle_record(warning("slow"), Deadline(10))
    env.clock.now += env.settings.escalate_after_seconds
    escalation.sweep(env.dispatcher, Deadline(10))
    env.clock.now += 60
    outcome = env.dispatcher.handle_record(warning("slow", "OK"), Deadline(10))
    assert outcome.sent == {KEY.format("slow"): ["pagerduty", "slack:incidents"]}
    assert posts(env, "/slack/incidents")[-1]["text"] == "ESCALATED RESOLVED [critical] slow"


def test_the_routing_key_is_sent_without_surrounding_space(env: SimpleNamespace) -> None:
    env.secrets.put_secret_value(SecretId=env.pd_arn, SecretString=f"  {ROUTING_KEY}\n")
    env.server.expect_request("/v2/enqueue").respond_with_json({"status": "success"}, 202)
    env.server.expect_request("/slack/incidents").respond_with_data("ok")
    try:
        env.dispatcher.handle_record(critical("down"), Deadline(10))
    finally:
        env.secrets.put_secret_value(SecretId=env.pd_arn, SecretString=ROUTING_KEY)
    [event] = posts(env, "/v2/enqueue")
    assert event["routing_key"] == ROUTING_KEY


def test_insufficient_data_after_an_alarm_skips_pagerduty(env: SimpleNamespace) -> None:
    env.server.expect_request("/v2/enqueue").respond_with_json({"status": "success"}, 202)
    env.server.expect_request("/slack/incidents").respond_with_data("ok")
    env.dispatcher.handle_record(critical("down"), Deadline(10))
    env.clock.now += 60
    outcome = env.dispatcher.handle_record(critical("down", "INSUFFICIENT_DATA"), Deadline(10))
    assert outcome.sent == {KEY.format("down"): ["slack:incidents"]}
    assert len(posts(env, "/v2/enqueue")) == 1
    assert env.metrics.counts["MessagesSent"] == 3


def test_a_rejected_page_names_pagerduty(env: SimpleNamespace) -> None:
    env.server.expect_request("/v2/enqueue").respond_with_data("bad", status=400)
    env.server.expect_request("/slack/incidents").respond_with_data("ok")
    [error] = env.dispatcher.handle_record(critical("down"), Deadline(10)).errors
    assert [str(e) for e in error.errors] == ["pagerduty: rejected with 400: bad"]


def test_a_channel_missing_from_the_secret(env: SimpleNamespace) -> None:
    env.dispatcher.settings = replace(env.settings, routes=load_routes(json.dumps([
        {"severities": ["*"], "sources": ["*"], "targets": ["slack:nowhere"]}])))
    [error] = env.dispatcher.handle_record(warning("a"), Deadline(10)).errors
    [cause] = error.errors
    assert str(cause) == "slack:nowhere: no webhook URL for this channel in the secret"
    assert (cause.target, cause.permanent) == ("slack:nowhere", True)


def test_channel_names_may_contain_colons(env: SimpleNamespace) -> None:
    hooks = {"team:ops": env.server.url_for("/slack/team-ops")}
    env.secrets.put_secret_value(SecretId=env.slack_arn, SecretString=json.dumps(hooks))
    env.dispatcher.settings = replace(env.settings, routes=load_routes(json.dumps([
        {"severities": ["*"], "sources": ["*"], "targets": ["slack:team:ops"]}])))
    env.server.expect_request("/slack/team-ops").respond_with_data("ok")
    outcome = env.dispatcher.handle_record(warning("a"), Deadline(10))
    assert outcome.sent == {KEY.format("a"): ["slack:team:ops"]}


def email_route(env: SimpleNamespace, topics: dict[str, str], sns: object) -> None:
    """Route every alert to ``email:warning`` only."""
    env.dispatcher.settings = replace(env.settings, topic_arns=topics, routes=load_routes(
        json.dumps([{"severities": ["*"], "sources": ["*"], "targets": ["email:warning"]}])))
    env.dispatcher.sns = sns


class FailingSns:
    """An SNS client whose publish is throttled."""

    def publish(self, **kwargs: object) -> None:
        raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}},
                          "Publish")


@pytest.mark.parametrize(("topics", "sns"), [
    ({}, FailingSns()),                                    # no topic for the severity
    ({"warning": "arn:aws:sns:us-east-1:1:t"}, None),      # no client
])
def test_email_without_a_topic_or_client_is_permanent(env: SimpleNamespace, topics: dict,
                                                      sns: object) -> None:
    email_route(env, topics, sns)
    [error] = env.dispatcher.handle_record(warning("a"), Deadline(10)).errors
    [cause] = error.errors
    assert str(cause) == "email:warning: no topic to publish to"
    assert (cause.target, cause.permanent) == ("email:warning", True)


def test_a_failed_publish_is_a_retryable_delivery_error(env: SimpleNamespace) -> None:
    email_route(env, {"warning": "arn:aws:sns:us-east-1:1:t"}, FailingSns())
    [error] = env.dispatcher.handle_record(warning("a"), Deadline(10)).errors
    [cause] = error.errors
    assert str(cause) == ("email:warning: publish failed: An error occurred (Throttling) "
                          "when calling the Publish operation: slow down")
    assert (cause.target, cause.permanent) == ("email:warning", False)
    assert isinstance(cause.__cause__, ClientError)


# -- records as they come -----------------------------------------------------------------
def test_a_record_that_is_not_sns_is_its_own_message(env: SimpleNamespace) -> None:
    [alert] = env.dispatcher.alerts_of("hello")
    assert (alert.source, alert.raw, alert.severity, alert.title) == (
        "generic", "hello", "info", "hello")
    [alert] = env.dispatcher.alerts_of({"other": 1})
    assert (alert.raw, alert.title) == ({"other": 1}, "Notification")


def test_a_record_carries_topic_subject_and_runbook_into_the_alert(
        env: SimpleNamespace) -> None:
    record = {"Sns": {"TopicArn": TOPIC.format("critical"), "Subject": "Disk full",
                      "Message": "disk / is 99% full"}}
    [alert] = env.dispatcher.alerts_of(record)
    body = json.dumps([TOPIC.format("critical"), "Disk full", "disk / is 99% full"],
                      sort_keys=True)
    assert alert.key == f"generic:{hashlib.sha256(body.encode()).hexdigest()[:24]}"
    assert (alert.severity, alert.title) == ("critical", "Disk full")
    assert alert.links == {"Runbook": "https://runbooks.example.com/r.md#generic-notification"}


def test_a_record_without_topic_subject_or_message(env: SimpleNamespace) -> None:
    [alert] = env.dispatcher.alerts_of({"Sns": {"Subject": None}})
    body = json.dumps(["", "", ""], sort_keys=True)
    assert alert.key == f"generic:{hashlib.sha256(body.encode()).hexdigest()[:24]}"
    assert (alert.severity, alert.title, alert.reason, alert.raw) == (
        "info", "Notification", "", "")
