"""Every documented notification format parses into the normalized alert it describes."""

from __future__ import annotations

import json

import pytest

from functions.alert_router.alert import MAX_KEY, stable_key
from functions.alert_router.parsers import Origin, finding_severity, parse, severity_of_topic
from tests.functions.alert_router.conftest import fixture_json, fixture_text

RUNBOOK = "https://runbooks.example.com/r.md"


def origin(severity: str = "warning", subject: str = "") -> Origin:
    return Origin(severity=severity, runbook_base_url=RUNBOOK,
                  topic_arn=f"arn:aws:sns:us-east-1:123456789012:marketplace-prod-{severity}",
                  subject=subject)


def sns_message(name: str) -> str:
    return fixture_json(name)["Records"][0]["Sns"]["Message"]


def test_topic_names_give_the_severity() -> None:
    assert severity_of_topic("arn:aws:sns:us-east-1:1:marketplace-prod-critical") == "critical"
    assert severity_of_topic("arn:aws:sns:us-east-1:1:marketplace-prod-maintenance") == \
        "maintenance"
    assert severity_of_topic("arn:aws:sns:EXAMPLE") == "info"


def test_single_metric_alarm() -> None:
    message = sns_message("cloudwatch-alarm-sns-single-metric.json")
    source = json.loads(message)
    [alert] = parse(message, origin("critical"))
    assert alert.source == "cloudwatch"
    assert alert.key == source["AlarmArn"]
    assert alert.title == source["AlarmName"]
    assert alert.state == source["NewStateValue"]
    assert alert.severity == "critical"
    assert alert.reason == source["NewStateReason"]
    trigger = source["Trigger"]
    assert alert.resource.startswith(f"{trigger['Namespace']}/{trigger['MetricName']}")
    assert "InstanceId=TestInstance" in alert.resource
    assert alert.details["threshold"] == trigger["Threshold"]
    assert alert.details["previous_state"] == source["OldStateValue"]
    assert alert.links["Runbook"] == f"{RUNBOOK}#example"
    assert alert.raw == source


def test_metric_math_alarm_names_expression_and_metrics() -> None:
    message = sns_message("cloudwatch-alarm-sns-metric-math.json")
    metrics = json.loads(message)["Trigger"]["Metrics"]
    [alert] = parse(message, origin())
    expression = next(m["Expression"] for m in metrics if m["ReturnData"])
    stat = next(m["MetricStat"]["Metric"] for m in metrics if "MetricStat" in m)
    assert alert.details["expression"] == expression
    assert alert.resource == f"{stat['Namespace']}/{stat['MetricName']}"
    assert alert.state == "ALARM"


def test_composite_alarm() -> None:
    source = fixture_json("cloudwatch-composite-alarm-sns-message.json")
    [alert] = parse(json.dumps(source), origin("critical"))
    assert alert.key == source["AlarmArn"]
    assert alert.resource == source["AlarmRule"]
    assert alert.region == source["AlarmArn"].split(":")[3]  # not the long "US East (...)"
    child = source["TriggeringChildren"][0]["Arn"].rsplit(":", 1)[-1]
    assert alert.details["triggering_children"] == child
    # The runbook named in the description wins over the derived anchor.
    assert alert.links["Runbook"] == source["AlarmDescription"].split("Runbook: ")[1]
    assert f"alarm/{source['AlarmName']}" in alert.links["Alarm"]


def test_alarm_state_change_from_eventbridge() -> None:
    event = fixture_json("eventbridge-alarm-state-change.json")
    [alert] = parse(json.dumps(event), origin())
    assert alert.key == event["resources"][0]
    assert alert.state == event["detail"]["state"]["value"]
    assert alert.details["previous_state"] == event["detail"]["previousState"]["value"]
    assert alert.resource == "AWS/Lambda/Errors"
    assert alert.region == event["region"]


