"""Cache purge batching: purging listings in batched requests against one request per item.

Both sides run the purge function's own ``purge`` against the same local stand-in for the
Cloudflare API (pytest-httpserver, which answers like ``POST /zones/{id}/purge_cache``), so
the ratio isolates what batching saves: round trips, and with them time and rate-limit
budget. The baseline sends each URL and prefix in its own request.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from bench import Measurement

LISTINGS = 40
HOSTS = ("shop.example.com", "www.shop.example.com", "api.shop.example.com")
ZONE = "0123456789abcdef0123456789abcdef"
OK = {"success": True, "errors": [], "messages": [], "result": {"id": ZONE}}


def _timed(run: Callable[[], int]) -> tuple[float, int]:
    start = time.perf_counter()
    requests = run()
    return time.perf_counter() - start, requests


def measure() -> list[Measurement]:
    """Wall time and request count of batched purges, each against one-per-item purges."""
    from pytest_httpserver import HTTPServer

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from functions.cache_purger import handler
    from functions.shared import retry

    server = HTTPServer()
    server.expect_request(f"/client/v4/zones/{ZONE}/purge_cache",
                          method="POST").respond_with_json(OK)
    server.start()
    handler._token = "bench-token"  # the Secrets Manager read is not what is measured
    settings = {"api": server.url_for("/client/v4"), "zone": ZONE, "secret": "unused"}
    try:
        def purge_all(batch_size: int) -> int:
            count = 0
            for n in range(LISTINGS):
                files, prefixes = handler.purge_items(f"lst-{n}", HOSTS)
                for kind, items in (("files", files), ("prefixes", prefixes)):
                    for batch in handler.batches(items, batch_size):
                        handler.purge(settings, kind, batch, retry.Deadline(60))
                        count += 1
            return count

        purge_all(100)  # warm the connection pool
        batched_time, batched_requests = _timed(lambda: purge_all(100))
        single_time, single_requests = _timed(lambda: purge_all(1))
    finally:
        server.clear()
        server.stop()
    note = f"{LISTINGS} listings x {len(HOSTS)} hosts"
    return [
        Measurement("cache-purge-batched-time", batched_time, "s", single_time, target=0.5,
                    note=f"{note}; baseline one request per URL/prefix"),
        Measurement("cache-purge-batched-requests", float(batched_requests), "requests",
                    float(single_requests), target=0.5, note=note),
    ]
