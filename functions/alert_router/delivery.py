"""POST JSON to Slack or PagerDuty, retried by urllib3 within the function's time left.

429 waits for ``Retry-After`` (or the backoff), 5xx, timeouts and connection errors back off
(:mod:`functions.shared.http_retry`); any other 4xx is not retried: it is logged with the
response body and raised, like whatever still fails when attempts or time run out, so the
Lambda retry and the function's failure queue keep the notification.

Retrying a POST is safe here. PagerDuty applies a repeated Events API v2 event with the same
``dedup_key`` to the alert already open (developer.pagerduty.com, "Send an Alert Event",
Alert De-Duplication). A Slack webhook answering 429 or 5xx has not posted; only a timeout
after Slack accepted the message can post it twice, and a duplicate beats a lost alert.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import urllib3

from functions.shared.http_retry import RETRY_STATUSES, OutOfTimeError, http_retry
from functions.shared.retry import Backoff, Deadline

log = logging.getLogger(__name__)
# urllib3 logs the URL at WARNING when it retries a broken connection; webhook URLs are
# secrets, and this module logs each retry itself (without the URL).
logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)


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
    secrets). Each attempt may take ``timeout_seconds`` to connect and as long to read, no
    more than the time left (and never under 0.1 s); a pause is taken only when it and one
    more attempt fit in the time left.
    """
    # Attempts below one (retries read as 0) still mean one try: an alert router that never
    # sends loses alerts.
    attempts = max(1, backoff.attempts)
    timeout = min(timeout_seconds, max(0.1, deadline.remaining()))
    # Jitter of up to one backoff step keeps many routers from retrying in step.
    policy = http_retry(backoff, deadline, attempt_seconds=2 * timeout, label=target,
                        jitter_seconds=backoff.base_seconds)
    try:
        resp = http.request("POST", url, body=json.dumps(body).encode(),
                            headers={"Content-Type": "application/json"},
                            timeout=urllib3.Timeout(connect=timeout, read=timeout),
                            retries=policy)
    except OutOfTimeError as exc:
        raise DeliveryError(target, f"gave up after {exc.attempts} attempts: {exc}") from exc
    except urllib3.exceptions.MaxRetryError as exc:
        # str(exc) holds the URL: only the cause's class is told.
        raise DeliveryError(target, f"gave up after {attempts} attempts: "
                                    f"{type(exc.reason).__name__}") from None
    text = resp.data.decode("utf-8", "replace")[:2000]
    if 200 <= resp.status < 300:
        return Response(resp.status, text)
    if resp.status in RETRY_STATUSES:
        raise DeliveryError(target, f"gave up after {attempts} attempts: HTTP {resp.status}")
    log.error("target rejected the message", extra={
        "target": target, "status": resp.status, "response": text})
    raise DeliveryError(target, f"rejected with {resp.status}: {text[:300]}",
                        status=resp.status, permanent=True)
