"""Every documented notification format parses into the exact alert it describes.

Expected alerts are written out field by field from the fixtures (tests/fixtures/alerting,
sources in SOURCES.md); the variations below each change one field of a real payload.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.alert_router.alert import Alert
from functions.alert_router.parsers import (
    Origin,
    _region_of,
    _state,
    alarm_console_url,
    finding_severity,
    parse,
    runbook_url,
    severity_of_topic,
)
from tests.functions.alert_router.conftest import fixture_json, fixture_text

RUNBOOK = "https://runbooks.example.com/r.md"
TOPIC = "arn:aws:sns:us-east-1:123456789012:marketplace-prod-{}"
EXAMPLE_REASON = ("Threshold Crossed: 1 out of the last 1 datapoints [1234.0 (06/03/15 "
                  "17:43:27)] was greater than the threshold (0.0) (minimum 1 datapoint for "
                  "OK -> ALARM transition).")
US_EAST_ALARMS = "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1"


def origin(severity: str = "warning", subject: str = "") -> Origin:
    """The origin of a message on a severity topic."""
    return Origin(severity=severity, runbook_base_url=RUNBOOK, topic_arn=TOPIC.format(severity),
                  subject=subject)


def sns_message(name: str) -> str:
    """The SNS Message string of a fixture record."""
    return fixture_json(name)["Records"][0]["Sns"]["Message"]


def one(message: Any, o: Origin | None = None) -> Alert:
    """The single alert of ``message``."""
    [alert] = parse(message, o or origin())
    return alert


def sha24(value: Any) -> str:
    """The first 24 hex digits of the SHA-256 of ``value``'s sorted JSON (or the text)."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


# -- topics ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("arn", "severity"), [
    ("arn:aws:sns:us-east-1:123456789012:marketplace-prod-critical", "critical"),
    ("arn:aws:sns:us-east-1:123456789012:marketplace-prod-warning", "warning"),
    ("arn:aws:sns:us-east-1:123456789012:marketplace-prod-maintenance", "maintenance"),
    ("arn:aws:sns:us-east-1:123456789012:critical", "critical"),   # no dash in the name
    ("arn:aws:sns:us-east-1:123456789012:critical-prod", "info"),
    ("arn:aws:sns:EXAMPLE", "info"),
    ("", "info"),
])
def test_topic_names_give_the_severity(arn: str, severity: str) -> None:
    assert severity_of_topic(arn) == severity


# -- CloudWatch alarms via SNS --------------------------------------------------------------
def test_single_metric_alarm() -> None:
    message = sns_message("cloudwatch-alarm-sns-single-metric.json")
    assert one(message, origin("critical")) == Alert(
        key="arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE", source="cloudwatch",
        severity="critical", title="EXAMPLE", state="ALARM",
        resource="AWS/EC2/NetworkOut InstanceId=TestInstance",
        region="",  # neither "REGION" in the ARN nor "EXAMPLE" is a region code
        account="123456789012", time="2015-06-03T17:43:27.123+0000", reason=EXAMPLE_REASON,
        links={"Alarm": f"{US_EAST_ALARMS}#alarmsV2:alarm/EXAMPLE",
               "Runbook": f"{RUNBOOK}#example"},
        details={"metric": "AWS/EC2/NetworkOut", "dimensions": "InstanceId=TestInstance",
                 "statistic": "AVERAGE", "threshold": 0.0,
                 "comparison": "GreaterThanThreshold", "evaluation_periods": 1,
                 "period": 60, "previous_state": "INSUFFICIENT_DATA"},
        raw=json.loads(message))


def test_metric_math_alarm() -> None:
    message = sns_message("cloudwatch-alarm-sns-metric-math.json")
    assert one(message) == Alert(
        key="arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE", source="cloudwatch",
        severity="warning", title="EXAMPLE", state="ALARM", resource="AWS/EC2/NetworkOut",
        region="", account="EXAMPLE", time="2015-06-03T17:43:27.123+0000",
        reason=EXAMPLE_REASON,
        links={"Alarm": f"{US_EAST_ALARMS}#alarmsV2:alarm/EXAMPLE",
               "Runbook": f"{RUNBOOK}#example"},
        details={"expression": "m1*1", "metrics": "AWS/EC2/NetworkOut", "threshold": 0.0,
                 "comparison": "GreaterThanThreshold", "evaluation_periods": 1,
                 "period": 60, "previous_state": "INSUFFICIENT_DATA"},
        raw=json.loads(message))


def metric_math(metrics: list[dict[str, Any]] | None) -> dict[str, Any]:
    """The metric-math fixture's message with other metrics."""
    data = json.loads(sns_message("cloudwatch-alarm-sns-metric-math.json"))
    data["Trigger"]["Metrics"] = metrics
    return data


