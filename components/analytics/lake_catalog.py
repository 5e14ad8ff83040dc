"""Glue catalog of the lake (partition projection, no crawler) and the Athena workgroup."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.analytics.data_lake import RESULTS_PREFIX
from components.analytics.kpi_queries import QUERIES, TABLE
from components.analytics.lake_schema import (
    COLUMNS,
    EVENTS_PREFIX,
    PARTITION_KEYS,
    projection_parameters,
)
from components.platform.context import StackContext

PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
ATHENA_ENGINE = "Athena engine version 3"


def table_arns(region: str, account_id: pulumi.Input[str], database: pulumi.Input[str],
               table: pulumi.Input[str]) -> list[pulumi.Output[str]]:
    """The Glue ARNs a reader of one table needs: the catalog, its database and the table."""
    glue = pulumi.Output.concat("arn:aws:glue:", region, ":", account_id)
    return [
        pulumi.Output.concat(glue, ":catalog"),
        pulumi.Output.concat(glue, ":database/", database),
        pulumi.Output.concat(glue, ":table/", database, "/", table),
    ]


@dataclass(frozen=True)
class CatalogArgs:
    """Inputs of :class:`Catalog`: the stack context (prefix, key), the lake's buckets and
    the per-query scan cutoff."""

    context: StackContext
    lake_bucket_name: pulumi.Input[str]
    results_bucket_name: pulumi.Input[str]
    bytes_scanned_cutoff_mb: int


def glue_name(text: str) -> str:
    """Glue and Athena names allow lower case letters, digits and underscores only."""
    return "".join(ch if ch.isalnum() else "_" for ch in text.lower())


class Catalog(pulumi.ComponentResource):
    """Glue database and ``events`` table; Athena workgroup with enforced settings; KPI queries.

    The table's partitions are projected from Firehose's prefixes
    (``events/event_type=.../dt=.../hour=.../``), so new partitions are queryable at once
    without a crawler or ``MSCK REPAIR``. The workgroup enforces its result location (KMS
    encrypted), a per-query scan cutoff and CloudWatch metrics for every query run in it.
    """

    database: aws.glue.CatalogDatabase
    table: aws.glue.CatalogTable
    workgroup: aws.athena.Workgroup
    database_name: pulumi.Output[str]
    table_name: pulumi.Output[str]
    workgroup_name: pulumi.Output[str]
    workgroup_arn: pulumi.Output[str]
    named_queries: dict[str, aws.athena.NamedQuery]

    def __init__(self, name: str, args: CatalogArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:analytics:Catalog", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.database = aws.glue.CatalogDatabase(
            f"{name}-database",
            name=glue_name(f"{args.context.prefix}_analytics"),
            description="Marketplace domain events delivered by Firehose as Parquet",
            location_uri=pulumi.Output.concat("s3://", args.lake_bucket_name, "/",
                                              EVENTS_PREFIX),
            opts=child,
        )
        self.table = self._events_table(name, args)
        self.workgroup = self._workgroup(name, args)
        self.named_queries = {
            q.name: aws.athena.NamedQuery(
                f"{name}-{q.name.replace('_', '-')}",
                name=q.title,
                description=q.description,
                database=self.database.name,
                workgroup=self.workgroup.name,
                query=q.sql,
                opts=child,
            )
            for q in QUERIES
        }
        self.database_name = self.database.name
        self.table_name = self.table.name
        self.workgroup_name = self.workgroup.name
        self.workgroup_arn = self.workgroup.arn
        self.register_outputs({"databaseName": self.database_name,
                               "workgroupName": self.workgroup_name})

    def _events_table(self, name: str, args: CatalogArgs) -> aws.glue.CatalogTable:
        """The ``events`` table: Parquet under ``events/``, partitions projected."""
        return aws.glue.CatalogTable(
            f"{name}-events-table",
            name=TABLE,
            database_name=self.database.name,
            description="Every marketplace domain event (the EventBridge event), one row each",
            table_type="EXTERNAL_TABLE",
            parameters=pulumi.Output.from_input(args.lake_bucket_name).apply(
                projection_parameters),
            partition_keys=[
                aws.glue.CatalogTablePartitionKeyArgs(name=k.name, type=k.type, comment=k.comment)
                for k in PARTITION_KEYS
            ],
            storage_descriptor=aws.glue.CatalogTableStorageDescriptorArgs(
                location=pulumi.Output.concat("s3://", args.lake_bucket_name, "/",
                                              EVENTS_PREFIX),
                input_format=PARQUET_INPUT,
                output_format=PARQUET_OUTPUT,
                compressed=True,
                ser_de_info=aws.glue.CatalogTableStorageDescriptorSerDeInfoArgs(
                    name="parquet",
                    serialization_library=PARQUET_SERDE,
                    parameters={"serialization.format": "1"},
                ),
                columns=[
                    aws.glue.CatalogTableStorageDescriptorColumnArgs(
                        name=col.name, type=col.type, comment=col.comment or None)
                    for col in COLUMNS
                ],
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _workgroup(self, name: str, args: CatalogArgs) -> aws.athena.Workgroup:
        """The analytics workgroup: enforced KMS-encrypted results, scan cutoff, metrics."""
        return aws.athena.Workgroup(
            f"{name}-workgroup",
            name=f"{args.context.prefix}-analytics",
            description="Marketplace KPI queries over the events lake",
            state="ENABLED",
            force_destroy=False,
            configuration=aws.athena.WorkgroupConfigurationArgs(
                enforce_workgroup_configuration=True,
                publish_cloudwatch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=args.bytes_scanned_cutoff_mb * 1024 * 1024,
                requester_pays_enabled=False,
                engine_version=aws.athena.WorkgroupConfigurationEngineVersionArgs(
                    selected_engine_version=ATHENA_ENGINE),
                result_configuration=aws.athena.WorkgroupConfigurationResultConfigurationArgs(
                    output_location=pulumi.Output.concat("s3://", args.results_bucket_name, "/",
                                                         RESULTS_PREFIX),
                    encryption_configuration=(
                        aws.athena.WorkgroupConfigurationResultConfigurationEncryptionConfigurationArgs(
                            encryption_option="SSE_KMS", kms_key_arn=args.context.kms_key_arn)
                    ),
                    acl_configuration=(
                        aws.athena.WorkgroupConfigurationResultConfigurationAclConfigurationArgs(
                            s3_acl_option="BUCKET_OWNER_FULL_CONTROL")
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
