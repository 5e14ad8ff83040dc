"""The cold-init floor is built from the clients the handler really creates."""

from __future__ import annotations

from bench.bench_api import handler_clients


def test_floor_clients_are_recorded_from_the_handler() -> None:
    clients = handler_clients()
    # The table client, the bus publisher and the audit writer; no DAX or cache client
    # without their endpoints, and no client created twice.
    assert sorted(clients) == ["dynamodb", "events", "logs"]
