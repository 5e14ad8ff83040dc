"""Slack's request signature, checked the documented way.

docs.slack.dev, "Verifying requests from Slack": the basestring is ``v0:`` + the
``X-Slack-Request-Timestamp`` header + ``:`` + the raw request body; the signature is ``v0=``
+ the hex HMAC-SHA256 of the basestring keyed with the app's signing secret, compared with the
``X-Slack-Signature`` header in constant time. A timestamp more than five minutes from now is
refused, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac

VERSION = "v0"
TOLERANCE_SECONDS = 300


class InvalidSignatureError(Exception):
    """The request is not Slack's, or is too old; the message says which (never the secret)."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``v0=<hex HMAC-SHA256>`` of ``v0:{timestamp}:{body}`` with ``secret``."""
    base = f"{VERSION}:{timestamp}:".encode() + body
    return f"{VERSION}=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str | None, body: bytes, signature: str | None,
           now: float, tolerance_seconds: int = TOLERANCE_SECONDS) -> None:
    """Return when ``signature`` is Slack's for ``body`` at ``timestamp``; raise otherwise."""
    if not secret:
        raise InvalidSignatureError("no signing secret")
    if not timestamp or not signature:
        raise InvalidSignatureError("signature headers missing")
    try:
        sent = int(timestamp)
    except ValueError:
        raise InvalidSignatureError("timestamp is not a number") from None
    if abs(now - sent) > tolerance_seconds:
        raise InvalidSignatureError("timestamp older than five minutes (or in the future)")
    if not hmac.compare_digest(sign(secret, timestamp, body).encode(), signature.encode()):
        raise InvalidSignatureError("signature does not match")
