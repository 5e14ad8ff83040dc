"""Backoff with full jitter, time budgets and Retry-After parsing."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from functions.shared import retry
from functions.shared.retry import Backoff, Deadline, retry_after_seconds

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def upper(lo: float, hi: float) -> float:
    """A jitter source that always picks the top of the range."""
    return hi


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, start: float = 100.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


class StoppedDeadline(Deadline):
    """A deadline whose clock never moves, so ``from_context`` budgets compare exactly."""

    def __init__(self, seconds: float, clock: Callable[[], float] = lambda: 50.0) -> None:
        super().__init__(seconds, clock)


class Context:
    """A Lambda context with a fixed time left."""

    def __init__(self, remaining_ms: int) -> None:
        self._remaining = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self._remaining


def test_defaults_are_five_attempts_from_50ms_capped_at_2s() -> None:
    assert Backoff() == Backoff(attempts=5, base_seconds=0.05, cap_seconds=2.0)


@pytest.mark.parametrize(("retry_number", "ceiling"), [
    (0, 0.1), (1, 0.2), (2, 0.4), (3, 0.8),
    (4, 1.0),  # 1.6 capped
    (5, 1.0), (10, 1.0),
])
def test_delay_doubles_from_the_base_until_the_cap(retry_number: int, ceiling: float) -> None:
    backoff = Backoff(base_seconds=0.1, cap_seconds=1.0)
    assert backoff.delay(retry_number, rng=upper) == pytest.approx(ceiling)


@pytest.mark.parametrize(("cap", "ceiling"), [
    (0.99, 0.99),  # just below base * 2**2: the cap wins
    (1.0, 1.0),  # at it
    (1.01, 1.0),  # just above: the exponential wins
])
def test_delay_at_the_cap_boundary(cap: float, ceiling: float) -> None:
    assert Backoff(base_seconds=0.25, cap_seconds=cap).delay(2, rng=upper) == ceiling


def test_jitter_is_drawn_from_zero_to_the_ceiling() -> None:
    drawn: list[tuple[float, float]] = []

    def rng(lo: float, hi: float) -> float:
        drawn.append((lo, hi))
        return 0.123

    assert Backoff(base_seconds=0.5, cap_seconds=3.0).delay(1, rng=rng) == 0.123
    assert drawn == [(0.0, 1.0)]


def test_default_jitter_is_uniform_random() -> None:
    random.seed(1234)
    first = Backoff(base_seconds=0.5, cap_seconds=3.0).delay(1)
    random.seed(1234)
    assert first == random.uniform(0.0, 1.0)
    assert 0.0 <= first <= 1.0


@settings(max_examples=50, deadline=None)
@given(retry_number=st.integers(min_value=0, max_value=30),
       base=st.floats(min_value=0.001, max_value=1.0),
       cap=st.floats(min_value=0.01, max_value=30.0))
def test_delay_is_within_full_jitter_bounds(retry_number: int, base: float, cap: float) -> None:
    backoff = Backoff(attempts=5, base_seconds=base, cap_seconds=cap)
    ceiling = min(cap, base * 2 ** retry_number)
    assert backoff.delay(retry_number, rng=upper) == ceiling
    assert backoff.delay(retry_number, rng=lambda lo, hi: lo) == 0.0
    assert 0.0 <= backoff.delay(retry_number) <= ceiling


def test_deadline_counts_down_with_the_clock() -> None:
    clock = Clock(100.0)
    deadline = Deadline(5.0, clock=clock)
    assert deadline.remaining() == 5.0
    clock.now = 103.5
    assert deadline.remaining() == 1.5
    clock.now = 105.0
    assert deadline.remaining() == 0.0
    clock.now = 200.0
    assert deadline.remaining() == 0.0  # never negative


def test_default_deadline_clock_is_monotonic() -> None:
    deadline = Deadline(10.0)
    assert 9.0 < deadline.remaining() <= 10.0


@pytest.mark.parametrize(("pause", "allowed"), [
    (1.999, True),  # just below the time left
    (2.0, False),  # at it: nothing would be left to try again
    (2.001, False),
])
def test_allows_only_a_pause_that_leaves_time(pause: float, allowed: bool) -> None:
    clock = Clock(10.0)
    deadline = Deadline(5.0, clock=clock)
    clock.now = 13.0
    assert deadline.allows(pause) is allowed


@pytest.mark.parametrize(("remaining_ms", "reserve_ms", "seconds"), [
    (10_000, 1500, 8.5),
    (1501, 1500, 0.001),  # just above the reserve
    (1500, 1500, 0.0),  # at it
    (1000, 1500, 0.0),  # below it: never negative
    (10_000, 0, 10.0),
])
def test_deadline_from_context_keeps_the_reserve(remaining_ms: int, reserve_ms: int,
                                                 seconds: float) -> None:
    deadline = StoppedDeadline.from_context(Context(remaining_ms), reserve_ms=reserve_ms)
    assert deadline.remaining() == pytest.approx(seconds, abs=1e-9)


def test_default_reserve_is_1500ms() -> None:
    assert StoppedDeadline.from_context(Context(4000)).remaining() == 2.5


@pytest.mark.parametrize("context", [
    object(),  # no Lambda context at all (a local run)
    type("NotCallable", (), {"get_remaining_time_in_millis": 5000})(),
])
def test_deadline_without_a_lambda_clock_assumes_30s(context: object) -> None:
    assert StoppedDeadline.from_context(context).remaining() == 28.5


@pytest.mark.parametrize(("header", "seconds"), [
    ("7", 7.0),
    (" 7 ", 7.0),
    ("0", 0.0),
    ("120", 120.0),
])
def test_retry_after_delta_seconds(header: str, seconds: float) -> None:
    assert retry_after_seconds(header) == seconds


@pytest.mark.parametrize("header", [None, "", "soon", "1.5", "-5"])
def test_retry_after_that_is_not_a_delay_is_none(header: str | None) -> None:
    assert retry_after_seconds(header, now=NOW) is None


@pytest.mark.parametrize(("offset", "seconds"), [
    (30, 30.0),
    (1, 1.0),
    (0, 0.0),
    (-5, 0.0),  # a date in the past means: now
])
def test_retry_after_http_date(offset: int, seconds: float) -> None:
    header = format_datetime(NOW + timedelta(seconds=offset), usegmt=True)
    assert retry_after_seconds(header, now=NOW) == seconds


def test_retry_after_date_without_a_zone_is_utc() -> None:
    assert retry_after_seconds("Sat, 28 Nov 2026 12:00:30 -0000", now=NOW) == 30.0


def test_retry_after_date_with_an_offset() -> None:
    # 13:00:30 at +01:00 is 12:00:30 UTC.
    assert retry_after_seconds("Sat, 28 Nov 2026 13:00:30 +0100", now=NOW) == 30.0


def test_retry_after_date_is_measured_from_the_current_time() -> None:
    far = format_datetime(datetime(2999, 1, 1, tzinfo=UTC), usegmt=True)
    assert retry_after_seconds(far) > 365 * 24 * 3600


@pytest.mark.parametrize(("seconds", "slept"), [
    (0.5, [0.5]), (0.001, [0.001]), (0, []), (-1.0, []),
])
def test_sleep_skips_nothing_to_wait(monkeypatch: pytest.MonkeyPatch, seconds: float,
                                     slept: list[float]) -> None:
    taken: list[float] = []
    monkeypatch.setattr(retry.time, "sleep", taken.append)
    retry.sleep(seconds)
    assert taken == slept
