"""The Lambda handler end to end (Powertools, moto, local server), and malformed input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.alert_router import email
from functions.alert_router import handler as router
from functions.alert_router.dispatch import UndeliveredError
from functions.shared.retry import Deadline
from tests.functions.alert_router.conftest import (
    FIXTURES,
    ROUTES,
    TABLE,
    TOPIC,
    alarm_message,
    fixture_json,
    sns_record,
)
from tests.functions.lambda_context import FakeLambdaContext

Context = partial(FakeLambdaContext, "marketplace-test-alert-router", remaining_ms=30_000)


@pytest.fixture
def lambda_env(env: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    """The handler module wired to moto and the local server through its environment."""
    variables = {
        "DEDUP_TABLE": TABLE, "ROUTES": json.dumps(ROUTES), "DEDUP_WINDOW_SECONDS": "3600",
        "PAGERDUTY_SECRET_ARN": env.pd_arn, "SLACK_SECRET_ARN": env.slack_arn,
        "PAGERDUTY_URL": env.server.url_for("/v2/enqueue"), "HTTP_TIMEOUT_SECONDS": "1",
        "MAINTENANCE_WINDOWS": "[]", "MAINTENANCE_SUPPRESSES": '["warning", "info"]',
        "RUNBOOK_BASE_URL": "https://runbooks.example.com/r.md",
        # As the stack sets it: the severity topics the email copies go to.
        "TOPIC_ARNS": json.dumps({s: TOPIC.format(s)
                                  for s in ("critical", "warning", "info", "maintenance")}),
    }
    for key, value in variables.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(router, "_dynamodb", boto3.resource("dynamodb", region_name="us-east-1"))
    monkeypatch.setattr(router, "_secrets", env.secrets)
    router.dispatcher.cache_clear()
    yield env
    router.dispatcher.cache_clear()


def test_handler_delivers_and_reports(lambda_env: SimpleNamespace,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    lambda_env.server.expect_request("/v2/enqueue").respond_with_json({"status": "success"}, 202)
    lambda_env.server.expect_request("/slack/incidents").respond_with_data("ok")
    event = fixture_json("cloudwatch-alarm-sns-single-metric.json")
    event["Records"][0]["Sns"]["TopicArn"] = "arn:aws:sns:us-east-1:123456789012:m-critical"
    result = router.handler(event, Context())
    key = json.loads(event["Records"][0]["Sns"]["Message"])["AlarmArn"]
    assert result["sent"] == {key: ["pagerduty", "slack:incidents"]}
    # Powertools wrote EMF with the counts.
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines()
           if '"_aws"' in line]
    sent = emf[-1]["MessagesSent"]
    total = sum(sent) if isinstance(sent, list) else sent
    assert total == 2
    assert emf[-1]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "marketplace/test"


def test_nothing_is_lost_when_one_target_fails(lambda_env: SimpleNamespace) -> None:
    server = lambda_env.server
    server.expect_ordered_request("/v2/enqueue").respond_with_data("", status=500)
    server.expect_ordered_request("/v2/enqueue").respond_with_data("", status=500)
    server.expect_ordered_request("/v2/enqueue").respond_with_data("", status=500)
    server.expect_ordered_request("/v2/enqueue").respond_with_data("", status=500)
    server.expect_request("/slack/incidents").respond_with_data("ok")
    server.expect_request("/slack/alerts").respond_with_data("ok")
    event = {"Records": [
        sns_record(alarm_message("down", "ALARM"), "critical"),
        sns_record("{not json", "warning"),
        sns_record(alarm_message("slow", "ALARM"), "warning"),
    ]}
    with pytest.raises(UndeliveredError):
        router.handler(event, Context())
    paths = [r.path for r, _ in server.log]
    assert paths.count("/slack/alerts") == 2  # the malformed one and the warning
    # Lambda's retry of the same event: PagerDuty is back; the warnings are not re-sent.
    server.clear()
    server.expect_request("/v2/enqueue").respond_with_json({"status": "success"}, 202)
    server.expect_request("/slack/incidents").respond_with_data("ok")
    result = router.handler(event, Context())
    assert len(result["sent"]) == 1
    assert sorted(result["skipped"].values()) == ["duplicate", "duplicate"]
    assert [r.path for r, _ in server.log].count("/v2/enqueue") == 1


def test_schedule_runs_the_escalation_sweep(lambda_env: SimpleNamespace) -> None:
    result = router.handler(fixture_json("eventbridge-scheduled-event.json"), Context())
    assert result == {"escalated": []}


# -- malformed input -----------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=8)
alarm_like = st.fixed_dictionaries(
    {"AlarmName": json_values, "NewStateValue": json_values},
    optional={"AlarmRule": json_values, "Trigger": json_values, "AlarmArn": json_values,
              "TriggeringChildren": json_values, "Region": json_values})
event_like = st.fixed_dictionaries(
    {"detail-type": st.sampled_from(["CloudWatch Alarm State Change", "GuardDuty Finding",
                                     "Security Hub Findings - Imported", "AWS Health Event",
                                     "Other"]),
     "detail": st.dictionaries(st.sampled_from(["id", "findings", "eventArn", "alarmName",
                                                "state", "severity", "service"]),
                               json_values, max_size=4)})
anomaly_like = st.fixed_dictionaries({"anomalyId": json_values, "impact": json_values},
                                     optional={"rootCauses": json_values})
messages = st.one_of(
    st.text(max_size=80),
    st.just("AWS Budget Notification") | st.text(max_size=40).map(
        lambda t: f"AWS Budget Notification\nBudget Name: {t}"),
    (alarm_like | event_like | anomaly_like | json_values).map(json.dumps),
    json_values,
)
records = st.one_of(
    messages.map(lambda m: sns_record(m if isinstance(m, str) else json.dumps(m), "warning")),
    json_values,
    st.fixed_dictionaries({"Sns": json_values}),
)


@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(record=records)
def test_malformed_records_never_crash_and_every_alert_is_accounted_for(
        env: SimpleNamespace, record: Any) -> None:
    env.server.expect_request("/slack/alerts").respond_with_data("ok")
    env.server.expect_request("/slack/finops").respond_with_data("ok")
    env.clock.now += 1
    alerts = env.dispatcher.alerts_of(record)
    outcome = env.dispatcher.handle_record(record, Deadline(10))
    assert outcome.errors == []
    assert alerts
    assert {a.key for a in alerts} <= set(outcome.sent) | set(outcome.skipped)


def own_copy(severity: str = "warning") -> dict[str, Any]:
    """The router's email copy as Lambda delivers it back: the attribute in Lambda's shape."""
    record = sns_record("[WARNING] ALARM: slow\n", severity, subject="[WARNING] ALARM: slow")
    record["Sns"]["MessageAttributes"] = {
        "forwarded-by": {"Type": "String", "Value": "alert-router"}}
    return record


def test_loop_guard_routes_attribute_less_aws_notifications_and_skips_own_copies(
        lambda_env: SimpleNamespace) -> None:
    # What really arrives without a subscription filter: a CloudWatch alarm exactly as AWS
    # delivers it (the real payload, "MessageAttributes": {}), a Budgets plain-text
    # notification with no MessageAttributes key at all, and the router's own copy.
    lambda_env.server.expect_request("/v2/enqueue").respond_with_json({"status": "success"}, 202)
    for channel in ("incidents", "alerts", "finops"):
        lambda_env.server.expect_request(f"/slack/{channel}").respond_with_data("ok")
    alarm = fixture_json("cloudwatch-alarm-sns-single-metric.json")["Records"][0]
    alarm["Sns"]["TopicArn"] = "arn:aws:sns:us-east-1:123456789012:m-critical"
    assert alarm["Sns"]["MessageAttributes"] == {}
    budget = sns_record((FIXTURES / "budgets-notification.txt").read_text(), "warning",
                        subject="AWS Budgets: marketplace-prod-monthly has exceeded")
    del budget["Sns"]["MessageAttributes"]
    result = router.handler({"Records": [alarm, budget, own_copy()]}, Context())
    alarm_key = json.loads(alarm["Sns"]["Message"])["AlarmArn"]
    assert result["sent"][alarm_key] == ["pagerduty", "slack:incidents"]
    [budget_targets] = [v for k, v in result["sent"].items() if k != alarm_key]
    assert sorted(budget_targets) == ["slack:alerts", "slack:finops"]
    assert result["skipped"] == {"forwarded": "published by the router"}
    paths = sorted(r.path for r, _ in lambda_env.server.log)
    assert paths == ["/slack/alerts", "/slack/finops", "/slack/incidents", "/v2/enqueue"]


@pytest.mark.parametrize(("record", "copy"), [
    (lambda: fixture_json("cloudwatch-alarm-sns-single-metric.json")["Records"][0], False),
    # Attributes present, none of them ours: the old filter would have passed this one only.
    (lambda: fixture_json("sns-event.json")["Records"][0], False),
    (lambda: {"Sns": {"Message": "{}"}}, False),
    (lambda: {"Sns": {"Message": "{}", "MessageAttributes": None}}, False),
    (lambda: "not a record", False),
    (own_copy, True),
])
def test_forwarded_marks_only_the_routers_own_copies(record: Any, copy: bool) -> None:
    assert email.forwarded(record()) is copy


# -- the entry point's own decisions ------------------------------------------------------
@pytest.mark.parametrize(("event", "schedule"), [
    ({"source": "aws.events", "detail-type": "Scheduled Event"}, True),
    ({"source": "aws.events", "detail-type": "Other"}, False),
    ({"source": "aws.health", "detail-type": "Scheduled Event"}, False),
    ({"detail-type": "Scheduled Event"}, False),
    ({"source": "aws.events"}, False),
    ([{"source": "aws.events", "detail-type": "Scheduled Event"}], False),
    ("Scheduled Event", False),
])
def test_is_schedule(event: Any, schedule: bool) -> None:
    assert router.is_schedule(event) is schedule


def test_the_dispatcher_is_built_once_from_the_environment(
        lambda_env: SimpleNamespace) -> None:
    first = router.dispatcher()
    assert router.dispatcher() is first
    assert first.settings.table_name == TABLE
    assert first.settings.dedup_window_seconds == 3600
    assert first.store.table.name == TABLE
    assert first.secrets.client is router._secrets
    assert first.http is router._http
    assert first.sns is router._sns
    assert first.metrics is router.metrics


class Counting:
    """Stands in for Powertools' Metrics inside the handler: counts by name."""

    def __init__(self) -> None:
        self.added: list[tuple[str, str, float]] = []

    def add_metric(self, name: str, unit: str, value: float) -> None:
        self.added.append((name, unit, value))


