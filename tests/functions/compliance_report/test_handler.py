"""The compliance report handler: GetFindings pages (Stubber) to moto's S3 and SNS.

moto's GetFindings ignores ``Filters`` (moto 5.2.5, ``securityhub/models.py``), so Security
Hub is botocore's Stubber with the documented response pages of
``tests/fixtures/security/getfindings-control-findings.json`` and the exact filters expected;
S3 and SNS are moto, and an SQS queue subscribed to the topic reads the notification.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

FIXTURES = Path(__file__).parents[2] / "fixtures"
FIXTURE = FIXTURES / "security" / "getfindings-control-findings.json"
SCHEDULED = FIXTURES / "analytics" / "eventbridge-scheduled-event.json"
FSBP = "standards/aws-foundational-security-best-practices/v/1.0.0"
CIS = "standards/cis-aws-foundations-benchmark/v/3.0.0"
BUCKET = "marketplace-test-lake"
FILTERS = {
    "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
    "WorkflowStatus": [{"Value": "SUPPRESSED", "Comparison": "NOT_EQUALS"}],
    "ComplianceStatus": [{"Value": "FAILED", "Comparison": "EQUALS"},
                         {"Value": "WARNING", "Comparison": "EQUALS"},
                         {"Value": "NOT_AVAILABLE", "Comparison": "EQUALS"},
                         {"Value": "PASSED", "Comparison": "EQUALS"}],
    "ComplianceAssociatedStandardsId": [{"Value": FSBP, "Comparison": "EQUALS"},
                                        {"Value": CIS, "Comparison": "EQUALS"}],
}
# The controls the fixture's findings make, as worked out by hand (standard, control, status,
# severity, failed and passed resources): failed first, then by severity, then by control id.
EXPECTED = [
    (FSBP, "IAM.6", "FAILED", "CRITICAL", 1, 0),
    (FSBP, "EC2.2", "FAILED", "HIGH", 1, 0),
    (FSBP, "S3.8", "FAILED", "HIGH", 1, 1),
    (FSBP, "S3.10", "FAILED", "MEDIUM", 1, 0),
    (FSBP, "CloudTrail.1", "PASSED", "HIGH", 0, 1),
    (CIS, "IAM.6", "FAILED", "CRITICAL", 1, 0),
    (CIS, "EC2.2", "FAILED", "HIGH", 1, 0),
    (CIS, "S3.8", "FAILED", "HIGH", 1, 1),
    (CIS, "CloudTrail.1", "PASSED", "HIGH", 0, 1),
]


class Context:
    """The attributes of a Lambda context Powertools reads."""

    function_name = "marketplace-test-compliance-report"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:x:live"
    aws_request_id = "req-1"


def scheduled_event(time: str = "2026-11-30T06:00:00Z") -> dict[str, Any]:
    """EventBridge's scheduled event, as the weekly rule sends it."""
    return {**json.loads(SCHEDULED.read_text()), "time": time}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    """moto S3 and SNS (with a queue on the topic), the handler's Security Hub stubbed."""
    for key, value in {
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing", "POWERTOOLS_SERVICE_NAME": "compliance-report",
        "POWERTOOLS_METRICS_NAMESPACE": "marketplace/test", "POWERTOOLS_TRACE_DISABLED": "true",
        "LAKE_BUCKET": BUCKET, "REPORT_PREFIX": "compliance/",
        "STANDARDS": json.dumps([FSBP, CIS]),
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        sns, sqs = boto3.client("sns"), boto3.client("sqs")
        topic = sns.create_topic(Name="marketplace-test-info")["TopicArn"]
        queue = sqs.create_queue(QueueName="info-copy")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        monkeypatch.setenv("REPORT_TOPIC_ARN", topic)
        module = importlib.reload(importlib.import_module("functions.compliance_report.handler"))
        yield SimpleNamespace(handler=module, s3=s3, sqs=sqs, queue=queue)


@pytest.fixture
def stubbed(aws: SimpleNamespace) -> Iterator[Stubber]:
    """``aws`` with the handler's Security Hub client answered by the Stubber (``aws.stub``).

    The Stubber answers before the recording plugin sees the call, so the role check learns
    GetFindings from the moto test below."""
    with Stubber(aws.handler.securityhub) as stub:
        aws.stub = stub
        yield stub


def expect_pages(stub: Stubber) -> None:
    """The fixture's two pages, each asked for with the report's filters."""
    first, second = json.loads(FIXTURE.read_text())["pages"]
    stub.add_response("get_findings", first, {"Filters": FILTERS, "MaxResults": 100})
    stub.add_response("get_findings", second, {"Filters": FILTERS, "MaxResults": 100,
                                               "NextToken": first["NextToken"]})


def report_rows(aws: SimpleNamespace, key: str) -> list[tuple[Any, ...]]:
    """The report's JSON lines as (standard, control, status, severity, failed, passed)."""
    body = aws.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
    return [(r["standard"], r["control_id"], r["status"], r["severity"], r["failed"],
             r["passed"]) for r in map(json.loads, body.splitlines())]


def notification(aws: SimpleNamespace) -> dict[str, Any]:
    (received,) = aws.sqs.receive_message(QueueUrl=aws.queue, MaxNumberOfMessages=10)["Messages"]
    return json.loads(received["Body"])


@pytest.mark.usefixtures("stubbed")
def test_report_groups_fixture_findings_by_standard_failed_first(aws: SimpleNamespace) -> None:
    expect_pages(aws.stub)
    result = aws.handler.handler(scheduled_event(), Context())
    aws.stub.assert_no_pending_responses()
    key = "compliance/controls/dt=2026-11-30/controls.json"
    assert result == {"day": "2026-11-30", "controls": 9, "failed": 7, "key": key}
    assert report_rows(aws, key) == EXPECTED
    body = aws.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
    s3_8 = json.loads(body.splitlines()[2])
    assert s3_8["failed_resources"] == ["arn:aws:s3:::marketplace-prod-media-assets"]
    assert s3_8["title"] == "S3 general purpose buckets should block public access"


def test_pages_through_moto_security_hub_to_the_same_report(aws: SimpleNamespace) -> None:
    """Through moto's GetFindings (which pages but does not filter): the same controls, and
    the NIST-only finding left out by the report itself."""
    hub = boto3.client("securityhub")
    findings = [f for page in json.loads(FIXTURE.read_text())["pages"] for f in page["Findings"]]
    assert hub.batch_import_findings(Findings=findings)["FailedCount"] == 0
    aws.handler.PAGE_SIZE = 2  # four pages of the seven findings
    result = aws.handler.handler(scheduled_event(), Context())
    assert report_rows(aws, result["key"]) == EXPECTED


@pytest.mark.usefixtures("stubbed")
def test_report_markdown_and_notification(aws: SimpleNamespace) -> None:
    expect_pages(aws.stub)
    aws.handler.handler(scheduled_event(), Context())
    summary = "compliance/summaries/dt=2026-11-30/report.md"
    got = aws.s3.get_object(Bucket=BUCKET, Key=summary)
    assert got["ContentType"] == "text/markdown; charset=utf-8"
    text = got["Body"].read().decode()
    assert text.startswith("# Security Hub compliance report, 2026-11-30\n")
    assert "| FAILED | CRITICAL | IAM.6 | Hardware MFA should be enabled for the root user | 1 |" \
        in text
    note = notification(aws)
    assert note["Subject"] == "Compliance report 2026-11-30: 7 failed controls"
    lines = note["Message"].splitlines()
    assert lines[2:4] == [
        "aws-foundational-security-best-practices v1.0.0: 4 failed, 0 warning, 1 passed",
        "cis-aws-foundations-benchmark v3.0.0: 3 failed, 0 warning, 1 passed"]
    assert lines[6] == ("- [CRITICAL] IAM.6 Hardware MFA should be enabled for the root user "
                        "(1 resource, aws-foundational-security-best-practices v1.0.0)")
    assert lines[-1] == f"Full report: s3://{BUCKET}/{summary}"


@pytest.mark.usefixtures("stubbed")
def test_no_findings_still_reports_and_names_the_week_of_the_event(aws: SimpleNamespace) -> None:
    aws.stub.add_response("get_findings", {"Findings": []},
                          {"Filters": FILTERS, "MaxResults": 100})
    result = aws.handler.handler(scheduled_event("2026-12-07T06:00:00Z"), Context())
    assert result == {"day": "2026-12-07", "controls": 0, "failed": 0,
                      "key": "compliance/controls/dt=2026-12-07/controls.json"}
    assert aws.s3.get_object(Bucket=BUCKET, Key=result["key"])["Body"].read() == b""
    assert notification(aws)["Subject"] == "Compliance report 2026-12-07: 0 failed controls"


@pytest.mark.usefixtures("stubbed")
def test_a_failed_page_raises_and_writes_nothing(aws: SimpleNamespace) -> None:
    aws.stub.add_client_error("get_findings", service_error_code="InvalidAccessException",
                              service_message="Account is not subscribed to AWS Security Hub",
                              http_status_code=401)
    with pytest.raises(aws.handler.securityhub.exceptions.InvalidAccessException):
        aws.handler.handler(scheduled_event(), Context())
    assert aws.s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0


def test_report_day_from_the_event_time_else_today() -> None:
    from functions.compliance_report.handler import report_day
    assert report_day({"time": "2026-11-30T23:59:59Z"}) == "2026-11-30"
    assert len(report_day({"time": "yesterday"})) == 10
    assert len(report_day(None)) == 10

