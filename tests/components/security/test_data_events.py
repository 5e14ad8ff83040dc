"""CloudTrail data events: advanced selectors on the listings table and the lake and media
buckets, chosen by ``dataEvents``, with management events still logged."""

from __future__ import annotations

import pytest

from components.config import ConfigError
from tests.components.alerting.helpers import stack_config
from tools.mock_runtime import Registry

TRAIL = "aws:cloudtrail/trail:Trail"
TABLE = "aws:dynamodb/table:Table"


def selectors(registry: Registry) -> dict[str, list[dict[str, object]]]:
    [trail] = registry.by_type(TRAIL)
    assert "eventSelectors" not in trail.inputs  # a trail cannot mix the two kinds
    return {s["name"]: s["fieldSelectors"] for s in trail.inputs["advancedEventSelectors"]}


def bucket(registry: Registry, name: str) -> str:
    return registry.named("aws:s3/bucket:Bucket", name).outputs["bucket"]


def test_prod_logs_reads_and_writes_on_the_table_and_both_buckets(prod: Registry) -> None:
    chosen = selectors(prod)
    assert chosen["Management events"] == [{"field": "eventCategory", "equals": ["Management"]}]
    [table] = [t for t in prod.by_type(TABLE) if t.name == "marketplace-prod-backend-data-table"]
    assert chosen["Listings table data events"] == [
        {"field": "eventCategory", "equals": ["Data"]},
        {"field": "resources.type", "equals": ["AWS::DynamoDB::Table"]},
        {"field": "resources.ARN", "equals": [table.outputs["arn"]]},
    ]
    objects = chosen["Lake and media object data events"]
    assert objects[:2] == [{"field": "eventCategory", "equals": ["Data"]},
                           {"field": "resources.type", "equals": ["AWS::S3::Object"]}]
    prefixes = objects[2]["startsWiths"]
    assert len(objects) == 3
    assert len(prefixes) == 2
    assert all(p.startswith("arn:aws:s3:::") and p.endswith("/") for p in prefixes)


def test_dev_logs_writes_only(dev: Registry) -> None:
    for name, fields in selectors(dev).items():
        if name != "Management events":
            assert fields[-1] == {"field": "readOnly", "equals": ["false"]}


def test_unknown_mode_is_named() -> None:
    with pytest.raises(ConfigError) as error:
        stack_config("dev", dataEvents="reads")
    assert "dataEvents" in str(error.value)


FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def test_deletions_are_counted_on_the_trail_logs_and_alarmed(prod: Registry) -> None:
    filters = {f.inputs["name"]: f.inputs for f in prod.by_type(FILTER)
               if f.inputs["metricTransformation"]["namespace"] == "marketplace-prod/DataEvents"}
    assert set(filters) == {"marketplace-prod-table-item-deletions",
                            "marketplace-prod-object-deletions"}
    assert filters["marketplace-prod-object-deletions"]["pattern"] == (
        '{ ($.eventSource = "s3.amazonaws.com") && (($.eventName = "DeleteObject") '
        '|| ($.eventName = "DeleteObjects")) }')
    assert {f["logGroupName"] for f in filters.values()} == {
        "/aws/cloudtrail/marketplace-prod-trail"}
    alarms = {a.inputs["name"]: a.inputs for a in prod.by_type(ALARM)
              if a.inputs.get("namespace") == "marketplace-prod/DataEvents"}
    assert alarms["marketplace-prod-data-table-item-deletions-warning"]["threshold"] == 100
    assert alarms["marketplace-prod-data-object-deletions-warning"]["threshold"] == 50
    assert all("#security-data-" in a["alarmDescription"] for a in alarms.values())


def test_no_deletion_alarms_without_data_events() -> None:
    from tests.helpers import dev_features_off

    registry = dev_features_off()  # dataEvents: off
    [trail] = registry.by_type(TRAIL)
    assert not trail.inputs.get("advancedEventSelectors")
    assert not [a for a in registry.by_type(ALARM)
                if a.inputs.get("namespace") == "marketplace-dev/DataEvents"]