def test_metric_math_lists_every_metric_and_the_returned_expression() -> None:
    stat = {"Metric": {"Namespace": "AWS/Lambda", "MetricName": "Errors"}}
    alert = one(metric_math([
        {"Id": "e0", "Expression": "m1/m2", "ReturnData": False},
        {"Id": "e1", "Expression": "100*m1/m2", "ReturnData": True},
        {"Id": "m1", "MetricStat": stat, "ReturnData": False},
        {"Id": "m2", "MetricStat": {"Metric": {"Namespace": "AWS/Lambda",
                                               "MetricName": "Invocations"}}},
    ]))
    assert alert.resource == "AWS/Lambda/Errors, AWS/Lambda/Invocations"
    assert alert.details["expression"] == "100*m1/m2"
    assert alert.details["metrics"] == "AWS/Lambda/Errors, AWS/Lambda/Invocations"


@pytest.mark.parametrize("metrics", [None, []])
def test_metric_math_without_metrics(metrics: list | None) -> None:
    alert = one(metric_math(metrics))
    assert alert.source == "cloudwatch"
    assert alert.resource == ""
    assert "expression" not in alert.details  # empty values are left out
    assert "metrics" not in alert.details


def single(**trigger: Any) -> dict[str, Any]:
    """The single-metric fixture's message with ``trigger`` fields replaced (None drops)."""
    data = json.loads(sns_message("cloudwatch-alarm-sns-single-metric.json"))
    data["Trigger"].update(trigger)
    data["Trigger"] = {k: v for k, v in data["Trigger"].items() if v is not None}
    return data


def test_dimensions_are_joined_and_extended_statistics_read() -> None:
    alert = one(single(Dimensions=[{"name": "FunctionName", "value": "f"},
                                   {"name": "Resource", "value": "f:live"}],
                       Statistic=None, ExtendedStatistic="p99"))
    assert alert.resource == "AWS/EC2/NetworkOut FunctionName=f,Resource=f:live"
    assert alert.details["dimensions"] == "FunctionName=f,Resource=f:live"
    assert alert.details["statistic"] == "p99"


def test_a_metric_without_dimensions_has_no_trailing_space() -> None:
    alert = one(single(Dimensions=None, Threshold=None, Period=None))
    assert alert.resource == "AWS/EC2/NetworkOut"
    assert "dimensions" not in alert.details
    assert "threshold" not in alert.details
    assert "period" not in alert.details


def test_an_alarm_without_arn_is_keyed_by_name_and_uses_the_region_field() -> None:
    data = single()
    for name in ("AlarmArn", "AWSAccountId", "StateChangeTime", "NewStateReason"):
        del data[name]
    data.update(Region="eu-west-1", AlarmName="db cpu/high", NewStateValue="ok")
    alert = one(data)
    assert alert.key == "alarm:db cpu/high"
    assert alert.region == "eu-west-1"
    assert alert.state == "OK"
    assert (alert.account, alert.time, alert.reason) == ("", "", "")
    assert alert.links["Alarm"] == ("https://eu-west-1.console.aws.amazon.com/cloudwatch/home"
                                    "?region=eu-west-1#alarmsV2:alarm/db%20cpu%2Fhigh")
    assert alert.links["Runbook"] == f"{RUNBOOK}#db-cpu-high"


def test_composite_alarm() -> None:
    source = fixture_json("cloudwatch-composite-alarm-sns-message.json")
    rule = 'ALARM("marketplace-prod-api-5xx") AND ALARM("marketplace-prod-api-latency-p99")'
    assert one(json.dumps(source), origin("critical")) == Alert(
        key="arn:aws:cloudwatch:us-east-1:123456789012:alarm:marketplace-prod-api-degraded",
        source="cloudwatch", severity="critical", title="marketplace-prod-api-degraded",
        state="ALARM", resource=rule,
        region="us-east-1",  # from the ARN, not the long "US East (N. Virginia)"
        account="123456789012", time="2026-11-28T06:01:10.554+0000",
        reason=("arn:aws:cloudwatch:us-east-1:123456789012:alarm:marketplace-prod-api-5xx "
                "transitioned to ALARM at Saturday 28 November, 2026 06:01:10 UTC"),
        links={"Alarm": f"{US_EAST_ALARMS}#alarmsV2:alarm/marketplace-prod-api-degraded",
               "Runbook": "https://github.com/marketplace/platform/blob/main/docs/"
                          "runbooks.md#api-degraded"},
        details={"composite": True, "rule": rule,
                 "triggering_children": "marketplace-prod-api-5xx", "previous_state": "OK"},
        raw=source)


