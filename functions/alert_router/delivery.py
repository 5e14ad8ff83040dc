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

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import urllib3

from functions.shared.retry import Backoff, Deadline
from functions.shared.slack_web import WebCallError, post

# urllib3 logs the URL at WARNING when it retries a broken connection; webhook URLs are
# secrets, and each retry is logged without the URL (functions.shared.http_retry).
logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)

# One error for every HTTP target: ``permanent`` for 4xx other than 429.
DeliveryError = WebCallError


@dataclass(frozen=True)
class Response:
    """What a target answered."""

    status: int
    body: str


def post_json(http: urllib3.PoolManager, target: str, url: str, body: Mapping[str, Any],
              deadline: Deadline, backoff: Backoff, timeout_seconds: float) -> Response:
    """POST ``body``; return the 2xx response or raise :class:`DeliveryError`.

    The one POST of the alerting (:func:`functions.shared.slack_web.post`): the URL is never
    logged, and retries stay within ``deadline``.
    """
    status, text = post(http, target, url, body, deadline=deadline, backoff=backoff,
                        timeout_seconds=timeout_seconds)
    return Response(status, text)
