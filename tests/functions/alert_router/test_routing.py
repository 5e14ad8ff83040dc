"""Routing rules as data, maintenance windows at their edges, and the list decoder."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from functions.alert_router.alert import Alert
from functions.alert_router.routing import (
    Route,
    Window,
    decode_list,
    load_routes,
    load_windows,
    parse_window,
    suppressed,
    targets_for,
)

RULES = load_routes(json.dumps([
    {"severities": ["critical"], "sources": ["*"], "targets": ["pagerduty", "slack:incidents"]},
    {"severities": ["*"], "sources": ["guardduty"], "targets": ["slack:security",
                                                                 "slack:incidents"]},
    {"severities": ["warning", "info"], "sources": ["cloudwatch"], "targets": ["slack:alerts"]},
]))


def alert(severity: str = "warning", source: str = "cloudwatch",
          escalated: bool = False) -> Alert:
    """An alert of a severity and source."""
    return Alert(key="k", source=source, severity=severity, title="t", state="ALARM",
                 escalated=escalated)


def at(day: int, hour: int, minute: int) -> datetime:
    """A UTC time in the week of Monday 2026-11-30 (day 0 = Monday)."""
    return datetime(2026, 11, 30, tzinfo=UTC) + timedelta(days=day, hours=hour, minutes=minute)


def test_the_week_helper_is_right() -> None:
    assert [at(d, 0, 0).weekday() for d in range(7)] == list(range(7))


# -- rules ----------------------------------------------------------------------------------
def test_rules_load_from_json() -> None:
    rules = load_routes(json.dumps([{"severities": ["critical"], "sources": ["*"],
                                     "targets": ["pagerduty", "slack:incidents"]}]))
    assert rules == (Route(frozenset({"critical"}), frozenset({"*"}),
                           ("pagerduty", "slack:incidents")),)
    assert RULES[0] == Route(frozenset({"critical"}), frozenset({"*"}),
                             ("pagerduty", "slack:incidents"))
    assert RULES[2].severities == frozenset({"warning", "info"})
    assert load_routes("") == ()
    assert load_routes("[]") == ()


@pytest.mark.parametrize(("rule", "severity", "source", "match"), [
    ({"severities": ["*"], "sources": ["*"]}, "info", "health", True),
    ({"severities": ["warning"], "sources": ["*"]}, "warning", "health", True),
    ({"severities": ["warning"], "sources": ["*"]}, "critical", "health", False),
    ({"severities": ["*"], "sources": ["budgets"]}, "critical", "budgets", True),
    ({"severities": ["*"], "sources": ["budgets"]}, "critical", "health", False),
    ({"severities": ["warning"], "sources": ["budgets"]}, "warning", "budgets", True),
    ({"severities": ["warning"], "sources": ["budgets"]}, "warning", "health", False),
    ({"severities": ["warning"], "sources": ["budgets"]}, "critical", "budgets", False),
    ({"severities": ["warning"], "sources": ["budgets"]}, "critical", "health", False),
])
def test_a_rule_needs_both_severity_and_source(rule: dict, severity: str, source: str,
                                               match: bool) -> None:
    [route] = load_routes(json.dumps([{**rule, "targets": ["x"]}]))
    assert route.matches(alert(severity, source)) is match


def test_targets_are_the_union_of_matching_rules_in_rule_order() -> None:
    assert targets_for(alert("critical", "guardduty"), RULES) == [
        "pagerduty", "slack:incidents", "slack:security"]
    assert targets_for(alert("info", "guardduty"), RULES) == ["slack:security",
                                                              "slack:incidents"]
    assert targets_for(alert("warning", "cloudwatch"), RULES) == ["slack:alerts"]
    assert targets_for(alert("maintenance", "health"), RULES) == []
    assert targets_for(alert(), ()) == []


# -- windows --------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "window"), [
    ("sun 02:00-04:00", Window(6, 120, 240)),
    ("Mon 00:00-23:59", Window(0, 0, 1439)),
    ("  wed 22:30-01:15 ", Window(2, 1350, 75)),
    ("SAT 9:05-9:06", Window(5, 545, 546)),
    ("sun 02:00 - 04:00", Window(6, 120, 240)),  # spaces around the dash are read
])
def test_windows_parse(text: str, window: Window) -> None:
    assert parse_window(text) == window


@pytest.mark.parametrize("text", [
    "sunday 02:00-04:00", "sun", "sun 02:00", "sun 02:00-", "sun -04:00", "",
])
def test_malformed_windows_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not a window like 'sun 02:00-04:00'"):
        parse_window(text)


@pytest.mark.parametrize(("text", "bad"), [
    ("sun 24:00-02:00", "'24:00'"),   # one past the last minute of the day
    ("sun 02:00-23:60", "'23:60'"),
    ("sun 02:00--1:00", "'-1:00'"),   # one before the first minute
])
def test_times_must_be_in_the_day(text: str, bad: str) -> None:
    with pytest.raises(ValueError, match=f"{bad} is not a time of day"):
        parse_window(text)


def test_the_last_minute_of_the_day_is_a_time() -> None:
    assert parse_window("sun 23:59-00:00") == Window(6, 1439, 0)


@pytest.mark.parametrize(("when", "inside"), [
    (at(6, 1, 59), False),   # just before the start
    (at(6, 2, 0), True),     # at the start
    (at(6, 3, 59), True),    # last minute
    (at(6, 4, 0), False),    # the end is exclusive
    (at(5, 3, 0), False),    # same time, another day
    (at(0, 3, 0), False),
])
def test_a_same_day_window(when: datetime, inside: bool) -> None:
    assert Window(6, 120, 240).contains(when) is inside


@pytest.mark.parametrize(("when", "inside"), [
    (at(6, 22, 59), False),
    (at(6, 23, 0), True),    # Sunday from 23:00 ...
    (at(6, 23, 59), True),
    (at(0, 0, 0), True),     # ... over midnight into Monday (day 6 + 1 wraps to 0)
    (at(0, 0, 59), True),
    (at(0, 1, 0), False),    # until 01:00
    (at(0, 23, 30), False),  # Monday evening is not the start day
    (at(5, 0, 30), False),   # Saturday early is not the day after
    (at(1, 0, 30), False),
])
def test_a_window_past_midnight(when: datetime, inside: bool) -> None:
    assert Window(6, 23 * 60, 60).contains(when) is inside


def test_a_window_ending_where_it_starts_is_empty() -> None:
    # Not a 24-hour window past midnight: start == end holds no minute at all.
    empty = Window(0, 600, 600)
    assert [empty.contains(at(d, h, 0)) for d in (0, 1) for h in (9, 10, 11)] == [False] * 6


def test_minutes_count_hours_as_sixty() -> None:
    # 10:00 is minute 600; a window 599-601 holds it, 601-700 does not.
    assert Window(0, 599, 601).contains(at(0, 10, 0)) is True
    assert Window(0, 601, 700).contains(at(0, 10, 0)) is False


def test_windows_load_skipping_blank_items() -> None:
    assert load_windows(["sun 02:00-04:00", "  ", "", "mon 01:00-02:00"]) == (
        Window(6, 120, 240), Window(0, 60, 120))
    assert load_windows([]) == ()


# -- suppression ----------------------------------------------------------------------------
WINDOWS = (Window(6, 120, 240), Window(2, 0, 60))


@pytest.mark.parametrize(("a", "when", "held"), [
    (alert("warning"), at(6, 3, 0), True),
    (alert("warning"), at(2, 0, 30), True),       # the second window
    (alert("warning"), at(6, 5, 0), False),       # outside every window
    (alert("critical"), at(6, 3, 0), False),      # not a suppressed severity
    (alert("warning", escalated=True), at(6, 3, 0), False),  # escalations always go out
])
def test_suppression(a: Alert, when: datetime, held: bool) -> None:
    assert suppressed(a, when, WINDOWS, ("warning", "info")) is held


def test_no_windows_suppress_nothing() -> None:
    assert suppressed(alert("warning"), at(6, 3, 0), (), ["warning"]) is False


def test_suppressed_severities_may_be_any_iterable() -> None:
    assert suppressed(alert("info"), at(6, 3, 0), WINDOWS, iter(["warning", "info"])) is True


# -- environment lists ----------------------------------------------------------------------
@pytest.mark.parametrize(("text", "items"), [
    (None, []), ("", []), ("[]", []), ('["sun 02:00-04:00", 3]', ["sun 02:00-04:00", "3"]),
])
def test_decode_list(text: str | None, items: list[str]) -> None:
    assert decode_list(text) == items


@pytest.mark.parametrize("text", ['{"a": 1}', '"warning"', "3"])
def test_decode_list_refuses_other_json(text: str) -> None:
    with pytest.raises(ValueError, match=r"^expected a JSON list$"):
        decode_list(text)