def test_composite_children_are_joined_and_may_be_missing() -> None:
    source = fixture_json("cloudwatch-composite-alarm-sns-message.json")
    source["TriggeringChildren"] = [
        {"Arn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:a"}, {},
        {"Arn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:b"}]
    assert one(source).details["triggering_children"] == "a, , b"
    source["TriggeringChildren"] = None
    source["AlarmRule"] = None
    alert = one(source)
    assert alert.details["triggering_children"] == ""
    assert alert.resource == ""


# -- EventBridge ------------------------------------------------------------------------------
def test_alarm_state_change_from_eventbridge() -> None:
    event = fixture_json("eventbridge-alarm-state-change.json")
    assert one(json.dumps(event)) == Alert(
        key="arn:aws:cloudwatch:us-east-1:123456789012:alarm:marketplace-prod-listings-errors",
        source="cloudwatch", severity="warning", title="marketplace-prod-listings-errors",
        state="ALARM", resource="AWS/Lambda/Errors", region="us-east-1",
        account="123456789012", time="2026-11-28T06:05:21.376+0000",
        reason=("Threshold Crossed: 1 out of the last 1 datapoints [5.0 (28/11/26 06:00:00)] "
                "was greater than or equal to the threshold (1.0) (minimum 1 datapoint for "
                "OK -> ALARM transition)."),
        links={"Alarm": f"{US_EAST_ALARMS}#alarmsV2:alarm/marketplace-prod-listings-errors",
               "Runbook": f"{RUNBOOK}#marketplace-prod-listings-errors"},
        details={"previous_state": "OK"}, raw=event)


def test_a_sparse_alarm_state_change() -> None:
    event = fixture_json("eventbridge-alarm-state-change.json")
    del event["resources"], event["region"], event["detail"]["previousState"]
    del event["detail"]["state"]["timestamp"], event["detail"]["state"]["reason"]
    event["detail"]["state"]["value"] = "INSUFFICIENT_DATA"
    event["detail"]["configuration"] = {"alarmRule": 'ALARM("a")',
                                        "description": "see https://w.example.com/runbook/x"}
    alert = one(event)
    assert alert.key == "alarm:marketplace-prod-listings-errors"
    assert alert.region == ""
    assert alert.state == "INSUFFICIENT_DATA"
    assert alert.time == "2026-11-28T06:05:21Z"  # the event's time
    assert alert.reason == ""
    assert alert.resource == 'ALARM("a")'
    assert alert.details == {"previous_state": None}
    assert alert.links["Runbook"] == "https://w.example.com/runbook/x"
    assert alert.links["Alarm"].startswith("https://us-east-1.console.aws.amazon.com/")


def test_alarm_state_change_region_from_the_arn_and_expression_metrics_skipped() -> None:
    event = fixture_json("eventbridge-alarm-state-change.json")
    del event["region"]
    event["resources"] = ["arn:aws:cloudwatch:eu-west-2:123456789012:alarm:x"]
    event["detail"]["configuration"]["metrics"].insert(0, {"id": "e1", "expression": "m1"})
    alert = one(event)
    assert alert.region == "eu-west-2"
    assert alert.resource == "AWS/Lambda/Errors"


def test_guardduty_finding() -> None:
    event = fixture_json("eventbridge-guardduty-finding.json")
    fid = "16afba5c5c43e07c9e3e5e2e544e95df"
    assert one(json.dumps(event), origin("critical")) == Alert(
        key=f"guardduty:{fid}", source="guardduty", severity="critical",
        title=("Credentials for instance role marketplace-prod-listings-role used from "
               "external IP address."),
        state="ALARM", resource="AccessKey", region="us-east-1", account="123456789012",
        time="2026-11-28T05:57:58.941Z",
        reason=("Credentials created exclusively for an EC2 instance using instance role "
                "marketplace-prod-listings-role have been used from external IP address "
                "198.51.100.7."),
        links={"Finding": ("https://us-east-1.console.aws.amazon.com/guardduty/home?region="
                           f"us-east-1#/findings?macros=current&fId={fid}"),
               "Runbook": f"{RUNBOOK}#guardduty-finding"},
        details={"type": "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
                 "severity_score": 8.0, "finding_severity": "critical", "count": 4},
        raw=event)


def test_a_sparse_archived_guardduty_finding() -> None:
    event = fixture_json("eventbridge-guardduty-finding.json")
    detail = event["detail"]
    for name in ("region", "resource", "severity", "title", "accountId", "updatedAt",
                 "description"):
        del detail[name]
    detail["id"] = "a b"
    detail["service"] = {"archived": True}
    event.update(region="eu-west-1", account="210987654321")
    alert = one(event)
    assert alert.state == "OK"
    assert alert.title == "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS"
    assert (alert.region, alert.account, alert.time) == ("eu-west-1", "210987654321",
                                                         "2026-11-28T05:58:03Z")
    assert (alert.resource, alert.reason) == ("", "")
    assert alert.details == {"type": detail["type"], "severity_score": 0.0,
                             "finding_severity": "info", "count": None}
    assert alert.links["Finding"].endswith("&fId=a%20b")
    del detail["type"]
    assert one(event).title == "GuardDuty finding"


