"""SnapStart restore hooks: the registered hook drops every client's pool and re-seeds random."""

from __future__ import annotations

import random
import sys

import pytest
from pytest_httpserver import HTTPServer
from snapshot_restore_py import get_after_restore

from functions.shared import clients, snapstart

LIST_BUCKETS = ('<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult>'
                '<Owner><ID>o</ID></Owner><Buckets></Buckets></ListAllMyBucketsResult>')


def _registered_hook() -> object:
    """The callable the runtime would run after a restore, as the library holds it."""
    [(hook, args, kwargs)] = [e for e in get_after_restore() if e[0] is snapstart.restore]
    assert (args, kwargs) == ((), {})
    return hook


def test_importing_registers_restore_with_the_runtime_hooks_library() -> None:
    assert snapstart.REGISTERED is True
    assert _registered_hook() is snapstart.restore


def test_without_the_library_nothing_is_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import raises ImportError
    assert snapstart._register() is False


def test_the_hook_drops_a_clients_connections_and_the_next_call_opens_new_ones(
        httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    httpserver.expect_request("/").respond_with_data(LIST_BUCKETS, content_type="application/xml")
    s3 = clients.client("s3", region_name="us-east-1", endpoint_url=httpserver.url_for("/"))
    s3.list_buckets()
    pools = s3._endpoint.http_session._manager.pools
    [key] = pools.keys()  # a RecentlyUsedContainer: no plain iteration
    before = pools[key]

    dropped = _registered_hook()()

    assert dropped >= 1
    assert len(pools) == 0  # the snapshot's connections are gone
    s3.list_buckets()  # the same client object works: it connects again
    [key] = pools.keys()
    after = pools[key]
    assert after is not before
    assert len(httpserver.log) == 2


def test_resources_are_tracked_through_their_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    table = clients.resource("dynamodb", region_name="us-east-1")
    assert table in set(snapstart._clients)
    assert snapstart._http_session(table) is table.meta.client._endpoint.http_session


def test_the_hook_reseeds_random_so_restored_environments_differ() -> None:
    random.seed(1234)
    snapshot_value = random.random()
    random.seed(1234)  # the state every environment resumes with
    snapstart.restore()
    assert random.random() != snapshot_value


def test_handler_hooks_run_in_order_with_their_arguments_and_failures_surface(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapstart, "_hooks", [])
    ran: list[str] = []

    def fails() -> None:
        ran.append("fails")
        raise ConnectionError("cache unreachable")

    snapstart.after_restore(ran.append, "first")
    snapstart.after_restore(fails)
    snapstart.after_restore(ran.append, "last")
    with pytest.raises(ConnectionError, match="cache unreachable"):
        snapstart.restore()
    assert ran == ["first", "fails", "last"]  # one failure does not skip the rest
