"""The weekly compliance report: schedule, role, lake prefix and table, topic, config."""

from __future__ import annotations

import json

import pytest

from components.config import ConfigError
from tests.components.alerting.helpers import (
    RULE,
    TARGET,
    queue_by_arn,
    queue_policy_of,
    stack_config,
    topic_arns,
)
from tests.helpers import PROD_FEATURES_SWITCHED, policy_document, prod_features_switched
from tools.mock_runtime import Registry

FUNCTION = "aws:lambda/function:Function"
NAME = "marketplace-prod-compliance-report"
FSBP = "standards/aws-foundational-security-best-practices/v/1.0.0"
CIS = "standards/cis-aws-foundations-benchmark/v/3.0.0"
SUBSCRIPTION = "aws:securityhub/standardsSubscription:StandardsSubscription"


def report_function(registry: Registry) -> dict[str, object]:
    return registry.named(FUNCTION, f"{NAME}-function").inputs


def lake_bucket(registry: Registry) -> str:
    return registry.named("aws:s3/bucket:Bucket",
                          "marketplace-prod-analytics-data-lake-bucket").outputs["bucket"]


def test_config_standards_and_report_in_both_stacks() -> None:
    prod, dev = stack_config("prod").security, stack_config("dev").security
    assert prod.securityhub_standards == ("fsbp", "cis")
    assert prod.compliance_report_enabled is True
    # dev relies on prod's hub: no hub, so no report either.
    assert dev.securityhub_enabled is False
    assert dev.compliance_report_enabled is False


def test_bad_and_repeated_standards_are_named_in_one_error() -> None:
    with pytest.raises(ConfigError) as error:
        stack_config("prod", securityHubStandards=["fsbp", "cis2", "nist"])
    assert error.value.keys == ("marketplace:securityHubStandards[1]",
                                "marketplace:securityHubStandards[2]")
    assert "'cis2' is not a Security Hub standard; use one of fsbp, cis, cis-1.4, " \
        "nist-800-53, pci-dss (did you mean 'cis'?)" in str(error.value)
    with pytest.raises(ConfigError, match="'cis' is listed twice"):
        stack_config("prod", securityHubStandards=["cis", "fsbp", "cis"])


def test_dev_has_no_report(dev: Registry) -> None:
    assert [f.name for f in dev.by_type(FUNCTION) if "compliance" in f.name] == []
    assert [r.name for r in dev.by_type(RULE) if "compliance" in r.name] == []


def test_weekly_schedule_invokes_the_live_alias_with_retries_and_a_dlq(prod: Registry) -> None:
    rule = prod.named(RULE, f"{NAME}-schedule")
    assert rule.inputs["scheduleExpression"] == "cron(0 6 ? * MON *)"
    [target] = [t for t in prod.by_type(TARGET) if t.inputs["rule"] == rule.outputs["name"]]
    alias = prod.named("aws:lambda/alias:Alias", f"{NAME}-live")
    assert target.inputs["arn"] == alias.outputs["arn"]
    assert target.inputs["retryPolicy"] == {"maximumEventAgeInSeconds": 86400,
                                            "maximumRetryAttempts": 2}
    dlq = queue_by_arn(prod, target.inputs["deadLetterConfig"]["arn"])
    [statement] = policy_document(queue_policy_of(prod, dlq).inputs["policy"])["Statement"]
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": [rule.outputs["arn"]]}}
    [permission] = [p for p in prod.by_type("aws:lambda/permission:Permission")
                    if p.inputs.get("sourceArn") == rule.outputs["arn"]]
    assert permission.inputs["principal"] == "events.amazonaws.com"
    assert permission.inputs["qualifier"] == "live"


def test_function_writes_to_the_lake_prefix_and_the_info_topic(prod: Registry) -> None:
    fn = report_function(prod)
    env = fn["environment"]["variables"]
    assert env["LAKE_BUCKET"] == lake_bucket(prod)
    assert env["REPORT_PREFIX"] == "compliance/"
    assert env["REPORT_TOPIC_ARN"] == topic_arns(prod)["info"]
    assert json.loads(env["STANDARDS"]) == [FSBP, CIS]
    assert fn["timeout"] == 300
    assert fn["reservedConcurrentExecutions"] == 1
    assert fn["architectures"] == ["arm64"]
    # Asynchronous invocations end in the function's own failure queue.
    [config] = [c for c in prod.by_type(
        "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig")
        if c.name == f"{NAME}-async"]
    assert config.inputs["destinationConfig"]["onFailure"]["destination"].startswith(
        "arn:aws:sqs:")


