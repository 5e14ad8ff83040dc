"""bench/results.json: `make bench` and `make mutants` each replace only their own rows."""

from __future__ import annotations

import json
from pathlib import Path

from bench import Measurement, results


def test_merge_replaces_rows_by_name_keeps_the_rest_and_sorts() -> None:
    old = [{"name": "preview-dev", "value": 2.0}, {"name": "mutation a.py", "value": 0.5}]
    new = [Measurement("mutation a.py", 0.9, "score", 1.0),
           Measurement("mutation 0.py", 1.0, "score", 1.0)]
    merged = results.merge(old, new)
    assert [(row["name"], row["value"]) for row in merged] == [
        ("mutation 0.py", 1.0), ("mutation a.py", 0.9), ("preview-dev", 2.0)]


def test_write_creates_then_merges(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    assert results.write([Measurement("b", 1.0, "s", 2.0)], path) == 1
    assert results.write([Measurement("a", 3.0, "s", 2.0, target=1.0)], path) == 2
    rows = json.loads(path.read_text())
    assert [(r["name"], r["ratio"], r["meets_target"]) for r in rows] == [
        ("a", 1.5, False), ("b", 0.5, None)]
