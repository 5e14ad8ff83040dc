"""Publishing domain events to the stack's EventBridge bus: batches of 10, failed entries retried.

PutEvents takes at most 10 entries per call and may accept some entries of a call and fail
others (``FailedEntryCount``); only those are sent again, with exponential backoff and full
jitter (:mod:`functions.shared.retry`), bounded by attempts and the invocation's deadline.
Events that still fail are logged in full (nothing is lost: they can be replayed from the
log) and counted; the caller's request does not fail because analytics could not keep up.
Without ``EVENT_BUS_NAME`` (a stack without the bus) events are logged and skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from functions.shared import retry
from functions.shared.events import envelope, to_entry

MAX_ENTRIES = 10  # PutEvents limit per call
# Error codes of a failed entry that a retry cannot fix.
PERMANENT_ERRORS = ("AccessDeniedException", "ValidationException", "MalformedDetail",
                    "InvalidArgument", "NotAuthorizedForSourceException")


@dataclass(frozen=True)
class PublishResult:
    """What happened to a publish: entries accepted, entries given up on, PutEvents calls."""

    sent: int
    failed: int
    calls: int


class Publisher:
    """Sends domain events to one bus; use :meth:`from_env` in handlers."""

    def __init__(self, client: Any, bus_name: str | None, logger: Any,
                 backoff: retry.Backoff | None = None) -> None:
        self._client = client
        self._bus = bus_name
        self._logger = logger
        self._backoff = backoff or retry.Backoff(attempts=4, base_seconds=0.05, cap_seconds=1.0)

    @classmethod
    def from_env(cls, client: Any, logger: Any) -> Publisher:
        """A publisher for the bus named by ``EVENT_BUS_NAME`` (None when unset)."""
        return cls(client, os.environ.get("EVENT_BUS_NAME") or None, logger)

    @property
    def enabled(self) -> bool:
        """Whether a bus is configured."""
        return self._bus is not None

    def publish(self, events: Iterable[tuple[str, Mapping[str, Any]]],
                deadline: retry.Deadline | None = None) -> PublishResult:
        """Validate and send ``(event_type, fields)`` pairs; returns what was sent and lost."""
        details = [(event_type, envelope(event_type, fields)) for event_type, fields in events]
        if not details:
            return PublishResult(0, 0, 0)
        if self._bus is None:
            self._logger.info("EVENT_BUS_NAME is not set; domain events not published",
                              extra={"events": [t for t, _ in details]})
            return PublishResult(0, 0, 0)
        entries = [to_entry(event_type, detail, self._bus) for event_type, detail in details]
        sent = failed = calls = 0
        for start in range(0, len(entries), MAX_ENTRIES):
            batch = entries[start:start + MAX_ENTRIES]
            ok, lost, used = self._send(batch, deadline or retry.Deadline(5.0))
            sent, failed, calls = sent + ok, failed + lost, calls + used
        return PublishResult(sent, failed, calls)

    def _send(self, batch: Sequence[dict[str, Any]],
              deadline: retry.Deadline) -> tuple[int, int, int]:
        pending = list(batch)
        sent = calls = 0
        for attempt in range(self._backoff.attempts):
            if attempt:
                pause = self._backoff.delay(attempt - 1)
                if not deadline.allows(pause):
                    break
                retry.sleep(pause)
            calls += 1
            try:
                response = self._client.put_events(Entries=pending)
            except (ClientError, BotoCoreError) as error:
                # Throttling or an internal error: the whole call is retried.
                self._logger.warning("PutEvents failed; retrying",
                                     extra={"error": str(error), "attempt": attempt})
                continue
            results = response.get("Entries", [])
            still: list[dict[str, Any]] = []
            for entry, result in zip(pending, results, strict=False):
                code = result.get("ErrorCode")
                if not code:
                    sent += 1
                elif code in PERMANENT_ERRORS:
                    self._give_up([entry], code)
                else:
                    still.append(entry)
            pending = still
            if not pending:
                break
        if pending:
            self._give_up(pending, "retries exhausted")
        return sent, len(batch) - sent, calls

    def _give_up(self, entries: Sequence[dict[str, Any]], reason: str) -> None:
        self._logger.error("domain events not delivered",
                           extra={"reason": reason, "entries": list(entries)})
