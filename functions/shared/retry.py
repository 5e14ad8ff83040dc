"""Retries with exponential backoff and full jitter, bounded by attempts and by time.

Used where neither botocore nor urllib3 can retry: DynamoDB unprocessed items and the failed
entries of a PutEvents call that succeeded (botocore retries calls, not the items they hand
back); and by the window aggregator's Timestream and InfluxDB writers, which keep their own
loops (the InfluxDB one signs in again between attempts). Plain HTTP retries are urllib3's
(:mod:`functions.shared.http_retry`). Full jitter (``uniform(0, min(cap, base *
2**attempt))``) is AWS's recommended scheme: it spreads retries of many clients so they do
not collide again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter: ``attempts`` tries in all, delays capped."""

    attempts: int = 5
    base_seconds: float = 0.05
    cap_seconds: float = 2.0

    def delay(self, retry: int, rng: Callable[[float, float], float] = random.uniform) -> float:
        """The pause before retry number ``retry`` (0 for the first retry)."""
        return rng(0.0, min(self.cap_seconds, self.base_seconds * (2 ** retry)))


class Deadline:
    """Time left for retries: stop before the function's own timeout cuts the work off."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._end = clock() + seconds

    @classmethod
    def from_context(cls, context: object, reserve_ms: int = 1500) -> Deadline:
        """From a Lambda context, keeping ``reserve_ms`` to report and raise cleanly."""
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        ms = remaining() if callable(remaining) else 30_000
        return cls(max(0.0, (ms - reserve_ms) / 1000.0))

    def remaining(self) -> float:
        """Seconds left (never negative)."""
        return max(0.0, self._end - self._clock())

    def allows(self, pause: float) -> bool:
        """Whether pausing ``pause`` seconds still leaves time to try again."""
        return self.remaining() > pause


def retry_after_seconds(header: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from an HTTP ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if not header:
        return None
    text = header.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def sleep(seconds: float) -> None:
    """Pause; a seam so tests can count pauses instead of waiting."""
    if seconds > 0:
        time.sleep(seconds)
