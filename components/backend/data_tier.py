"""The listings table: single-table design, three GSIs, PITR, KMS, autoscaling when provisioned.

Access patterns and key design (see ``functions/api/keys.py``, which the handler uses too):

* get / batch-get a listing: ``pk = LISTING#<id>``, ``sk = LISTING`` on the base table;
* a seller's listings, newest first: ``gsi1`` (``gsi1pk = SELLER#<seller>``,
  ``gsi1sk = <created_at>#<id>``);
* a category feed, newest first: ``gsi2`` with write-sharded partitions
  ``CAT#<category>#<shard>`` (shard count from config), read by scatter-gather;
* featured listings: ``gsi3``, sparse (only featured listings carry its keys);
* title-prefix search in a category: search items ``SEARCH#<category>#<shard>`` /
  ``<title>#<id>`` on the base table, read with ``begins_with``.

Every index projects all attributes, so a feed page never needs a second read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.blocks.monitored_items import Kind, MonitoredItem
from components.config import BackendConfig
from components.platform.context import StackContext
from functions.api import keys
from functions.api.repository import OPERATIONS

_PredefinedMetric = (
    aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs
)
# Capacity dimensions of a table and of its indexes, per read/write.
SCALED = (
    ("read", "dynamodb:{what}:ReadCapacityUnits", "DynamoDBReadCapacityUtilization"),
    ("write", "dynamodb:{what}:WriteCapacityUnits", "DynamoDBWriteCapacityUtilization"),
)
# Pulumi property paths (https://www.pulumi.com/docs/iac/concepts/miscellaneous/property-paths/)
# of the capacity Application Auto Scaling changes: the table's, and each GSI's through the
# `[*]` wildcard (pulumi-aws 7 keeps GSIs in the table's globalSecondaryIndexes list).
AUTOSCALED_CAPACITY = (
    "readCapacity", "writeCapacity",
    "globalSecondaryIndexes[*].readCapacity", "globalSecondaryIndexes[*].writeCapacity",
)


def capacity(config: BackendConfig) -> dict[str, int]:
    """The table's and each index's starting capacity: the minimum when provisioned, else none."""
    if config.billing_mode != "PROVISIONED":
        return {}
    return {"read_capacity": config.read_capacity_min,
            "write_capacity": config.write_capacity_min}


def scaling_targets(index_names: Sequence[str]) -> list[tuple[str, str, tuple[str, ...]]]:
    """(label, what, resource id after ``table/<name>``) of the table and of every index."""
    return [("table", "table", ()),
            *((index, "index", ("/index/", index)) for index in index_names)]


@dataclass(frozen=True)
class DataTierArgs:
    """Inputs of :class:`DataTier`: the stack context, the table's name and the config."""

    context: StackContext
    table_name: str
    config: BackendConfig