def test_role_grants_exactly_findings_the_prefix_and_the_topic(prod: Registry) -> None:
    policy = prod.named("aws:iam/rolePolicy:RolePolicy", f"{NAME}-policy")
    own = {s["Sid"]: s for s in policy_document(policy.inputs["policy"])["Statement"]
           if s["Sid"] in ("ReadFindings", "WriteReports", "PublishReport")}
    lake_arn = f"arn:aws:s3:::{lake_bucket(prod)}"
    assert own == {
        "ReadFindings": {"Sid": "ReadFindings", "Effect": "Allow",
                         "Action": ["securityhub:GetFindings"],
                         "Resource": "arn:aws:securityhub:us-east-1:123456789012:hub/default"},
        "WriteReports": {"Sid": "WriteReports", "Effect": "Allow", "Action": ["s3:PutObject"],
                         "Resource": f"{lake_arn}/compliance/*"},
        "PublishReport": {"Sid": "PublishReport", "Effect": "Allow", "Action": ["sns:Publish"],
                          "Resource": topic_arns(prod)["info"]},
    }
    sids = [s["Sid"] for s in policy_document(policy.inputs["policy"])["Statement"]]
    assert sids == ["WriteOwnLogs", "WriteTraces", "UseStackKey", "KeepFailedEvents",
                    "ReadFindings", "WriteReports", "PublishReport"]


def test_glue_table_reads_the_json_lines_by_projected_day(prod: Registry) -> None:
    table = prod.named("aws:glue/catalogTable:CatalogTable", f"{NAME}-table").inputs
    [database] = prod.by_type("aws:glue/catalogDatabase:CatalogDatabase")
    assert table["name"] == "compliance_controls"
    assert table["databaseName"] == database.outputs["name"]
    bucket = lake_bucket(prod)
    storage = table["storageDescriptor"]
    assert storage["location"] == f"s3://{bucket}/compliance/controls/"
    assert storage["serDeInfo"]["serializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"
    assert [c["name"] for c in storage["columns"]] == [
        "generated_at", "standard", "control_id", "title", "status", "severity", "failed",
        "warning", "not_available", "passed", "failed_resources"]
    assert table["partitionKeys"] == [{"name": "dt", "type": "string",
                                       "comment": "UTC date of the weekly run, yyyy-MM-dd"}]
    params = table["parameters"]
    assert params["projection.dt.type"] == "date"
    assert params["storage.location.template"] == f"s3://{bucket}/compliance/controls/dt=${{dt}}/"


def test_report_function_is_watched(prod: Registry) -> None:
    fn = prod.named(FUNCTION, f"{NAME}-function")
    alarms = [a for a in prod.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")
              if (a.inputs.get("dimensions") or {}).get("FunctionName") == fn.outputs["name"]]
    assert alarms, "the catalog gives the report function its alarms"


def test_standards_follow_config_and_the_report_can_be_turned_off() -> None:
    reg = prod_features_switched()
    assert PROD_FEATURES_SWITCHED["securityHubStandards"] == ["cis", "nist-800-53", "cis-1.4"]
    assert PROD_FEATURES_SWITCHED["complianceReportEnabled"] is False
    assert sorted((s.name, s.inputs["standardsArn"]) for s in reg.by_type(SUBSCRIPTION)) == [
        ("marketplace-prod-security-securityhub-cis-aws-foundations-benchmark",
         "arn:aws:securityhub:us-east-1::standards/cis-aws-foundations-benchmark/v/3.0.0"),
        ("marketplace-prod-security-securityhub-cis-aws-foundations-benchmark-v1-4-0",
         "arn:aws:securityhub:us-east-1::standards/cis-aws-foundations-benchmark/v/1.4.0"),
        ("marketplace-prod-security-securityhub-nist-800-53",
         "arn:aws:securityhub:us-east-1::standards/nist-800-53/v/5.0.0"),
    ]
    assert [f.name for f in reg.by_type(FUNCTION) if "compliance" in f.name] == []
