"""The estimator on small programs run under the mocks, totals worked out by hand from
policy/cost/prices.csv (us-east-1 and eu-west-1 rows)."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pytest

from policy.cost.estimate import STACK_LEVEL, component_of, estimate, stack_region
from policy.plan import Plan, PlanResource
from tools.mock_runtime import run
from tools.plans import plan_of


class Box(pulumi.ComponentResource):
    """A component to group resources under, as the stack's components do."""

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:test:Box", name, None, opts)


def us_east_1() -> None:
    box = Box("box")
    inner = Box("inner", pulumi.ResourceOptions(parent=box))
    child = pulumi.ResourceOptions(parent=inner)
    aws.kms.Key("key", opts=child)
    aws.cloudwatch.Dashboard("board", dashboard_name="b", dashboard_body="{}", opts=child)
    aws.cloudwatch.MetricAlarm(
        "ratio", comparison_operator="GreaterThanThreshold", evaluation_periods=1, threshold=1,
        metric_queries=[
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id=f"m{i}", metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    metric_name="Errors", namespace="AWS/Lambda", period=60, stat="Sum"))
            for i in (1, 2)] + [aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id="e", expression="m1/m2", return_data=True)],
        opts=child)
    aws.kinesis.Stream("stream", shard_count=2, stream_mode_details={"stream_mode": "PROVISIONED"},
                       opts=pulumi.ResourceOptions(parent=box))
    aws.iam.Role("role", assume_role_policy=json.dumps({"Version": "2012-10-17",
                                                        "Statement": []}), opts=child)
    aws.secretsmanager.Secret("secret")


def eu_west_1() -> None:
    eu = aws.Provider("eu", region="eu-west-1")
    opts = pulumi.ResourceOptions(provider=eu)
    aws.ec2.VpcEndpoint("endpoint", vpc_id="vpc-1", service_name="com.amazonaws.eu-west-1.logs",
                        vpc_endpoint_type="Interface", subnet_ids=["a", "b", "c"], opts=opts)
    aws.dynamodb.Table("table", name="t", billing_mode="PROVISIONED", hash_key="pk",
                       attributes=[{"name": "pk", "type": "S"}], read_capacity=5,
                       write_capacity=5, opts=opts)


def test_us_east_1_program_total_by_hand() -> None:
    # key 1.00 + dashboard 3.00 + two alarm metrics 2 x 0.10 + 2 shards x 730 h x 0.015
    # (21.90) + secret 0.40 = 26.50; the role is free.
    result = estimate(plan_of(run("dev", {}, [], us_east_1), components=True))
    assert round(result.total, 2) == 26.50
    assert {k: round(v, 2) for k, v in result.by("component").items()} == {
        "box": 26.10, STACK_LEVEL: 0.40}
    assert {k: round(v, 2) for k, v in result.by("type").items()} == {
        "aws:kinesis/stream:Stream": 21.90, "aws:cloudwatch/dashboard:Dashboard": 3.00,
        "aws:kms/key:Key": 1.00, "aws:secretsmanager/secret:Secret": 0.40,
        "aws:cloudwatch/metricAlarm:MetricAlarm": 0.20}


def test_eu_west_1_program_uses_that_regions_prices() -> None:
    # Endpoint: 3 AZs x 730 h x 0.011 = 24.09. Table: 5 RCU x 730 h x 0.000147 = 0.53655
    # and 5 WCU x 730 h x 0.000735 = 2.68275. Total 27.3093.
    plan = plan_of(run("dev", {}, [], eu_west_1), components=True)
    result = estimate(plan)
    assert round(result.total, 4) == 27.3093
    assert {line.region for line in result.lines} == {"eu-west-1"}
    assert stack_region(plan) == "eu-west-1"


def test_without_the_components_a_resource_is_grouped_by_its_parents_type() -> None:
    plan = plan_of(run("dev", {}, [], us_east_1))
    assert set(estimate(plan).by("component")) == {"marketplace:test:Box", STACK_LEVEL}


@pytest.mark.parametrize(("parent", "expected"), [
    ("", STACK_LEVEL),
    ("urn:pulumi:dev::marketplace::pulumi:pulumi:Stack::marketplace-dev", STACK_LEVEL),
    ("urn:pulumi:dev::marketplace::marketplace:a:Outer$marketplace:a:Inner::x",
     "marketplace:a:Inner"),
])
def test_component_of_a_resource_whose_parents_are_not_in_the_plan(parent: str,
                                                                   expected: str) -> None:
    r = PlanResource(type="aws:kms/key:Key", name="k", urn="urn:k", props={}, parent=parent)
    assert component_of(r, Plan((r,))) == expected


def test_stack_region_is_the_most_common_provider_region() -> None:
    def at(region: str) -> PlanResource:
        return PlanResource(type="t", name=region, urn=region, props={},
                            provider_props={"region": region})
    assert stack_region(Plan((at("eu-west-1"), at("us-east-1"), at("eu-west-1")))) == "eu-west-1"
    assert stack_region(Plan(())) == "us-east-1"
