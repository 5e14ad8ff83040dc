"""An encrypted SQS queue that keeps what a delivery could not hand over."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.blocks.monitored_items import Kind, MonitoredItem
from components.blocks.naming import autoname, limit
from components.platform.context import StackContext

# The monitored item attribute that says how the DLQ redrive runbook replays the queue.
REDRIVE = "redrive"
REDRIVE_LAMBDA = "lambda"


@dataclass(frozen=True)
class DeadLetterQueueArgs:
    """Inputs of :class:`DeadLetterQueue`.

    ``sender_service`` and ``sender_arns`` let an AWS service (``events.amazonaws.com``,
    ``sns.amazonaws.com``) send to the queue, only on behalf of those source ARNs; leave them
    empty for queues that only IAM principals in the account use (Lambda destinations).
    ``replays_into_lambda`` says that every message names the Lambda function it was for (an
    on-failure destination, an EventBridge target that invokes a function): the DLQ redrive
    runbook (components/automation) then replays it there.

    ``context`` gives the stack key, region, owner and the retention of the Lambda defaults;
    ``kms_key_arn``, ``region``, ``owner`` and ``retention_days`` given explicitly win (a
    queue in us-east-1 takes that region's key), and without a context all four are needed.
    """

    kms_key_arn: pulumi.Input[str] | None = None
    retention_days: int | None = None
    region: str | None = None
    owner: str | None = None
    sender_service: str | None = None
    sender_arns: tuple[pulumi.Input[str], ...] = ()
    context: StackContext | None = None
    replays_into_lambda: bool = False


@dataclass(frozen=True)
class QueueSettings:
    """Where a queue lives and how long it keeps messages, resolved from its args."""

    kms_key_arn: pulumi.Input[str]
    retention_days: int
    region: str
    owner: str


def queue_settings(args: DeadLetterQueueArgs) -> QueueSettings:
    """Explicit arguments first, then the context; a :class:`ValueError` names what is missing."""
    ctx = args.context
    found: dict[str, Any] = {
        "kms_key_arn": args.kms_key_arn if args.kms_key_arn is not None
        else (ctx.kms_key_arn if ctx else None),
        "retention_days": args.retention_days if args.retention_days is not None
        else (ctx.lambdas.dlq_retention_days if ctx else None),
        "region": args.region if args.region is not None else (ctx.region if ctx else None),
        "owner": args.owner if args.owner is not None else (ctx.owner if ctx else None),
    }
    missing = [key for key, value in found.items() if value is None]
    if missing:
        raise ValueError(f"dead-letter queue: pass a context or {', '.join(missing)}")
    return QueueSettings(**found)


class DeadLetterQueue(pulumi.ComponentResource):
    """KMS-encrypted queue with maximum retention, registered for the depth > 0 alarm."""

    queue: aws.sqs.Queue
    arn: pulumi.Output[str]
    url: pulumi.Output[str]
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: DeadLetterQueueArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:messaging:DeadLetterQueue", name, None, opts)
        settings = queue_settings(args)
        self.queue = aws.sqs.Queue(
            f"{name}-queue",
            name=autoname(f"{name}-queue", limit("aws:sqs/queue:Queue")),
            kms_master_key_id=settings.kms_key_arn,
            kms_data_key_reuse_period_seconds=300,
            message_retention_seconds=settings.retention_days * 86400,
            opts=pulumi.ResourceOptions(parent=self),
        )
        if args.sender_service:
            aws.sqs.QueuePolicy(
                f"{name}-policy",
                queue_url=self.queue.url,
                policy=pulumi.Output.json_dumps({
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Sid": "ServiceSendsDeadLetters",
                        "Effect": "Allow",
                        "Principal": {"Service": args.sender_service},
                        "Action": "sqs:SendMessage",
                        "Resource": self.queue.arn,
                        "Condition": {"ArnEquals": {"aws:SourceArn": list(args.sender_arns)}},
                    }],
                }),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.arn = self.queue.arn
        self.url = self.queue.url
        self.monitored_items = (
            MonitoredItem(
                kind=Kind.SQS_QUEUE,
                name=name,
                dimensions={"QueueName": self.queue.name},
                region=settings.region,
                owner=settings.owner,
                attributes={"dead_letter": True,
                            **({REDRIVE: REDRIVE_LAMBDA} if args.replays_into_lambda else {})},
            ),
        )
        self.register_outputs({"arn": self.arn, "url": self.url})
