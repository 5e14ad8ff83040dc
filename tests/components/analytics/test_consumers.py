"""The stream consumers, the time-series store choices, QuickSight, monitored items, config."""

from __future__ import annotations

from functools import cache

import pulumi
import pytest

from components.analytics.component import Analytics, AnalyticsArgs
from components.analytics.kpi_queries import QUERIES
from components.analytics.quicksight import VISUALS
from components.analytics.stream_consumers import READ_STREAM
from components.blocks.monitored_items import Kind
from components.config import ConfigError, build, load
from components.platform.core import PlatformCore, PlatformCoreArgs
from tests.components.analytics.support import (
    ESM,
    FUNCTION,
    QUEUE,
    ROLE_POLICY,
    STREAM,
    analytics_config,
    prefix,
)
from tests.components.platform.support import context_for
from tests.helpers import config_of, policy_document, run_program
from tools.mock_runtime import Registry

CONSUMERS = ("stream-processor", "window-aggregator")


def mapping(registry: Registry, stack: str, key: str) -> dict:
    return registry.named(ESM, f"{prefix(stack)}-analytics-consumers-{key}-mapping").inputs


@pytest.mark.parametrize("key", CONSUMERS)
def test_mappings_report_item_failures_bisect_and_bound_retries(
        registry: Registry, stack: str, key: str) -> None:
    c = analytics_config(stack)
    m = mapping(registry, stack, key)
    assert m["functionResponseTypes"] == ["ReportBatchItemFailures"]
    assert m["bisectBatchOnFunctionError"] is True
    assert m["maximumRetryAttempts"] == c.consumer_max_retries >= 0
    assert m["maximumRecordAgeInSeconds"] == c.consumer_max_record_age_seconds > 0
    queue = registry.named(QUEUE, f"{prefix(stack)}-analytics-consumers-{key}-on-failure-queue")
    assert m["destinationConfig"]["onFailure"]["destinationArn"] == queue.outputs["arn"]
    assert queue.inputs["kmsMasterKeyId"].startswith("arn:aws:kms:")
    fn = registry.named(FUNCTION, f"{prefix(stack)}-{key}-function")
    assert m["functionName"] == f"{fn.outputs['arn']}:live"


def test_batching_follows_config(registry: Registry, stack: str) -> None:
    c = analytics_config(stack)
    processor = mapping(registry, stack, "stream-processor")
    aggregator = mapping(registry, stack, "window-aggregator")
    assert processor["batchSize"] == c.processor_batch_size
    assert processor["maximumBatchingWindowInSeconds"] == c.processor_batching_window_seconds
    assert processor.get("tumblingWindowInSeconds") is None
    assert aggregator["batchSize"] == c.aggregator_batch_size
    assert aggregator["tumblingWindowInSeconds"] == c.tumbling_window_seconds == 60


@pytest.mark.parametrize("key", CONSUMERS)
def test_consumer_roles_read_the_stream_and_send_to_their_queue(
        registry: Registry, stack: str, key: str) -> None:
    (s,) = [r for r in registry.by_type(STREAM) if "-analytics-" in r.name]
    policy = registry.named(ROLE_POLICY, f"{prefix(stack)}-{key}-policy")
    statements = {st["Sid"]: st for st in policy_document(policy.inputs["policy"])["Statement"]}
    assert statements["ReadEventsStream"]["Action"] == READ_STREAM
    assert statements["ReadEventsStream"]["Resource"] == s.outputs["arn"]
    queue = registry.named(QUEUE, f"{prefix(stack)}-analytics-consumers-{key}-on-failure-queue")
    assert statements["KeepFailedBatches"]["Resource"] == queue.outputs["arn"]


def test_aggregator_puts_metrics_only_into_the_stack_namespace(registry: Registry,
                                                               stack: str) -> None:
    policy = registry.named(ROLE_POLICY, f"{prefix(stack)}-window-aggregator-policy")
    statements = {st["Sid"]: st for st in policy_document(policy.inputs["policy"])["Statement"]}
    put = statements["PutWindowMetrics"]
    assert put["Action"] == ["cloudwatch:PutMetricData"]
    assert put["Condition"] == {"StringEquals": {"cloudwatch:namespace": f"marketplace/{stack}"}}


