"""Both stacks through the estimator: every type is priced or known free, and dev idles at
or under $30 a month by the table."""

from __future__ import annotations

import pytest

from policy.cost import charges
from policy.cost.estimate import estimate, is_component
from policy.cost.price_table import table
from policy.cost.traffic import traffic
from tests.helpers import prod_features_switched, stack_registry
from tools.plans import plan_of

REGIONS = ("us-east-1", "eu-west-1", "eu-central-1")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_resource_type_is_priced_or_listed_as_free_with_a_reason(stack: str) -> None:
    plan = plan_of(stack_registry(stack), components=True)
    types = {r.type for r in plan if not is_component(r)}
    unknown = types - set(charges.FIXED) - set(charges.NO_FIXED_CHARGE)
    assert unknown == set()


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_item_the_stack_pays_for_is_priced_in_three_regions(stack: str) -> None:
    items = {line.item for line in estimate(plan_of(stack_registry(stack))).lines}
    for item in items:
        for region in REGIONS:
            assert table().get(item, region).usd >= 0


def test_dev_idles_at_or_under_thirty_dollars() -> None:
    result = estimate(plan_of(stack_registry("dev"), components=True))
    by_type = {k: round(v, 2) for k, v in result.by("type").items()}
    # One provisioned shard: 730 h x $0.015; 97 alarm metrics x $0.10 (critical only: 90,
    # and the alert path's 7: four topics' failed deliveries, the heartbeat, the depth of
    # the alert-path email DLQ and of the heartbeat DLQ); 6 composites x $0.50; one
    # dashboard; two keys; three secrets x $0.40.
    assert by_type == {
        "aws:kinesis/stream:Stream": 10.95,
        "aws:cloudwatch/metricAlarm:MetricAlarm": 9.80,
        "aws:cloudwatch/compositeAlarm:CompositeAlarm": 3.00,
        "aws:cloudwatch/dashboard:Dashboard": 3.00,
        "aws:kms/key:Key": 2.00,
        "aws:secretsmanager/secret:Secret": 1.20,
    }
    assert round(result.total, 2) == 29.95


def test_prod_is_mostly_dax() -> None:
    result = estimate(plan_of(stack_registry("prod"), components=True))
    by_item = result.by("item")
    # Three dax.r5.large nodes: 3 x 730 h x $0.269.
    assert round(by_item["dax.node_hour.dax.r5.large"], 2) == 589.11
    # The API's SnapStart snapshot: 1 GB x 2,628,000 s x $0.0000015046.
    assert round(by_item["lambda.snapstart.cache_gb_second"], 2) == 3.95
    assert "lambda.provisioned_concurrency.gb_second.arm64" not in by_item
    assert 850 < result.total < 1000


def test_prod_traffic_lands_on_the_resources_that_serve_it() -> None:
    lines = traffic(plan_of(stack_registry("prod"), components=True), 50_000_000, 20_000_000)
    assert {(line.item, line.resource) for line in lines} == {
        ("cloudfront.https_requests", "marketplace-prod-edge-cdn-distribution"),
        ("apigateway.rest.requests", "marketplace-prod-backend-rest-api"),
        ("lambda.requests", "marketplace-prod-api-function"),
        ("lambda.duration.gb_second.arm64", "marketplace-prod-api-function"),
        ("cloudwatch.logs.ingest_gb", "marketplace-prod-api-logs"),
        ("eventbridge.custom_events", "marketplace-prod-events-bus"),
        ("firehose.ingest_gb", "marketplace-prod-analytics-delivery-firehose"),
        ("lambda.requests", "marketplace-prod-analytics-consumers-stream-processor-mapping"),
    }


# One run turns on what both stacks leave off (LiveAnalytics, InfluxDB's alternative, adds
# only usage-priced types); a whole-stack run costs seconds.
def test_the_optional_features_are_priced_too() -> None:
    # edgeRealtimeLogs, appCacheEnabled, analyticsTimeseries: influxdb
    registry = prod_features_switched()
    by_type = estimate(plan_of(registry, components=True)).by("type")
    # The cache's 0.1 GB minimum x 730 h x $0.084; one db.influx.medium x 730 h x $0.12 plus
    # 20 GB x $0.20.
    assert round(by_type["aws:elasticache/serverlessCache:ServerlessCache"], 2) == 6.13
    assert round(by_type["aws:timestreaminfluxdb/dbInstance:DbInstance"], 2) == 91.60
