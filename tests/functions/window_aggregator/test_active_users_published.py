"""The window aggregator merges each window's sketches into the store and publishes DAU/WAU/MAU."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from functions.shared.metrics import BUSINESS_SERVICE
from tests.functions.analytics_support import (
    NAMESPACE,
    Context,
    encode,
    eventbridge_event,
    kinesis_batch,
    set_environment,
)

set_environment()
from functions.window_aggregator import handler as aggregator  # noqa: E402
from functions.window_aggregator.sketch_store import SketchStore  # noqa: E402

TABLE = "dev-active-user-sketches"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "day",
                                                     "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": "day", "KeyType": "HASH"}])
        monkeypatch.setenv("ACTIVE_USERS_TABLE", TABLE)
        monkeypatch.setattr(aggregator, "cloudwatch", cloudwatch)
        monkeypatch.setattr(aggregator, "sketches",
                            SketchStore(dynamodb, TABLE, aggregator.BACKOFF))
        yield {"cloudwatch": cloudwatch, "dynamodb": dynamodb}


def close_window(start: str, end: str, users: list[str], shard: str = "shardId-0") -> None:
    """One tumbling window: a batch of ListingViewed by ``users`` at ``start``, then the close."""
    events = [eventbridge_event("ListingViewed", {"listing_id": "l-1", "user_id": user},
                                time=start, event_id=f"{start}-{shard}-{n}")
              for n, user in enumerate(users)]
    window = {"start": start, "end": end}
    first = aggregator.handler(kinesis_batch(
        [encode(e) for e in events], fixture_name="kinesis-time-window-event.json",
        window=window, shardId=shard, state={}, isFinalInvokeForWindow=False), Context())
    aggregator.handler(kinesis_batch(
        [], fixture_name="kinesis-time-window-event.json", window=window, shardId=shard,
        state=first["state"], isFinalInvokeForWindow=True), Context())


def published(cw: Any, period: str, start: datetime, end: datetime) -> list[float]:
    points = cw.get_metric_statistics(
        Namespace=NAMESPACE, MetricName="ActiveUsers",
        Dimensions=[{"Name": "service", "Value": BUSINESS_SERVICE},
                    {"Name": "period", "Value": period}],
        StartTime=start, EndTime=end, Period=86400, Statistics=["Maximum"])["Datapoints"]
    return [p["Maximum"] for p in points]


def test_dau_wau_mau_over_two_days(aws: dict[str, Any]) -> None:
    # Day 1: u1, u2, u3 over two shards' windows. Day 2: u1 again and u4, who is new.
    close_window("2026-11-27T10:00:00Z", "2026-11-27T10:15:00Z", ["u1", "u2"], "shardId-0")
    close_window("2026-11-27T10:00:00Z", "2026-11-27T10:15:00Z", ["u2", "u3"], "shardId-1")
    close_window("2026-11-28T09:00:00Z", "2026-11-28T09:15:00Z", ["u1", "u4"], "shardId-0")
    cw = aws["cloudwatch"]
    day1 = (datetime(2026, 11, 27, tzinfo=UTC), datetime(2026, 11, 28, tzinfo=UTC))
    day2 = (datetime(2026, 11, 28, tzinfo=UTC), datetime(2026, 11, 29, tzinfo=UTC))
    # Day 1's figures: after the first shard's window 2, after the second's 3.
    assert published(cw, "daily", *day1) == [3.0]
    assert published(cw, "weekly", *day1) == [3.0]
    # Day 2: DAU 2 (u1, u4); WAU and MAU 4 (u1..u4, u1 once).
    assert published(cw, "daily", *day2) == [2.0]
    assert published(cw, "weekly", *day2) == [4.0]
    assert published(cw, "monthly", *day2) == [4.0]
    items = aws["dynamodb"].scan(TableName=TABLE)["Items"]
    assert sorted(i["day"]["S"] for i in items) == ["2026-11-27", "2026-11-28"]


def test_a_window_without_signed_in_users_publishes_no_active_users(
        aws: dict[str, Any]) -> None:
    close_window("2026-11-27T10:00:00Z", "2026-11-27T10:15:00Z", [])
    listed = aws["cloudwatch"].list_metrics(Namespace=NAMESPACE,
                                            MetricName="ActiveUsers")["Metrics"]
    assert listed == []
