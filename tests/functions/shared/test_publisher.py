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
from functions.shared.publisher import MAX_ENTRIES, Publisher, PublishResult

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


class CeilingBackoff(retry.Backoff):
    """Backoff whose jitter always picks the top of the range, so pauses are exact."""

    def delay(self, retry: int, rng: Any = None) -> float:
        return super().delay(retry, rng=lambda lo, hi: hi)


def single_try_client() -> Any:
    """An events client without botocore's own retries, for stubbed call failures."""
    from botocore.config import Config

    return boto3.client("events", config=Config(retries={"total_max_attempts": 1}))


def test_the_default_backoff_is_four_attempts_from_50ms_capped_at_1s(
        events_client: Any) -> None:
    publisher = Publisher(events_client, BUS, LOG)
    assert publisher._backoff == retry.Backoff(attempts=4, base_seconds=0.05, cap_seconds=1.0)


def test_default_attempts_bound_the_retries(events_client: Any, sent: list,
                                            pauses: list[float]) -> None:
    fail_entries(events_client, [["InternalFailure"]] * 10)
    result = Publisher(events_client, BUS, LOG).publish(viewed(1))
    assert result == PublishResult(sent=0, failed=1, calls=4)
    assert len(pauses) == 3


def test_pauses_grow_from_the_first_retry(events_client: Any, sent: list,
                                          pauses: list[float],
                                          caplog: pytest.LogCaptureFixture) -> None:
    fail_entries(events_client, [["ThrottlingException", None]] * 10)
    backoff = CeilingBackoff(attempts=4, base_seconds=0.01, cap_seconds=1.0)
    result = Publisher(events_client, BUS, LOG, backoff).publish(viewed(2))
    assert pauses == [0.01, 0.02, 0.04]
    assert result == PublishResult(sent=1, failed=1, calls=4)
    (gave_up,) = [r for r in caplog.records if r.getMessage() == "domain events not delivered"]
    assert gave_up.reason == "retries exhausted"  # type: ignore[attr-defined]
    assert [json.loads(e["Detail"])["listing_id"]
            for e in gave_up.entries] == ["l0"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("pause", "calls"), [
    (4.5, 2),  # within the default 5 s budget: retried
    (5.5, 1),  # beyond it: given up without waiting
])
def test_the_default_deadline_is_five_seconds(events_client: Any, sent: list,
                                              pauses: list[float], pause: float,
                                              calls: int) -> None:
    fail_entries(events_client, [["ThrottlingException"]] * 10)
    backoff = CeilingBackoff(attempts=2, base_seconds=pause, cap_seconds=pause)
    result = Publisher(events_client, BUS, LOG, backoff).publish(viewed(1))
    assert result == PublishResult(sent=0, failed=1, calls=calls)
    assert pauses == [pause] * (calls - 1)


def test_a_spent_deadline_gives_up_before_pausing(
        events_client: Any, sent: list, pauses: list[float],
        caplog: pytest.LogCaptureFixture) -> None:
    fail_entries(events_client, [["ThrottlingException", None]] * 10)
    deadline = retry.Deadline(0.0, clock=lambda: 0.0)
    result = Publisher(events_client, BUS, LOG).publish(viewed(2), deadline=deadline)
    assert result == PublishResult(sent=1, failed=1, calls=1)
    assert pauses == []
    (gave_up,) = [r for r in caplog.records if r.getMessage() == "domain events not delivered"]
    assert gave_up.reason == "retries exhausted"  # type: ignore[attr-defined]


