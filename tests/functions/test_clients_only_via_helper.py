"""Every boto3 client or resource a handler makes goes through functions/shared/clients.py."""

from __future__ import annotations

import ast
from pathlib import Path

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
HELPER = FUNCTIONS / "shared" / "clients.py"
FACTORIES = {"client", "resource"}


def _boto3_names(tree: ast.AST) -> set[str]:
    """Local names bound to the boto3 module or to its factories (``from boto3 import client``)."""
    names = {"boto3"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.asname or a.name for a in node.names if a.name == "boto3"}
        elif isinstance(node, ast.ImportFrom) and node.module in ("boto3", "boto3.session"):
            names |= {a.asname or a.name for a in node.names
                      if a.name in FACTORIES | {"Session"}}
    return names


def direct_calls(source: str) -> list[int]:
    """Lines of ``source`` that make a boto3 client or resource without the helper."""
    tree = ast.parse(source)
    boto3_names = _boto3_names(tree)
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in boto3_names and func.id != "boto3":
            lines.append(node.lineno)  # from boto3 import client; client("s3")
        elif isinstance(func, ast.Attribute) and func.attr in FACTORIES:
            owner = func.value
            if isinstance(owner, ast.Name) and owner.id in boto3_names:
                lines.append(node.lineno)  # boto3.client("s3")
            elif isinstance(owner, ast.Call):
                inner = owner.func
                if ((isinstance(inner, ast.Attribute) and inner.attr == "Session")
                        or (isinstance(inner, ast.Name) and inner.id in boto3_names)):
                    lines.append(node.lineno)  # boto3.Session(...).client("s3")
    return sorted(lines)


def test_the_scan_finds_every_way_around_the_helper() -> None:
    source = "\n".join([
        "import boto3",
        "from boto3 import client as make",
        "from functions.shared import clients",
        "a = boto3.client('s3')",
        "b = boto3.resource('dynamodb')",
        "c = boto3.Session(region_name='x').client('sns')",
        "d = make('events')",
        "e = clients.client('logs')",
        "f = boto3.session.Session().resource('s3')",
    ])
    assert direct_calls(source) == [4, 5, 6, 7, 9]


def test_no_handler_builds_a_client_without_the_helper() -> None:
    files = sorted(p for p in FUNCTIONS.rglob("*.py") if p != HELPER)
    assert len(files) > 20  # the scan reads the real tree
    offenders = {str(p.relative_to(FUNCTIONS)): lines for p in files
                 if (lines := direct_calls(p.read_text(encoding="utf-8")))}
    assert offenders == {}
