"""Compiled test and project modules are kept between runs, even where writing them is off.

Imported first by ``tests/conftest.py``, before any project module. Each xdist worker imports
every test module (pytest rewrites its asserts) and the whole program; without cached
bytecode that is some 20 s of CPU per run on 2 workers. An environment that sets
``PYTHONDONTWRITEBYTECODE`` (many container images do) keeps ``__pycache__`` folders out of
the tree; the cache then goes to one folder under the system's temporary directory instead,
so the tree stays as clean as the setting asked. A ``PYTHONPYCACHEPREFIX`` of the user's wins.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

if sys.dont_write_bytecode:
    sys.pycache_prefix = sys.pycache_prefix or str(
        Path(tempfile.gettempdir()) / "marketplace-pycache")
    sys.dont_write_bytecode = False
