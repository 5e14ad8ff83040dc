"""``bench/results.json``: the rows of the last ``make bench`` and ``make mutants``, merged.

Both commands write here. Each replaces the rows it measured, by name, and keeps the others,
so running one does not erase the other's figures.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench import Measurement

RESULTS = Path(__file__).resolve().parent / "results.json"


def merge(rows: list[dict[str, object]], new: list[Measurement]) -> list[dict[str, object]]:
    """``rows`` with each of ``new`` replacing the row of its name, or added; sorted by name."""
    by_name = {str(row["name"]): row for row in rows}
    by_name.update({m.name: m.as_json() for m in new})
    return [by_name[name] for name in sorted(by_name)]


def write(new: list[Measurement], path: Path = RESULTS) -> int:
    """Merge ``new`` into the file at ``path``; return how many rows it now holds."""
    rows = json.loads(path.read_text()) if path.exists() else []
    merged = merge(rows, new)
    path.write_text(json.dumps(merged, indent=2) + "\n")
    return len(merged)
