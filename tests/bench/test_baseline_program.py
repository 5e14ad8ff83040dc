"""The preview benchmark's baseline registers exactly the resources it is asked for."""

from __future__ import annotations

import pytest

from bench import Measurement
from bench.baseline_program import PLAIN_TYPE, main, program
from tools.mock_runtime import run


def test_baseline_registers_n_plain_custom_resources() -> None:
    registry = run("bench", {}, [], lambda: program(7))
    assert len(registry) == 7
    assert {r.type for r in registry} == {PLAIN_TYPE}
    assert all(r.custom and r.parent == registry.stack_urn for r in registry)
    assert sorted(r.inputs["index"] for r in registry) == list(range(7))


def test_baseline_command_checks_its_count(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--count", "3"]) == 0
    assert "registered 3 plain resources" in capsys.readouterr().out


def test_ratio_and_target_of_a_row() -> None:
    slow = Measurement("preview-x", value=3.0, unit="s", baseline=1.0, target=2.0)
    fast = Measurement("preview-x", value=1.5, unit="s", baseline=1.0, target=2.0)
    assert (slow.ratio, slow.meets_target, fast.meets_target) == (3.0, False, True)
    assert slow.as_json()["ratio"] == 3.0