def test_a_permanent_error_is_logged_with_its_code(
        events_client: Any, sent: list, caplog: pytest.LogCaptureFixture) -> None:
    fail_entries(events_client, [[None, "MalformedDetail", None]])
    result = Publisher(events_client, BUS, LOG).publish(viewed(3))
    assert result == PublishResult(sent=2, failed=1, calls=1)
    (gave_up,) = [r for r in caplog.records if r.getMessage() == "domain events not delivered"]
    assert gave_up.levelno == logging.ERROR
    assert gave_up.reason == "MalformedDetail"  # type: ignore[attr-defined]
    assert [json.loads(e["Detail"])["listing_id"]
            for e in gave_up.entries] == ["l1"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("code", ["AccessDeniedException", "ValidationException",
                                  "MalformedDetail", "InvalidArgument",
                                  "NotAuthorizedForSourceException"])
def test_each_permanent_error_is_not_retried(events_client: Any, sent: list,
                                             code: str) -> None:
    fail_entries(events_client, [[code]] * 10)
    result = Publisher(events_client, BUS, LOG).publish(viewed(1))
    assert result == PublishResult(sent=0, failed=1, calls=1)


def test_a_failed_call_is_retried_whole(moto_bus: None, pauses: list[float],
                                        caplog: pytest.LogCaptureFixture) -> None:
    from botocore.stub import Stubber

    client = single_try_client()
    backoff = CeilingBackoff(attempts=3, base_seconds=0.01, cap_seconds=1.0)
    with Stubber(client) as stub:
        stub.add_client_error("put_events", service_error_code="ThrottlingException",
                              service_message="Rate exceeded", http_status_code=400)
        stub.add_response("put_events", {"FailedEntryCount": 0,
                                         "Entries": [{"EventId": "1"}, {"EventId": "2"}]})
        result = Publisher(client, BUS, LOG, backoff).publish(viewed(2))
        stub.assert_no_pending_responses()
    assert result == PublishResult(sent=2, failed=0, calls=2)
    assert pauses == [0.01]
    (warning,) = [r for r in caplog.records if r.getMessage() == "PutEvents failed; retrying"]
    assert warning.levelno == logging.WARNING
    assert warning.attempt == 0  # type: ignore[attr-defined]
    assert "ThrottlingException" in warning.error  # type: ignore[attr-defined]
    assert "Rate exceeded" in warning.error  # type: ignore[attr-defined]


def test_a_connection_error_is_retried_then_given_up(moto_bus: None, pauses: list[float],
                                                     caplog: pytest.LogCaptureFixture) -> None:
    from botocore.exceptions import EndpointConnectionError

    client = single_try_client()

    def refuse(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://events.us-east-1.amazonaws.com")

    client.meta.events.register("before-send.events.PutEvents", refuse)
    backoff = CeilingBackoff(attempts=2, base_seconds=0.01, cap_seconds=1.0)
    result = Publisher(client, BUS, LOG, backoff).publish(viewed(1))
    assert result == PublishResult(sent=0, failed=1, calls=2)
    assert [r.attempt for r in caplog.records  # type: ignore[attr-defined]
            if r.getMessage() == "PutEvents failed; retrying"] == [0, 1]
    assert any(r.getMessage() == "domain events not delivered" for r in caplog.records)


def test_nothing_to_publish_makes_no_call(events_client: Any, sent: list) -> None:
    assert Publisher(events_client, BUS, LOG).publish([]) == PublishResult(0, 0, 0)
    assert sent == []


def test_without_a_bus_the_skipped_event_types_are_logged(
        events_client: Any, sent: list, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    events = [("ListingViewed", {"listing_id": "l1"}), ("UserRegistered", {"user_id": "u1"})]
    assert Publisher(events_client, None, LOG).publish(events) == PublishResult(0, 0, 0)
    (skipped,) = [r for r in caplog.records if "EVENT_BUS_NAME is not set" in r.getMessage()]
    assert skipped.getMessage() == "EVENT_BUS_NAME is not set; domain events not published"
    assert skipped.events == ["ListingViewed", "UserRegistered"]  # type: ignore[attr-defined]


def test_from_env_sends_through_the_client_and_logs_through_the_logger(
        events_client: Any, sent: list, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    monkeypatch.setenv("EVENT_BUS_NAME", BUS)
    assert Publisher.from_env(events_client, LOG).publish(viewed(1)).sent == 1
    assert len(sent) == 1
    monkeypatch.setenv("EVENT_BUS_NAME", "")
    Publisher.from_env(events_client, LOG).publish(viewed(1))
    assert [r.name for r in caplog.records
            if "EVENT_BUS_NAME is not set" in r.getMessage()] == ["publisher-test"]
