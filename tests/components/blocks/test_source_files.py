"""Deployment packages list the source files and leave out what running the code left."""

from __future__ import annotations

from pathlib import Path

import pulumi

from components.blocks.source_files import code_archive, source_files


def test_bytecode_and_tool_caches_stay_out_of_the_package(tmp_path: Path) -> None:
    for name in ("handler.py", "sub/model.py", "sub/schema.json",
                 "__pycache__/handler.cpython-311.pyc", "sub/__pycache__/model.cpython-314.pyc",
                 "stray.pyc", ".hypothesis/examples/x", ".pytest_cache/v/cache/lastfailed"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    files = source_files(tmp_path, "functions/api")
    assert sorted(files) == ["functions/api/handler.py", "functions/api/sub/model.py",
                             "functions/api/sub/schema.json"]
    asset = files["functions/api/sub/model.py"]
    assert isinstance(asset, pulumi.FileAsset)
    assert asset.path == str(tmp_path / "sub" / "model.py")


def test_a_function_package_is_its_folder_and_the_shared_modules_only() -> None:
    names = set(code_archive("api").assets)
    assert {"functions/__init__.py", "functions/api/handler.py",
            "functions/shared/clients.py"} <= names
    assert {name.split("/")[1] for name in names if name.count("/") > 1} == {"api", "shared"}
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
