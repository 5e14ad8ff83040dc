"""The weekly compliance report: its function, its schedule and its table in the lake.

An EventBridge schedule (a rule, as the alert router's escalation sweep is scheduled) invokes
``functions/compliance_report`` once a week, asynchronously: the target retries twice and
keeps what still fails in its own queue, and the function's asynchronous retries end in its
on-failure queue (the Lambda block). The function reads Security Hub's control findings of the
stack's standards, writes the report under ``compliance/`` in the lake and publishes a summary
to the info topic. The lake's Glue database gets a ``compliance_controls`` table over the JSON
lines, its ``dt`` partitions projected, so Athena reads the weeks with no crawler.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.analytics.lake_catalog import glue_name
from components.blocks.dead_letter_queue import DeadLetterQueue
from components.blocks.lambda_function import LambdaFunction, LambdaFunctionArgs
from components.blocks.monitored_items import MonitoredItem
from components.blocks.rule_target import invoke_from_rule
from components.platform.context import StackContext
from components.security.standards import standards_ids

REPORT_PREFIX = "compliance/"
TABLE = "compliance_controls"
# Mondays at 06:00 UTC: the week's report is there when the week starts.
SCHEDULE = "cron(0 6 ? * MON *)"
TIMEOUT_SECONDS = 300  # a few thousand findings, 100 a page, GetFindings at 3 requests a second
# A missed week is not worth more than a day of retries; the next week reports anew.
TARGET_MAX_AGE_SECONDS = 86400
JSON_SERDE = "org.openx.data.jsonserde.JsonSerDe"
TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
PROJECTION_START = "2026-01-01"
# The rows of functions/compliance_report/report.py (Control.as_row).
COLUMNS = (
    ("generated_at", "string", "ISO-8601 time the report was built"),
    ("standard", "string", "StandardsId, e.g. standards/cis-aws-foundations-benchmark/v/3.0.0"),
    ("control_id", "string", "Compliance.SecurityControlId, e.g. S3.8"),
    ("title", "string", ""),
    ("status", "string", "worst resource status: FAILED, WARNING, NOT_AVAILABLE, PASSED"),
    ("severity", "string", "highest severity label of the control's findings"),
    ("failed", "int", "resources failing the control"),
    ("warning", "int", ""),
    ("not_available", "int", ""),
    ("passed", "int", ""),
    ("failed_resources", "array<string>", "up to 20 failing resource ids"),
)


@dataclass(frozen=True)
class ComplianceReportArgs:
    """Inputs of :class:`ComplianceReport`: the stack context (info topic, key, names), the
    short names of the standards to report on and the lake it writes to."""

    context: StackContext
    standards: tuple[str, ...]
    lake_bucket_name: pulumi.Input[str]
    lake_bucket_arn: pulumi.Input[str]
    database_name: pulumi.Input[str]


def report_statements(region: str, account_id: pulumi.Input[str],
                      lake_bucket_arn: pulumi.Input[str],
                      topic_arn: pulumi.Input[str]) -> list[dict[str, object]]:
    """Read the region's findings, write under the report prefix, publish to the info topic.

    GetFindings is authorized on the account's hub in the region (resource type ``hub``:
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecurityhub.html).
    """
    return [
        {"Sid": "ReadFindings", "Effect": "Allow", "Action": ["securityhub:GetFindings"],
         "Resource": pulumi.Output.concat("arn:aws:securityhub:", region, ":", account_id,
                                          ":hub/default")},
        {"Sid": "WriteReports", "Effect": "Allow", "Action": ["s3:PutObject"],
         "Resource": pulumi.Output.concat(lake_bucket_arn, "/", REPORT_PREFIX, "*")},
        {"Sid": "PublishReport", "Effect": "Allow", "Action": ["sns:Publish"],
         "Resource": topic_arn},
    ]


def projection_parameters(bucket: str) -> dict[str, str]:
    """Glue table parameters: ``dt`` partitions projected by day over the report prefix."""
    return {
        "projection.enabled": "true",
        "projection.dt.type": "date",
        "projection.dt.format": "yyyy-MM-dd",
        "projection.dt.range": f"{PROJECTION_START},NOW",
        "projection.dt.interval": "1",
        "projection.dt.interval.unit": "DAYS",
        "storage.location.template": f"s3://{bucket}/{REPORT_PREFIX}controls/dt=${{dt}}/",
        "classification": "json",
        "EXTERNAL": "TRUE",
    }


class ComplianceReport(pulumi.ComponentResource):
    """The report function, its weekly schedule (with a DLQ) and its Glue table."""

    function: LambdaFunction
    schedule: aws.cloudwatch.EventRule
    table: aws.glue.CatalogTable
    function_name: pulumi.Output[str]
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: ComplianceReportArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:security:ComplianceReport", name, None, opts)
        ctx = args.context
        child = pulumi.ResourceOptions(parent=self)
        info = ctx.topic_arns["info"]
        self.function = LambdaFunction(
            name,
            LambdaFunctionArgs(
                package="compliance_report",
                handler="functions.compliance_report.handler.handler",
                description="Weekly Security Hub compliance report to the lake and info topic",
                context=ctx,
                timeout_seconds=TIMEOUT_SECONDS,
                invoked_async=True,
                concurrency_key="complianceReport",
                statements=report_statements(ctx.region, ctx.account_id, args.lake_bucket_arn,
                                             info),
                environment={
                    "LAKE_BUCKET": args.lake_bucket_name,
                    "REPORT_PREFIX": REPORT_PREFIX,
                    "REPORT_TOPIC_ARN": info,
                    "STANDARDS": json.dumps(standards_ids(args.standards)),
                },
            ),
            opts=child,
        )
        schedule_dlq = self._schedule(name, ctx)
        self.table = self._table(name, args)
        self.function_name = self.function.function_name
        self.monitored_items = (*self.function.monitored_items,
                                *schedule_dlq.monitored_items)
        self.register_outputs({"functionName": self.function_name,
                               "tableName": self.table.name})

    def _schedule(self, name: str, ctx: StackContext) -> DeadLetterQueue:
        """The weekly rule, its permission and target; returns the target's DLQ."""
        child = pulumi.ResourceOptions(parent=self)
        self.schedule = aws.cloudwatch.EventRule(
            f"{name}-schedule",
            name=f"{ctx.prefix}-compliance-report",
            description="Runs the weekly Security Hub compliance report",
            schedule_expression=SCHEDULE,
            opts=child,
        )
        return invoke_from_rule(
            f"{name}-schedule", f"{name}-schedule-dlq", self.schedule, self.function, ctx,
            max_age_seconds=TARGET_MAX_AGE_SECONDS, attempts=2, parent=self)

    def _table(self, name: str, args: ComplianceReportArgs) -> aws.glue.CatalogTable:
        """``compliance_controls``: the report's JSON lines, one row per standard and control."""
        location = pulumi.Output.concat("s3://", args.lake_bucket_name, "/", REPORT_PREFIX,
                                        "controls/")
        return aws.glue.CatalogTable(
            f"{name}-table",
            name=glue_name(TABLE),
            database_name=args.database_name,
            description="Weekly Security Hub compliance report: one row per standard and control",
            table_type="EXTERNAL_TABLE",
            parameters=pulumi.Output.from_input(args.lake_bucket_name).apply(
                projection_parameters),
            partition_keys=[aws.glue.CatalogTablePartitionKeyArgs(
                name="dt", type="string", comment="UTC date of the weekly run, yyyy-MM-dd")],
            storage_descriptor=aws.glue.CatalogTableStorageDescriptorArgs(
                location=location,
                input_format=TEXT_INPUT,
                output_format=TEXT_OUTPUT,
                ser_de_info=aws.glue.CatalogTableStorageDescriptorSerDeInfoArgs(
                    name="json", serialization_library=JSON_SERDE),
                columns=[aws.glue.CatalogTableStorageDescriptorColumnArgs(
                    name=column, type=kind, comment=comment or None)
                    for column, kind, comment in COLUMNS],
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
