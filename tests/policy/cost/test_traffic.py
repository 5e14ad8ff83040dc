"""A month of traffic priced on a literal plan; the figures worked out by hand."""

from __future__ import annotations

from typing import Any

import pytest

from policy.cost.traffic import traffic
from policy.plan import Plan, PlanResource


def res(type_: str, logical: str, **props: Any) -> PlanResource:
    return PlanResource(type=type_, name=logical, urn=f"urn:{logical}", props=props,
                        provider_props={"region": "us-east-1"})


PLAN = Plan((
    res("aws:cloudfront/distribution:Distribution", "cdn"),
    res("aws:apigateway/restApi:RestApi", "rest"),
    # Decoys first: the per-request lines must pick the API's function and log group, and
    # the per-event line the stream processor's mapping, not the first of each type.
    res("aws:lambda/function:Function", "router", name="m-dev-alert-router", memorySize=256),
    res("aws:lambda/function:Function", "fn", name="m-dev-api", memorySize=1024),
    res("aws:dynamodb/table:Table", "state", name="m-dev-alert-state",
        billingMode="PAY_PER_REQUEST"),
    res("aws:dynamodb/table:Table", "table", name="m-dev-listings",
        billingMode="PAY_PER_REQUEST"),
    res("aws:cloudwatch/logGroup:LogGroup", "audit", name="/m-dev/audit"),
    res("aws:cloudwatch/logGroup:LogGroup", "waf", name="aws-waf-logs-m-dev-api-origin"),
    res("aws:cloudwatch/logGroup:LogGroup", "logs", name="/aws/lambda/m-dev-api"),
    res("aws:cloudwatch/eventBus:EventBus", "bus"),
    res("aws:kinesis/stream:Stream", "stream", streamModeDetails={"streamMode": "ON_DEMAND"}),
    res("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", "firehose"),
    res("aws:lambda/eventSourceMapping:EventSourceMapping", "windows",
        functionName="arn:aws:lambda:us-east-1:1:function:m-dev-window-aggregator:live"),
    res("aws:lambda/eventSourceMapping:EventSourceMapping", "esm",
        functionName="arn:aws:lambda:us-east-1:1:function:m-dev-stream-processor:live"),
))


def test_two_million_requests_and_a_million_events_by_hand() -> None:
    lines = {(line.item, line.resource): round(line.monthly_usd, 6)
             for line in traffic(PLAN, 2_000_000, 1_000_000)}
    assert lines == {
        ("cloudfront.https_requests", "cdn"): 2.0,              # 2 M x $1.00
        ("apigateway.rest.requests", "rest"): 7.0,              # 2 M x $3.50
        ("lambda.requests", "fn"): 0.4,                         # 2 M x $0.20
        # 2 M x 1 GB x 0.1 s = 200,000 GB-s x $0.0000133334
        ("lambda.duration.gb_second.arm64", "fn"): 2.66668,
        ("dynamodb.on_demand.read", "table"): 0.25,             # the listings table only
        ("cloudwatch.logs.ingest_gb", "logs"): 0.953674,        # 2 M KB = 1.9073 GB x $0.50
        ("eventbridge.custom_events", "bus"): 1.0,              # 1 M x $1.00
        ("kinesis.on_demand.ingest_gb", "stream"): 0.076294,    # 0.95367 GB x $0.08
        ("firehose.ingest_gb", "firehose"): 0.138283,           # 5 KB each: 4.76837 GB x $0.029
        ("lambda.requests", "esm"): 0.002,                      # batches of 100: 0.01 M x $0.20
    }


def test_no_traffic_costs_nothing_and_missing_resources_are_skipped() -> None:
    assert traffic(PLAN, 0, 0) == ()
    only_bus = Plan((res("aws:cloudwatch/eventBus:EventBus", "bus"),))
    assert [line.item for line in traffic(only_bus, 5, 5)] == ["eventbridge.custom_events"]


@pytest.mark.parametrize("mode", ["PROVISIONED", None])
def test_a_provisioned_stream_has_no_per_gb_ingest(mode: str | None) -> None:
    stream = res("aws:kinesis/stream:Stream", "s", streamModeDetails={"streamMode": mode})
    assert traffic(Plan((stream,)), 0, 1_000_000) == ()
