"""Inhibition: the router's rule, the alarm states it reads, and the pages it holds."""

from __future__ import annotations

import json
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from functions.alert_router import escalation, slack
from functions.alert_router.alert import Alert
from functions.alert_router.inhibition import (
    CloudWatchAlarmStates,
    Inhibition,
    StaticAlarmStates,
)
from functions.alert_router.parsers import Origin, parse
from functions.shared.retry import Deadline
from tests.functions.alert_router.conftest import (
    ACCOUNT,
    alarm_message,
    fixture_json,
    sns_record,
)

DATA_TIER = "p-data-tier-degraded-critical"
API = "p-api-degraded-critical"
PIPELINE = "p-pipeline-stalled-critical"
RULES = Inhibition({API: "api", DATA_TIER: "dynamodb", PIPELINE: "kinesis"})
ARN = f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:"


# -- the rule ----------------------------------------------------------------------------------

def origin(severity: str = "critical") -> Origin:
    return Origin(severity=severity, runbook_base_url="https://r.example/r.md")


def metric_alarm(name: str, namespace: str, state: str = "ALARM") -> dict[str, Any]:
    message = alarm_message(name, state)
    message["Trigger"]["Namespace"] = namespace
    return message


def test_config_comes_from_json_and_names_a_bad_layer() -> None:
    text = json.dumps({"composites": {API: "api", DATA_TIER: "dynamodb"}})
    assert Inhibition.from_json(text) == Inhibition({API: "api", DATA_TIER: "dynamodb"})
    assert Inhibition.from_json("") is None
    with pytest.raises(ValueError, match=r"composite 'x' names unknown layer 'db'"):
        Inhibition.from_json('{"composites": {"x": "db"}}')
    with pytest.raises(ValueError, match=r"a 'composites' object"):
        Inhibition.from_json('["x"]')


def test_an_alert_belongs_to_its_metrics_layer() -> None:
    (gateway,) = parse(json.dumps(metric_alarm("p-api-5xx-critical", "AWS/ApiGateway")),
                       origin())
    assert RULES.layer_of(gateway) == "api"
    math = json.loads(fixture_json("cloudwatch-alarm-sns-metric-math.json")["Records"][0]
                      ["Sns"]["Message"])
    for metric in math["Trigger"]["Metrics"]:
        if "MetricStat" in metric:
            metric["MetricStat"]["Metric"]["Namespace"] = "AWS/Lambda"
    (lambda_math,) = parse(json.dumps(math), origin())
    assert RULES.layer_of(lambda_math) == "functions"
    (other,) = parse(json.dumps(metric_alarm("p-x", "AWS/EC2")), origin())
    assert RULES.layer_of(other) is None


def test_a_composite_belongs_to_its_configured_layer() -> None:
    message = fixture_json("cloudwatch-composite-alarm-sns-message.json")
    message["AlarmName"] = DATA_TIER
    (composite,) = parse(json.dumps(message), origin())
    assert RULES.layer_of(composite) == "dynamodb"
    assert RULES.holds_for(composite) == ("functions", "dax", "api", "cdn", "cloudflare")


def test_health_events_belong_to_their_service_and_findings_to_none() -> None:
    health = fixture_json("eventbridge-health-event.json")
    health["detail"]["service"] = "LAMBDA"
    (event,) = parse(json.dumps(health), origin())
    assert RULES.layer_of(event) == "functions"
    finding = fixture_json("eventbridge-guardduty-finding.json")
    (found,) = parse(json.dumps(finding), origin())
    assert RULES.layer_of(found) is None


def test_upstream_composites_are_those_of_the_layers_below_nearest_first() -> None:
    assert RULES.upstream_composites("cdn") == [API, DATA_TIER]
    assert RULES.upstream_composites("functions") == [DATA_TIER]
    assert RULES.upstream_composites("lake") == [PIPELINE]
    assert RULES.upstream_composites("dynamodb") == []


# -- reading the states ------------------------------------------------------------------------

