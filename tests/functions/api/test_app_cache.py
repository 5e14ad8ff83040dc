"""The Valkey query-result cache: key layout, hits, scoped invalidation, never failing a request."""

from __future__ import annotations

import uuid
from typing import Any

import fakeredis
import pytest
import redis

from functions.api.app_cache import QueryCache, cache_from_env
from tests.functions.api.conftest import Api, user


class Log:
    """A logger that remembers its warnings as (message, extra)."""

    def __init__(self) -> None:
        self.warnings: list[tuple[str, dict[str, Any]]] = []

    def warning(self, message: str, extra: dict[str, Any]) -> None:
        self.warnings.append((message, extra))


class Recording:
    """A client that records calls and fails the ones named in ``failing``."""

    def __init__(self, values: dict[str, str] | None = None, failing: tuple[str, ...] = (),
                 error: BaseException | None = None) -> None:
        self.values = dict(values or {})
        self.failing = failing
        self.error = error or redis.ConnectionError("connection refused")
        self.calls: list[tuple[Any, ...]] = []

    def _maybe_fail(self, name: str, key: str) -> None:
        if name in self.failing or f"{name} {key}" in self.failing:
            raise self.error

    def get(self, key: str) -> str | None:
        self.calls.append(("get", key))
        self._maybe_fail("get", key)
        return self.values.get(key)

    def set(self, key: str, value: str, ex: int) -> None:
        self.calls.append(("set", key, value, ex))
        self._maybe_fail("set", key)

    def incr(self, key: str) -> None:
        self.calls.append(("incr", key))
        self._maybe_fail("incr", key)


ERRORS = (redis.RedisError, OSError)


def fake_cache(ttl: int = 30) -> tuple[QueryCache, fakeredis.FakeRedis]:
    """A cache over an in-memory Valkey."""
    client = fakeredis.FakeRedis(decode_responses=True)
    return QueryCache(client, ttl, Log(), errors=ERRORS), client


def test_a_miss_is_stored_under_a_versioned_generation_key() -> None:
    cache, client = fake_cache(ttl=17)
    answer = cache.get_or_load("category:bikes", [20, None], lambda: {"items": [1, 2],
                                                                      "cursor": None})
    assert answer == {"items": [1, 2], "cursor": None}
    assert client.keys("*") == ["v1:category:bikes:0:20:None"]
    assert client.get("v1:category:bikes:0:20:None") == '{"items":[1,2],"cursor":null}'
    assert client.ttl("v1:category:bikes:0:20:None") == 17


def test_a_hit_is_answered_without_loading() -> None:
    cache, client = fake_cache()
    client.set("v1:featured:0:5", '{"from":"cache"}')

    def load() -> dict[str, Any]:
        raise AssertionError("a hit must not load")

    assert cache.get_or_load("featured", [5], load) == {"from": "cache"}


def test_other_parameters_are_another_entry() -> None:
    cache, _ = fake_cache()
    loads: list[int] = []

    def load() -> dict[str, Any]:
        loads.append(1)
        return {"n": len(loads)}

    assert cache.get_or_load("category:bikes", [20, None], load) == {"n": 1}
    assert cache.get_or_load("category:bikes", [20, None], load) == {"n": 1}
    assert cache.get_or_load("category:bikes", [10, None], load) == {"n": 2}


def test_invalidation_bumps_only_its_scopes() -> None:
    cache, client = fake_cache()
    cache.get_or_load("seller:a", [], lambda: {"n": 1})
    cache.get_or_load("seller:b", [], lambda: {"n": 1})
    cache.invalidate("seller:a", "featured")
    assert client.get("gen:seller:a") == "1"
    assert client.get("gen:featured") == "1"
    assert client.get("gen:seller:b") is None
    assert cache.get_or_load("seller:a", [], lambda: {"n": 2}) == {"n": 2}
    assert cache.get_or_load("seller:b", [], lambda: {"n": 2}) == {"n": 1}
    assert "v1:seller:a:1" in client.keys("*")


