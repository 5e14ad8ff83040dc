"""The routing key and webhook URLs from Secrets Manager, cached at module scope.

Values are never logged. The cache expires so a rotated secret is picked up without a
deploy.
"""

from __future__ import annotations

import json
import time
from typing import Any

CACHE_SECONDS = 300
_cache: dict[str, tuple[float, str]] = {}


class MissingSecretError(Exception):
    """A secret the routing needs has no value yet (operators put it after deploy)."""


def secret_string(client: Any, arn: str, now: float | None = None) -> str:
    """The secret's current string value, from the cache when fresh."""
    clock = time.monotonic() if now is None else now
    cached = _cache.get(arn)
    if cached and clock - cached[0] < CACHE_SECONDS:
        return cached[1]
    try:
        value = client.get_secret_value(SecretId=arn)["SecretString"]
    except client.exceptions.ResourceNotFoundException as exc:
        raise MissingSecretError(f"secret {arn.rsplit(':', 1)[-1]} has no value") from exc
    _cache[arn] = (clock, value)
    return value


def slack_webhooks(client: Any, arn: str) -> dict[str, str]:
    """The Slack secret: a JSON object of channel name to incoming webhook URL."""
    data = json.loads(secret_string(client, arn))
    if not isinstance(data, dict):
        raise MissingSecretError("the Slack webhook secret is not a JSON object")
    return {str(k): str(v) for k, v in data.items()}


def clear() -> None:
    """Forget cached values (tests, and after a rejected webhook)."""
    _cache.clear()