def test_no_time_series_store_when_none(registry: Registry, stack: str) -> None:
    assert analytics_config(stack).timeseries == "none"
    assert not [r for r in registry if r.type.startswith("aws:timestream")]
    fn = registry.named(FUNCTION, f"{prefix(stack)}-window-aggregator-function")
    assert fn.inputs["environment"]["variables"]["TIMESERIES"] == "none"


def build_analytics(stack: str, **overrides: object) -> tuple[Registry, Analytics]:
    """Only the core and the analytics component, with config overrides (cheaper than all)."""
    built: dict[str, Analytics] = {}

    def program() -> None:
        config = load()
        core = PlatformCore(f"{prefix(stack)}-core", PlatformCoreArgs(platform=config.platform))
        built["analytics"] = Analytics(
            f"{prefix(stack)}-analytics",
            AnalyticsArgs(context=context_for(core, stack, platform_config=config.platform,
                                              lambdas=config.lambdas),
                          bus_name=f"{prefix(stack)}-events", config=config.analytics),
            pulumi.ResourceOptions(providers=core.providers))

    registry = run_program(stack, program, **overrides)
    return registry, built["analytics"]


@cache
def live_analytics() -> Registry:
    return build_analytics("dev", analyticsTimeseries="liveanalytics",
                           analyticsTimestreamMemoryHours=12,
                           analyticsTimestreamMagneticDays=400)[0]


def test_live_analytics_table_retention_and_aggregator_access() -> None:
    reg = live_analytics()
    (db,) = reg.by_type("aws:timestreamwrite/database:Database")
    (table,) = reg.by_type("aws:timestreamwrite/table:Table")
    assert db.inputs["kmsKeyId"].startswith("arn:aws:kms:")
    assert table.inputs["retentionProperties"] == {
        "memoryStoreRetentionPeriodInHours": 12, "magneticStoreRetentionPeriodInDays": 400}
    fn = reg.named(FUNCTION, "marketplace-dev-window-aggregator-function")
    env = fn.inputs["environment"]["variables"]
    assert (env["TIMESERIES"], env["TIMESTREAM_DATABASE"], env["TIMESTREAM_TABLE"]) == (
        "liveanalytics", db.outputs["databaseName"], table.outputs["tableName"])
    policy = reg.named(ROLE_POLICY, "marketplace-dev-window-aggregator-policy")
    statements = {s["Sid"]: s for s in policy_document(policy.inputs["policy"])["Statement"]}
    assert statements["WriteWindowAggregates"]["Resource"] == table.outputs["arn"]


@cache
def influxdb_prod() -> tuple[Registry, Analytics]:
    # prod (shards, fan-out) with InfluxDB: also the run the monitored-items test reads.
    return build_analytics("prod", analyticsTimeseries="influxdb",
                           analyticsInfluxPassword="correct-horse-battery",
                           analyticsInfluxDeploymentType="WITH_MULTIAZ_STANDBY")


def influxdb() -> Registry:
    return influxdb_prod()[0]


def test_influxdb_is_private_in_its_own_network_and_the_aggregator_joins_it() -> None:
    reg = influxdb()
    (instance,) = reg.by_type("aws:timestreaminfluxdb/dbInstance:DbInstance")
    assert instance.inputs["publiclyAccessible"] is False
    subnets = reg.by_type("aws:ec2/subnet:Subnet")
    assert len(subnets) == 2
    assert len({s.inputs["availabilityZone"] for s in subnets}) == 2
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in subnets)
    assert not reg.by_type("aws:ec2/internetGateway:InternetGateway")
    # The standby needs the second AZ's subnet too.
    assert instance.inputs["deploymentType"] == "WITH_MULTIAZ_STANDBY"
    assert sorted(instance.inputs["vpcSubnetIds"]) == sorted(s.outputs["id"] for s in subnets)
    fn = reg.named(FUNCTION, "marketplace-prod-window-aggregator-function").inputs
    assert sorted(fn["vpcConfig"]["subnetIds"]) == sorted(s.outputs["id"] for s in subnets)
    env = fn["environment"]["variables"]
    assert env["INFLUX_URL"] == f"https://{instance.outputs['endpoint']}:8086"
    assert env["INFLUX_AUTH_SECRET_ARN"] == instance.outputs["influxAuthParametersSecretArn"]
    endpoints = {e.inputs["serviceName"].rsplit(".", 1)[1]
                 for e in reg.by_type("aws:ec2/vpcEndpoint:VpcEndpoint")}
    assert {"monitoring", "secretsmanager"} <= endpoints


