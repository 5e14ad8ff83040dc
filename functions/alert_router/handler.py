"""Lambda entry point: SNS notifications (and the escalation schedule) in.

Every record is handled even when another fails; failures are raised at the end so Lambda's
asynchronous retries and then the function's failure queue keep the whole event. Records
already delivered are not sent twice on a retry: the state table remembers them.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import urllib3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.alert_router import escalation, heartbeat
from functions.alert_router.dispatch import Dispatcher, UndeliveredError
from functions.alert_router.inhibition import CloudWatchAlarmStates
from functions.alert_router.settings import Settings
from functions.shared import clients
from functions.shared.publisher import Publisher
from functions.shared.retry import Deadline

logger = Logger()
tracer = Tracer()
metrics = Metrics()

# Clients at module scope: reused across invocations of a warm container.
_dynamodb = clients.resource("dynamodb")
_secrets = clients.client("secretsmanager")
_sns = clients.client("sns")
_ssm = clients.client("ssm")
_events = clients.client("events")
_cloudwatch = clients.client("cloudwatch")
_http = urllib3.PoolManager(num_pools=4, maxsize=4)


@cache
def dispatcher() -> Dispatcher:
    """The module's dispatcher, built from the environment on first use."""
    settings = Settings.from_env()
    return Dispatcher(settings, _dynamodb.Table(settings.table_name), _secrets, _http, metrics,
                      sns=_sns, ssm=_ssm, publisher=Publisher.from_env(_events, logger),
                      alarm_states=(CloudWatchAlarmStates(_cloudwatch)
                                    if settings.inhibition is not None else None))


def is_schedule(event: Any) -> bool:
    """Whether the invocation is the escalation schedule rather than SNS."""
    return (isinstance(event, dict) and event.get("source") == "aws.events"
            and event.get("detail-type") == "Scheduled Event")


@metrics.log_metrics
@tracer.capture_lambda_handler
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Route the notifications of ``event``; raise when any could not be delivered."""
    deadline = Deadline.from_context(context)
    d = dispatcher()
    if is_schedule(event):
        metrics.add_metric(name="EscalationSweeps", unit="Count", value=1)
        escalated = escalation.sweep(d, deadline)
        logger.info("escalation sweep", extra={"escalated": len(escalated)})
        return {"escalated": escalated}
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list):
        records = [event]
    sent: dict[str, list[str]] = {}
    skipped: dict[str, str] = {}
    errors: list[Exception] = []
    for record in records:
        beat = heartbeat.parse(record)  # the alert path's own heartbeat skips the routes
        outcome = (heartbeat.handle(beat, d, deadline, metrics) if beat is not None
                   else d.handle_record(record, deadline))
        sent.update(outcome.sent)
        skipped.update(outcome.skipped)
        errors.extend(outcome.errors)
    logger.info("notifications routed", extra={
        "records": len(records), "sent": sent, "skipped": skipped, "failed": len(errors),
        "region": os.environ.get("AWS_REGION")})
    if errors:
        raise UndeliveredError(errors)
    return {"sent": sent, "skipped": skipped}
