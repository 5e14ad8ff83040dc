"""An encrypted SQS queue that keeps what a delivery could not hand over."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.blocks.monitored_items import Kind, MonitoredItem
from components.blocks.naming import autoname, limit


@dataclass(frozen=True)
class DeadLetterQueueArgs:
    """Inputs of :class:`DeadLetterQueue`.

    ``sender_service`` and ``sender_arns`` let an AWS service (``events.amazonaws.com``,
    ``sns.amazonaws.com``) send to the queue, only on behalf of those source ARNs; leave them
    empty for queues that only IAM principals in the account use (Lambda destinations).
    """

    kms_key_arn: pulumi.Input[str]
    retention_days: int
    region: str
    owner: str
    sender_service: str | None = None
    sender_arns: tuple[pulumi.Input[str], ...] = ()


class DeadLetterQueue(pulumi.ComponentResource):
    """KMS-encrypted queue with maximum retention, registered for the depth > 0 alarm."""

    queue: aws.sqs.Queue
    arn: pulumi.Output[str]
    url: pulumi.Output[str]
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: DeadLetterQueueArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:messaging:DeadLetterQueue", name, None, opts)
        self.queue = aws.sqs.Queue(
            f"{name}-queue",
            name=autoname(f"{name}-queue", limit("aws:sqs/queue:Queue")),
            kms_master_key_id=args.kms_key_arn,
            kms_data_key_reuse_period_seconds=300,
            message_retention_seconds=args.retention_days * 86400,
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
                region=args.region,
                owner=args.owner,
                attributes={"dead_letter": True},
            ),
        )
        self.register_outputs({"arn": self.arn, "url": self.url})
