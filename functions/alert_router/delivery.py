"""POST JSON to Slack or PagerDuty with retries bounded by attempts and the time left.

429 waits for ``Retry-After`` (or the backoff), 5xx and timeouts/connection errors back off
with full jitter; any other 4xx is not retried: it is logged with the response body and
raised, like whatever still fails when attempts or time run out, so the Lambda retry and the
function's failure queue keep the notification.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import urllib3

from functions.shared import retry
from functions.shared.retry import Backoff, Deadline

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A target did not accept a message; ``permanent`` for 4xx other than 429."""

    def __init__(self, target: str, message: str, *, status: int | None = None,
                 permanent: bool = False) -> None:
        super().__init__(f"{target}: {message}")
        self.target = target
        self.status = status
        self.permanent = permanent


@dataclass(frozen=True)
class Response:
    """What a target answered."""

    status: int
    body: str


def post_json(http: urllib3.PoolManager, target: str, url: str, body: Mapping[str, Any],
              deadline: Deadline, backoff: Backoff, timeout_seconds: float) -> Response:
    """POST ``body``; return the 2xx response or raise :class:`DeliveryError`.

    ``target`` names the destination in logs; the URL is never logged (webhook URLs are
    secrets).
    """
    data = json.dumps(body).encode()
    # Attempts below one (retries read as 0) still mean one try: an alert router that never
    # sends, or fails with UnboundLocalError past the dispatcher's handling, loses alerts.
    attempts = max(1, backoff.attempts)
    for attempt in range(attempts):
        timeout = min(timeout_seconds, max(0.1, deadline.remaining()))
        pause: float | None
        try:
            resp = http.request("POST", url, body=data,
                                headers={"Content-Type": "application/json"},
                                timeout=urllib3.Timeout(connect=timeout, read=timeout),
                                retries=False)
        except urllib3.exceptions.HTTPError as exc:
            last = f"{type(exc).__name__}"
            pause = backoff.delay(attempt)
        else:
            text = resp.data.decode("utf-8", "replace")[:2000]
            if 200 <= resp.status < 300:
                return Response(resp.status, text)
            if resp.status == 429:
                last = "429 throttled"
                pause = retry.retry_after_seconds(resp.headers.get("Retry-After"))
                if pause is None:
                    pause = backoff.delay(attempt)
            elif resp.status >= 500:
                last = f"{resp.status} server error"
                pause = backoff.delay(attempt)
            else:
                log.error("target rejected the message", extra={
                    "target": target, "status": resp.status, "response": text})
                raise DeliveryError(target, f"rejected with {resp.status}: {text[:300]}",
                                    status=resp.status, permanent=True)
        log.warning("delivery attempt failed", extra={
            "target": target, "attempt": attempt + 1, "error": last, "pause": pause})
        if attempt + 1 >= attempts or not deadline.allows(pause):
            break
        retry.sleep(pause)
    raise DeliveryError(target, f"gave up after {attempt + 1} attempts: {last}")
