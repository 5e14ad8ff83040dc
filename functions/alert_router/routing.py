"""Routing rules as data, and maintenance-window suppression.

A rule is ``{"severities": [...], "sources": [...], "targets": [...]}`` (``*`` matches all);
an alert goes to the union of the targets of every rule it matches, in rule order. Targets
are ``pagerduty`` and ``slack:<channel>``. Rules come from the stack config
(``alertRoutes``) through the router's environment.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from functions.alert_router.alert import Alert

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Route:
    """One rule: alerts of these severities from these sources go to these targets."""

    severities: frozenset[str]
    sources: frozenset[str]
    targets: tuple[str, ...]

    def matches(self, alert: Alert) -> bool:
        """Whether the alert's severity and source are both covered by the rule."""
        return ((("*" in self.severities) or alert.severity in self.severities)
                and (("*" in self.sources) or alert.source in self.sources))


def load_routes(text: str) -> tuple[Route, ...]:
    """Rules from their JSON form (the ``ROUTES`` environment variable)."""
    rules = json.loads(text or "[]")
    return tuple(Route(frozenset(r["severities"]), frozenset(r["sources"]),
                       tuple(r["targets"])) for r in rules)


def targets_for(alert: Alert, routes: Sequence[Route]) -> list[str]:
    """Every target of every matching rule, each once, in rule order."""
    seen: dict[str, None] = {}
    for route in routes:
        if route.matches(alert):
            seen.update(dict.fromkeys(route.targets))
    return list(seen)


@dataclass(frozen=True)
class Window:
    """A weekly UTC window: weekday index (0 = Monday), start and end minute of the day.

    An end before the start runs past midnight into the next day.
    """

    weekday: int
    start: int
    end: int

    def contains(self, when: datetime) -> bool:
        """Whether ``when`` (UTC) falls in the window."""
        minute = when.hour * 60 + when.minute
        day = when.weekday()
        if self.start <= self.end:
            return day == self.weekday and self.start <= minute < self.end
        return ((day == self.weekday and minute >= self.start)
                or (day == (self.weekday + 1) % 7 and minute < self.end))


def parse_window(text: str) -> Window:
    """``"sun 02:00-04:00"`` as a :class:`Window`; ValueError for anything else."""
    day, _, span = text.strip().partition(" ")
    start, _, end = span.partition("-")
    if day.lower() not in WEEKDAYS or not start or not end:
        raise ValueError(f"{text!r} is not a window like 'sun 02:00-04:00'")

    def minutes(hhmm: str) -> int:
        hours, _, mins = hhmm.partition(":")
        value = int(hours) * 60 + int(mins)
        if not 0 <= value < 24 * 60:
            raise ValueError(f"{hhmm!r} is not a time of day")
        return value

    return Window(WEEKDAYS.index(day.lower()), minutes(start), minutes(end))


def load_windows(items: Iterable[str]) -> tuple[Window, ...]:
    """Windows from their text form."""
    return tuple(parse_window(i) for i in items if i.strip())


def suppressed(alert: Alert, now: datetime, windows: Sequence[Window],
               severities: Iterable[str]) -> bool:
    """Whether a maintenance window holds the alert back (escalations are never held)."""
    if alert.escalated or alert.severity not in set(severities):
        return False
    return any(w.contains(now) for w in windows)


def decode_list(text: str | None) -> list[str]:
    """A JSON list of strings from the environment (empty when unset)."""
    value = json.loads(text) if text else []
    if not isinstance(value, list):
        raise ValueError("expected a JSON list")
    return [str(v) for v in value]

