"""The collector's window arithmetic and how a GraphQL answer is read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from functions.cloudflare_analytics import graphql


def _at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 12, 3, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(("tick", "start", "end"), [
    (_at(12, 10), _at(12, 0), _at(12, 5)),         # on the grid: the lag reaches 12:05
    (_at(12, 14, 59), _at(12, 0), _at(12, 5)),     # 12:09:59 floors to 12:05
    (_at(12, 15, 0), _at(12, 5), _at(12, 10)),     # the next tick, the next window
    (_at(0, 3), _at(23, 50).replace(day=2), _at(23, 55).replace(day=2)),  # across midnight
])
def test_window_ends_the_lag_before_the_tick_on_the_grid(tick: datetime, start: datetime,
                                                         end: datetime) -> None:
    window = graphql.window_of(tick, minutes=5, lag_minutes=5)
    assert (window.start, window.end) == (start, end)
    assert len(window.minutes) == 5


def test_zone_of_reads_the_single_zone() -> None:
    zone = {"requests": [], "firewall": []}
    assert graphql.zone_of({"data": {"viewer": {"zones": [zone]}}, "errors": None}) == zone


@pytest.mark.parametrize(("answer", "message"), [
    ({"data": None, "errors": [{"message": "limit reached, please try reduced time period"}]},
     "limit reached"),
    ({"data": None, "errors": [{"path": ["viewer"]}]}, "None"),
    ({"data": {"viewer": {"zones": []}}, "errors": None}, "expected one zone in the answer, "
                                                          "got 0"),
])
def test_zone_of_refuses_errors_and_missing_zones(answer: dict, message: str) -> None:
    with pytest.raises(graphql.AnalyticsError, match=message):
        graphql.zone_of(answer)


def test_a_full_answer_is_reported_as_possibly_truncated() -> None:
    zone = {"requests": [{}] * 5000, "firewall": [{}] * 3}
    assert graphql.truncated(zone) == ["requests"]