class PagedClient:
    """describe_alarms over a fixed set of alarms in ALARM, one alarm a page."""

    def __init__(self, firing: set[str]) -> None:
        self.firing = firing
        self.calls: list[dict[str, Any]] = []

    def describe_alarms(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        names = [n for n in kwargs["AlarmNames"] if n in self.firing]
        start = int(kwargs.get("NextToken") or 0)
        page = names[start:start + 1]
        out: dict[str, Any] = {"MetricAlarms": [], "CompositeAlarms": [
            {"AlarmName": n, "AlarmArn": ARN + n, "StateValue": "ALARM"} for n in page]}
        if start + 1 < len(names):
            out["NextToken"] = str(start + 1)
        return out


def test_states_are_read_in_chunks_of_100_through_every_page_then_cached() -> None:
    names = [f"a{i}" for i in range(150)]
    client, now = PagedClient({"a3", "a120", "a149"}), [1000.0]
    states = CloudWatchAlarmStates(client, clock=lambda: now[0], cache_seconds=30)
    assert states.in_alarm(names) == {"a3": ARN + "a3", "a120": ARN + "a120",
                                      "a149": ARN + "a149"}
    # 100 names (one firing: one page), then 50 names (two firing: two pages).
    assert [len(c["AlarmNames"]) for c in client.calls] == [100, 50, 50]
    assert client.calls[0]["AlarmTypes"] == ["CompositeAlarm", "MetricAlarm"]
    assert client.calls[0]["StateValue"] == "ALARM"
    now[0] += 29
    states.in_alarm(names)
    assert len(client.calls) == 3
    now[0] += 2
    states.in_alarm(names)
    assert len(client.calls) == 6


def test_states_come_from_cloudwatch_itself() -> None:
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
        for name in ("up", "down"):
            cloudwatch.put_metric_alarm(
                AlarmName=name, Namespace="AWS/DynamoDB", MetricName="ThrottledRequests",
                Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
                ComparisonOperator="GreaterThanOrEqualToThreshold")
        cloudwatch.set_alarm_state(AlarmName="down", StateValue="ALARM", StateReason="test")
        found = CloudWatchAlarmStates(cloudwatch).in_alarm(["up", "down", "missing"])
    assert list(found) == ["down"]
    assert found["down"].endswith(":alarm:down")


# -- holding pages -----------------------------------------------------------------------------

def inhibiting(env: SimpleNamespace, firing: list[str], states: Any = None) -> Any:
    env.dispatcher.settings = replace(env.settings, inhibition=RULES)
    env.dispatcher.alarm_states = states or StaticAlarmStates(firing, ARN)
    return env.dispatcher


def posts(env: SimpleNamespace, path: str) -> list[dict[str, Any]]:
    return [json.loads(r.get_data()) for r, _ in env.server.log if r.path == path]


def test_a_page_behind_a_failing_upstream_is_held_and_the_ticket_still_goes(
        env: SimpleNamespace) -> None:
    env.server.expect_request("/slack/incidents").respond_with_data("ok")
    env.server.expect_request("/v2/enqueue").respond_with_json({"status": "success"},
                                                                status=202)
    dispatcher = inhibiting(env, [DATA_TIER])
    # The upstream composite pages first: its row is where held pages are kept.
    composite = alarm_message(DATA_TIER, "ALARM")
    dispatcher.handle_record(sns_record(composite), Deadline(10))
    assert len(posts(env, "/v2/enqueue")) == 1
    upstream_post = posts(env, "/slack/incidents")[0]
    assert ("Holds the pages of what depends on it: functions, dax, api, cdn, cloudflare."
            in json.dumps(upstream_post))

    outcome = dispatcher.handle_record(
        sns_record(metric_alarm("p-api-5xx-critical", "AWS/ApiGateway")), Deadline(10))
    (key,) = outcome.sent
    assert outcome.sent[key] == ["slack:incidents"]
    assert outcome.inhibited == {key: DATA_TIER}
    assert len(posts(env, "/v2/enqueue")) == 1  # no second page
    held_post = posts(env, "/slack/incidents")[1]
    assert f"Page held: upstream *{DATA_TIER}* is in ALARM." in json.dumps(held_post)
    assert env.metrics.counts["PagesInhibited"] == 1
    row = env.table.get_item(Key={"alert_key": ARN + DATA_TIER})["Item"]
    assert row["held_pages"] == {"p-api-5xx-critical"}

    # At the upstream's OK, its message lists what it held; the next episode starts afresh.
    env.clock.now += 60
    dispatcher.handle_record(sns_record(alarm_message(DATA_TIER, "OK", "ALARM")), Deadline(10))
    resolved = posts(env, "/slack/incidents")[2]
    assert "Pages it held while in ALARM: p-api-5xx-critical." in json.dumps(resolved)
    env.clock.now += 60
    dispatcher.handle_record(sns_record(composite), Deadline(10))
    assert "held_pages" not in env.table.get_item(Key={"alert_key": ARN + DATA_TIER})["Item"]


def test_nothing_is_held_without_an_upstream_in_alarm_or_for_its_own_layer(
        env: SimpleNamespace) -> None:
    env.server.expect_request("/slack/incidents").respond_with_data("ok")
    env.server.expect_request("/v2/enqueue").respond_with_json({"status": "success"},
                                                                status=202)
    dispatcher = inhibiting(env, [PIPELINE])  # another branch of the graph
    outcome = dispatcher.handle_record(
        sns_record(metric_alarm("p-api-5xx-critical", "AWS/ApiGateway")), Deadline(10))
    table = dispatcher.handle_record(
        sns_record(metric_alarm("p-table-throttles-critical", "AWS/DynamoDB")), Deadline(10))
    guardduty = dispatcher.handle_record(
        sns_record(fixture_json("eventbridge-guardduty-finding.json")), Deadline(10))
    assert outcome.inhibited == table.inhibited == guardduty.inhibited == {}
    assert len(posts(env, "/v2/enqueue")) == 3


def test_an_ok_is_never_held(env: SimpleNamespace) -> None:
    env.server.expect_request("/slack/incidents").respond_with_data("ok")
    env.server.expect_request("/v2/enqueue").respond_with_json({"status": "success"},
                                                                status=202)
    dispatcher = inhibiting(env, [])
    dispatcher.handle_record(sns_record(metric_alarm("p-fn-errors-critical", "AWS/Lambda")),
                             Deadline(10))
    dispatcher.alarm_states = StaticAlarmStates([DATA_TIER], ARN)  # fails after the page
    env.clock.now += 60
    outcome = dispatcher.handle_record(
        sns_record(metric_alarm("p-fn-errors-critical", "AWS/Lambda", "OK")), Deadline(10))
    assert outcome.inhibited == {}
    events = [p["event_action"] for p in posts(env, "/v2/enqueue")]
    assert events == ["trigger", "resolve"]


def test_unreadable_states_fail_open(env: SimpleNamespace) -> None:
    env.server.expect_request("/slack/incidents").respond_with_data("ok")
    env.server.expect_request("/v2/enqueue").respond_with_json({"status": "success"},
                                                                status=202)

    class Denied:
        def in_alarm(self, names: Any) -> dict[str, str]:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}},
                              "DescribeAlarms")

    dispatcher = inhibiting(env, [], Denied())
    outcome = dispatcher.handle_record(
        sns_record(metric_alarm("p-api-5xx-critical", "AWS/ApiGateway")), Deadline(10))
    assert outcome.inhibited == {}
    assert len(posts(env, "/v2/enqueue")) == 1
    assert env.metrics.counts["InhibitionStateUnavailable"] == 1


