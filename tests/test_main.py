"""``__main__.py`` wires components through their named outputs, never through their children."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pulumi

MAIN = Path(__file__).resolve().parents[1] / "__main__.py"


def component_variables(tree: ast.Module) -> set[str]:
    """Names bound to a ``ComponentResource`` built in the module (``edge = Edge(...)``)."""
    imported: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                imported[alias.asname or alias.name] = node.module
    found: set[str] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name)):
            continue
        module = imported.get(node.value.func.id)
        if module is None:
            continue
        made = getattr(importlib.import_module(module), node.value.func.id, None)
        if isinstance(made, type) and issubclass(made, pulumi.ComponentResource):
            found.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return found


def child_reads(source: str) -> list[str]:
    """Every ``component.child.attribute`` read, as ``line: component.child.attribute``."""
    tree = ast.parse(source)
    components = component_variables(tree)
    return sorted(
        f"{node.lineno}: {node.value.value.id}.{node.value.attr}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
        and isinstance(node.value.value, ast.Name) and node.value.value.id in components)


def test_the_checker_sees_a_child_read() -> None:
    probe = ("from components.cost.component import CostGuardrails\n"
             "cost = CostGuardrails('c', None)\n"
             "x = cost.budget.name\n"
             "y = cost.budget_name\n")
    assert child_reads(probe) == ["3: cost.budget.name"]


def test_main_reads_only_named_outputs() -> None:
    tree = ast.parse(MAIN.read_text())
    assert {"core", "topics", "backend", "edge", "analytics", "alert_routing", "security",
            "cost_guardrails", "observability"} <= component_variables(tree)
    assert child_reads(MAIN.read_text()) == []
