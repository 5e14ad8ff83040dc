"""What each priced resource type uses a month, from literal inputs worked out by hand."""

from __future__ import annotations

from typing import Any

import pytest

from policy.cost import charges
from policy.cost.charges import Use
from policy.plan import Plan, PlanResource

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def res(type_: str, logical: str = "r", **props: Any) -> PlanResource:
    return PlanResource(type=type_, name=logical, urn=f"urn:pulumi:s::p::{type_}::{logical}",
                        props=props)


def uses(r: PlanResource, *others: PlanResource) -> list[tuple[str, float]]:
    return [(u.item, round(u.quantity, 6)) for u in charges.uses(r, Plan((r, *others)))]


def metric(period: int = 60) -> dict[str, Any]:
    return {"id": "m", "metric": {"metricName": "Errors", "namespace": "AWS/Lambda",
                                  "period": period, "stat": "Sum"}}


@pytest.mark.parametrize(("props", "expected"), [
    ({"period": 60}, [("cloudwatch.alarm.standard", 1)]),
    ({"period": 300}, [("cloudwatch.alarm.standard", 1)]),
    ({"period": 30}, [("cloudwatch.alarm.high_resolution", 1)]),
    ({"period": 10}, [("cloudwatch.alarm.high_resolution", 1)]),
    # Metric math: per metric read, the expression itself is free.
    ({"metricQueries": [metric(), metric(), {"id": "e", "expression": "m1/m2"}]},
     [("cloudwatch.alarm.standard", 2)]),
    ({"metricQueries": [metric(), metric(10)]}, [("cloudwatch.alarm.high_resolution", 2)]),
    # An anomaly band bills its upper and lower bound as two more metrics.
    ({"metricQueries": [metric(), {"id": "b", "expression": "ANOMALY_DETECTION_BAND(m, 2)"}]},
     [("cloudwatch.alarm.standard", 3)]),
])
def test_an_alarm_bills_each_metric_it_reads(props: dict[str, Any],
                                             expected: list[tuple[str, float]]) -> None:
    assert uses(res(ALARM, **props)) == expected


def test_flat_monthly_items() -> None:
    assert uses(res("aws:cloudwatch/compositeAlarm:CompositeAlarm")) == [
        ("cloudwatch.alarm.composite", 1)]
    assert uses(res("aws:cloudwatch/dashboard:Dashboard")) == [("cloudwatch.dashboard", 1)]
    assert uses(res("aws:kms/key:Key")) == [("kms.key", 1)]
    assert uses(res("aws:secretsmanager/secret:Secret")) == [("secretsmanager.secret", 1)]


def test_a_metric_filter_bills_a_custom_metric_only_with_a_default_value() -> None:
    filt = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
    assert uses(res(filt, metricTransformation={"name": "m", "defaultValue": "0"})) == [
        ("cloudwatch.custom_metric", 1)]
    assert uses(res(filt, metricTransformation={"name": "m"})) == []


def test_kinesis_by_mode_and_its_fan_out_consumers_by_the_stream_they_read() -> None:
    stream = "aws:kinesis/stream:Stream"
    on_demand = res(stream, "s", name="s", streamModeDetails={"streamMode": "ON_DEMAND"})
    provisioned = res(stream, "p", name="p", shardCount=4,
                      streamModeDetails={"streamMode": "PROVISIONED"})
    assert uses(on_demand) == [("kinesis.on_demand.stream_hour", 730)]
    assert uses(provisioned) == [("kinesis.provisioned.shard_hour", 2920)]
    consumer = "aws:kinesis/streamConsumer:StreamConsumer"
    assert uses(res(consumer, streamArn="arn:aws:kinesis:us-east-1:1:stream/p"), provisioned) == [
        ("kinesis.efo.consumer_shard_hour", 2920)]
    assert uses(res(consumer, streamArn="arn:aws:kinesis:us-east-1:1:stream/s"), on_demand) == [
        ("kinesis.efo.on_demand.consumer_stream_hour", 730)]


def test_waf_bills_the_acl_and_each_rule() -> None:
    acl = res("aws:wafv2/webAcl:WebAcl", rules=[{"name": "a"}, {"name": "b"}, {"name": "c"}])
    assert uses(acl) == [("wafv2.web_acl", 1), ("wafv2.rule", 3)]


def test_interface_endpoints_bill_per_az_and_gateways_nothing() -> None:
    endpoint = "aws:ec2/vpcEndpoint:VpcEndpoint"
    assert uses(res(endpoint, vpcEndpointType="Interface", subnetIds=["a", "b", "c"])) == [
        ("vpc.interface_endpoint.az_hour", 2190)]
    assert uses(res(endpoint, vpcEndpointType="Gateway")) == []


def test_dax_api_cache_and_provisioned_concurrency() -> None:
    assert uses(res("aws:dax/cluster:Cluster", nodeType="dax.r5.large",
                    replicationFactor=3)) == [("dax.node_hour.dax.r5.large", 2190)]
    stage = "aws:apigateway/stage:Stage"
    assert uses(res(stage, cacheClusterEnabled=True, cacheClusterSize="1.6")) == [
        ("apigateway.cache_hour.1.6", 730)]
    assert uses(res(stage, cacheClusterEnabled=False, cacheClusterSize="1.6")) == []
    function = res("aws:lambda/function:Function", "f", name="api", memorySize=2048,
                   architectures=["arm64"])
    pc = res("aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig",
             functionName="api", provisionedConcurrentExecutions=5)
    # 5 copies x 2 GB x 730 h x 3600 s.
    assert uses(pc, function) == [("lambda.provisioned_concurrency.gb_second.arm64",
                                   26_280_000)]


