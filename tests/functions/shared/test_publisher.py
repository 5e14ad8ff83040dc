"""The PutEvents publisher against moto: batching, partial failures, bounds, no bus."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from functions.shared import retry
from functions.shared.events import validate
from functions.shared.publisher import MAX_ENTRIES, Publisher

BUS = "publisher-test-bus"


@pytest.fixture(scope="module")
def moto_bus() -> Iterator[None]:
    """One moto account with the bus for the module (moto start-up is the slow part)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        with mock_aws():
            boto3.client("events").create_event_bus(Name=BUS)
            yield


@pytest.fixture
def events_client(moto_bus: None) -> Any:
    """A fresh client per test, so hooks registered on it stay in that test."""
    return boto3.client("events")


@pytest.fixture
def sent(events_client: Any) -> list[list[dict[str, Any]]]:
    """Entries of every PutEvents call, as sent."""
    calls: list[list[dict[str, Any]]] = []
    events_client.meta.events.register("provide-client-params.events.PutEvents",
                                       lambda params, **_: calls.append(params["Entries"]))
    return calls


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    taken: list[float] = []
    monkeypatch.setattr(retry, "sleep", taken.append)
    return taken


def fail_entries(client: Any, codes: list[list[str | None]]) -> None:
    """Make call N report entry i failed with codes[N][i] (None = accepted)."""
    remaining = list(codes)

    def hook(parsed: dict[str, Any], **_: Any) -> None:
        if not remaining:
            return
        plan = remaining.pop(0)
        for entry, code in zip(parsed["Entries"], plan, strict=False):
            if code:
                entry.clear()
                entry.update({"ErrorCode": code, "ErrorMessage": "injected"})
        parsed["FailedEntryCount"] = sum(1 for c in plan if c)

    client.meta.events.register("after-call.events.PutEvents", hook)


def viewed(n: int) -> list[tuple[str, dict[str, Any]]]:
    return [("ListingViewed", {"listing_id": f"l{i}"}) for i in range(n)]


LOG = logging.getLogger("publisher-test")


def test_batches_of_at_most_ten_valid_entries(events_client: Any, sent: list) -> None:
    result = Publisher(events_client, BUS, LOG).publish(viewed(23))
    assert [len(call) for call in sent] == [10, 10, 3]
    assert max(len(call) for call in sent) <= MAX_ENTRIES
    assert (result.sent, result.failed, result.calls) == (23, 0, 3)
    for entry in (e for call in sent for e in call):
        assert entry["EventBusName"] == BUS
        validate(entry["DetailType"], json.loads(entry["Detail"]))


def test_only_failed_entries_are_retried(events_client: Any, sent: list,
                                         pauses: list[float]) -> None:
    fail_entries(events_client, [[None, "ThrottlingException", None]])
    result = Publisher(events_client, BUS, LOG).publish(viewed(3))
    assert [len(call) for call in sent] == [3, 1]
    assert json.loads(sent[1][0]["Detail"])["listing_id"] == "l1"
    assert (result.sent, result.failed) == (3, 0)
    assert len(pauses) == 1


def test_permanent_errors_are_not_retried(events_client: Any, sent: list,
                                          caplog: pytest.LogCaptureFixture) -> None:
    fail_entries(events_client, [["AccessDeniedException", None]])
    result = Publisher(events_client, BUS, LOG).publish(viewed(2))
    assert len(sent) == 1
    assert (result.sent, result.failed) == (1, 1)
    assert "not delivered" in caplog.text


def test_retries_are_bounded(events_client: Any, sent: list, pauses: list[float]) -> None:
    attempts = 3
    fail_entries(events_client, [["InternalFailure"]] * 10)
    publisher = Publisher(events_client, BUS, LOG, retry.Backoff(attempts=attempts))
    result = publisher.publish(viewed(1))
    assert len(sent) == attempts
    assert len(pauses) == attempts - 1
    assert (result.sent, result.failed) == (0, 1)


def test_without_a_bus_events_are_logged_not_sent(events_client: Any, sent: list,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    result = Publisher(events_client, None, LOG).publish(viewed(2))
    assert sent == []
    assert result.sent == 0
    assert "EVENT_BUS_NAME is not set" in caplog.text


def test_from_env_reads_the_bus_name(events_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENT_BUS_NAME", BUS)
    assert Publisher.from_env(events_client, LOG).enabled
    monkeypatch.delenv("EVENT_BUS_NAME")
    assert not Publisher.from_env(events_client, LOG).enabled


def test_invalid_event_is_refused_before_sending(events_client: Any, sent: list) -> None:
    from functions.shared.events import SchemaError

    with pytest.raises(SchemaError, match="listing_id"):
        Publisher(events_client, BUS, LOG).publish([("ListingViewed", {"category": "x"})])
    assert sent == []