def test_guardduty_finding() -> None:
    event = fixture_json("eventbridge-guardduty-finding.json")
    detail = event["detail"]
    [alert] = parse(json.dumps(event), origin("critical"))
    assert alert.source == "guardduty"
    assert alert.key == f"guardduty:{detail['id']}"
    assert alert.title == detail["title"]
    assert alert.details["severity_score"] == detail["severity"]
    assert alert.details["finding_severity"] == "critical"
    assert detail["id"] in alert.links["Finding"]


@pytest.mark.parametrize(("score", "severity"), [
    (8.9, "critical"), (7.0, "critical"), (6.9, "warning"), (4.0, "warning"), (3.9, "info"),
    (1.0, "info")])
def test_guardduty_bands(score: float, severity: str) -> None:
    assert finding_severity(score) == severity


def test_securityhub_findings_one_alert_each() -> None:
    event = fixture_json("eventbridge-securityhub-findings-imported.json")
    finding = event["detail"]["findings"][0]
    second = dict(finding, Id=finding["Id"] + "-2", RecordState="ARCHIVED")
    event["detail"]["findings"].append(second)
    alerts = parse(json.dumps(event), origin("critical"))
    assert [a.key for a in alerts] == [f"securityhub:{finding['Id']}",
                                       f"securityhub:{second['Id']}"]
    assert [a.state for a in alerts] == ["ALARM", "OK"]
    assert alerts[0].resource == finding["Resources"][0]["Id"]
    assert alerts[0].details["label"] == finding["Severity"]["Label"]


def test_health_event_open_and_closed() -> None:
    event = fixture_json("eventbridge-health-event.json")
    [alert] = parse(json.dumps(event), origin())
    assert alert.source == "health"
    assert alert.key == event["detail"]["eventArn"]
    assert alert.state == "ALARM"
    assert alert.reason == event["detail"]["eventDescription"][0]["latestDescription"]
    event["detail"]["statusCode"] = "closed"
    assert parse(json.dumps(event), origin())[0].state == "OK"


def test_budget_text_notification() -> None:
    text = fixture_text("budgets-notification.txt")
    [alert] = parse(text, origin("warning", "AWS Budgets: marketplace-prod-monthly has "
                                            "exceeded your alert threshold"))
    assert alert.source == "budgets"
    assert alert.resource == "marketplace-prod-monthly"
    assert alert.account == "123456789012"
    assert alert.details["Alert Type"] == "ACTUAL"
    assert "$2,013.52" in alert.reason
    assert "$2,000.00" in alert.reason
    assert alert.key.startswith("budget:marketplace-prod-monthly:ACTUAL")


def test_cost_anomaly() -> None:
    source = fixture_json("cost-anomaly-sns-message.json")
    [alert] = parse(json.dumps(source), origin())
    assert alert.source == "cost-anomaly"
    assert alert.key == f"cost-anomaly:{source['anomalyId']}"
    assert alert.links["Anomaly"] == source["anomalyDetailsLink"]
    assert alert.details["total_impact"] == source["impact"]["totalImpact"]
    assert source["rootCauses"][0]["usageType"] in alert.reason


def test_anything_else_is_generic_with_raw_kept() -> None:
    record = fixture_json("sns-event.json")["Records"][0]["Sns"]
    [alert] = parse(record["Message"], origin("info", record["Subject"]))
    assert alert.source == "generic"
    assert alert.raw == record["Message"]
    assert alert.title == record["Subject"]
    # The same message twice is the same alert (deduplicated); another one is not.
    assert parse(record["Message"], origin("info", record["Subject"]))[0].key == alert.key
    assert parse("other", origin("info", record["Subject"]))[0].key != alert.key


def test_something_that_only_looks_like_an_alarm_is_generic() -> None:
    broken = {"AlarmName": "x", "NewStateValue": "ALARM", "Trigger": "not an object"}
    [alert] = parse(json.dumps(broken), origin())
    assert alert.source == "generic"
    assert alert.raw == broken


def test_long_keys_fit_pagerduty() -> None:
    key = stable_key("a" * 400)
    assert len(key) <= MAX_KEY
    assert key != stable_key("a" * 399)