class DataTier(pulumi.ComponentResource):
    """The listings table with its GSIs, Contributor Insights and (provisioned) autoscaling."""

    table: aws.dynamodb.Table
    name: pulumi.Output[str]
    arn: pulumi.Output[str]
    index_names: tuple[str, ...]
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: DataTierArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:backend:DataTier", name, None, opts)
        c = args.config
        provisioned = c.billing_mode == "PROVISIONED"
        self.table = self._table(name, args, provisioned)
        self.name = self.table.name
        self.arn = self.table.arn
        self.index_names = tuple(index.name for index in keys.INDEXES)
        self._contributor_insights(name, args.config.table_contributor_insights)
        if provisioned:
            self._autoscale(name, c)
        self.monitored_items = self._monitored_items(name, args, provisioned)
        self.register_outputs({"name": self.name, "arn": self.arn})

    def _table(self, name: str, args: DataTierArgs, provisioned: bool) -> aws.dynamodb.Table:
        """The single table: keys, GSIs (all attributes projected), TTL, PITR, KMS."""
        c = args.config
        starting = capacity(c)
        return aws.dynamodb.Table(
            f"{name}-table",
            name=args.table_name,
            billing_mode=c.billing_mode,
            hash_key=keys.PK,
            range_key=keys.SK,
            attributes=[aws.dynamodb.TableAttributeArgs(name=a, type="S")
                        for a in keys.key_attributes()],
            global_secondary_indexes=[
                aws.dynamodb.TableGlobalSecondaryIndexArgs(
                    name=index.name,
                    key_schemas=[
                        aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                            attribute_name=index.hash_key, key_type="HASH"),
                        aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                            attribute_name=index.range_key, key_type="RANGE"),
                    ],
                    projection_type="ALL",
                    **starting,
                )
                for index in keys.INDEXES
            ],
            ttl=aws.dynamodb.TableTtlArgs(attribute_name=keys.TTL_ATTRIBUTE, enabled=True),
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(
                enabled=True, kms_key_arn=args.context.kms_key_arn),
            deletion_protection_enabled=c.table_deletion_protection,
            **starting,
            opts=pulumi.ResourceOptions(
                parent=self,
                # Autoscaling owns the capacity of the table and of every index once they
                # exist; without this each `pulumi up` would reset them to the minimum.
                ignore_changes=list(AUTOSCALED_CAPACITY) if provisioned else None,
            ),
        )

    def _contributor_insights(self, name: str, mode: str) -> None:
        """Hot-key detection on the table and on every index, unless ``mode`` is off."""
        if mode == "off":
            return
        for index in (None, *self.index_names):
            suffix = f"-{index}" if index else ""
            aws.dynamodb.ContributorInsights(
                f"{name}-insights{suffix}",
                table_name=self.table.name,
                index_name=index,
                mode=mode,
                opts=pulumi.ResourceOptions(parent=self),
            )

    def _monitored_items(self, name: str, args: DataTierArgs,
                         provisioned: bool) -> tuple[MonitoredItem, ...]:
        """The table (with the operations the API calls) and each GSI."""
        c, context = args.config, args.context
        attributes = {
            "billing_mode": c.billing_mode,
            "read_capacity": c.read_capacity_min if provisioned else None,
            "write_capacity": c.write_capacity_min if provisioned else None,
        }
        return (
            MonitoredItem(kind=Kind.DYNAMODB_TABLE, name=f"{name}-table",
                          dimensions={"TableName": self.table.name}, region=context.region,
                          owner=context.owner,
                          # The per-operation alarms watch what the API's repository calls.
                          attributes={**attributes, "operations": OPERATIONS}),
            *(
                MonitoredItem(kind=Kind.DYNAMODB_GSI, name=f"{name}-{index}",
                              dimensions={"TableName": self.table.name,
                                          "GlobalSecondaryIndexName": index},
                              region=context.region, owner=context.owner,
                              attributes=attributes)
                for index in self.index_names
            ),
        )

    def _autoscale(self, name: str, c: BackendConfig) -> None:
        """Target tracking on reads and writes of the table and of every GSI."""
        child = pulumi.ResourceOptions(parent=self)
        targets = [(label, what, pulumi.Output.concat("table/", self.table.name, *suffix))
                   for label, what, suffix in scaling_targets(self.index_names)]
        bounds = {"read": (c.read_capacity_min, c.read_capacity_max),
                  "write": (c.write_capacity_min, c.write_capacity_max)}
        for label, what, resource_id in targets:
            for direction, dimension, metric in SCALED:
                low, high = bounds[direction]
                target = aws.appautoscaling.Target(
                    f"{name}-{label}-{direction}-target",
                    service_namespace="dynamodb",
                    resource_id=resource_id,
                    scalable_dimension=dimension.format(what=what),
                    min_capacity=low,
                    max_capacity=high,
                    opts=child,
                )
                aws.appautoscaling.Policy(
                    f"{name}-{label}-{direction}-policy",
                    policy_type="TargetTrackingScaling",
                    service_namespace=target.service_namespace,
                    resource_id=target.resource_id,
                    scalable_dimension=target.scalable_dimension,
                    target_tracking_scaling_policy_configuration=(
                        aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                            target_value=float(c.capacity_target_percent),
                            predefined_metric_specification=_PredefinedMetric(
                                predefined_metric_type=metric),
                            scale_in_cooldown=60,
                            scale_out_cooldown=60,
                        )
                    ),
                    opts=child,
                )