def test_private_network_records_flow_logs_encrypted() -> None:
    reg = influxdb()
    (vpc,) = reg.by_type("aws:ec2/vpc:Vpc")
    (flow,) = reg.by_type("aws:ec2/flowLog:FlowLog")
    assert flow.inputs["vpcId"] == vpc.outputs["id"]
    assert flow.inputs["trafficType"] == "ALL"
    group = next(g for g in reg.by_type("aws:cloudwatch/logGroup:LogGroup")
                 if g.outputs["arn"] == flow.inputs["logDestination"])
    assert group.inputs["kmsKeyId"].startswith("arn:aws:kms:")
    assert group.inputs["retentionInDays"] > 0


def test_influxdb_port_is_open_only_to_the_network_clients() -> None:
    reg = influxdb()
    (instance,) = reg.by_type("aws:timestreaminfluxdb/dbInstance:DbInstance")
    (influx_sg,) = [g for g in reg.by_type("aws:ec2/securityGroup:SecurityGroup")
                    if g.outputs["id"] in instance.inputs["vpcSecurityGroupIds"]]
    ingress = reg.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    rules = [r.inputs for r in ingress if r.inputs["securityGroupId"] == influx_sg.outputs["id"]]
    assert rules
    assert all(r["fromPort"] == r["toPort"] == 8086 and "cidrIpv4" not in r for r in rules)


def test_quicksight_only_when_enabled(registry: Registry, stack: str) -> None:
    sources = registry.by_type("aws:quicksight/dataSource:DataSource")
    assert bool(sources) == analytics_config(stack).quicksight_enabled


def test_quicksight_datasets_dashboard_and_permissions(prod: Registry) -> None:
    c = analytics_config("prod")
    (source,) = prod.by_type("aws:quicksight/dataSource:DataSource")
    assert source.inputs["type"] == "ATHENA"
    (wg,) = prod.by_type("aws:athena/workgroup:Workgroup")
    assert source.inputs["parameters"]["athena"]["workGroup"] == wg.outputs["name"]
    kind, _, who = (c.quicksight_principal or "").partition("/")
    principal = f"arn:aws:quicksight:us-east-1:123456789012:{kind}/default/{who}"
    assert source.inputs["permissions"][0]["principal"] == principal
    data_sets = prod.by_type("aws:quicksight/dataSet:DataSet")
    assert {d.inputs["name"] for d in data_sets} == {q.title for q in QUERIES}
    for d in data_sets:
        assert d.inputs["importMode"] == "SPICE"
        assert d.inputs["permissions"][0]["principal"] == principal
        sql = d.inputs["physicalTableMaps"][0]["customSql"]
        assert sql["dataSourceArn"] == source.outputs["arn"]
    schedules = prod.by_type("aws:quicksight/refreshSchedule:RefreshSchedule")
    assert len(schedules) == len(QUERIES)
    assert {s.inputs["schedule"]["scheduleFrequency"]["interval"] for s in schedules} == {
        c.quicksight_refresh_interval}
    (dashboard,) = prod.by_type("aws:cloudcontrol/resource:Resource")
    assert dashboard.inputs["typeName"] == "AWS::QuickSight::Dashboard"
    state = policy_document(dashboard.inputs["desiredState"])
    assert state["Permissions"][0]["Principal"] == principal
    arns = {d.outputs["arn"] for d in data_sets}
    declared = state["Definition"]["DataSetIdentifierDeclarations"]
    assert {d["DataSetArn"] for d in declared} <= arns
    sheets = {s["Name"]: s for s in state["Definition"]["Sheets"]}
    assert set(sheets) == {"Listings", "Users", "Search"}
    visual_ids = {next(iter(v.values()))["VisualId"] for s in sheets.values()
                  for v in s["Visuals"]}
    assert visual_ids == {v.visual_id for v in VISUALS}


