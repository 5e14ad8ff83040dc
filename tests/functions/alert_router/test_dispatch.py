"""Deduplication, flap control, maintenance windows, escalation and nothing lost on failure."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

import boto3
import pytest

from functions.alert_router import escalation
from functions.alert_router.dispatch import UndeliveredError
from functions.alert_router.routing import load_routes, load_windows, parse_window
from functions.shared.retry import Deadline
from tests.functions.alert_router.conftest import (
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
