"""Slack's Web API (``chat.postMessage``, ``chat.update``) and PagerDuty events, over urllib3.

Both the alert router and the Slack interactions endpoint call these, so they live here.
Slack answers an accepted call with HTTP 200 and ``{"ok": true, ...}``; a refused one also
with HTTP 200, but ``{"ok": false, "error": "channel_not_found"}`` (docs.slack.dev, "Web API
basics": evaluate the ``ok`` field). A rate-limited call gets HTTP 429 with ``Retry-After``
in seconds; urllib3 waits that long and tries again (:mod:`functions.shared.http_retry`), as
it does after a 5xx or a broken connection, always within the invocation's time left.

Retrying ``chat.update`` is harmless (the same text again). A ``chat.postMessage`` answered
with 429 or 5xx was not posted; only a timeout after Slack accepted it can post it twice, and a
duplicate beats a lost alert. The bot token travels in ``Authorization: Bearer`` and is
never logged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import urllib3

from functions.shared.http_retry import RETRY_STATUSES, OutOfTimeError, http_retry
from functions.shared.retry import Backoff, Deadline

log = logging.getLogger(__name__)
DEFAULT_BASE_URL = "https://slack.com/api"


class WebCallError(Exception):
    """A call was not accepted; ``permanent`` when trying again cannot help."""

    def __init__(self, target: str, message: str, *, status: int | None = None,
                 permanent: bool = False) -> None:
        super().__init__(f"{target}: {message}")
        self.target = target
        self.status = status
        self.permanent = permanent


def post(http: urllib3.PoolManager, target: str, url: str, body: Mapping[str, Any], *,
         deadline: Deadline, backoff: Backoff, timeout_seconds: float,
         headers: Mapping[str, str] | None = None) -> tuple[int, str]:
    """POST ``body`` as JSON; the 2xx status and text, or :class:`WebCallError`.

    Every HTTP target of the alerting goes through here (webhooks, PagerDuty, Slack's Web
    API). ``target`` names the destination in logs and errors; the URL is never logged
    (webhook URLs are secrets). Each attempt may take ``timeout_seconds`` to connect and as
    long to read, no more than the time left (and never under 0.1 s); a pause is taken only
    when it and one more attempt fit in the time left.
    """
    # Attempts below one (retries read as 0) still mean one try: a router that never sends
    # loses alerts.
    attempts = max(1, backoff.attempts)
    timeout = min(timeout_seconds, max(0.1, deadline.remaining()))
    # Jitter of up to one backoff step keeps many senders from retrying in step.
    policy = http_retry(backoff, deadline, attempt_seconds=2 * timeout, label=target,
                        jitter_seconds=backoff.base_seconds)
    try:
        resp = http.request("POST", url, body=json.dumps(body).encode(),
                            headers={"Content-Type": "application/json", **(headers or {})},
                            timeout=urllib3.Timeout(connect=timeout, read=timeout),
                            retries=policy)
    except OutOfTimeError as exc:
        raise WebCallError(target, f"gave up after {exc.attempts} attempts: {exc}") from exc
    except urllib3.exceptions.MaxRetryError as exc:
        # str(exc) holds the URL: only the cause's class is told.
        raise WebCallError(target, f"gave up after {attempts} attempts: "
                                   f"{type(exc.reason).__name__}") from None
    text = resp.data.decode("utf-8", "replace")[:2000]
    if 200 <= resp.status < 300:
        return resp.status, text
    if resp.status in RETRY_STATUSES:
        raise WebCallError(target, f"gave up after {attempts} attempts: HTTP {resp.status}",
                           status=resp.status)
    log.error("target rejected the message", extra={
        "target": target, "status": resp.status, "response": text})
    raise WebCallError(target, f"rejected with {resp.status}: {text[:300]}",
                       status=resp.status, permanent=True)


class SlackWebApi:
    """The two ``chat.*`` methods the alerting needs, with a bot token (``chat:write``)."""

    def __init__(self, http: urllib3.PoolManager, token: str, *, backoff: Backoff,
                 timeout_seconds: float, base_url: str = DEFAULT_BASE_URL) -> None:
        self.http = http
        self.token = token
        self.backoff = backoff
        self.timeout = timeout_seconds
        self.base_url = base_url.rstrip("/")

    def call(self, method: str, body: Mapping[str, Any], deadline: Deadline) -> dict[str, Any]:
        """Call ``method``; its JSON answer when ``ok``, else :class:`WebCallError`."""
        target = f"slack:{method}"
        _status, text = post(self.http, target, f"{self.base_url}/{method}", body,
                             deadline=deadline, backoff=self.backoff,
                             timeout_seconds=self.timeout,
                             headers={"Authorization": f"Bearer {self.token}"})
        try:
            answer = json.loads(text)
        except ValueError:
            raise WebCallError(target, "answer is not JSON") from None
        if not isinstance(answer, dict) or answer.get("ok") is not True:
            error = answer.get("error") if isinstance(answer, dict) else None
            log.error("Slack refused the call", extra={"method": method, "error": error})
            # ratelimited in the body is rare (429 is the norm) and may pass; others will not.
            raise WebCallError(target, f"not ok: {error}", status=200,
                               permanent=error != "ratelimited")
        return answer

    def post_message(self, channel: str, text: str, blocks: list[dict[str, Any]],
                     deadline: Deadline, thread_ts: str | None = None) -> tuple[str, str]:
        """``chat.postMessage``; the channel id and ``ts`` of the new message."""
        body: dict[str, Any] = {"channel": channel, "text": text, "blocks": blocks,
                                "unfurl_links": False}
        if thread_ts:
            body["thread_ts"] = thread_ts
        answer = self.call("chat.postMessage", body, deadline)
        return str(answer["channel"]), str(answer["ts"])

    def update(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]],
               deadline: Deadline) -> None:
        """``chat.update``: replace the text and blocks of message ``ts`` in ``channel``."""
        self.call("chat.update", {"channel": channel, "ts": ts, "text": text,
                                  "blocks": blocks}, deadline)


def pagerduty_event(http: urllib3.PoolManager, url: str, routing_key: str, action: str,
                    dedup_key: str, *, deadline: Deadline, backoff: Backoff,
                    timeout_seconds: float) -> None:
    """Events API v2 ``acknowledge`` or ``resolve`` of the alert with ``dedup_key``.

    developer.pagerduty.com, "Send an Alert Event": acknowledge and resolve need only
    ``routing_key``, ``event_action`` and the ``dedup_key`` the trigger used; a repeat of
    the same event changes nothing, so retries are safe.
    """
    post(http, "pagerduty", url, {"routing_key": routing_key, "event_action": action,
                                  "dedup_key": dedup_key},
         deadline=deadline, backoff=backoff, timeout_seconds=timeout_seconds)
