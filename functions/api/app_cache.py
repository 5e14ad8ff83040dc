"""Query-result cache in ElastiCache Serverless (Valkey), used when ``APP_CACHE_ENDPOINT`` is set.

Feed pages and search results are the expensive reads (one query per shard); they are kept
for ``APP_CACHE_TTL_SECONDS``. Each cached answer belongs to a scope (a seller, a category,
the featured feed); a write bumps its scopes' generation counters, so the next read of that
scope misses and readers see their own writes instead of waiting for the TTL.

The cache is an optimisation, never a dependency: any cache error is logged and the request
is answered from DynamoDB. The client (redis-py, which speaks the Valkey protocol) is
imported only when the cache is configured, and uses TLS, which serverless caches require.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from typing import Any

from functions.shared import snapstart

KEY_VERSION = "v1"  # bump when the shape of cached answers changes


class QueryCache:
    """Scoped, generation-invalidated cache of JSON answers."""

    def __init__(self, client: Any, ttl_seconds: int, logger: Any,
                 errors: tuple[type[BaseException], ...] = (OSError,)) -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._logger = logger
        self._errors = errors

    def get_or_load(self, scope: str, params: Sequence[Any],
                    load: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The cached answer for ``scope`` + ``params``, or ``load()`` stored for next time."""
        key = None
        try:
            generation = self._client.get(f"gen:{scope}") or "0"
            key = ":".join([KEY_VERSION, scope, str(generation), *map(str, params)])
            hit = self._client.get(key)
            if hit is not None:
                return json.loads(hit)
        except self._errors as error:
            self._logger.warning("app cache read failed; reading DynamoDB",
                                 extra={"error": str(error)})
        answer = load()
        if key is not None:
            try:
                self._client.set(key, json.dumps(answer, separators=(",", ":")),
                                 ex=self._ttl)
            except self._errors as error:
                self._logger.warning("app cache write failed", extra={"error": str(error)})
        return answer

    def invalidate(self, *scopes: str) -> None:
        """Make every cached answer of ``scopes`` stale (the next read misses)."""
        try:
            for scope in scopes:
                self._client.incr(f"gen:{scope}")
        except self._errors as error:
            # Entries then live out their TTL; log so the lag is explainable.
            self._logger.warning("app cache invalidation failed",
                                 extra={"error": str(error), "scopes": list(scopes)})


def cache_from_env(logger: Any) -> QueryCache | None:
    """A :class:`QueryCache` on ``APP_CACHE_ENDPOINT`` (host) or None when it is not set."""
    host = os.environ.get("APP_CACHE_ENDPOINT")
    if not host:
        return None
    import redis  # noqa: PLC0415 - only stacks with the app cache ship and load it

    client = redis.Redis(host=host, port=int(os.environ.get("APP_CACHE_PORT", "6379")),
                         ssl=True, decode_responses=True, socket_timeout=0.25,
                         socket_connect_timeout=0.25)
    # After a SnapStart restore the snapshot's sockets are dead: close them, the pool reconnects.
    snapstart.after_restore(client.connection_pool.disconnect)
    ttl = int(os.environ.get("APP_CACHE_TTL_SECONDS", "30"))
    return QueryCache(client, ttl, logger, errors=(redis.RedisError, OSError))
