"""A fake clock for code that pauses through ``functions.shared.retry.sleep``."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from functions.shared import retry
from functions.shared.retry import Deadline


def fake_clock(monkeypatch: pytest.MonkeyPatch, start: float = 0.0) -> SimpleNamespace:
    """Pauses are recorded and advance ``now`` instead of sleeping; ``deadline(s)`` is a
    :class:`Deadline` of ``s`` seconds on this clock."""
    state = SimpleNamespace(now=start, pauses=[])

    def pause(seconds: float) -> None:
        state.pauses.append(seconds)
        state.now += seconds

    monkeypatch.setattr(retry, "sleep", pause)
    state.deadline = lambda seconds: Deadline(seconds, clock=lambda: state.now)
    return state
