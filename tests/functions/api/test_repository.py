"""Choosing the table client: DynamoDB by default, the DAX client only when configured."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import pytest

from functions.api import keys
from functions.api.repository import client_from_env, public

ROOT = Path(__file__).resolve().parents[3]


def test_without_dax_endpoint_it_is_a_dynamodb_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DAX_ENDPOINT", raising=False)
    client = client_from_env("us-east-1")
    assert client.meta.service_model.service_name == "dynamodb"


def test_with_dax_endpoint_it_is_the_dax_client(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[dict] = []

    class AmazonDaxClient:
        def __init__(self, **kwargs: str) -> None:
            made.append(kwargs)

    monkeypatch.setitem(sys.modules, "amazondax",
                        types.SimpleNamespace(AmazonDaxClient=AmazonDaxClient))
    monkeypatch.setenv("DAX_ENDPOINT", "daxs://cluster.abc.dax-clusters.us-east-1.amazonaws.com")
    assert isinstance(client_from_env("us-east-1"), AmazonDaxClient)
    assert made == [{"endpoint_url": "daxs://cluster.abc.dax-clusters.us-east-1.amazonaws.com",
                     "region_name": "us-east-1"}]


def test_importing_the_handler_loads_neither_dax_nor_redis() -> None:
    code = ("import sys, functions.api.handler; "
            "print(sorted(m for m in ('amazondax', 'redis') if m in sys.modules))")
    env = {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x",
           "AWS_SECRET_ACCESS_KEY": "x", "POWERTOOLS_TRACE_DISABLED": "1",
           "PATH": "/usr/bin:/bin", "TABLE_NAME": "listings"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_public_hides_keys_and_turns_decimals_into_numbers() -> None:
    from decimal import Decimal

    item = {keys.PK: "LISTING#a", keys.SK: "LISTING", "gsi1pk": "SELLER#s", "id": "a",
            "price": Decimal("12.50"), "version": Decimal(3), keys.TTL_ATTRIBUTE: Decimal(9)}
    assert public(item) == {"id": "a", "price": 12.5, "version": 3}
