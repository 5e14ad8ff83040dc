"""The state a tumbling window carries from one invocation to the next.

Lambda passes the ``state`` a handler returned back to the next invocation of the same shard
and window, and resets it when the window closes. It must be JSON and stay under 1 MB, so
the term and listing tallies are bounded: beyond :data:`MAX_TRACKED` entries only the most
frequent are kept (exact for everything that can still reach the top N in practice).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from functions.shared.stream_records import DomainEvent
from functions.window_aggregator.hll import HyperLogLog

MAX_TRACKED = 2000
MAX_TERM_LENGTH = 100
STATE_VERSION = 1
_SPACES = re.compile(r"\s+")


def normalise_term(query: str) -> str:
    """A search query as a term: trimmed, lower case, inner whitespace collapsed, bounded."""
    return _SPACES.sub(" ", query.strip().lower())[:MAX_TERM_LENGTH]


def minute_of(time: str) -> str:
    """``2026-11-28T06:41:07Z`` -> ``2026-11-28T06:41`` (the minute bucket, UTC)."""
    return time[:16]


@dataclass
class WindowState:
    """Counts per minute and event type, search terms, listing views, active-user sketches."""

    counts: dict[str, Counter[str]] = field(default_factory=dict)
    terms: Counter[str] = field(default_factory=Counter)
    listings: Counter[str] = field(default_factory=Counter)
    events: int = 0
    # UTC day -> sketch of the users active in this window that day (a window spans at most
    # two days): 4 KiB each whatever the traffic, merged across windows into DAU/WAU/MAU.
    users: dict[str, HyperLogLog] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, state: Any) -> WindowState:
        """The state Lambda passed in; anything not written by this handler starts empty."""
        if not isinstance(state, dict) or state.get("v") != STATE_VERSION:
            return cls()
        return cls(
            counts={minute: Counter({k: int(v) for k, v in types.items()})
                    for minute, types in (state.get("counts") or {}).items()},
            terms=Counter({k: int(v) for k, v in (state.get("terms") or {}).items()}),
            listings=Counter({k: int(v) for k, v in (state.get("listings") or {}).items()}),
            events=int(state.get("events") or 0),
            users={day: HyperLogLog.from_text(text)
                   for day, text in (state.get("users") or {}).items()},
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON for Lambda to hand to the next invocation."""
        return {
            "v": STATE_VERSION,
            "counts": {minute: dict(types) for minute, types in sorted(self.counts.items())},
            "terms": dict(self.terms),
            "listings": dict(self.listings),
            "events": self.events,
            "users": {day: sketch.to_text() for day, sketch in sorted(self.users.items())},
        }

    def add(self, event: DomainEvent) -> None:
        """Fold one event into the window."""
        self.events += 1
        self.counts.setdefault(minute_of(event.time), Counter())[event.event_type] += 1
        detail = event.detail
        user = detail.get("user_id")
        if isinstance(user, str) and user:
            self.users.setdefault(event.time[:10], HyperLogLog()).add(user)
        if event.event_type == "SearchPerformed":
            term = normalise_term(str(detail.get("query", "")))
            if term:
                self.terms[term] += 1
        elif event.event_type == "ListingViewed":
            self.listings[str(detail["listing_id"])] += 1

    def bound(self) -> None:
        """Keep the tallies within :data:`MAX_TRACKED` entries each (most frequent kept)."""
        for tally in (self.terms, self.listings):
            if len(tally) > MAX_TRACKED:
                keep = dict(tally.most_common(MAX_TRACKED))
                tally.clear()
                tally.update(keep)

    def top_terms(self, n: int) -> list[tuple[str, int]]:
        """The ``n`` most frequent search terms (ties by term, for stable output)."""
        return sorted(self.terms.items(), key=lambda kv: (-kv[1], kv[0]))[:n]

    def top_listings(self, n: int) -> list[tuple[str, int]]:
        """The ``n`` most viewed listings: the window's hot listings."""
        return sorted(self.listings.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
