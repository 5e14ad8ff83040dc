"""The cold-start rows time a real environment's life: a restore, then two served requests."""

from __future__ import annotations

from bench.bench_cold_start import _after_init


def test_one_environment_restores_and_serves_two_requests() -> None:
    life = _after_init()  # the script asserts both requests returned 200
    assert set(life) == {"restore", "first", "warm"}
    assert all(seconds > 0 for seconds in life.values())