def test_a_sweep_is_counted_and_returns_the_escalated_keys(
        lambda_env: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    counting = Counting()
    monkeypatch.setattr(router, "metrics", counting)
    monkeypatch.setattr(router.escalation, "sweep", lambda d, deadline: ["k1", "k2"])
    # The undecorated handler: Powertools' decorators hold the module's real Metrics.
    result = router.handler.__wrapped__.__wrapped__.__wrapped__(
        fixture_json("eventbridge-scheduled-event.json"), Context())
    assert result == {"escalated": ["k1", "k2"]}
    assert counting.added == [("EscalationSweeps", "Count", 1)]


def test_an_event_without_records_is_one_record(lambda_env: SimpleNamespace) -> None:
    # No topic, so severity info, which no route takes: recorded, sent nowhere.
    result = router.handler(alarm_message("bare", "ALARM"), Context())
    assert result == {"sent": {"arn:aws:cloudwatch:us-east-1:123456789012:alarm:bare": []},
                      "skipped": {}}


def test_records_of_one_event_are_all_reported(lambda_env: SimpleNamespace) -> None:
    lambda_env.server.expect_request("/slack/alerts").respond_with_data("ok")
    event = {"Records": [sns_record(alarm_message("a", "ALARM"), "warning"),
                         sns_record(alarm_message("b", "ALARM"), "warning"),
                         sns_record(alarm_message("a", "ALARM"), "warning")]}
    result = router.handler(event, Context())
    key = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:{}"
    assert result == {"sent": {key.format("a"): ["slack:alerts"],
                               key.format("b"): ["slack:alerts"]},
                      "skipped": {key.format("a"): "duplicate"}}


def test_every_failure_of_the_event_is_raised(lambda_env: SimpleNamespace) -> None:
    lambda_env.server.expect_request("/slack/alerts").respond_with_data("no", status=400)
    event = {"Records": [sns_record(alarm_message("a", "ALARM"), "warning"),
                         sns_record(alarm_message("b", "ALARM"), "warning")]}
    with pytest.raises(UndeliveredError) as caught:
        router.handler(event, Context())
    assert len(caught.value.errors) == 2
