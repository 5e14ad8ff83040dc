"""Decoding a Kinesis record that carries one EventBridge domain event.

The analytics rule puts the whole EventBridge event into the stream; Lambda hands it to the
consumers base64-encoded. :func:`decode` undoes both layers and validates ``detail`` against
the shared schema, raising :class:`BadRecordError` (with a short reason) for anything else, so a
consumer can report that one record as a batch item failure.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from functions.shared.events import SOURCE, SchemaError, validate


class BadRecordError(ValueError):
    """A stream record that is not a valid marketplace domain event; the message says why."""


@dataclass(frozen=True)
class DomainEvent:
    """A decoded, validated event: its type, EventBridge time (UTC ISO-8601) and ``detail``."""

    event_type: str
    time: str
    detail: dict[str, Any]

    @property
    def event_id(self) -> str:
        """The producer's id of the event (the same across EventBridge retries)."""
        return str(self.detail["event_id"])


def decode(data: str | bytes) -> DomainEvent:
    """Base64 -> JSON -> EventBridge event -> validated domain event, or :class:`BadRecordError`."""
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadRecordError(f"malformed base64: {exc}") from None
    try:
        event = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRecordError(f"malformed JSON: {exc}") from None
    if not isinstance(event, dict):
        raise BadRecordError("not an EventBridge event: payload is not a JSON object")
    if event.get("source") != SOURCE:
        raise BadRecordError(f"unexpected source {event.get('source')!r}")
    event_type = event.get("detail-type")
    if not isinstance(event_type, str):
        raise BadRecordError("not an EventBridge event: detail-type is missing")
    try:
        detail = validate(event_type, event.get("detail"))
    except SchemaError as exc:
        raise BadRecordError(f"schema violation: {exc}") from None
    time = event.get("time")
    if not isinstance(time, str) or len(time) < 16:
        raise BadRecordError("not an EventBridge event: time is missing")
    return DomainEvent(event_type, time, detail)
