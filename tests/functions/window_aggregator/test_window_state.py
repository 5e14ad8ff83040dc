"""The tumbling window's state: minute buckets, terms, listing views, JSON round trips, bounds."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from functions.shared.stream_records import DomainEvent
from functions.window_aggregator.hll import HyperLogLog
from functions.window_aggregator.window_state import (
    MAX_TRACKED,
    WindowState,
    minute_of,
    normalise_term,
)


def event(event_type: str, time: str = "2026-11-28T06:41:07Z", **detail: Any) -> DomainEvent:
    """A decoded domain event (the decoder has its own tests)."""
    return DomainEvent(event_type, time, {"event_id": f"e-{id(detail)}", **detail})


def test_limits() -> None:
    assert MAX_TRACKED == 2000


@pytest.mark.parametrize(("query", "term"), [
    ("red bike", "red bike"),
    ("  Red   BIKE\t", "red bike"),
    ("red\n\tbike", "red bike"),
    ("   ", ""),
    ("", ""),
])
def test_normalise_term(query: str, term: str) -> None:
    assert normalise_term(query) == term


@pytest.mark.parametrize(("length", "kept"), [(99, 99), (100, 100), (101, 100)])
def test_terms_are_bounded_to_100_characters(length: int, kept: int) -> None:
    assert normalise_term("  " + "a" * length + "  ") == "a" * kept


def test_bounding_happens_after_collapsing_spaces() -> None:
    # 100 characters once the run of spaces is one: nothing is cut.
    assert normalise_term("a" * 50 + "     " + "b" * 49) == "a" * 50 + " " + "b" * 49


@pytest.mark.parametrize(("time", "minute"), [
    ("2026-11-28T06:41:07Z", "2026-11-28T06:41"),
    ("2026-11-28T06:41:00Z", "2026-11-28T06:41"),
    ("2026-11-28T06:41:59.999Z", "2026-11-28T06:41"),
    ("2026-11-28T06:42:00Z", "2026-11-28T06:42"),
])
def test_minute_of(time: str, minute: str) -> None:
    assert minute_of(time) == minute


def test_events_fold_into_minute_buckets_per_type() -> None:
    state = WindowState()
    state.add(event("ListingViewed", "2026-11-28T06:40:59Z", listing_id="l-1"))
    state.add(event("ListingViewed", "2026-11-28T06:41:00Z", listing_id="l-1"))
    state.add(event("ListingViewed", "2026-11-28T06:41:30Z", listing_id="l-2"))
    state.add(event("UserRegistered", "2026-11-28T06:41:31Z", user_id="u-1"))
    assert state.events == 4
    assert state.counts == {
        "2026-11-28T06:40": Counter({"ListingViewed": 1}),
        "2026-11-28T06:41": Counter({"ListingViewed": 2, "UserRegistered": 1}),
    }
    assert state.listings == Counter({"l-1": 2, "l-2": 1})
    assert state.terms == Counter()


def test_searches_count_normalised_terms_and_skip_empty_ones() -> None:
    state = WindowState()
    state.add(event("SearchPerformed", query="Red Bike", result_count=2))
    state.add(event("SearchPerformed", query="  red   bike ", result_count=0))
    state.add(event("SearchPerformed", query="   ", result_count=0))
    state.add(event("SearchPerformed", result_count=0))
    assert state.terms == Counter({"red bike": 2})
    assert state.events == 4
    assert state.counts == {"2026-11-28T06:41": Counter({"SearchPerformed": 4})}
    assert state.listings == Counter()


def test_a_non_string_query_is_counted_as_its_text() -> None:
    state = WindowState()
    state.add(event("SearchPerformed", query=42, result_count=0))
    assert state.terms == Counter({"42": 1})


def test_views_count_per_listing_and_other_types_add_no_tallies() -> None:
    state = WindowState()
    state.add(event("ListingViewed", listing_id="l-7"))
    state.add(event("ListingCreated", listing_id="l-8", query="not a search"))
    state.add(event("ContactRequested", listing_id="l-7"))
    assert state.listings == Counter({"l-7": 1})
    assert state.terms == Counter()


def test_to_dict_is_the_versioned_json_sorted_by_minute() -> None:
    state = WindowState()
    state.add(event("SearchPerformed", "2026-11-28T06:42:01Z", query="sofa", result_count=1))
    state.add(event("ListingViewed", "2026-11-28T06:41:01Z", listing_id="l-1"))
    document = state.to_dict()
    assert document == {
        "v": 1,
        "counts": {"2026-11-28T06:41": {"ListingViewed": 1},
                   "2026-11-28T06:42": {"SearchPerformed": 1}},
        "terms": {"sofa": 1},
        "listings": {"l-1": 1},
        "events": 2,
        "users": {},  # no user_id on these events: no sketch
    }
    assert list(document["counts"]) == ["2026-11-28T06:41", "2026-11-28T06:42"]
    assert all(type(types) is dict for types in document["counts"].values())
    assert type(document["terms"]) is dict
    assert type(document["listings"]) is dict


def test_from_dict_reads_what_to_dict_wrote() -> None:
    state = WindowState.from_dict({
        "v": 1,
        "counts": {"2026-11-28T06:41": {"ListingViewed": 3, "SearchPerformed": "2"}},
        "terms": {"sofa": "4"},
        "listings": {"l-1": 5},
        "events": "5",
    })
    assert state.counts == {"2026-11-28T06:41": Counter({"ListingViewed": 3,
                                                         "SearchPerformed": 2})}
    assert state.terms == Counter({"sofa": 4})
    assert state.listings == Counter({"l-1": 5})
    assert state.events == 5
    # Counters, so the next event adds to them.
    state.add(event("SearchPerformed", query="Sofa", result_count=1))
    assert state.terms["sofa"] == 5
    assert state.counts["2026-11-28T06:41"]["SearchPerformed"] == 3
    assert state.events == 6


@pytest.mark.parametrize("state", [
    None, {}, [], "state", {"v": 0, "events": 3}, {"v": 2, "events": 3},
    {"v": "1", "events": 3}, {"events": 3},
])
def test_state_not_written_by_this_handler_starts_empty(state: Any) -> None:
    assert WindowState.from_dict(state) == WindowState()


@pytest.mark.parametrize("missing", [None, {}])
def test_from_dict_with_empty_parts(missing: Any) -> None:
    state = WindowState.from_dict({"v": 1, "counts": missing, "terms": missing,
                                   "listings": missing, "events": missing})
    assert state == WindowState()
    assert WindowState.from_dict({"v": 1}) == WindowState()


def test_from_dict_then_to_dict_is_the_identity() -> None:
    document = {"v": 1, "counts": {"2026-11-28T06:40": {"ListingViewed": 1}},
                "terms": {"a": 2}, "listings": {"l": 3}, "events": 4,
                "users": {"2026-11-28": HyperLogLog().to_text()}}
    assert WindowState.from_dict(document).to_dict() == document


def filled(size: int) -> WindowState:
    """Terms and listings with ``size`` entries each; entry i counted i + 1 times."""
    state = WindowState()
    for i in range(size):
        state.terms[f"t{i}"] = i + 1
        state.listings[f"l{i}"] = i + 1
    return state


@pytest.mark.parametrize("size", [MAX_TRACKED - 1, MAX_TRACKED])
def test_bound_keeps_tallies_within_the_limit_untouched(size: int) -> None:
    state = filled(size)
    state.bound()
    assert len(state.terms) == size
    assert len(state.listings) == size
    # Untouched: still in the order the window saw them.
    assert list(state.terms)[:2] == ["t0", "t1"]
    assert list(state.listings)[:2] == ["l0", "l1"]


def test_bound_drops_the_least_frequent_beyond_the_limit() -> None:
    state = filled(MAX_TRACKED + 1)
    state.bound()
    assert len(state.terms) == MAX_TRACKED
    assert len(state.listings) == MAX_TRACKED
    assert "t0" not in state.terms
    assert "l0" not in state.listings
    assert state.terms["t1"] == 2
    assert state.listings[f"l{MAX_TRACKED}"] == MAX_TRACKED + 1


def test_bound_handles_each_tally_on_its_own() -> None:
    state = filled(MAX_TRACKED + 1)
    state.listings = Counter({"l-1": 1})
    state.bound()
    assert len(state.terms) == MAX_TRACKED
    assert state.listings == Counter({"l-1": 1})


def test_top_terms_rank_by_count_then_term() -> None:
    state = WindowState(terms=Counter({"b": 2, "a": 2, "c": 5, "d": 1}))
    assert state.top_terms(3) == [("c", 5), ("a", 2), ("b", 2)]
    assert state.top_terms(10) == [("c", 5), ("a", 2), ("b", 2), ("d", 1)]
    assert state.top_terms(0) == []


def test_top_listings_rank_by_views_then_id() -> None:
    state = WindowState(listings=Counter({"l-2": 3, "l-1": 3, "l-9": 7, "l-0": 1}))
    assert state.top_listings(2) == [("l-9", 7), ("l-1", 3)]
    assert state.top_listings(4) == [("l-9", 7), ("l-1", 3), ("l-2", 3), ("l-0", 1)]
    assert state.top_listings(0) == []
