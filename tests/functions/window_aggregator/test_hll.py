"""HyperLogLog: error bound on generated ids, merge equals the union's sketch, fixed size."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from functions.window_aggregator import hll
from functions.window_aggregator.hll import HyperLogLog, merged

# 3 standard errors of a p=12 sketch: 3 * 1.04 / sqrt(4096) = 0.04875.
BOUND = 0.04875


def ids(count: int, seed: int, prefix: str = "user") -> list[str]:
    """``count`` distinct, random-looking user ids (seeded, so the test is repeatable)."""
    rng = random.Random(seed)
    return [f"{prefix}-{rng.getrandbits(64):016x}-{n}" for n in range(count)]


def sketch_of(items: list[str]) -> HyperLogLog:
    sketch = HyperLogLog()
    for item in items:
        sketch.add(item)
    return sketch


def test_size_and_standard_error() -> None:
    assert hll.PRECISION == 12
    assert hll.REGISTERS == 4096
    assert pytest.approx(0.01625) == hll.STANDARD_ERROR
    assert len(HyperLogLog().to_text()) == 5464  # 4096 bytes in base64: 4 * ceil(4096 / 3)


def test_an_empty_sketch_estimates_zero() -> None:
    assert HyperLogLog().estimate() == 0
    assert HyperLogLog().is_empty()


@pytest.mark.parametrize(("count", "seed"), [
    (10, 1), (100, 2), (1000, 3), (10_000, 4), (30_000, 5), (100_000, 6)])
def test_the_estimate_is_within_three_standard_errors(count: int, seed: int) -> None:
    estimate = sketch_of(ids(count, seed)).estimate()
    assert abs(estimate - count) / count <= BOUND, estimate


def test_small_counts_are_exact_enough_for_a_quiet_day() -> None:
    # Linear counting: a handful of users is estimated exactly.
    assert sketch_of(["u1", "u2", "u3"]).estimate() == 3


def test_adding_the_same_ids_again_changes_nothing() -> None:
    users = ids(5000, 7)
    once = sketch_of(users)
    twice = sketch_of(users + users[::-1])
    assert once == twice
    assert abs(once.estimate() - 5000) / 5000 <= BOUND


def test_memory_does_not_grow_with_traffic() -> None:
    assert len(sketch_of(ids(50_000, 8)).registers) == 4096


def test_merge_of_overlapping_days_estimates_the_union() -> None:
    # Seven days of 4,000 users each, 1,000 of them the same every day: 22,000 distinct.
    regulars = ids(1000, 9, "regular")
    days = [sketch_of(regulars + ids(3000, 100 + day, f"day{day}")) for day in range(7)]
    week = merged(days)
    assert abs(week.estimate() - 22_000) / 22_000 <= BOUND
    assert week == sketch_of(regulars + [i for d in range(7) for i in ids(3000, 100 + d,
                                                                          f"day{d}")])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(max_size=12), max_size=60), st.lists(st.text(max_size=12), max_size=60))
def test_merge_is_the_sketch_of_the_union(a: list[str], b: list[str]) -> None:
    left = sketch_of(a)
    left.merge(sketch_of(b))
    assert left == sketch_of(a + b)
    assert merged([sketch_of(b), sketch_of(a)]) == left


def test_text_round_trip() -> None:
    sketch = sketch_of(ids(2000, 10))
    again = HyperLogLog.from_text(sketch.to_text())
    assert again == sketch
    assert again.estimate() == sketch.estimate()


def test_a_sketch_of_another_size_is_refused() -> None:
    with pytest.raises(ValueError, match="a sketch has 4096 registers, not 10"):
        HyperLogLog(bytes(10))


def test_the_hash_is_stable_across_processes() -> None:
    # BLAKE2b-64 of "user-1" is 11145382709976293768: register 2474 (its top 12 bits), and
    # the next bit is 1, so rank 1. hash() would differ per process (PYTHONHASHSEED).
    assert hll._hash("user-1") == 11145382709976293768
    sketch = sketch_of(["user-1"])
    assert [(i, r) for i, r in enumerate(sketch.registers) if r] == [(2474, 1)]