@pytest.mark.parametrize(("score", "severity"), [
    (8.9, "critical"), (7.0, "critical"), (6.9, "warning"), (4.0, "warning"), (3.9, "info"),
    (0.0, "info")])
def test_guardduty_bands(score: float, severity: str) -> None:
    assert finding_severity(score) == severity


def test_securityhub_finding() -> None:
    event = fixture_json("eventbridge-securityhub-findings-imported.json")
    fid = event["detail"]["findings"][0]["Id"]
    assert fid == ("arn:aws:securityhub:us-east-1:123456789012:subscription/aws-foundational-"
                   "security-best-practices/v/1.0.0/S3.8/finding/"
                   "2d4f5d3a-1b6e-4b4c-9a3e-0e5b8a2c7f11")
    twice = fid.replace(":", "%253A").replace("/", "%252F")  # quoted twice, by hand
    assert one(json.dumps(event), origin("critical")) == Alert(
        key=f"securityhub:{fid}", source="securityhub", severity="critical",
        title="S3.8 S3 general purpose buckets should block public access", state="ALARM",
        resource="arn:aws:s3:::marketplace-prod-uploads", region="us-east-1",
        account="123456789012", time="2026-11-28T05:30:40.000Z",
        reason=("This control checks whether an Amazon S3 general purpose bucket blocks "
                "public access at the bucket level."),
        links={"Finding": ("https://us-east-1.console.aws.amazon.com/securityhub/home?region="
                           "us-east-1#/findings?search=Id%3D%255Coperator%255C%253AEQUALS"
                           f"%255C%253A{twice}"),
               "Runbook": f"{RUNBOOK}#security-hub-finding"},
        details={"label": "HIGH", "finding_severity": "critical",
                 "generator": "aws-foundational-security-best-practices/v/1.0.0/S3.8",
                 "workflow": "NEW",
                 "types": ("Software and Configuration Checks/Industry and Regulatory "
                           "Standards/AWS-Foundational-Security-Best-Practices")},
        raw=event["detail"]["findings"][0])


@pytest.mark.parametrize(("record", "workflow", "state"), [
    ("ACTIVE", "NEW", "ALARM"), ("ACTIVE", "NOTIFIED", "ALARM"), ("ARCHIVED", "NEW", "OK"),
    ("ACTIVE", "RESOLVED", "OK"), ("ACTIVE", "SUPPRESSED", "OK")])
def test_securityhub_resolved_findings(record: str, workflow: str, state: str) -> None:
    event = fixture_json("eventbridge-securityhub-findings-imported.json")
    event["detail"]["findings"][0].update(RecordState=record, Workflow={"Status": workflow})
    assert one(event).state == state


@pytest.mark.parametrize(("label", "severity"), [
    ("CRITICAL", "critical"), ("HIGH", "critical"), ("MEDIUM", "warning"), ("LOW", "info"),
    ("INFORMATIONAL", "info"), ("ODD", "info")])
def test_securityhub_labels(label: str, severity: str) -> None:
    event = fixture_json("eventbridge-securityhub-findings-imported.json")
    event["detail"]["findings"][0]["Severity"] = {"Label": label}
    assert one(event).details["finding_severity"] == severity


def test_a_sparse_securityhub_finding_and_several_per_event() -> None:
    event = fixture_json("eventbridge-securityhub-findings-imported.json")
    sparse = {"Id": "f-2"}
    event["detail"]["findings"].append(sparse)
    event["account"] = "210987654321"
    first, second = parse(event, origin())
    assert first.key.startswith("securityhub:arn:aws:securityhub:")
    assert second == Alert(
        key="securityhub:f-2", source="securityhub", severity="warning",
        title="Security Hub finding", state="ALARM", resource="", region="us-east-1",
        account="210987654321", time="2026-11-28T05:30:44Z", reason="",
        links={"Finding": ("https://us-east-1.console.aws.amazon.com/securityhub/home?region="
                           "us-east-1#/findings?search=Id%3D%255Coperator%255C%253AEQUALS"
                           "%255C%253Af-2"),
               "Runbook": f"{RUNBOOK}#security-hub-finding"},
        details={"label": "", "finding_severity": "info", "generator": None, "workflow": "",
                 "types": ""},
        raw=sparse)


def test_an_event_without_findings_is_generic() -> None:
    event = fixture_json("eventbridge-securityhub-findings-imported.json")
    event["detail"]["findings"] = []
    alert = one(event)
    assert alert.source == "generic"
    assert alert.title == "Security Hub Findings - Imported"


