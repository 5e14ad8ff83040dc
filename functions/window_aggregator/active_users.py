"""Daily, weekly and monthly active users from per-day HyperLogLog sketches.

DAU is the day's sketch; WAU and MAU merge the sketches of the 7 and 30 days ending on that
day (register-wise max, so a user active on several days counts once). Days without a sketch
count as no users.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from functions.shared.metrics import ACTIVE_USERS
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


# The ``period`` dimension of ActiveUsers, per key of :data:`PERIODS`.
PERIOD_NAMES = {"day": "daily", "week": "weekly", "month": "monthly"}


def day_end(day: str) -> datetime:
    """The last second of ``day`` (UTC)."""
    return datetime.combine(date.fromisoformat(day), time(23, 59, 59), UTC)


def metric_data(counts: Mapping[str, Mapping[str, int]], window_end: datetime,
                dimensions: list[dict[str, str]]) -> list[dict[str, Any]]:
    """ActiveUsers per day and period as PutMetricData items.

    Each value is the day's running estimate, stamped at the window's end (or the day's last
    second for a day the window left behind): every closing window of every shard publishes
    the same merged figure, so the dashboards read it with ``Maximum``, not ``Sum``.
    """
    return [
        {"MetricName": ACTIVE_USERS,
         "Dimensions": [*dimensions, {"Name": "period", "Value": PERIOD_NAMES[period]}],
         "Timestamp": min(window_end, day_end(day)), "Value": float(value), "Unit": "Count"}
        for day, periods in sorted(counts.items())
        for period, value in periods.items()
    ]
