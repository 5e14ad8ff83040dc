"""The API after a SnapStart restore: Valkey sockets closed, DAX client new, requests served."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest

from functions.api import app_cache, repository
from functions.shared import snapstart
from tests.functions.api.conftest import Api


def test_the_app_cache_closes_its_pools_connections_after_a_restore(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapstart, "_hooks", [])
    monkeypatch.setenv("APP_CACHE_ENDPOINT", "cache.example.internal")
    cache = app_cache.cache_from_env(mock.Mock())
    assert cache is not None
    pool = cache._client.connection_pool
    connection = pool.make_connection()  # made, never connected: no network in this test
    connection.disconnect = mock.Mock()
    pool._available_connections.append(connection)

    snapstart.restore()

    connection.disconnect.assert_called_once_with()


def test_a_dax_client_is_replaced_and_the_snapshots_one_closed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    stale = mock.Mock()
    repo = SimpleNamespace(client=stale)
    monkeypatch.setenv("DAX_ENDPOINT", "daxs://cluster.example.dax-clusters.amazonaws.com")
    monkeypatch.setattr(repository, "client_from_env", lambda: "fresh dax client")
    repository.renew_dax_client(repo)  # type: ignore[arg-type]
    assert repo.client == "fresh dax client"
    stale.close.assert_called_once_with()


def test_without_dax_the_boto3_client_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DAX_ENDPOINT", raising=False)
    client = mock.Mock()
    repo = SimpleNamespace(client=client)
    repository.renew_dax_client(repo)  # type: ignore[arg-type]
    assert repo.client is client
    client.close.assert_not_called()


def test_the_handler_registers_its_repository_and_serves_after_a_restore(api: Api) -> None:
    hooks: list[tuple[Any, tuple[Any, ...]]] = snapstart._hooks
    assert (repository.renew_dax_client, (api.handler.repository,)) in hooks
    snapstart.restore()
    response = api.request("GET", "/listings/featured", resource="/listings/featured")
    assert response["statusCode"] == 200, response["body"]