def test_health_event() -> None:
    event = fixture_json("eventbridge-health-event.json")
    arn = ("arn:aws:health:us-east-1::event/LAMBDA/AWS_LAMBDA_OPERATIONAL_ISSUE/"
           "AWS_LAMBDA_OPERATIONAL_ISSUE_7BF73_514C1A3BD")
    assert one(json.dumps(event)) == Alert(
        key=arn, source="health", severity="warning",
        title="AWS Health: LAMBDA AWS_LAMBDA_OPERATIONAL_ISSUE", state="ALARM",
        resource="marketplace-prod-listings", region="us-east-1", account="123456789012",
        time="Sat, 28 Nov 2026 04:02:00 GMT",
        reason=("We are investigating increased invocation error rates for AWS Lambda "
                "functions in the US-EAST-1 Region."),
        links={"Health": ("https://health.aws.amazon.com/health/home#/account/event-log"
                          "?eventID=arn%3Aaws%3Ahealth%3Aus-east-1%3A%3Aevent%2FLAMBDA%2F"
                          "AWS_LAMBDA_OPERATIONAL_ISSUE%2F"
                          "AWS_LAMBDA_OPERATIONAL_ISSUE_7BF73_514C1A3BD"),
               "Runbook": f"{RUNBOOK}#aws-health-event"},
        details={"category": "issue", "status": "open"}, raw=event)


@pytest.mark.parametrize(("status", "state"), [
    ("open", "ALARM"), ("upcoming", "ALARM"), ("closed", "OK"), (None, "ALARM")])
def test_health_status(status: str | None, state: str) -> None:
    event = fixture_json("eventbridge-health-event.json")
    event["detail"]["statusCode"] = status
    alert = one(event)
    assert alert.state == state
    assert alert.details["status"] == (status or "open")


def test_a_sparse_health_event() -> None:
    event = fixture_json("eventbridge-health-event.json")
    detail = event["detail"]
    for name in ("service", "eventDescription", "eventRegion", "startTime"):
        del detail[name]
    detail["affectedEntities"] = [{"entityValue": "a"}, {"entityValue": "b"}]
    event["region"] = "eu-west-1"
    alert = one(event)
    assert alert.title == "AWS Health:  AWS_LAMBDA_OPERATIONAL_ISSUE"
    assert (alert.resource, alert.region, alert.time, alert.reason) == (
        "a, b", "eu-west-1", "2026-11-28T04:10:00Z", "")
    del detail["eventTypeCode"], detail["affectedEntities"]
    alert = one(event)
    assert (alert.title, alert.resource) == ("AWS Health:", "")


def test_an_unknown_event_is_generic_titled_by_its_type() -> None:
    event = fixture_json("eventbridge-scheduled-event.json")
    alert = one(event, origin("info"))
    body = json.dumps(event, sort_keys=True)
    assert alert == Alert(
        key=f"generic:{sha24([TOPIC.format('info'), '', body])}", source="generic",
        severity="info", title="Scheduled Event", state="ALARM", reason=body,
        links={"Runbook": f"{RUNBOOK}#generic-notification"}, raw=event)


def test_an_event_whose_detail_is_not_an_object_is_generic() -> None:
    event = fixture_json("eventbridge-health-event.json")
    event["detail"] = "text"
    assert one(event).source == "generic"
    event["detail-type"] = 7
    event["detail"] = {}
    assert one(event).source == "generic"


# -- cost -------------------------------------------------------------------------------------
BUDGET_SUBJECT = "AWS Budgets: marketplace-prod-monthly has exceeded your alert threshold"


def test_budget_text_notification() -> None:
    text = fixture_text("budgets-notification.txt")
    assert one(text, origin("warning", BUDGET_SUBJECT)) == Alert(
        key="budget:marketplace-prod-monthly:ACTUAL:> $2,000.00", source="budgets",
        severity="warning", title="Budget marketplace-prod-monthly: actual alert",
        state="ALARM", resource="marketplace-prod-monthly", account="123456789012",
        reason="ACTUAL amount $2,013.52 against threshold > $2,000.00 of budgeted $2,500.00",
        links={"Budgets": "https://console.aws.amazon.com/costmanagement/home#/budgets",
               "Runbook": f"{RUNBOOK}#budget-alert"},
        details={"Budget Name": "marketplace-prod-monthly", "Budget Type": "Cost",
                 "Budgeted Amount": "$2,500.00", "Alert Type": "ACTUAL",
                 "Alert Threshold": "> $2,000.00", "ACTUAL Amount": "$2,013.52"},
        raw=text)


def test_a_forecast_budget_notice_is_recognised_after_leading_space() -> None:
    text = ("\n  AWS Budget Notification\nBudget Name: b1\nAlert Type: FORECASTED\n"
            "Alert Threshold: > $80.00\nFORECASTED Amount:   $91.00  \n")
    alert = one(text)
    assert alert.key == "budget:b1:FORECASTED:> $80.00"
    assert alert.title == "Budget b1: forecasted alert"
    assert alert.reason == "FORECASTED amount $91.00 against threshold > $80.00 of budgeted ?"
    assert alert.account == ""