def test_the_slack_note_says_nothing_for_an_ordinary_alert() -> None:
    alert = Alert(key="k", source="cloudwatch", severity="critical", title="t", state="ALARM")
    assert slack.inhibition_note(alert) == ""
    assert slack.inhibition_note(replace(alert, state="OK", details={
        "holds_pages_of": "api", "held_pages": "a, b"})) == (
        ":shield: Pages it held while in ALARM: a, b.")


def test_an_escalation_behind_a_failing_upstream_posts_but_does_not_page(
        env: SimpleNamespace) -> None:
    env.server.expect_request("/slack/alerts").respond_with_data("ok")
    env.server.expect_request("/slack/incidents").respond_with_data("ok")
    env.server.expect_request("/v2/enqueue").respond_with_json({"status": "success"},
                                                                status=202)
    dispatcher = inhibiting(env, [DATA_TIER])
    dispatcher.handle_record(
        sns_record(metric_alarm("p-fn-duration-warning", "AWS/Lambda"), "warning"),
        Deadline(10))
    env.clock.now += env.settings.escalate_after_seconds
    assert escalation.sweep(dispatcher, Deadline(10)) == [ARN + "p-fn-duration-warning"]
    assert posts(env, "/v2/enqueue") == []
    (post,) = posts(env, "/slack/incidents")
    assert post["text"] == "ESCALATED ALARM [critical] p-fn-duration-warning"
    assert f"Page held: upstream *{DATA_TIER}*" in json.dumps(post)
