"""The shape of ``components/``: one package per capability, small modules, short constructors."""

from __future__ import annotations

import ast
from pathlib import Path

from tools.mock_runtime import ROOT

COMPONENTS = Path(ROOT, "components")
MODULES = sorted(COMPONENTS.rglob("*.py"))
MAX_LINES = 400
MAX_CONSTRUCTOR_LINES = 80


def test_every_capability_is_a_package_composed_in_its_component_module() -> None:
    packages = sorted(p.parent.name for p in COMPONENTS.glob("*/__init__.py"))
    assert packages == ["alerting", "analytics", "automation", "backend", "blocks", "config",
                        "cost", "edge", "observability", "platform", "security"]
    composed = sorted(p.parent.name for p in COMPONENTS.glob("*/component.py"))
    assert composed == ["alerting", "analytics", "automation", "backend", "cost", "edge",
                        "observability", "security"]
    assert [p.name for p in COMPONENTS.glob("*.py")] == ["__init__.py"]


def test_no_module_is_over_400_lines() -> None:
    sizes = {str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in MODULES}
    assert {k: n for k, n in sizes.items() if n > MAX_LINES} == {}


def test_no_constructor_is_over_80_lines() -> None:
    long = {}
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name == "__init__":
                length = node.end_lineno - node.lineno + 1
                if length > MAX_CONSTRUCTOR_LINES:
                    long[f"{path.relative_to(ROOT)}:{node.lineno}"] = length
    assert long == {}