@pytest.mark.parametrize(("subject", "name"), [
    (BUDGET_SUBJECT, "marketplace-prod-monthly"),
    ("AWS Budgets: team has exceeded", "team"),
    ("AWS Budgets: ", "budget"),
])
def test_a_budget_named_only_by_its_subject(subject: str, name: str) -> None:
    alert = one("Your budget was exceeded.", origin("warning", subject))
    assert alert.source == "budgets"
    assert alert.resource == name
    assert alert.key == f"budget:{name}::"
    assert alert.title == f"Budget {name}: threshold alert"
    assert alert.reason == " amount ? against threshold ? of budgeted ?"


def test_cost_anomaly() -> None:
    source = fixture_json("cost-anomaly-sns-message.json")
    assert one(json.dumps(source)) == Alert(
        key="cost-anomaly:12345678-abcd-ef12-3456-987654321a12", source="cost-anomaly",
        severity="warning", title="Cost anomaly in AWS Lambda: +151.0", state="ALARM",
        resource="marketplace-prod-services", account="123456789012",
        time="2026-11-27T00:00:00Z",
        reason="Root causes: AWS Lambda/us-east-1/USE1-Lambda-GB-Second-ARM",
        links={"Anomaly": ("https://console.aws.amazon.com/cost-management/home#/anomaly-"
                           "detection/monitors/abcdef12-1234-4ea0-84cc-918a97d736ef/anomalies/"
                           "12345678-abcd-ef12-3456-987654321a12"),
               "Runbook": f"{RUNBOOK}#cost-anomaly"},
        details={"total_impact": 151.0, "impact_percentage": 13.13, "expected_spend": 1150.0,
                 "actual_spend": 1301.0},
        raw=source)


def test_a_sparse_cost_anomaly() -> None:
    source = {"anomalyId": "a-1", "impact": {},
              "rootCauses": [{"service": "Amazon S3"}, {"region": "eu-west-1",
                                                        "usageType": "EUW1-Requests"}]}
    assert one(source) == Alert(
        key="cost-anomaly:a-1", source="cost-anomaly", severity="warning",
        title="Cost anomaly in spend: +None", state="ALARM", resource="", account="", time="",
        reason="Root causes: Amazon S3, eu-west-1/EUW1-Requests",
        links={"Anomaly": ("https://console.aws.amazon.com/cost-management/home"
                           "#/anomaly-detection/overview"),
               "Runbook": f"{RUNBOOK}#cost-anomaly"},
        details={"total_impact": None, "impact_percentage": None, "expected_spend": None,
                 "actual_spend": None},
        raw=source)
    source["rootCauses"] = None
    source["impact"] = None
    assert one(source).reason == ""


# -- anything else ----------------------------------------------------------------------------
def test_plain_text_is_generic_with_raw_kept() -> None:
    record = fixture_json("sns-event.json")["Records"][0]["Sns"]
    o = origin("info", record["Subject"])
    alert = one(record["Message"], o)
    assert alert == Alert(
        key=f"generic:{sha24([TOPIC.format('info'), 'TestInvoke', 'Hello from SNS!'])}",
        source="generic", severity="info", title="TestInvoke", state="ALARM",
        reason="Hello from SNS!", links={"Runbook": f"{RUNBOOK}#generic-notification"},
        raw="Hello from SNS!")
    assert one("other", o).key != alert.key


@pytest.mark.parametrize(("text", "subject", "title"), [
    ("  first line\nsecond", "", "first line"),
    ("x" * 130, "", "x" * 120),
    ("   ", "", "Notification"),
    ("", "", "Notification"),
    ("body", "Subject wins", "Subject wins"),
])
def test_generic_text_titles(text: str, subject: str, title: str) -> None:
    assert one(text, origin("info", subject)).title == title


@pytest.mark.parametrize(("data", "subject", "title"), [
    ({"subject": "s", "title": "t"}, "o", "s"),
    ({"title": "t"}, "o", "t"),
    ({"other": 1}, "o", "o"),
    ({"other": 1}, "", "Notification"),
    ({"title": "T" * 300}, "", "T" * 250),
    ({"title": ""}, "", "Notification"),
])
def test_generic_object_titles(data: dict, subject: str, title: str) -> None:
    assert one(data, origin("info", subject)).title == title


def test_generic_reason_is_cut_to_2000() -> None:
    assert one("r" * 2500).reason == "r" * 2000


