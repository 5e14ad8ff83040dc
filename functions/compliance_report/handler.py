"""Weekly compliance report: Security Hub's control findings by standard, to the lake and SNS.

Invoked asynchronously by a weekly EventBridge schedule. Pages through GetFindings (active,
not suppressed, with a compliance status, in the stack's standards), groups them by standard
and control (:mod:`functions.compliance_report.report`), writes the controls as JSON lines
and a Markdown report under ``REPORT_PREFIX`` of the lake bucket, partitioned by the
schedule's date, and publishes a short summary to the info topic. The objects' keys come from
the event's date, so a retried invocation overwrites its own report. A failed call raises:
Lambda's asynchronous retries and the on-failure queue keep the event.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from functions.compliance_report.report import (
    STATUSES,
    collect,
    json_lines,
    markdown,
    message,
    subject,
)
from functions.shared import clients

# GetFindings returns at most 100 findings a page.
PAGE_SIZE = 100

logger = Logger()
tracer = Tracer()
metrics = Metrics()
securityhub = clients.client("securityhub")
s3 = clients.client("s3")
sns = clients.client("sns")


def finding_filters(standards: Sequence[str]) -> dict[str, list[dict[str, str]]]:
    """GetFindings filters: values of one field are ORed (EQUALS) or ANDed (NOT_EQUALS)."""
    return {
        "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
        "WorkflowStatus": [{"Value": "SUPPRESSED", "Comparison": "NOT_EQUALS"}],
        "ComplianceStatus": [{"Value": s, "Comparison": "EQUALS"} for s in STATUSES],
        "ComplianceAssociatedStandardsId": [{"Value": s, "Comparison": "EQUALS"}
                                            for s in standards],
    }


def report_day(event: Any) -> str:
    """The UTC date of the scheduled event (``time``), else of now: the report's partition."""
    stamp = event.get("time") if isinstance(event, dict) else None
    if isinstance(stamp, str):
        try:
            return datetime.fromisoformat(stamp.replace("Z", "+00:00")).date().isoformat()
        except ValueError:
            logger.warning("Event time is not ISO-8601; using now", extra={"time": stamp})
    return datetime.now(UTC).date().isoformat()


@tracer.capture_method
def findings(standards: Sequence[str]) -> Iterator[dict[str, Any]]:
    """Every matching finding, page by page (the SDK retries throttled pages)."""
    pages = securityhub.get_paginator("get_findings").paginate(
        Filters=finding_filters(standards), PaginationConfig={"PageSize": PAGE_SIZE})
    for page in pages:
        yield from page["Findings"]


def _settings() -> dict[str, Any]:
    prefix = os.environ["REPORT_PREFIX"]
    return {"bucket": os.environ["LAKE_BUCKET"], "prefix": prefix.rstrip("/") + "/",
            "topic": os.environ["REPORT_TOPIC_ARN"],
            "standards": list(json.loads(os.environ["STANDARDS"]))}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Build this week's report, store it in the lake and announce it on the info topic."""
    settings = _settings()
    standards = settings["standards"]
    day = report_day(event)
    generated_at = datetime.now(UTC).isoformat(timespec="seconds")
    controls, skipped = collect(findings(standards), standards)
    data_key = f"{settings['prefix']}controls/dt={day}/controls.json"
    summary_key = f"{settings['prefix']}summaries/dt={day}/report.md"
    s3.put_object(Bucket=settings["bucket"], Key=data_key,
                  Body=json_lines(controls, generated_at).encode(),
                  ContentType="application/x-ndjson")
    s3.put_object(Bucket=settings["bucket"], Key=summary_key,
                  Body=markdown(controls, standards, day).encode(),
                  ContentType="text/markdown; charset=utf-8")
    report_url = f"s3://{settings['bucket']}/{summary_key}"
    sns.publish(TopicArn=settings["topic"], Subject=subject(controls, day),
                Message=message(controls, standards, day, report_url))
    failed = sum(1 for c in controls if c.status == "FAILED")
    metrics.add_metric(name="ComplianceControlsFailed", unit=MetricUnit.Count, value=failed)
    metrics.add_metric(name="ComplianceControlsReported", unit=MetricUnit.Count,
                       value=len(controls))
    logger.info("Compliance report written", extra={
        "day": day, "controls": len(controls), "failed": failed, "skipped": skipped,
        "key": data_key})
    return {"day": day, "controls": len(controls), "failed": failed, "key": data_key}
