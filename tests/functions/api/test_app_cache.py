"""The Valkey query-result cache: hits, scoped invalidation, and never failing a request."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import fakeredis
import pytest
import redis

from functions.api.app_cache import QueryCache, cache_from_env
from tests.functions.api.conftest import Api, user

LOG = logging.getLogger("app-cache-test")


def cache() -> QueryCache:
    return QueryCache(fakeredis.FakeRedis(decode_responses=True), 30, LOG,
                      errors=(redis.RedisError, OSError))


def test_miss_loads_and_stores_then_hits() -> None:
    loads: list[int] = []
    c = cache()

    def load() -> dict[str, Any]:
        loads.append(1)
        return {"items": [1, 2], "cursor": None}

    assert c.get_or_load("category:bikes", [20, None], load) == {"items": [1, 2], "cursor": None}
    assert c.get_or_load("category:bikes", [20, None], load) == {"items": [1, 2], "cursor": None}
    assert len(loads) == 1
    c.get_or_load("category:bikes", [10, None], load)  # other parameters, other entry
    assert len(loads) == 2


def test_invalidation_is_per_scope() -> None:
    c = cache()
    calls = {"a": 0, "b": 0}

    def loader(name: str):
        def load() -> dict[str, Any]:
            calls[name] += 1
            return {"n": calls[name]}
        return load

    c.get_or_load("seller:a", [], loader("a"))
    c.get_or_load("seller:b", [], loader("b"))
    c.invalidate("seller:a")
    assert c.get_or_load("seller:a", [], loader("a")) == {"n": 2}
    assert c.get_or_load("seller:b", [], loader("b")) == {"n": 1}


def test_entries_expire_with_the_ttl() -> None:
    client = fakeredis.FakeRedis(decode_responses=True)
    QueryCache(client, 17, LOG).get_or_load("featured", [5], lambda: {"x": 1})
    (key,) = list(client.keys("v1:*"))
    assert 0 < client.ttl(key) <= 17


class Broken:
    """A cache that is down."""

    def get(self, *_: Any) -> None:
        raise redis.ConnectionError("connection refused")

    set = incr = get


def test_a_broken_cache_never_fails_the_request(caplog: pytest.LogCaptureFixture) -> None:
    c = QueryCache(Broken(), 30, LOG, errors=(redis.RedisError, OSError))
    assert c.get_or_load("featured", [], lambda: {"ok": True}) == {"ok": True}
    c.invalidate("featured")
    assert "app cache read failed" in caplog.text
    assert "invalidation failed" in caplog.text


def test_client_from_env_uses_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APP_CACHE_ENDPOINT", raising=False)
    assert cache_from_env(LOG) is None
    monkeypatch.setenv("APP_CACHE_ENDPOINT", "cache.example.internal")
    monkeypatch.setenv("APP_CACHE_TTL_SECONDS", "45")
    made = cache_from_env(LOG)
    assert made is not None
    pool = made._client.connection_pool
    assert pool.connection_class is redis.SSLConnection
    assert pool.connection_kwargs["host"] == "cache.example.internal"
    assert made._ttl == 45


def test_handler_serves_feeds_from_cache_and_sees_its_own_writes(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api.handler, "query_cache", cache())
    category = f"cat-{uuid.uuid4().hex[:6]}"
    seller = f"seller-{uuid.uuid4().hex[:6]}"
    feed = {"path": f"/categories/{category}/listings",
            "resource": "/categories/{category}/listings", "path_params": {"category": category}}

    def listing() -> dict[str, Any]:
        return {"title": "Cached", "description": "", "price": 1, "currency": "USD",
                "category": category, "seller_id": seller}

    api.request("POST", "/listings", body=listing(), claims=user(seller))
    first = api.request("GET", **feed)
    queries = api.calls["Query"]
    second = api.request("GET", **feed)
    assert second["json"] == first["json"]
    assert api.calls["Query"] == queries  # answered from the cache
    created = api.request("POST", "/listings", body=listing(), claims=user(seller))
    third = api.request("GET", **feed)
    assert created["json"]["id"] in [i["id"] for i in third["json"]["items"]]
    assert api.calls["Query"] > queries
