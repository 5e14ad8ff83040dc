"""The Lambda@Edge image function is watched and its us-east-1 log group is kept and encrypted.

Run in a stack outside us-east-1 with python3.14 as the stack runtime, so that the region of
each alarm, topic and log group, and the edge runtime fallback, show in the plan.
"""

from __future__ import annotations

import json

import pytest

from components.blocks.monitored_items import Kind
from tests.helpers import DEV_EU_ENTERPRISE, run_program, stack_registry
from tools.mock_runtime import Registry

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
FUNCTION = "aws:lambda/function:Function"


@pytest.fixture(scope="module")
def eu_dev() -> Registry:
    return run_program("dev", **DEV_EU_ENTERPRISE)


def test_cloudfront_counts_of_edge_errors_are_alarmed_in_us_east_1(eu_dev: Registry) -> None:
    (distribution,) = eu_dev.by_type("aws:cloudfront/distribution:Distribution")
    alarms = {a.inputs["name"]: a for a in eu_dev.by_type(ALARM)
              if a.inputs["name"].startswith("marketplace-dev-edge-image-variants-")}
    # Dev keeps critical alarms only (alarmSeverityFloor); each is a plain Sum over 5 min.
    assert {name: (a.inputs["namespace"], a.inputs["metricName"], a.inputs["statistic"],
                   a.inputs["period"], a.inputs["threshold"])
            for name, a in alarms.items()} == {
        "marketplace-dev-edge-image-variants-execution-errors-critical":
            ("AWS/CloudFront", "LambdaExecutionError", "Sum", 300, 10),
        "marketplace-dev-edge-image-variants-validation-errors-critical":
            ("AWS/CloudFront", "LambdaValidationError", "Sum", 300, 10),
        "marketplace-dev-edge-image-variants-limit-exceeded-critical":
            ("AWS/CloudFront", "LambdaLimitExceededErrors", "Sum", 300, 10),
    }
    for alarm in alarms.values():
        assert alarm.inputs["dimensions"] == {
            "DistributionId": distribution.outputs["id"], "Region": "Global"}
        assert eu_dev.provider_of(alarm).inputs["region"] == "us-east-1"
        # The us-east-1 critical topic, which the alert router subscribes to as it does for
        # the distribution's own alarms.
        assert alarm.inputs["alarmActions"] == [
            "arn:aws:sns:us-east-1:123456789012:marketplace-dev-critical-us-east-1"]
        assert alarm.inputs["alarmDescription"].endswith(
            "#lambda-edge-" + alarm.inputs["name"].split("-image-variants-")[1]
            .rsplit("-", 1)[0])


def test_the_us_east_1_log_group_has_retention_and_the_us_east_1_key(eu_dev: Registry) -> None:
    (group,) = [g for g in eu_dev.by_type(LOG_GROUP)
                if g.inputs["name"] == "/aws/lambda/us-east-1.marketplace-dev-image-variants"]
    assert group.region == "us-east-1"
    assert group.inputs["retentionInDays"] == 14  # Pulumi.dev.yaml logRetentionDays
    keys = {k.region: k for k in eu_dev.by_type("aws:kms/key:Key")}
    assert group.inputs["kmsKeyId"] == keys["us-east-1"].outputs["arn"]
    assert "logs.us-east-1.amazonaws.com" in keys["us-east-1"].inputs["policy"]


def test_the_edge_function_falls_back_to_the_newest_runtime_lambda_at_edge_lists(
        eu_dev: Registry) -> None:
    runtimes = {f.name: f.inputs["runtime"] for f in eu_dev.by_type(FUNCTION)}
    assert runtimes.pop("marketplace-dev-edge-image-variants-function") == "python3.13"
    assert set(runtimes.values()) == {"python3.14"}


def test_the_operations_board_draws_the_edge_errors_from_us_east_1() -> None:
    registry = stack_registry("prod")
    (distribution,) = registry.by_type("aws:cloudfront/distribution:Distribution")
    widgets = [w for w in _operations_widgets(registry)
               if w["properties"].get("title", "").startswith("marketplace-prod-edge-image")]
    assert [w["properties"]["metrics"][0][:2] for w in widgets] == [
        ["AWS/CloudFront", "LambdaExecutionError"],
        ["AWS/CloudFront", "LambdaValidationError"],
        ["AWS/CloudFront", "LambdaLimitExceededErrors"],
    ]
    for widget in widgets:
        assert widget["properties"]["region"] == "us-east-1"
        assert widget["properties"]["metrics"][0][2:6] == [
            "DistributionId", distribution.outputs["id"], "Region", "Global"]
    assert any(w["properties"].get("markdown") == f"## Infrastructure · {Kind.LAMBDA_EDGE}"
               for w in _operations_widgets(registry))


def _operations_widgets(registry: Registry) -> list[dict]:
    (body,) = [json.loads(r.inputs["dashboardBody"])
               for r in registry.by_type("aws:cloudwatch/dashboard:Dashboard")
               if r.inputs["dashboardName"] == "marketplace-prod-operations"]
    return body["widgets"]
