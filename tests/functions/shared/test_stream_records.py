"""Decoding Kinesis records that carry EventBridge domain events, and refusing everything else."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from functions.shared.stream_records import BadRecordError, DomainEvent, decode

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "analytics"
DETAIL = {"listing_id": "l-1", "user_agent": "curl/8.4.0",
          "event_id": "0b6c3a3e-8f5e-4c1e-9d1a-2f1d5f0e7a11",
          "occurred_at": "2026-11-28T06:41:07Z", "schema_version": 1}

DROP = object()  # a change that removes the key


def sample(name: str) -> dict[str, Any]:
    """One of the project's copies of AWS's sample payloads."""
    return json.loads((FIXTURES / name).read_text())


def listing_viewed(**changes: Any) -> dict[str, Any]:
    """AWS's sample EventBridge event turned into a ListingViewed, with ``changes`` applied."""
    event = {**sample("eventbridge-scheduled-event.json"), "source": "marketplace.listings",
             "detail-type": "ListingViewed", "time": "2026-11-28T06:41:07Z",
             "detail": dict(DETAIL)}
    event.update(changes)
    return {k: v for k, v in event.items() if v is not DROP}



def b64(payload: Any) -> str:
    """Base64 of a payload's JSON (bytes as they are), as Kinesis hands it to Lambda."""
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return base64.b64encode(raw).decode()


def test_a_domain_event_is_decoded() -> None:
    assert decode(b64(listing_viewed())) == DomainEvent(
        "ListingViewed", "2026-11-28T06:41:07Z", DETAIL)


def test_bytes_are_decoded_as_well() -> None:
    assert decode(b64(listing_viewed()).encode()).event_type == "ListingViewed"


def test_event_id_is_the_producers_id_as_text() -> None:
    event = DomainEvent("UserRegistered", "2026-11-28T06:41:07Z", {"event_id": 17})
    assert event.event_id == "17"
    assert decode(b64(listing_viewed())).event_id == "0b6c3a3e-8f5e-4c1e-9d1a-2f1d5f0e7a11"


def test_the_minute_is_enough_time() -> None:
    assert decode(b64(listing_viewed(time="2026-11-28T06:41"))).time == "2026-11-28T06:41"


def test_awss_sample_kinesis_data_is_not_json() -> None:
    # The sample record's data is base64 of "Hello World".
    data = sample("kinesis-event.json")["Records"][0]["kinesis"]["data"]
    with pytest.raises(BadRecordError, match=r"^malformed JSON: "):
        decode(data)


@pytest.mark.parametrize("data", [
    "!!not*base64!!",  # outside the alphabet: validate=True refuses it
    "SGVsbG8gV29ybGQ",  # the sample's data without its padding
    "SGVsbG8g\nV29ybGQ=",
    "ñ",  # not ASCII at all
])
def test_malformed_base64(data: str) -> None:
    with pytest.raises(BadRecordError, match=r"^malformed base64: .+") as caught:
        decode(data)
    assert caught.value.__cause__ is None


@pytest.mark.parametrize("raw", [b"{not json", b"", b"\xff\xfe\x00", b'{"a": 1} trailing'])
def test_malformed_json(raw: bytes) -> None:
    with pytest.raises(BadRecordError, match=r"^malformed JSON: .+") as caught:
        decode(b64(raw))
    assert caught.value.__cause__ is None


@pytest.mark.parametrize(("payload", "reason"), [
    ([listing_viewed()], "not an EventBridge event: payload is not a JSON object"),
    ("ListingViewed", "not an EventBridge event: payload is not a JSON object"),
    (None, "not an EventBridge event: payload is not a JSON object"),
    (listing_viewed(source="aws.events"), "unexpected source 'aws.events'"),
    (listing_viewed(source="marketplace.listings "), "unexpected source 'marketplace.listings '"),
    (listing_viewed(source=DROP), "unexpected source None"),
    (listing_viewed(**{"detail-type": DROP}), "not an EventBridge event: detail-type is missing"),
    (listing_viewed(**{"detail-type": 7}), "not an EventBridge event: detail-type is missing"),
    (listing_viewed(**{"detail-type": "Scheduled Event"}),
     "schema violation: unknown event type 'Scheduled Event'"),
    (listing_viewed(detail=DROP), "schema violation: detail is not a JSON object"),
    (listing_viewed(detail={**DETAIL, "listing_id": 1}),
     "schema violation: ListingViewed.listing_id has the wrong type"),
    (listing_viewed(detail={k: v for k, v in DETAIL.items() if k != "event_id"}),
     "schema violation: ListingViewed.event_id is missing"),
    (listing_viewed(time=DROP), "not an EventBridge event: time is missing"),
    (listing_viewed(time=1_764_312_067), "not an EventBridge event: time is missing"),
    (listing_viewed(time="2026-11-28T06:4"), "not an EventBridge event: time is missing"),
    (listing_viewed(time=""), "not an EventBridge event: time is missing"),
])
def test_bad_records_say_why(payload: Any, reason: str) -> None:
    with pytest.raises(BadRecordError) as caught:
        decode(b64(payload))
    assert str(caught.value) == reason
    assert caught.value.__cause__ is None


def test_a_bad_record_is_a_value_error() -> None:
    # Consumers that catch ValueError around decoding still catch it.
    assert issubclass(BadRecordError, ValueError)
