"""CloudWatch Synthetics canary: the public API's health route answers 2XX within the timeout.

Synthetics runs ``handler`` on its schedule; a raised exception marks the run failed, which
drives the ``SuccessPercent`` metric the availability alarm watches. The URL comes from the
canary's environment (``HEALTH_URL``); a failed attempt is retried with backoff inside the
run's time budget, so one dropped connection does not count as an outage.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

import urllib3

logger = logging.getLogger("health_canary")
logger.setLevel(logging.INFO)

HTTP = urllib3.PoolManager(
    timeout=urllib3.Timeout(connect=3.0, read=8.0),
    retries=False,
    headers={"User-Agent": "marketplace-health-canary", "Accept": "application/json"},
)
ATTEMPTS = 3
BACKOFF_SECONDS = 1.0


class HealthCheckError(Exception):
    """The health route did not answer 2XX after every attempt."""


def check(url: str, http: Any = HTTP, attempts: int = ATTEMPTS,
          backoff_seconds: float = BACKOFF_SECONDS, sleep: Any = time.sleep) -> dict[str, Any]:
    """GET ``url`` until it answers 2XX; return status, latency and the parsed body."""
    last_error = ""
    for attempt in range(1, attempts + 1):
        started = time.perf_counter()
        try:
            response = http.request("GET", url)
        except urllib3.exceptions.HTTPError as exc:
            last_error = f"{type(exc).__name__}: {exc}"
        else:
            elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
            if 200 <= response.status < 300:
                try:
                    body = json.loads(response.data or b"null")
                except ValueError:
                    body = None
                result = {"status": response.status, "latency_ms": elapsed_ms,
                          "attempt": attempt, "body": body}
                logger.info("health check passed %s", json.dumps(result))
                return result
            last_error = f"HTTP {response.status}"
        logger.warning("health check attempt %d of %d failed: %s", attempt, attempts, last_error)
        if attempt < attempts:
            sleep(backoff_seconds * 2 ** (attempt - 1))
    raise HealthCheckError(f"{url}: {last_error} after {attempts} attempts")


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Synthetics entry point."""
    return check(os.environ["HEALTH_URL"])
