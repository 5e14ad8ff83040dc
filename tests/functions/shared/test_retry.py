"""Backoff with full jitter, time budgets and Retry-After parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from functions.shared.retry import Backoff, Deadline, retry_after_seconds


@settings(max_examples=100, deadline=None)
@given(retry=st.integers(min_value=0, max_value=30),
       base=st.floats(min_value=0.001, max_value=1.0),
       cap=st.floats(min_value=0.01, max_value=30.0))
def test_delay_is_within_full_jitter_bounds(retry: int, base: float, cap: float) -> None:
    backoff = Backoff(attempts=5, base_seconds=base, cap_seconds=cap)
    ceiling = min(cap, base * 2 ** retry)
    assert backoff.delay(retry, rng=lambda lo, hi: hi) == ceiling
    assert backoff.delay(retry, rng=lambda lo, hi: lo) == 0.0
    assert 0.0 <= backoff.delay(retry) <= ceiling


def test_delay_grows_exponentially_until_the_cap() -> None:
    backoff = Backoff(base_seconds=0.1, cap_seconds=1.0)
    highs = [backoff.delay(n, rng=lambda lo, hi: hi) for n in range(6)]
    assert highs == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]


def test_deadline_counts_down_with_the_clock() -> None:
    now = [100.0]
    deadline = Deadline(5.0, clock=lambda: now[0])
    assert deadline.remaining() == 5.0
    assert deadline.allows(4.9)
    now[0] = 104.0
    assert not deadline.allows(1.5)
    now[0] = 200.0
    assert deadline.remaining() == 0.0


def test_deadline_from_lambda_context_keeps_a_reserve() -> None:
    class Context:
        def get_remaining_time_in_millis(self) -> int:
            return 10_000

    assert 8.4 < Deadline.from_context(Context(), reserve_ms=1500).remaining() <= 8.5


def test_retry_after_as_seconds_and_http_date() -> None:
    assert retry_after_seconds("7") == 7.0
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds(later, now=now) == 30.0
    assert retry_after_seconds(format_datetime(now - timedelta(seconds=5), usegmt=True),
                               now=now) == 0.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