@pytest.mark.parametrize(("expression", "runs"), [
    ("rate(5 minutes)", 8760), ("rate(1 minute)", 43800), ("rate(1 hour)", 730),
    ("rate(2 hours)", 365), ("rate(0 minutes)", 1)])
def test_a_canary_bills_its_runs(expression: str, runs: float) -> None:
    canary = res("aws:synthetics/canary:Canary", schedule={"expression": expression})
    assert uses(canary) == [("synthetics.canary_run", runs)]


def test_a_canary_on_a_cron_schedule_is_refused_by_name() -> None:
    canary = res("aws:synthetics/canary:Canary", "hc", schedule={"expression": "cron(0 * * * ? *)"})
    with pytest.raises(ValueError, match=r"hc: cannot count the runs of schedule"):
        charges.uses(canary, Plan((canary,)))


def test_provisioned_tables_bill_capacity_at_the_autoscaling_minimum() -> None:
    table = res("aws:dynamodb/table:Table", "t", name="listings", billingMode="PROVISIONED",
                readCapacity=50, writeCapacity=50,
                globalSecondaryIndexes=[{"name": "gsi1", "readCapacity": 7, "writeCapacity": 3}])
    target = "aws:appautoscaling/target:Target"
    read_min = res(target, "a", serviceNamespace="dynamodb", resourceId="table/listings",
                   scalableDimension="dynamodb:table:ReadCapacityUnits", minCapacity=20)
    # Table reads at the minimum 20; writes and the index as set: 20 + 7, 50 + 3 units.
    assert uses(table, read_min) == [("dynamodb.provisioned.rcu_hour", 27 * 730),
                                     ("dynamodb.provisioned.wcu_hour", 53 * 730)]
    assert uses(res("aws:dynamodb/table:Table", billingMode="PAY_PER_REQUEST")) == []


def test_contributor_insights_rules_follow_the_keys_and_the_mode() -> None:
    table = res("aws:dynamodb/table:Table", "t", name="listings", hashKey="pk",
                globalSecondaryIndexes=[{"name": "gsi1", "hashKey": "a", "rangeKey": "b"}])
    insights = "aws:dynamodb/contributorInsights:ContributorInsights"
    assert uses(res(insights, tableName="listings"), table) == [
        ("dynamodb.contributor_insights", 2)]
    assert uses(res(insights, tableName="listings", indexName="gsi1"), table) == [
        ("dynamodb.contributor_insights", 4)]
    assert uses(res(insights, tableName="listings", indexName="gsi1", mode="THROTTLED_KEYS"),
                table) == [("dynamodb.contributor_insights", 2)]


def test_serverless_cache_influxdb_and_quicksight() -> None:
    assert uses(res("aws:elasticache/serverlessCache:ServerlessCache", engine="valkey")) == [
        ("elasticache.serverless.valkey.storage_gb_hour", 73)]
    influx = res("aws:timestreaminfluxdb/dbInstance:DbInstance",
                 dbInstanceType="db.influx.medium", allocatedStorage=20,
                 deploymentType="WITH_MULTIAZ_STANDBY")
    assert uses(influx) == [("timestream_influxdb.instance_hour.db.influx.medium", 1460),
                            ("timestream_influxdb.storage_gb_month", 20)]
    source = res("aws:quicksight/dataSource:DataSource",
                 permissions=[{"principal": "arn:group/a"}, {"principal": "arn:group/a"}])
    assert uses(source) == [("quicksight.author_month", 1)]


def test_free_types_use_nothing_and_an_unknown_type_is_an_error() -> None:
    assert uses(res("aws:iam/role:Role")) == []
    with pytest.raises(KeyError, match=r"aws:new/thing:Thing \(r\) is neither priced"):
        uses(res("aws:new/thing:Thing"))


def test_no_type_is_in_both_tables() -> None:
    assert set(charges.FIXED) & set(charges.NO_FIXED_CHARGE) == set()
    assert all(reason.strip() for reason in charges.NO_FIXED_CHARGE.values())


def test_use_carries_a_readable_basis() -> None:
    [use] = charges.uses(res("aws:dax/cluster:Cluster", nodeType="dax.t3.small",
                             replicationFactor=2), Plan(()))
    assert use == Use("dax.node_hour.dax.t3.small", 1460, "2 dax.t3.small nodes × 730 h")


def test_a_snapstart_function_pays_for_its_cached_snapshot_all_month() -> None:
    function = "aws:lambda/function:Function"
    snap = {"applyOn": "PublishedVersions"}
    # 1 GB x 730 h x 3600 s = 2,628,000 GB-s; 256 MB is a quarter of that.
    assert uses(res(function, memorySize=1024, snapStart=snap)) == [
        ("lambda.snapstart.cache_gb_second", 2_628_000)]
    assert uses(res(function, memorySize=256, snapStart=snap)) == [
        ("lambda.snapstart.cache_gb_second", 657_000)]
    assert uses(res(function, memorySize=1024)) == []
    assert uses(res(function, memorySize=1024, snapStart={"applyOn": "None"})) == []


def test_snapstart_prices_are_the_published_us_east_1_rates() -> None:
    from policy.cost.price_table import table

    for region in ("us-east-1", "eu-west-1", "eu-central-1"):
        assert table().get("lambda.snapstart.cache_gb_second", region).usd == 0.0000015046
        assert table().get("lambda.snapstart.restore_gb", region).usd == 0.0001397998