def test_a_failed_read_loads_and_does_not_write() -> None:
    log = Log()
    client = Recording(failing=("get",))
    cache = QueryCache(client, 30, log, errors=ERRORS)
    assert cache.get_or_load("featured", [1], lambda: {"ok": True}) == {"ok": True}
    assert client.calls == [("get", "gen:featured")]
    assert log.warnings == [("app cache read failed; reading DynamoDB",
                             {"error": "connection refused"})]


def test_a_failed_lookup_after_the_generation_still_writes() -> None:
    client = Recording(values={"gen:featured": "3"}, failing=("get v1:featured:3:1",))
    cache = QueryCache(client, 30, Log(), errors=ERRORS)
    assert cache.get_or_load("featured", [1], lambda: {"ok": True}) == {"ok": True}
    assert client.calls[-1] == ("set", "v1:featured:3:1", '{"ok":true}', 30)


def test_a_failed_write_still_answers() -> None:
    log = Log()
    cache = QueryCache(Recording(failing=("set",)), 30, log, errors=ERRORS)
    assert cache.get_or_load("featured", [], lambda: {"ok": True}) == {"ok": True}
    assert log.warnings == [("app cache write failed", {"error": "connection refused"})]


def test_a_failed_invalidation_is_logged_with_its_scopes() -> None:
    log = Log()
    client = Recording(failing=("incr",))
    QueryCache(client, 30, log, errors=ERRORS).invalidate("seller:a", "featured")
    assert client.calls == [("incr", "gen:seller:a")]
    assert log.warnings == [("app cache invalidation failed",
                             {"error": "connection refused", "scopes": ["seller:a", "featured"]})]


def test_only_os_errors_are_absorbed_by_default() -> None:
    down = QueryCache(Recording(failing=("get", "set", "incr"), error=OSError("down")), 30, Log())
    assert down.get_or_load("featured", [], lambda: {"ok": True}) == {"ok": True}
    down.invalidate("featured")
    broken = QueryCache(Recording(failing=("get",), error=RuntimeError("bug")), 30, Log())
    with pytest.raises(RuntimeError):
        broken.get_or_load("featured", [], lambda: {"ok": True})


def test_without_an_endpoint_there_is_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APP_CACHE_ENDPOINT", raising=False)
    assert cache_from_env(Log()) is None
    monkeypatch.setenv("APP_CACHE_ENDPOINT", "")
    assert cache_from_env(Log()) is None


def test_the_client_uses_tls_and_short_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_CACHE_ENDPOINT", "cache.example.internal")
    monkeypatch.delenv("APP_CACHE_PORT", raising=False)
    monkeypatch.delenv("APP_CACHE_TTL_SECONDS", raising=False)
    log = Log()
    made = cache_from_env(log)
    assert made is not None
    pool = made._client.connection_pool
    assert pool.connection_class is redis.SSLConnection
    assert {k: pool.connection_kwargs[k] for k in ("host", "port", "decode_responses",
                                                    "socket_timeout",
                                                    "socket_connect_timeout")} == {
        "host": "cache.example.internal", "port": 6379, "decode_responses": True,
        "socket_timeout": 0.25, "socket_connect_timeout": 0.25}
    assert made._ttl == 30
    assert made._logger is log
    assert made._errors == (redis.RedisError, OSError)


def test_port_and_ttl_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_CACHE_ENDPOINT", "cache.example.internal")
    monkeypatch.setenv("APP_CACHE_PORT", "6380")
    monkeypatch.setenv("APP_CACHE_TTL_SECONDS", "45")
    made = cache_from_env(Log())
    assert made is not None
    assert made._client.connection_pool.connection_kwargs["port"] == 6380
    assert made._ttl == 45


def test_handler_serves_feeds_from_cache_and_sees_its_own_writes(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api.handler, "query_cache", fake_cache()[0])
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
