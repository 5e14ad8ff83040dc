"""Cognito post-confirmation trigger: a confirmed sign-up becomes a ``UserRegistered`` event.

Cognito calls this synchronously after a user confirms their account and expects the event
back. Only ``PostConfirmation_ConfirmSignUp`` is a registration (the same trigger also fires
after a forgotten-password confirmation). Publishing goes through the shared publisher
(retries, batching, log-and-carry-on without a bus): a slow analytics path never blocks a
sign-up. The stream processor counts the event as ``Registrations`` (the metric's one
emitter), so this handler emits no business metric of its own.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer

from functions.shared import clients
from functions.shared.publisher import Publisher
from functions.shared.retry import Deadline

SIGN_UP = "PostConfirmation_ConfirmSignUp"

logger = Logger()
tracer = Tracer()
metrics = Metrics()
publisher = Publisher.from_env(clients.client("events"), logger)


def signup_channel(attributes: dict[str, Any]) -> str:
    """``federated`` for users from a social/SAML identity provider, else ``direct``."""
    return "federated" if attributes.get("identities") else "direct"


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Emit ``UserRegistered`` for a confirmed sign-up; always hand the event back."""
    if event.get("triggerSource") != SIGN_UP:
        logger.info("not a sign-up confirmation", extra={"trigger": event.get("triggerSource")})
        return event
    attributes = (event.get("request") or {}).get("userAttributes") or {}
    user_id = attributes.get("sub")
    if not isinstance(user_id, str) or not user_id:
        logger.error("confirmation without a sub attribute; no event emitted",
                     extra={"userName": event.get("userName")})
        return event
    publisher.publish([("UserRegistered", {"user_id": user_id,
                                           "signup_channel": signup_channel(attributes)})],
                      Deadline.from_context(context))
    return event