def test_generic_keys_depend_on_topic_subject_and_body() -> None:
    base = one("same", origin("info", "s")).key
    assert one("same", origin("info", "s")).key == base
    assert one("same", origin("warning", "s")).key != base
    assert one("same", origin("info", "t")).key != base


def test_a_non_string_message_that_json_cannot_encode_still_parses() -> None:
    when = datetime(2026, 12, 1, tzinfo=UTC)
    alert = one([when])
    assert alert.source == "generic"
    assert alert.raw == [when]
    assert alert.reason == f"[{when!r}]"


def test_json_that_is_not_an_object_is_generic() -> None:
    alert = one("[1, 2]")
    assert alert.raw == [1, 2]
    assert alert.reason == "[1, 2]"
    assert one("null").raw == "null"


def test_something_that_only_looks_like_an_alarm_is_generic(
        caplog: pytest.LogCaptureFixture) -> None:
    broken = {"AlarmName": "x", "NewStateValue": "ALARM", "Trigger": "not an object"}
    with caplog.at_level(logging.WARNING):
        alert = one(json.dumps(broken), origin("warning", "subj"))
    assert alert.source == "generic"
    assert alert.raw == broken
    [record] = caplog.records
    assert record.getMessage() == ("message resembles a known format but does not parse; "
                                   "routed as generic")
    assert record.subject == "subj"
    assert record.error.startswith("AttributeError(")


@pytest.mark.parametrize("data", [
    {"AlarmName": "x"},                  # no state: not an alarm
    {"NewStateValue": "ALARM"},
    {"anomalyId": "a"},                  # no impact: not an anomaly
    {"impact": {}},
])
def test_half_a_format_is_generic(data: dict) -> None:
    assert one(data).source == "generic"


@pytest.mark.parametrize("broken", [
    lambda e: e["detail"].pop("findings"),      # KeyError
    lambda e: e["detail"].update(findings=5),   # TypeError
    lambda e: e["detail"].update(findings=[{"Title": "no Id"}]),  # KeyError on a finding
    lambda e: e["detail"].update(findings=[5]),  # AttributeError
])
def test_broken_events_are_kept_whole(broken: Any) -> None:
    event = copy.deepcopy(fixture_json("eventbridge-securityhub-findings-imported.json"))
    broken(event)
    alert = one(event)
    assert alert.source == "generic"
    assert alert.raw == event


def test_a_bad_guardduty_score_is_kept_whole() -> None:
    event = fixture_json("eventbridge-guardduty-finding.json")
    event["detail"]["severity"] = "high"  # ValueError from float()
    assert one(event).source == "generic"


# -- helpers ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("arn", "fallback", "region"), [
    ("arn:aws:cloudwatch:us-east-1:1:alarm:a", "", "us-east-1"),
    ("arn:aws:cloudwatch:us-gov-west-1:1:alarm:a", "eu-west-1", "us-gov-west-1"),
    ("a:b:c:eu-central-1", "", "eu-central-1"),        # four parts are enough
    ("a:b:eu-central-1", "eu-west-1", "eu-west-1"),    # three are not
    ("arn:aws:cloudwatch:REGION:1:alarm:a", "ap-southeast-2", "ap-southeast-2"),
    ("arn:aws:cloudwatch:REGION:1:alarm:a", "US East (N. Virginia)", ""),
    ("arn:aws:cloudwatch:us-east-1x:1:alarm:a", "", ""),
    ("", "", ""),
])
def test_region_of(arn: str, fallback: str, region: str) -> None:
    assert _region_of(arn, fallback) == region


def test_region_of_without_fallback() -> None:
    assert _region_of("a:b:c") == ""


@pytest.mark.parametrize(("value", "state"), [
    ("ALARM", "ALARM"), ("ok", "OK"), ("Insufficient_Data", "INSUFFICIENT_DATA"),
    ("weird", "ALARM"), (None, "ALARM"), ("", "ALARM")])
def test_states(value: str | None, state: str) -> None:
    assert _state(value) == state


def test_alarm_console_url_defaults_to_us_east_1() -> None:
    assert alarm_console_url("", "a/b") == f"{US_EAST_ALARMS}#alarmsV2:alarm/a%2Fb"
    assert alarm_console_url("eu-west-1", "a") == (
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1"
        "#alarmsV2:alarm/a")


@pytest.mark.parametrize(("description", "url"), [
    ("Runbook: https://wiki.example.com/RunBooks/api.", "https://wiki.example.com/RunBooks/api"),
    ("(https://w.example.com/runbook/x),", "https://w.example.com/runbook/x"),
    ("Dashboard: https://d.example.com/api", f"{RUNBOOK}#api-5xx"),
    ("https://d.example.com/a then https://w.example.com/runbook", f"{RUNBOOK}#api-5xx"),
    ("http://w.example.com/runbook", f"{RUNBOOK}#api-5xx"),  # only https links
    ("", f"{RUNBOOK}#api-5xx"),
])
def test_runbook_url(description: str, url: str) -> None:
    assert runbook_url(origin(), "API 5xx", description) == url


