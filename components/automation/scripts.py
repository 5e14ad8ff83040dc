"""An Automation script from a Python module: the module's source plus what it imports here.

``aws:executeScript`` runs the ``Script`` text of a step with the Python runtime's standard
library and boto3, nothing else: there is no ``functions`` package to import from
(https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-executeScript.html).
The jobs are real modules under ``functions/automation/`` so that tests import and run them
with moto; :func:`bundle` turns one into the text of a step. Every ``functions.*`` module it
imports (and those import, in turn) travels along as source, served by a small import hook
put ahead of the script, so ``from functions.shared import audit`` means the same module in
the tests and in the runbook. Only pure modules may be imported that way: standard library
and boto3, no Powertools.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "functions"

# Put ahead of the job's own source: serves the bundled modules from _SOURCES on import.
_LOADER = '''
import importlib.abc as _abc
import importlib.util as _util
import sys as _sys


class _BundledModules(_abc.MetaPathFinder, _abc.Loader):
    """Imports the modules bundled into this script (see components/automation/scripts.py)."""

    def find_spec(self, name, path=None, target=None):
        if name not in _SOURCES:
            return None
        return _util.spec_from_loader(name, self, is_package=name in _PACKAGES)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        code = compile(_SOURCES[module.__name__], "<bundled " + module.__name__ + ">", "exec")
        exec(code, module.__dict__)


_sys.meta_path.insert(0, _BundledModules())
'''


def module_path(module: str) -> Path:
    """The file of a ``functions.*`` module (a package's ``__init__.py``)."""
    base = ROOT.joinpath(*module.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def _imported(source: str, module: str) -> set[str]:
    """The ``functions.*`` modules ``source`` imports (``from functions.x import y`` may name
    the module ``functions.x.y``: both are kept when they exist)."""
    found: set[str] = set()
    package = module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == PACKAGE}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[:len(package.split(".")) - node.level + 1],
                                 *([base] if base else [])])
            if base.split(".")[0] != PACKAGE:
                continue
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names
                      if module_path(f"{base}.{a.name}").exists()}
    return found


def dependencies(module: str) -> dict[str, str]:
    """Source of every ``functions.*`` module ``module`` needs, itself excluded, with their
    parent packages (empty: the bundle runs none of their ``__init__`` code)."""
    seen: dict[str, str] = {}
    pending = sorted(_imported(module_path(module).read_text(encoding="utf-8"), module))
    while pending:
        name = pending.pop()
        if name in seen or name == module:
            continue
        path = module_path(name)
        if not path.exists():
            raise ValueError(f"{module} imports {name}, which is not a module of this project")
        source = "" if path.name == "__init__.py" else path.read_text(encoding="utf-8")
        seen[name] = source
        pending += sorted(_imported(source, name) - seen.keys())
    for name in list(seen):
        parts = name.split(".")
        for end in range(1, len(parts)):
            seen.setdefault(".".join(parts[:end]), "")
    return dict(sorted(seen.items()))


def packages(sources: dict[str, str]) -> set[str]:
    """Which bundled names are packages (a parent of another, or an ``__init__``)."""
    return {name for name in sources
            if any(other.startswith(f"{name}.") for other in sources)
            or module_path(name).name == "__init__.py"}


def bundle(module: str) -> str:
    """The ``Script`` of an ``aws:executeScript`` step running ``module``'s ``handler``."""
    sources = dependencies(module)
    own = module_path(module).read_text(encoding="utf-8")
    future = "from __future__ import annotations\n"
    # A __future__ import must open the file: the bundle's header carries it instead.
    body = own.replace(future, "", 1)
    header = (f"# Bundled from {module} and what it imports (components/automation/scripts.py)."
              f"\n{future}\n_SOURCES = {sources!r}\n_PACKAGES = {sorted(packages(sources))!r}\n")
    return header + _LOADER + "\n" + body
