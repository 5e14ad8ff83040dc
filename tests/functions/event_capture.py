"""The stack's bus on moto with a rule to a fresh SQS queue, to read back what was published."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace
from typing import Any

import boto3

SOURCE = "marketplace.listings"


def capture_bus(bus_name: str, queue_prefix: str) -> SimpleNamespace:
    """``events``, ``sqs`` and the ``queue`` every event of :data:`SOURCE` on the bus reaches."""
    events = boto3.client("events", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    if bus_name not in [b["Name"] for b in events.list_event_buses()["EventBuses"]]:
        events.create_event_bus(Name=bus_name)
    # A new queue per test: SQS allows one purge a minute.
    queue = sqs.create_queue(QueueName=f"{queue_prefix}-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    events.put_rule(Name="records", EventBusName=bus_name,
                    EventPattern=json.dumps({"source": [SOURCE]}))
    events.put_targets(Rule="records", EventBusName=bus_name, Targets=[{"Id": "q", "Arn": arn}])
    return SimpleNamespace(events=events, sqs=sqs, queue=queue)


def received(capture: SimpleNamespace) -> list[dict[str, Any]]:
    """The events the queue holds (up to 10), as EventBridge delivered them."""
    messages = capture.sqs.receive_message(QueueUrl=capture.queue, MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]
