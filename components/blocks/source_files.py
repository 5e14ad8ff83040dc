"""Deployment packages from the source tree, without what running the code leaves beside it.

``pulumi.FileArchive`` of a folder zips everything in it, and a folder that tests or a local
run have imported holds ``__pycache__`` with bytecode for the local Python. Shipped, that
bytecode is dead weight (Lambda's runtime compiles for itself), and because it differs from
one machine to the next the package's hash does too: every ``pulumi preview`` would show a code
change that is not one. Listing the source files keeps the package the same wherever it is
built.
"""

from __future__ import annotations

from pathlib import Path

import pulumi

FUNCTIONS_DIR = "functions"
# What an interpreter, a test run or an editor leaves in a source folder.
LEFT_BEHIND_DIRS = frozenset({"__pycache__", ".pytest_cache", ".hypothesis", ".mypy_cache"})
LEFT_BEHIND_SUFFIXES = frozenset({".pyc", ".pyo"})


def source_files(folder: Path, under: str) -> dict[str, pulumi.Asset]:
    """Every source file below ``folder``, keyed by its path in the package below ``under``."""
    files: dict[str, pulumi.Asset] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if (not path.is_file() or LEFT_BEHIND_DIRS.intersection(relative.parts)
                or path.suffix in LEFT_BEHIND_SUFFIXES):
            continue
        files[f"{under}/{relative.as_posix()}"] = pulumi.FileAsset(str(path))
    return files


def code_files(package: str) -> dict[str, pulumi.Asset]:
    """The files of ``functions/<package>`` and ``functions/shared``, by path in the package.

    Handlers import ``functions.shared...``, the same module path in tests and in Lambda.
    """
    root = Path(FUNCTIONS_DIR)
    return {
        f"{FUNCTIONS_DIR}/__init__.py": pulumi.FileAsset(str(root / "__init__.py")),
        **source_files(root / "shared", f"{FUNCTIONS_DIR}/shared"),
        **source_files(root / package, f"{FUNCTIONS_DIR}/{package}"),
    }


def code_archive(package: str) -> pulumi.AssetArchive:
    """The deployment package: :func:`code_files` of ``package``."""
    return pulumi.AssetArchive(code_files(package))
