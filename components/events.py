"""The custom EventBridge bus that carries the marketplace's domain events."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from functions.shared.events import SOURCE


@dataclass(frozen=True)
class EventBusArgs:
    """Inputs of :class:`EventBus`."""

    kms_key_arn: pulumi.Input[str]
    account_id: pulumi.Input[str]
    archive_retention_days: int
    schema_discovery: bool


class EventBus(pulumi.ComponentResource):
    """A KMS-encrypted custom bus limited to this account, with a replay archive.

    Producers put events with ``Source`` = ``marketplace.listings``; the archive keeps those
    for ``archive_retention_days`` so a consumer can be replayed after a fix; the schema
    discoverer (when enabled) records their shapes in the EventBridge schema registry.
    Undeliverable events of the bus's rules go to their own targets' DLQs.
    """

    bus: aws.cloudwatch.EventBus
    name: pulumi.Output[str]
    arn: pulumi.Output[str]

    def __init__(self, name: str, args: EventBusArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:events:EventBus", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.bus = aws.cloudwatch.EventBus(
            f"{name}-bus",
            name=name,
            description="Marketplace domain events",
            kms_key_identifier=args.kms_key_arn,
            opts=child,
        )
        aws.cloudwatch.EventBusPolicy(
            f"{name}-policy",
            event_bus_name=self.bus.name,
            policy=pulumi.Output.json_dumps({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "OnlyThisAccountPuts",
                    "Effect": "Allow",
                    "Principal": {"AWS": pulumi.Output.concat("arn:aws:iam::",
                                                              args.account_id, ":root")},
                    "Action": "events:PutEvents",
                    "Resource": self.bus.arn,
                }],
            }),
            opts=child,
        )
        aws.cloudwatch.EventArchive(
            f"{name}-archive",
            name=f"{name}-archive",
            description="Replay archive of the marketplace domain events",
            event_source_arn=self.bus.arn,
            retention_days=args.archive_retention_days,
            event_pattern=pulumi.Output.json_dumps({"source": [SOURCE]}),
            kms_key_identifier=args.kms_key_arn,
            opts=child,
        )
        if args.schema_discovery:
            aws.schemas.Discoverer(
                f"{name}-discoverer",
                source_arn=self.bus.arn,
                description="Discovers the schemas of the marketplace domain events",
                opts=child,
            )
        self.name = self.bus.name
        self.arn = self.bus.arn
        self.register_outputs({"name": self.name, "arn": self.arn})
