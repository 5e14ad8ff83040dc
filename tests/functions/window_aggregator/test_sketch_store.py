"""The durable per-day sketch store against moto's DynamoDB: merge, conflicts, TTL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from functions.shared.retry import Backoff, Deadline
from functions.window_aggregator import sketch_store
from functions.window_aggregator.hll import HyperLogLog
from functions.window_aggregator.sketch_store import SketchStore, SketchStoreError

TABLE = "sketches"
NO_WAIT = Backoff(attempts=3, base_seconds=0.0, cap_seconds=0.0)


def sketch(*users: str) -> HyperLogLog:
    s = HyperLogLog()
    for user in users:
        s.add(user)
    return s


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    # The handler's variable names the table (the role check maps calls through it).
    monkeypatch.setenv("ACTIVE_USERS_TABLE", TABLE)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=[{"AttributeName": "day",
                                                   "AttributeType": "S"}],
                            KeySchema=[{"AttributeName": "day", "KeyType": "HASH"}])
        yield client


def test_two_windows_of_a_day_merge_into_one_item(dynamodb: Any) -> None:
    store = SketchStore(dynamodb, TABLE, NO_WAIT)
    store.merge("2026-11-28", sketch("u1", "u2"), Deadline(30))
    merged = store.merge("2026-11-28", sketch("u2", "u3"), Deadline(30))
    assert merged.estimate() == 3
    item = dynamodb.get_item(TableName=TABLE, Key={"day": {"S": "2026-11-28"}})["Item"]
    assert item["version"] == {"N": "2"}
    assert len(item["registers"]["B"]) == 4096
    assert HyperLogLog(item["registers"]["B"]) == sketch("u1", "u2", "u3")
    # 2026-11-28T00:00Z + 32 days = 2026-12-30T00:00Z = 1798588800.
    assert item["expires_at"] == {"N": "1798588800"}


def test_a_window_with_nobody_new_writes_nothing(dynamodb: Any) -> None:
    store = SketchStore(dynamodb, TABLE, NO_WAIT)
    store.merge("2026-11-28", sketch("u1"), Deadline(30))
    store.merge("2026-11-28", sketch("u1"), Deadline(30))
    item = dynamodb.get_item(TableName=TABLE, Key={"day": {"S": "2026-11-28"}})["Item"]
    assert item["version"] == {"N": "1"}


class RacingClient:
    """DynamoDB with another shard's window writing the same day between our read and put."""

    def __init__(self, real: Any, rival: HyperLogLog, races: int) -> None:
        self._real, self._rival, self._races = real, rival, races
        self.exceptions = real.exceptions
        self.puts = 0

    def get_item(self, **params: Any) -> Any:
        return self._real.get_item(**params)

    def put_item(self, **params: Any) -> Any:
        self.puts += 1
        if self._races:
            self._races -= 1
            SketchStore(self._real, TABLE, NO_WAIT).merge(params["Item"]["day"]["S"],
                                                          self._rival, Deadline(30))
        return self._real.put_item(**params)


def test_a_concurrent_writer_is_merged_not_overwritten(dynamodb: Any) -> None:
    store = SketchStore(dynamodb, TABLE, NO_WAIT)
    store.merge("2026-11-28", sketch("u1"), Deadline(30))
    racing = RacingClient(dynamodb, sketch("rival-1", "rival-2"), races=1)
    merged = SketchStore(racing, TABLE, NO_WAIT).merge("2026-11-28", sketch("u2"), Deadline(30))
    # The first put lost (version 1 -> 2 under it); the retry read the rival's users too.
    assert racing.puts == 2
    assert merged == sketch("u1", "u2", "rival-1", "rival-2")
    item = dynamodb.get_item(TableName=TABLE, Key={"day": {"S": "2026-11-28"}})["Item"]
    assert HyperLogLog(item["registers"]["B"]).estimate() == 4
    assert item["version"] == {"N": "3"}


def test_a_concurrent_first_writer_of_the_day_is_merged_too(dynamodb: Any) -> None:
    racing = RacingClient(dynamodb, sketch("rival"), races=1)
    merged = SketchStore(racing, TABLE, NO_WAIT).merge("2026-11-29", sketch("u1"), Deadline(30))
    assert merged == sketch("u1", "rival")


def test_losing_every_race_raises_for_lambda_to_retry(dynamodb: Any) -> None:
    racing = RacingClient(dynamodb, sketch("rival"), races=0)

    def put_item(**params: Any) -> Any:
        racing.puts += 1
        SketchStore(dynamodb, TABLE, NO_WAIT).merge(
            "2026-11-29", sketch(f"rival-{racing.puts}"), Deadline(30))
        return dynamodb.put_item(**params)

    racing.put_item = put_item  # type: ignore[method-assign]
    with pytest.raises(SketchStoreError, match="2026-11-29 kept changing"):
        SketchStore(racing, TABLE, NO_WAIT).merge("2026-11-29", sketch("u1"), Deadline(30))
    assert racing.puts == 3  # NO_WAIT's three attempts


def test_other_errors_are_not_retried(dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIVE_USERS_TABLE", "missing-table")
    store = SketchStore(dynamodb, "missing-table", NO_WAIT)
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        store.merge("2026-11-28", sketch("u1"), Deadline(30))


def test_load_reads_the_days_that_exist(dynamodb: Any) -> None:
    store = SketchStore(dynamodb, TABLE, NO_WAIT)
    store.merge("2026-11-27", sketch("a"), Deadline(30))
    store.merge("2026-11-28", sketch("b", "c"), Deadline(30))
    found = store.load(["2026-11-26", "2026-11-27", "2026-11-28"], Deadline(30))
    assert found == {"2026-11-27": sketch("a"), "2026-11-28": sketch("b", "c")}


def test_unprocessed_keys_are_asked_again() -> None:
    class Throttled:
        exceptions = None

        def __init__(self) -> None:
            self.requests: list[list[str]] = []

        def batch_get_item(self, RequestItems: Any) -> Any:  # noqa: N803  # boto3's name
            keys = [k["day"]["S"] for k in RequestItems[TABLE]["Keys"]]
            self.requests.append(keys)
            first, rest = keys[0], keys[1:]
            item = {"day": {"S": first}, "registers": {"B": bytes(sketch(first).registers)}}
            return {"Responses": {TABLE: [item]},
                    "UnprocessedKeys": {TABLE: {"Keys": [{"day": {"S": d}} for d in rest]}}
                    if rest else {}}

    client = Throttled()
    found = SketchStore(client, TABLE, NO_WAIT).load(["d1", "d2"], Deadline(30))
    assert client.requests == [["d1", "d2"], ["d2"]]
    assert sorted(found) == ["d1", "d2"]


def test_the_item_is_the_same_size_however_many_users() -> None:
    assert len(bytes(sketch("one").registers)) == len(bytes(sketch(*map(str, range(20_000)))
                                                          .registers)) == 4096
    assert sketch_store.KEEP_DAYS >= 31
