"""Lambda entry point behind the function URL Slack sends button clicks to.

Every request is verified first (:mod:`functions.slack_interactions.signature`): a missing,
wrong or stale signature gets 401 and changes nothing. A verified click is applied and
answered within Slack's three seconds: the HTTP work (PagerDuty, ``chat.update``) runs
against a deadline of :data:`ANSWER_SECONDS`, so a slow PagerDuty cannot hold the answer.
The function URL uses payload format 2.0 (``body``, ``isBase64Encoded``, lower-case
``headers``).
"""

from __future__ import annotations

import base64
import os
import time
from functools import cache
from typing import Any

import urllib3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.shared import clients
from functions.shared.alert_actions import AlertActions
from functions.shared.events import SchemaError
from functions.shared.publisher import Publisher
from functions.shared.retry import Backoff, Deadline
from functions.shared.slack_web import SlackWebApi, WebCallError, pagerduty_event
from functions.slack_interactions import interactions, signature

logger = Logger()
tracer = Tracer()
metrics = Metrics()

_dynamodb = clients.resource("dynamodb")
_secrets = clients.client("secretsmanager")
_events = clients.client("events")
_http = urllib3.PoolManager(num_pools=2, maxsize=2)
ANSWER_SECONDS = 2.5  # Slack shows an error when the answer takes over 3 s
BACKOFF = Backoff(attempts=3, base_seconds=0.2, cap_seconds=1.0)
RECORD_SECONDS = 0.5  # of the answer's 2.5 s: the incident record must not hold it up
SECRET_SECONDS = 300  # a rotated secret is read again within five minutes
clock = time.time


@cache
def provider() -> SecretsProvider:
    """Powertools' secrets provider (cached values), made on first use."""
    return SecretsProvider(boto3_client=_secrets)


def secret(variable: str) -> str:
    """The current value of the secret whose ARN is in ``variable``."""
    return str(provider().get(os.environ[variable], max_age=SECRET_SECONDS)).strip()


def answer(status: int, text: str = "") -> dict[str, Any]:
    """A function URL response."""
    return {"statusCode": status, "headers": {"Content-Type": "text/plain"}, "body": text}


def raw_body(event: dict[str, Any]) -> bytes:
    """The request body exactly as Slack signed it."""
    body = event.get("body") or ""
    return base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")


def record(click: interactions.Click, result: interactions.Result, now: int) -> None:
    """Publish the click's incident record; a lost one is logged and counted, never raised."""
    event = interactions.incident_record(click, result, now)
    if event is None:
        return
    try:
        lost = Publisher.from_env(_events, logger).publish(
            [event], Deadline(RECORD_SECONDS)).failed
    except SchemaError as exc:  # an item without a known severity: log it, keep the click
        logger.error("incident record not valid", extra={"error": str(exc), "event": event})
        lost = 1
    if lost:
        metrics.add_metric(name="InteractionRecordsLost", unit="Count", value=lost)


def _pagerduty(deadline: Deadline) -> Any:
    def send(action: str, dedup_key: str) -> None:
        pagerduty_event(_http, os.environ.get("PAGERDUTY_URL") or
                        "https://events.pagerduty.com/v2/enqueue",
                        secret("PAGERDUTY_SECRET_ARN"), action, dedup_key,
                        deadline=deadline, backoff=BACKOFF, timeout_seconds=0.5)
    return send


@metrics.log_metrics
@tracer.capture_lambda_handler
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Verify the request, apply the click, tell PagerDuty, update the message."""
    deadline = Deadline(min(ANSWER_SECONDS, Deadline.from_context(context, 500).remaining()))
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    body = raw_body(event)
    now = clock()
    try:
        signature.verify(secret("SLACK_SIGNING_SECRET_ARN"),
                         headers.get("x-slack-request-timestamp"), body,
                         headers.get("x-slack-signature"), now)
    except signature.InvalidSignatureError as exc:
        logger.warning("request refused", extra={"reason": str(exc)})
        metrics.add_metric(name="InteractionsRefused", unit="Count", value=1)
        return answer(401, "invalid signature")
    try:
        click = interactions.parse_click(body)
        result = interactions.apply(click, AlertActions(_dynamodb.Table(
            os.environ["DEDUP_TABLE"])), int(now))
    except interactions.BadPayloadError as exc:
        logger.warning("payload not handled", extra={"reason": str(exc)})
        return answer(400, "unsupported payload")
    logger.info("click", extra={"action": click.action, "alert_key": click.key,
                                "user": click.user, "changed": result.changed})
    metrics.add_metric(name=f"Clicks{'Applied' if result.changed else 'Refused'}",
                       unit="Count", value=1)
    record(click, result, int(now))
    interactions.notify_pagerduty(click, result, _pagerduty(deadline))
    web = SlackWebApi(_http, secret("SLACK_BOT_TOKEN_SECRET_ARN"), backoff=BACKOFF,
                      timeout_seconds=0.5,
                      base_url=os.environ.get("SLACK_API_URL") or "https://slack.com/api")
    try:
        # The message's own notification text stays; the blocks carry the change.
        web.update(click.channel, click.ts, click.text,
                   interactions.redraw(click, result, int(now)), deadline)
    except WebCallError as exc:
        # The state is written; the message catches up at the alert's next change.
        logger.error("message not updated", extra={"error": str(exc)})
        metrics.add_metric(name="MessageUpdateFailures", unit="Count", value=1)
    return answer(200)
