"""DAU/WAU/MAU from per-day sketches, and the sketches the window state carries."""

from __future__ import annotations

import json

from functions.shared.stream_records import DomainEvent
from functions.window_aggregator.active_users import active_users, days_ending
from functions.window_aggregator.hll import HyperLogLog
from functions.window_aggregator.window_state import WindowState

BOUND = 0.04875  # 3 standard errors at p=12


def sketch(users: range, prefix: str = "u") -> HyperLogLog:
    s = HyperLogLog()
    for n in users:
        s.add(f"{prefix}-{n}")
    return s


def test_days_ending() -> None:
    assert days_ending("2026-03-02", 3) == ["2026-02-28", "2026-03-01", "2026-03-02"]
    assert days_ending("2026-03-02", 1) == ["2026-03-02"]


def test_dau_wau_mau_merge_the_days() -> None:
    # Day n (1..30 of November) has users n*100 .. n*100+1999: consecutive days overlap.
    sketches = {f"2026-11-{n:02d}": sketch(range(n * 100, n * 100 + 2000)) for n in range(1, 31)}
    counts = active_users(sketches, "2026-11-30")
    # Exact: a day 2,000; days 24-30 cover 2400..4999 (2,600); days 1-30 cover 100..4999.
    for period, exact in (("day", 2000), ("week", 2600), ("month", 4900)):
        assert abs(counts[period] - exact) / exact <= BOUND, (period, counts[period])


def test_missing_days_count_as_none() -> None:
    counts = active_users({"2026-11-28": sketch(range(3))}, "2026-11-30")
    assert counts == {"day": 0, "week": 3, "month": 3}


def test_the_window_state_keeps_a_sketch_per_day_not_the_ids() -> None:
    state = WindowState()
    for n in range(5000):
        state.add(DomainEvent("ListingViewed", "2026-11-28T23:59:59Z",
                              {"event_id": f"e{n}", "listing_id": "l", "user_id": f"u{n}"}))
    state.add(DomainEvent("SearchPerformed", "2026-11-29T00:00:01Z",
                          {"event_id": "s", "query": "x", "result_count": 0, "user_id": "u1"}))
    state.add(DomainEvent("SearchPerformed", "2026-11-29T00:00:02Z",
                          {"event_id": "t", "query": "x", "result_count": 0}))  # anonymous
    saved = json.loads(json.dumps(state.to_dict()))
    assert sorted(saved["users"]) == ["2026-11-28", "2026-11-29"]
    assert all(len(text) == 5464 for text in saved["users"].values())  # 4 KiB, base64
    again = WindowState.from_dict(saved)
    assert abs(again.users["2026-11-28"].estimate() - 5000) / 5000 <= BOUND
    assert again.users["2026-11-29"].estimate() == 1
