"""Redrive a dead-letter queue: replay each kept invocation into its Lambda function.

SQS's own redrive (``StartMessageMoveTask``) moves messages only out of queues that are the
dead-letter queue of another SQS queue; the stack's queues keep what Lambda's asynchronous
invocations (on-failure destinations) and EventBridge targets could not deliver, which it
does not accept (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/
API_StartMessageMoveTask.html). Both kinds of message name the function they were for, so
this script replays them there: an on-failure record carries ``requestContext.functionArn``
and ``requestPayload``; an EventBridge dead letter is the event itself with the target in
its ``TARGET_ARN`` attribute. Each message is invoked asynchronously (``Event``) and deleted
only once Lambda accepted it; anything else stays in the queue. Only functions whose ARN
starts with ``FunctionArnPrefix`` (the stack's) are invoked.

Dry run: counts what the queue holds and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from functions.automation import runbook
from functions.shared import clients

RUNBOOK = "redrive-dead-letters"
BATCH = 10  # ReceiveMessage returns at most 10 messages a call
# Long enough to invoke a batch; a message not deleted comes back after it.
VISIBILITY_SECONDS = 60

sqs = clients.client("sqs", retries=runbook.RETRIES)
lambda_ = clients.client("lambda", retries=runbook.RETRIES)


def queue_of(events: Mapping[str, Any]) -> str:
    """The queue URL: ``QueueUrl`` when given, else the one ``Queues`` maps ``AlarmName`` to."""
    url = str(events.get("QueueUrl") or "").strip()
    if url:
        return url
    alarm = runbook.required(events, "AlarmName")
    queues = events.get("Queues") or {}
    if alarm not in queues:
        raise runbook.InputError(f"alarm {alarm} watches no queue this runbook redrives")
    return str(queues[alarm])


def replay_of(message: Mapping[str, Any], prefix: str) -> tuple[str, str] | None:
    """``(function ARN, payload)`` to replay ``message`` with, or None when it is not a
    Lambda invocation of this stack's."""
    try:
        body = json.loads(message.get("Body") or "")
    except ValueError:
        return None
    target: Any = None
    payload: Any = None
    if isinstance(body, dict) and "requestContext" in body and "requestPayload" in body:
        target = (body.get("requestContext") or {}).get("functionArn")
        payload = json.dumps(body["requestPayload"])
    else:
        attribute = (message.get("MessageAttributes") or {}).get("TARGET_ARN") or {}
        target = attribute.get("StringValue")
        payload = message.get("Body")
    if not isinstance(target, str) or not target.startswith(prefix):
        return None
    return target, payload


def waiting(url: str) -> int:
    """How many messages the queue holds (visible ones)."""
    attributes = sqs.get_queue_attributes(QueueUrl=url,
                                          AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def redrive(url: str, prefix: str, limit: int) -> dict[str, int]:
    """Replay up to ``limit`` messages; counts of redriven, skipped and failed ones."""
    counts = {"redriven": 0, "skipped": 0, "failed": 0}
    seen: set[str] = set()
    while sum(counts.values()) < limit:
        received = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=min(BATCH, limit - sum(counts.values())),
            VisibilityTimeout=VISIBILITY_SECONDS, WaitTimeSeconds=0,
            MessageAttributeNames=["All"]).get("Messages", [])
        fresh = [m for m in received if m["MessageId"] not in seen]
        if not fresh:
            break
        for message in fresh:
            seen.add(message["MessageId"])
            replay = replay_of(message, prefix)
            if replay is None:
                counts["skipped"] += 1
                continue
            target, payload = replay
            try:
                lambda_.invoke(FunctionName=target, InvocationType="Event", Payload=payload)
            except lambda_.exceptions.ClientError:
                runbook.logger.exception("replay into %s failed; the message stays", target)
                counts["failed"] += 1
                continue
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            counts["redriven"] += 1
    return counts


def handler(events: dict[str, Any], context: Any) -> dict[str, Any]:
    """Redrive the queue of ``AlarmName`` (or ``QueueUrl``); dry run only counts."""
    dry_run = runbook.flag(events.get("DryRun", True))
    url = queue_of(events)
    prefix = runbook.required(events, "FunctionArnPrefix")
    limit = int(events.get("MaxMessages") or 100)
    if dry_run:
        found = waiting(url)
        runbook.record(events, runbook=RUNBOOK, action="redrive", target=url, dry_run=True,
                       outcome="dry-run", messages=found)
        return {"QueueUrl": url, "Messages": found, "Redriven": 0}
    counts = redrive(url, prefix, limit)
    outcome = "redriven" if counts["failed"] == 0 and counts["skipped"] == 0 else "partial"
    runbook.record(events, runbook=RUNBOOK, action="redrive", target=url, dry_run=False,
                   outcome=outcome, **counts)
    return {"QueueUrl": url, "Messages": sum(counts.values()), "Redriven": counts["redriven"]}
