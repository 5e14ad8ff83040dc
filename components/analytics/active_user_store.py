"""The durable per-day active-user sketches the window aggregator merges into.

A tumbling window's state resets when the window closes, so the day's HyperLogLog sketch
(4 KiB whatever the traffic) lives in a table of one item per UTC day, kept by TTL for a
month and a bit (functions/window_aggregator/sketch_store.py). On-demand: a few hundred
small writes a day cost nothing when idle. The items are a derived cache rebuilt from the
stream, but the stack's rule is recovery on every table, and at about 31 items of 4 KiB the
point-in-time backups cost a fraction of a cent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.platform.context import StackContext

TABLE_VARIABLE = "ACTIVE_USERS_TABLE"
KEY = "day"
TTL_ATTRIBUTE = "expires_at"


@dataclass(frozen=True)
class ActiveUserStoreArgs:
    """Inputs of :class:`ActiveUserStore`: the stack context (prefix, key)."""

    context: StackContext


class ActiveUserStore(pulumi.ComponentResource):
    """The sketch table and what the window aggregator needs to use it.

    :attr:`environment` and :attr:`statements` go to the aggregator's function;
    :attr:`table_arn` to a private network's DynamoDB gateway endpoint.
    """

    table: aws.dynamodb.Table
    table_name: pulumi.Output[str]
    table_arn: pulumi.Output[str]
    environment: dict[str, pulumi.Input[str]]
    statements: list[Mapping[str, Any]]

    def __init__(self, name: str, args: ActiveUserStoreArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:analytics:ActiveUserStore", name, None, opts)
        ctx = args.context
        self.table = aws.dynamodb.Table(
            f"{name}-table",
            name=f"{ctx.prefix}-active-user-sketches",
            billing_mode="PAY_PER_REQUEST",
            hash_key=KEY,
            attributes=[aws.dynamodb.TableAttributeArgs(name=KEY, type="S")],
            ttl=aws.dynamodb.TableTtlArgs(attribute_name=TTL_ATTRIBUTE, enabled=True),
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(
                enabled=True, kms_key_arn=ctx.kms_key_arn),
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.table_name = self.table.name
        self.table_arn = self.table.arn
        self.environment = {TABLE_VARIABLE: self.table.name}
        self.statements = [{
            # Read-merge-conditional-put of the day's item, and the month's items at once.
            "Sid": "MergeActiveUserSketches", "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:BatchGetItem"],
            "Resource": self.table.arn,
        }]
        self.register_outputs({"tableName": self.table_name})
