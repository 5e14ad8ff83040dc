"""Compiled modules are kept between runs, even where writing them is off.

Imported first by ``tests/conftest.py``, before any project module. Each xdist worker imports
every test module (pytest rewrites its asserts) and the whole program. An environment that
sets ``PYTHONDONTWRITEBYTECODE`` (many container images do) would have each worker compile
them again on every run, so the test run turns writing back on: compiled modules go to the
usual ``__pycache__`` folders, which git ignores and deployment packages leave out
(``components/blocks/source_files.py``).

Not to one folder through ``sys.pycache_prefix``, as this module once did to keep the tree
clean: a prefix applies to every module, so the installed packages' bytecode (pip compiles it
at install) was ignored too, and each new checkout, which is every CI run, compiled
pulumi-aws, boto3 and moto again in both workers: some 35 s of CPU. A
``PYTHONPYCACHEPREFIX`` the user set is still honoured.
"""

from __future__ import annotations

import sys

sys.dont_write_bytecode = False
