"""Config is data upstream of everything: its modules import nothing downstream."""

from __future__ import annotations

import ast
from pathlib import Path

from tools.mock_runtime import ROOT

CONFIG = Path(ROOT, "components", "config")
SPEC_TABLES = sorted(Path(ROOT, "components").glob("*/config_keys.py"))
# What config and the key tables may import from the project: each other and data modules.
DATA_MODULES = {"components.blocks.alarm_metrics", "functions.shared.audit_events"}


def _project_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m.split(".")[0] in ("components", "functions", "policy", "tools")}


def _allowed(module: str) -> bool:
    return (module.startswith("components.config") or module.endswith(".config_keys")
            or module in DATA_MODULES)


def test_every_area_keeps_a_key_table() -> None:
    assert [p.parent.name for p in SPEC_TABLES] == [
        "alerting", "analytics", "automation", "backend", "cost", "edge", "observability",
        "platform", "security"]


def test_config_and_the_key_tables_import_nothing_downstream() -> None:
    modules = [*sorted(CONFIG.glob("*.py")), *SPEC_TABLES]
    wrong = {str(p.relative_to(ROOT)): sorted(m for m in _project_imports(p) if not _allowed(m))
             for p in modules}
    assert {k: v for k, v in wrong.items() if v} == {}

