"""The routing key and webhook URLs from Secrets Manager, through Powertools' parameters.

Powertools' ``SecretsProvider`` keeps each value for ``CACHE_SECONDS`` (five minutes), so a
rotated secret is picked up without a deploy, and parses the Slack map (``transform="json"``).
Values are never logged. What callers rely on: a secret without a value, a Slack secret that
is not JSON or not an object, or a binary one, raise :class:`MissingSecretError` naming the
secret, never showing it.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parameters import (
    GetParameterError,
    SecretsProvider,
    TransformParameterError,
)
from botocore.exceptions import ClientError

CACHE_SECONDS = 300


class MissingSecretError(Exception):
    """A secret the routing needs has no usable value (operators put it after deploy)."""


def _name(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


def _value(secrets: SecretsProvider, arn: str, transform: Any = None) -> Any:
    try:
        return secrets.get(arn, max_age=CACHE_SECONDS, transform=transform)
    except GetParameterError as exc:
        # Powertools wraps every SDK error in GetParameterError, raised while handling it.
        cause = exc.__context__
        if (isinstance(cause, ClientError)
                and cause.response.get("Error", {}).get("Code") == "ResourceNotFoundException"):
            raise MissingSecretError(f"secret {_name(arn)} has no value") from cause
        raise


def secret_string(secrets: SecretsProvider, arn: str) -> str:
    """The secret's current string value (cached for ``CACHE_SECONDS``)."""
    value = _value(secrets, arn)
    if not isinstance(value, str):
        raise MissingSecretError(f"secret {_name(arn)} is binary, not text")
    return value


def slack_webhooks(secrets: SecretsProvider, arn: str) -> dict[str, str]:
    """The Slack secret: a JSON object of channel name to incoming webhook URL."""
    try:
        data = _value(secrets, arn, transform="json")
    except TransformParameterError:
        # Powertools' message quotes the parse error, which may quote the secret: not kept.
        raise MissingSecretError("the Slack webhook secret is not JSON") from None
    if not isinstance(data, dict):
        raise MissingSecretError("the Slack webhook secret is not a JSON object")
    return {str(k): str(v) for k, v in data.items()}
