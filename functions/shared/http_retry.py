"""urllib3's own ``Retry`` for the handlers' HTTP calls, kept within the invocation's time.

urllib3 decides what is retried (429 and 5xx answers, timeouts, refused and broken
connections), reads ``Retry-After`` and computes the exponential backoff. It has no overall
deadline, so :class:`DeadlineRetry` adds one thing: before each pause it checks that the
pause and one more attempt still fit in the time the function has left, and stops with
:class:`OutOfTimeError` when they do not. Pauses go through :func:`functions.shared.retry.sleep`
(the seam tests patch) rather than ``time.sleep``.

How long one call can take: an attempt lasts at most its connect plus read timeout
(``attempt_seconds``), and a pause is taken only when ``pause + attempt_seconds`` fits in
what is left, so the call ends within the deadline or one attempt past the time left when it
started, whichever is later. Without a deadline, it is bounded by ``attempts`` attempts and
``attempts - 1`` pauses, each at most ``backoff_max`` (backoff) or the server's
``Retry-After``.

Works on urllib3 1.26 and 2.x. The functions use the urllib3 the Lambda runtime bundles with
botocore (``>=1.25.4,!=2.2.0,<3``), and AWS does not document which one that is. 1.26 has no
``backoff_max`` or ``backoff_jitter`` arguments and no ``BaseHTTPResponse``, so the policy
keeps the cap and the jitter itself and computes the backoff with urllib3 2's formula, and the
response type is only an annotation. ``tests/functions/shared/test_http_retry.py`` passes on
both lines.
"""

from __future__ import annotations

import logging
import random
from itertools import takewhile
from typing import TYPE_CHECKING, Any

from urllib3.exceptions import InvalidHeader
from urllib3.util.retry import Retry

from functions.shared import retry
from functions.shared.retry import Backoff, Deadline

if TYPE_CHECKING:
    from urllib3.response import BaseHTTPResponse

log = logging.getLogger(__name__)

# 429 (throttled) and every 5xx: what may pass on another try. Other 4xx will not.
RETRY_STATUSES = frozenset({429, *range(500, 600)})


class OutOfTimeError(Exception):
    """The next pause and attempt do not fit in the invocation's remaining time."""

    def __init__(self, attempts: int, last: str, pause: float) -> None:
        super().__init__(f"{last}; a {pause:g} s pause does not fit in the time left")
        self.attempts = attempts
        self.last = last
        self.pause = pause


class DeadlineRetry(Retry):
    """``Retry`` whose pauses must leave time for another attempt before ``deadline``."""

    # urllib3 also retries a 413 that carries Retry-After; a body too large stays too large.
    RETRY_AFTER_STATUS_CODES = frozenset({429, 503})

    def __init__(self, *args: Any, deadline: Deadline | None = None,
                 attempt_seconds: float = 0.0, label: str = "", backoff_max: float = 120.0,
                 backoff_jitter: float = 0.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set after urllib3's own __init__ (2.x sets the same two names from its defaults).
        self.backoff_max = backoff_max
        self.backoff_jitter = backoff_jitter
        self.deadline = deadline
        self.attempt_seconds = attempt_seconds
        self.label = label

    def new(self, **kw: Any) -> DeadlineRetry:
        """A copy with updated counters (urllib3 makes one per retry), deadline included."""
        kw.setdefault("deadline", self.deadline)
        kw.setdefault("attempt_seconds", self.attempt_seconds)
        kw.setdefault("label", self.label)
        # 2.x passes these on itself; 1.26 does not know them.
        kw.setdefault("backoff_max", self.backoff_max)
        kw.setdefault("backoff_jitter", self.backoff_jitter)
        return super().new(**kw)

    def get_backoff_time(self) -> float:
        """urllib3 2's backoff: none after the first failure, then ``factor * 2**(n-1)`` for
        ``n`` consecutive failures, plus ``uniform(0, jitter)``, capped at ``backoff_max``."""
        failures = len(list(takewhile(lambda h: h.redirect_location is None,
                                      reversed(self.history))))
        if failures <= 1:
            return 0.0
        backoff = self.backoff_factor * (2 ** (failures - 1))
        if self.backoff_jitter:
            backoff += random.random() * self.backoff_jitter
        return float(max(0.0, min(self.backoff_max, backoff)))

    def last_problem(self) -> str:
        """What the last failed attempt got: ``"HTTP 503"`` or the error's class name."""
        if not self.history:
            return "no attempt failed"
        last = self.history[-1]
        if last.error is not None:
            return type(last.error).__name__
        return f"HTTP {last.status}"

    def pause_for(self, response: BaseHTTPResponse | None) -> float:
        """``Retry-After`` when the answer has a readable one, else urllib3's backoff."""
        if self.respect_retry_after_header and response is not None:
            try:
                hinted = self.get_retry_after(response)
            except InvalidHeader:  # unreadable: urllib3 would raise; the backoff decides
                return self.get_backoff_time()
            if hinted:
                return hinted
        return self.get_backoff_time()

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        """Pause before the next attempt, or raise :class:`OutOfTimeError` if it cannot fit."""
        pause = self.pause_for(response)
        attempts = len(self.history)
        if self.deadline is not None and not self.deadline.allows(pause + self.attempt_seconds):
            raise OutOfTimeError(attempts, self.last_problem(), pause)
        # The URL is never logged: webhook URLs are secrets.
        log.warning("HTTP attempt failed; retrying", extra={
            "target": self.label, "attempt": attempts, "error": self.last_problem(),
            "pause": pause})
        retry.sleep(pause)


def http_retry(backoff: Backoff, deadline: Deadline | None, attempt_seconds: float,
               label: str = "", jitter_seconds: float = 0.0) -> DeadlineRetry:
    """The policy for one POST: ``backoff.attempts`` tries, 429/5xx/timeouts retried.

    ``base_seconds`` is urllib3's ``backoff_factor`` (pauses 0, 2b, 4b, ... after the first,
    second, third failure), ``cap_seconds`` its ``backoff_max``; ``jitter_seconds`` adds
    ``uniform(0, jitter)`` to each backoff so that many senders do not retry in step. POST is
    retried: the callers only use it where a repeat is harmless (each says why). Redirects
    are not followed: the POST would go elsewhere. When the attempts run out on a retryable
    status the last answer is returned (``raise_on_status=False``) for the caller to report.
    """
    # connect, read, status and other stay None (urllib3's default): total alone counts, and
    # respect_retry_after_header stays True (the default too).
    return DeadlineRetry(
        total=max(1, backoff.attempts) - 1,
        redirect=False,
        allowed_methods=frozenset({"POST"}),  # urllib3 leaves POST out by default
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff.base_seconds,
        backoff_max=backoff.cap_seconds,
        backoff_jitter=jitter_seconds,
        raise_on_status=False,
        deadline=deadline,
        attempt_seconds=attempt_seconds,
        label=label,
    )