def test_quicksight_role_reaches_only_the_workgroup(prod: Registry) -> None:
    (wg,) = prod.by_type("aws:athena/workgroup:Workgroup")
    policy = prod.named(ROLE_POLICY, "marketplace-prod-analytics-bi-athena-policy")
    statements = {s["Sid"]: s for s in policy_document(policy.inputs["policy"])["Statement"]}
    assert statements["RunQueries"]["Resource"] == wg.outputs["arn"]


def test_monitored_items_cover_stream_rules_firehose_consumers_and_queues() -> None:
    items = influxdb_prod()[1].monitored_items
    dims = {(i.kind, tuple(sorted(i.dimensions))) for i in items}
    assert (Kind.KINESIS_STREAM, ("StreamName",)) in dims
    assert (Kind.FIREHOSE, ("DeliveryStreamName",)) in dims
    assert (Kind.EVENTBRIDGE_RULE, ("EventBusName", "RuleName")) in dims
    lambdas = [i for i in items if i.kind is Kind.LAMBDA]
    assert {i.name for i in lambdas} == {f"marketplace-prod-{k}" for k in CONSUMERS}
    assert all(i.attributes["consumes_stream"] is True for i in lambdas)
    queues = [i for i in items if i.kind is Kind.SQS_QUEUE]
    # Each consumer's on-failure destination (of its event source mapping) and the rules'
    # DLQ; no async failure queue, since nothing invokes a stream consumer asynchronously.
    assert len(queues) == len(CONSUMERS) + 1
    (stream_item,) = [i for i in items if i.kind is Kind.KINESIS_STREAM]
    assert stream_item.attributes["shard_count"] == analytics_config("prod").stream_shards
    assert len([i for i in items if i.kind is Kind.EVENTBRIDGE_RULE]) == 3


@pytest.mark.parametrize(("overrides", "bad_keys"), [
    ({"analyticsLakeIaDays": 30, "analyticsLakeGlacierDays": 45}, ["analyticsLakeGlacierDays"]),
    ({"analyticsTimeseries": "influxdb"}, ["analyticsInfluxPassword"]),
    ({"analyticsQuicksightEnabled": True}, ["analyticsQuicksightPrincipal"]),
    ({"analyticsFirehoseBufferMb": 32, "analyticsStreamMode": "SERVERLESS",
      "analyticsTumblingWindowSeconds": 901},
     ["analyticsFirehoseBufferMb", "analyticsStreamMode", "analyticsTumblingWindowSeconds"]),
    ({"analyticsQuicksightPrincipal": "arn:aws:iam::1:role/x"}, ["analyticsQuicksightPrincipal"]),
])
def test_bad_analytics_config_names_every_bad_key(overrides: dict, bad_keys: list[str]) -> None:
    with pytest.raises(ConfigError) as error:
        build(config_of("dev", **overrides), project="marketplace", stack="dev")
    assert sorted(error.value.keys) == sorted(f"marketplace:{k}" for k in bad_keys)


def test_analytics_keys_are_declared_in_pulumi_yaml() -> None:
    from pathlib import Path

    import yaml

    from components.config import declared_keys

    root = Path(__file__).resolve().parents[3]
    declared = yaml.safe_load((root / "Pulumi.yaml").read_text())["config"]
    mine = {k.split(":", 1)[1]: t for k, t in declared_keys().items()
            if k.startswith("marketplace:analytics")}
    assert mine
    assert {k: declared[k]["type"] for k in mine} == mine


def test_optional_stores_comply_with_every_policy_rule() -> None:
    from policy.rules import evaluate
    from tests.helpers import subjects

    assert evaluate(subjects(influxdb())) == []
    assert evaluate(subjects(live_analytics())) == []
