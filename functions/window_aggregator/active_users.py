"""Daily, weekly and monthly active users from per-day HyperLogLog sketches.

DAU is the day's sketch; WAU and MAU merge the sketches of the 7 and 30 days ending on that
day (register-wise max, so a user active on several days counts once). Days without a sketch
count as no users.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from functions.window_aggregator.hll import HyperLogLog, merged

PERIODS = {"day": 1, "week": 7, "month": 30}


def days_ending(day: str, count: int) -> list[str]:
    """``count`` ISO dates ending with ``day`` (oldest first)."""
    last = date.fromisoformat(day)
    return [(last - timedelta(days=n)).isoformat() for n in range(count - 1, -1, -1)]


def active_users(sketches: Mapping[str, HyperLogLog], day: str) -> dict[str, int]:
    """Estimated active users for the day, the 7 days and the 30 days ending on ``day``."""
    return {period: merged([sketches[d] for d in days_ending(day, count) if d in sketches])
            .estimate() for period, count in PERIODS.items()}
