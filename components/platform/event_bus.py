"""The custom EventBridge bus that carries the marketplace's domain events, and their schemas."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.platform.context import StackContext
from functions.shared.events import EVENT_TYPES, SOURCE, json_schema

# EventBridge schema registry limits (CreateRegistry / CreateSchema, as the provider documents
# them: https://www.pulumi.com/registry/packages/aws/api-docs/schemas/registry/ and
# .../schemas/schema/): names of letters, digits and ``.-_@``; registry names up to 64
# characters, schema names up to 385; schema content up to 100,000 characters
# (https://docs.aws.amazon.com/cli/latest/reference/schemas/create-schema.html).
SCHEMA_NAME_CHARS = r"^[A-Za-z0-9.\-_@]+$"
REGISTRY_NAME_MAX = 64
SCHEMA_NAME_MAX = 385
SCHEMA_CONTENT_MAX = 100_000


def schema_name(event_type: str) -> str:
    """``<source>@<detail-type>``: the name EventBridge gives a discovered schema."""
    return f"{SOURCE}@{event_type}"


@dataclass(frozen=True)
class EventBusArgs:
    """Inputs of :class:`EventBus`: the stack context (key, account) and the archive's
    retention (``eventsArchiveRetentionDays``)."""

    context: StackContext
    archive_retention_days: int


class EventBus(pulumi.ComponentResource):
    """A KMS-encrypted custom bus limited to this account, a replay archive, a schema registry.

    Producers put events with ``Source`` = ``marketplace.listings``; the archive keeps those
    for ``archive_retention_days`` so a consumer can be replayed after a fix. The stack's own
    schema registry holds one JSON Schema (draft 4) per event type, generated from the
    definitions producers and consumers validate with (:mod:`functions.shared.events`).
    There is no schema discoverer: EventBridge refuses one on a bus encrypted with a customer
    managed key (the ``refused-combinations`` stack rule). Undeliverable events of the bus's
    rules go to their own targets' DLQs.
    """

    bus: aws.cloudwatch.EventBus
    registry: aws.schemas.Registry
    schemas: dict[str, aws.schemas.Schema]
    name: pulumi.Output[str]
    arn: pulumi.Output[str]

    def __init__(self, name: str, args: EventBusArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:events:EventBus", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ctx = args.context
        self.bus = aws.cloudwatch.EventBus(
            f"{name}-bus",
            name=name,
            description="Marketplace domain events",
            kms_key_identifier=ctx.kms_key_arn,
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
                                                              ctx.account_id, ":root")},
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
            kms_key_identifier=ctx.kms_key_arn,
            opts=child,
        )
        self.registry = aws.schemas.Registry(
            f"{name}-schemas",
            name=name,
            description="Schemas of the marketplace domain events, from the shared definitions",
            opts=child,
        )
        self.schemas = {
            event_type: aws.schemas.Schema(
                f"{name}-schema-{event_type}",
                name=schema_name(event_type),
                registry_name=self.registry.name,
                type="JSONSchemaDraft4",
                description=f"{event_type} events on the marketplace bus (Source {SOURCE})",
                content=json.dumps(json_schema(event_type), separators=(",", ":")),
                opts=child,
            )
            for event_type in EVENT_TYPES
        }
        self.name = self.bus.name
        self.arn = self.bus.arn
        self.register_outputs({"name": self.name, "arn": self.arn,
                               "schemaRegistry": self.registry.name})
