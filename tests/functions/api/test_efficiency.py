"""DynamoDB request counts, taken with botocore event hooks on the handler's own client."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest

from functions.api.repository import BATCH_GET_LIMIT, to_item
from functions.shared import retry
from tests.functions.api.conftest import Api, user

IDS = 250


@pytest.fixture(scope="module")
def stored(api: Api) -> list[str]:
    """250 listings of one seller, in the exact shape the repository writes them."""
    repository = api.handler.repository
    listings = [
        {"id": f"bulk{index:04d}", "title": f"Item {index}", "description": "",
         "price": Decimal(index), "currency": "USD", "category": "books",
         "seller_id": "bulk-seller", "featured": False, "version": 1,
         "created_at": f"2026-01-01T00:00:{index // 10:02d}.{index:06d}Z",
         "updated_at": "2026-01-01T00:00:00.000000Z"}
        for index in range(IDS)
    ]
    client = boto3.client("dynamodb")
    for start in range(0, IDS, 25):
        client.batch_write_item(RequestItems={repository.table: [
            {"PutRequest": {"Item": to_item(repository._listing_item(listing))}}
            for listing in listings[start:start + 25]]})
    return [listing["id"] for listing in listings]


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Backoff pauses, recorded instead of slept."""
    taken: list[float] = []
    monkeypatch.setattr(retry, "sleep", taken.append)
    return taken


@pytest.fixture
def hooks(api: Api) -> Iterator[list]:
    """Registered after-call hooks, unregistered after the test."""
    registered: list = []
    yield registered
    for handler in registered:
        api.handler.repository.client.meta.events.unregister(
            "after-call.dynamodb.BatchGetItem", handler)


def batch_get(api: Api, ids: list[str]) -> dict[str, Any]:
    before = api.calls["BatchGetItem"]
    response = api.request("POST", "/listings/batch-get", body={"ids": ids})
    response["batch_calls"] = api.calls["BatchGetItem"] - before
    return response


def test_250_ids_take_exactly_3_batch_get_calls(api: Api, stored: list[str]) -> None:
    response = batch_get(api, stored)
    assert response["statusCode"] == 200
    assert response["batch_calls"] == -(-IDS // BATCH_GET_LIMIT) == 3
    assert [i["id"] for i in response["json"]["items"]] == stored


def test_unprocessed_keys_are_retried_until_complete(api: Api, stored: list[str],
                                                     pauses: list[float], hooks: list) -> None:
    remaining = {"throttled_calls": 2}

    def hold_back(parsed: dict[str, Any], **_: Any) -> None:
        # The first two calls return only half their items, the rest as unprocessed keys.
        if remaining["throttled_calls"] == 0:
            return
        remaining["throttled_calls"] -= 1
        (table, items), = parsed["Responses"].items()
        kept, held = items[: len(items) // 2], items[len(items) // 2:]
        parsed["Responses"][table] = kept
        parsed["UnprocessedKeys"] = {table: {"Keys": [{"pk": i["pk"], "sk": i["sk"]}
                                                      for i in held]}}

    api.handler.repository.client.meta.events.register("after-call.dynamodb.BatchGetItem",
                                                       hold_back)
    hooks.append(hold_back)
    response = batch_get(api, stored)
    assert response["statusCode"] == 200
    assert [i["id"] for i in response["json"]["items"]] == stored
    assert response["json"]["not_found"] == []
    assert response["batch_calls"] == 3 + 2
    assert len(pauses) == 2
    cap = api.handler.repository.backoff.cap_seconds
    assert all(0 <= p <= cap for p in pauses)


def test_retries_are_bounded_then_503(api: Api, stored: list[str], pauses: list[float],
                                      hooks: list) -> None:
    def never(parsed: dict[str, Any], **_: Any) -> None:
        (table, items), = parsed["Responses"].items()
        parsed["Responses"][table] = []
        parsed["UnprocessedKeys"] = {table: {"Keys": [{"pk": i["pk"], "sk": i["sk"]}
                                                      for i in items]}}

    api.handler.repository.client.meta.events.register("after-call.dynamodb.BatchGetItem",
                                                       never)
    hooks.append(never)
    response = batch_get(api, stored[:10])
    attempts = api.handler.repository.backoff.attempts
    assert response["statusCode"] == 503
    assert response["multiValueHeaders"]["Retry-After"] == ["1"]
    assert response["batch_calls"] == attempts
    assert len(pauses) == attempts - 1


@pytest.mark.parametrize(("route", "expected"), [
    ("get", {"GetItem": 1}),
    ("seller", {"Query": 1}),
    ("category", {"Query": 3}),
    ("create", {"TransactWriteItems": 1}),
])
def test_requests_per_route(api: Api, stored: list[str], route: str,
                            expected: dict[str, int]) -> None:
    from tests.functions.api.conftest import SHARDS

    if route == "category":
        expected = {"Query": SHARDS}
    before = dict(api.calls)
    requests = {
        "get": lambda: api.request("GET", f"/listings/{stored[0]}", resource="/listings/{id}",
                                   path_params={"id": stored[0]}),
        "seller": lambda: api.request("GET", "/sellers/bulk-seller/listings",
                                      resource="/sellers/{seller_id}/listings",
                                      path_params={"seller_id": "bulk-seller"}),
        "category": lambda: api.request("GET", "/categories/books/listings",
                                        resource="/categories/{category}/listings",
                                        path_params={"category": "books"}),
        "create": lambda: api.request("POST", "/listings", claims=user("s1"), body={
            "title": "t", "description": "", "price": 1, "currency": "USD",
            "category": "books", "seller_id": "s1"}),
    }
    assert requests[route]()["statusCode"] < 300
    used = {k: v - before.get(k, 0) for k, v in api.calls.items() if v != before.get(k, 0)}
    assert used == expected
