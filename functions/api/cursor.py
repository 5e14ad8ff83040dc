"""Opaque pagination cursors: the position in a feed, bound to the feed it came from.

A cursor is URL-safe base64 of ``{"s": scope, "p": position}``. The position is the last
sort key returned (``<created_at>#<id>``), so every feed, including the scatter-gather over
category shards, resumes with ``sort key < position``. The scope (``seller:<id>``,
``category:<name>``, ``featured``) stops a cursor of one feed being used on another.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from functions.api.validation import InvalidInputError

POSITION_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z#[A-Za-z0-9_-]{1,64}\Z")
MAX_CURSOR = 512


def encode(scope: str, position: str) -> str:
    """The cursor for resuming ``scope`` after ``position``."""
    raw = json.dumps({"s": scope, "p": position}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(scope: str, token: str | None) -> str | None:
    """The position in ``token`` (None without one); a 400 naming ``cursor`` if it is bad."""
    if token is None:
        return None
    if not token or len(token) > MAX_CURSOR:
        raise InvalidInputError("cursor: not a valid cursor")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError):
        raise InvalidInputError("cursor: not a valid cursor") from None
    if not isinstance(value, dict) or not isinstance(value.get("p"), str):
        raise InvalidInputError("cursor: not a valid cursor")
    if value.get("s") != scope:
        raise InvalidInputError("cursor: belongs to a different listing feed")
    if not POSITION_RE.match(value["p"]):
        raise InvalidInputError("cursor: not a valid cursor")
    return value["p"]