def test_runbook_url_without_description() -> None:
    assert runbook_url(origin(), "API 5xx") == f"{RUNBOOK}#api-5xx"


# -- which field wins, and nothing at all -------------------------------------------------
def test_guardduty_prefers_the_findings_region_and_account() -> None:
    event = fixture_json("eventbridge-guardduty-finding.json")
    event["detail"].update(region="eu-west-1", accountId="111111111111")
    event.update(region="us-east-1", account="222222222222")
    alert = one(event)
    assert (alert.region, alert.account) == ("eu-west-1", "111111111111")
    assert alert.links["Finding"].startswith("https://eu-west-1.console.aws.amazon.com/")


def test_guardduty_without_region_account_or_time() -> None:
    event = fixture_json("eventbridge-guardduty-finding.json")
    for name in ("region", "accountId", "updatedAt"):
        del event["detail"][name]
    for name in ("region", "account", "time"):
        del event[name]
    alert = one(event)
    assert (alert.region, alert.account, alert.time) == ("", "", "")


def test_securityhub_prefers_the_findings_region_and_account() -> None:
    event = fixture_json("eventbridge-securityhub-findings-imported.json")
    event["detail"]["findings"][0].update(Region="eu-west-1", AwsAccountId="111111111111",
                                          Types=["A", "B"])
    event.update(region="us-east-1", account="222222222222")
    alert = one(event)
    assert (alert.region, alert.account) == ("eu-west-1", "111111111111")
    assert alert.details["types"] == "A, B"


def test_securityhub_without_region_account_or_time() -> None:
    event = fixture_json("eventbridge-securityhub-findings-imported.json")
    for name in ("Region", "AwsAccountId", "UpdatedAt"):
        del event["detail"]["findings"][0][name]
    for name in ("region", "account", "time"):
        del event[name]
    alert = one(event)
    assert (alert.region, alert.account, alert.time) == ("", "", "")


def test_health_prefers_the_event_region_of_the_detail() -> None:
    event = fixture_json("eventbridge-health-event.json")
    event["detail"]["eventRegion"] = "eu-west-1"
    event["region"] = "us-east-1"
    assert one(event).region == "eu-west-1"


def test_health_without_region_account_or_time() -> None:
    event = fixture_json("eventbridge-health-event.json")
    for name in ("eventRegion", "startTime"):
        del event["detail"][name]
    for name in ("region", "account", "time"):
        del event[name]
    alert = one(event)
    assert (alert.region, alert.account, alert.time) == ("", "", "")


def test_alarm_state_change_prefers_the_events_region() -> None:
    event = fixture_json("eventbridge-alarm-state-change.json")
    event["region"] = "eu-west-1"  # the ARN still says us-east-1
    alert = one(event)
    assert alert.region == "eu-west-1"
    assert alert.links["Alarm"].startswith("https://eu-west-1.console.aws.amazon.com/")


def test_alarm_state_change_with_nothing_optional() -> None:
    event = fixture_json("eventbridge-alarm-state-change.json")
    for name in ("account", "time"):
        del event[name]
    event["detail"]["state"] = {"value": "ALARM"}
    event["detail"]["configuration"] = {}
    alert = one(event)
    assert (alert.account, alert.time, alert.resource) == ("", "", "")


def test_alarm_state_change_lists_every_metric() -> None:
    event = fixture_json("eventbridge-alarm-state-change.json")
    metrics = event["detail"]["configuration"]["metrics"]
    metrics.append({"id": "m2", "metricStat": {"metric": {"namespace": "AWS/Lambda",
                                                          "name": "Invocations"}}})
    assert one(event).resource == "AWS/Lambda/Errors, AWS/Lambda/Invocations"


def test_a_generic_object_json_cannot_encode_keeps_its_text() -> None:
    alert = one({"when": datetime(2026, 12, 1, tzinfo=UTC)})
    assert alert.reason == '{"when": "2026-12-01 00:00:00+00:00"}'


def test_no_message_is_the_text_null() -> None:
    alert = one(None)
    assert (alert.raw, alert.reason) == ("null", "null")


@pytest.mark.parametrize("data", [
    {"AlarmName": "x"}, {"NewStateValue": "ALARM"},
    {"detail-type": "GuardDuty Finding", "detail": "text"},
])
def test_half_a_format_is_not_even_tried(data: dict,
                                         caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert one(data).source == "generic"
    assert caplog.records == []


def test_a_runbook_link_keeps_a_trailing_capital_x() -> None:
    assert runbook_url(origin(), "a", "https://w.example.com/runbook/FIX") == (
        "https://w.example.com/runbook/FIX")
