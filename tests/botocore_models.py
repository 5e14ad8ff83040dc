"""One parse of botocore's service models per test process, shared by every boto3 session.

A pytest plugin (loaded from ``tests/conftest.py``). moto's ``mock_aws`` gives each test a new
default boto3 session, and each session's loader reads and parses the JSON models again
(tens of milliseconds per client, most of a handler fixture's setup). The loaders here share
one cache per search path instead, as one long-lived session's loader would: botocore already
hands the same parsed model to every client of a session, so sharing it across sessions
changes no client's behaviour.
"""

from __future__ import annotations

from typing import Any

from botocore import loaders

_CACHES: dict[tuple[str, ...], dict[Any, Any]] = {}
_init = loaders.Loader.__init__


def _shared_cache_init(self: loaders.Loader, *args: Any, **kwargs: Any) -> None:
    _init(self, *args, **kwargs)
    key = (type(self.file_loader).__qualname__, *self.search_paths, *self.extras_types)
    self._cache = _CACHES.setdefault(key, {})


loaders.Loader.__init__ = _shared_cache_init  # type: ignore[method-assign]
