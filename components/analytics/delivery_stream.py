"""Firehose from the events stream to the lake: partitioned by event type and hour, as Parquet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.analytics.lake_catalog import table_arns
from components.analytics.lake_schema import (
    ERROR_PREFIX,
    FIREHOSE_PREFIX,
    PARTITION_QUERY,
    json_key_mappings,
)
from components.blocks.monitored_items import Kind, MonitoredItem
from components.blocks.service_role import service_role
from components.platform.context import StackContext

ext = aws.kinesis  # the Firehose argument classes live in the kinesis module


@dataclass(frozen=True)
class DeliveryStreamArgs:
    """Inputs of :class:`DeliveryStream`: the stack context (key, account, region, owner, the
    log retention of the Lambda defaults), the stream, the lake and its table, the buffering."""

    context: StackContext
    stream_arn: pulumi.Input[str]
    lake_bucket_arn: pulumi.Input[str]
    database_name: pulumi.Input[str]
    table_name: pulumi.Input[str]
    buffer_mb: int
    buffer_seconds: int


class DeliveryStream(pulumi.ComponentResource):
    """Kinesis-sourced Firehose writing Parquet to ``events/event_type=/dt=/hour=/``.

    JQ metadata extraction takes the partition keys from each event (``detail-type`` and its
    UTC time), the record is converted to Parquet with the Glue table's schema, objects are
    encrypted with the stack key, and records that fail (conversion, partitioning, delivery)
    go under ``errors/<error-output-type>/``. Errors are logged to a KMS-encrypted log group.
    Firehose refuses its own server-side encryption when a Kinesis stream is the source: the
    data is encrypted in the stream (KMS) and in S3 (SSE-KMS with the stack key).
    """

    delivery_stream: aws.kinesis.FirehoseDeliveryStream
    role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup
    name: pulumi.Output[str]
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: DeliveryStreamArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:analytics:DeliveryStream", name, None, opts)
        ctx = args.context
        child = pulumi.ResourceOptions(parent=self)
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/kinesisfirehose/{name}",
            retention_in_days=ctx.lambdas.log_retention_days,
            kms_key_id=ctx.kms_key_arn,
            opts=child,
        )
        log_stream = aws.cloudwatch.LogStream(
            f"{name}-delivery-errors",
            name="DestinationDelivery",
            log_group_name=self.log_group.name,
            opts=child,
        )
        self.role, policy = self._role(name, args)
        self.delivery_stream = aws.kinesis.FirehoseDeliveryStream(
            f"{name}-firehose",
            name=name,
            destination="extended_s3",
            kinesis_source_configuration=ext.FirehoseDeliveryStreamKinesisSourceConfigurationArgs(
                kinesis_stream_arn=args.stream_arn,
                role_arn=self.role.arn,
            ),
            extended_s3_configuration=self._s3_configuration(args, log_stream),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        self.name = self.delivery_stream.name
        self.monitored_items = (
            MonitoredItem(kind=Kind.FIREHOSE, name=name,
                          dimensions={"DeliveryStreamName": self.delivery_stream.name},
                          region=ctx.region, owner=ctx.owner,
                          attributes={"buffer_seconds": args.buffer_seconds}),
        )
        self.register_outputs({"name": self.name})

    def _role(self, name: str,
              args: DeliveryStreamArgs) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
        """Firehose's role: read the stream and the table schema, write the lake and logs."""
        ctx = args.context
        return service_role(
            name,
            service="firehose.amazonaws.com",
            description=f"Firehose {name} reads the events stream and writes the lake",
            # Only Firehose acting for this account (confused deputy).
            condition={"StringEquals": {"sts:ExternalId": ctx.account_id}},
            statements=[
                {"Sid": "ReadEventsStream", "Effect": "Allow",
                 "Action": ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary",
                            "kinesis:GetShardIterator", "kinesis:GetRecords",
                            "kinesis:ListShards"],
                 "Resource": args.stream_arn},
                {"Sid": "WriteLake", "Effect": "Allow",
                 "Action": ["s3:AbortMultipartUpload", "s3:GetBucketLocation",
                            "s3:GetObject", "s3:ListBucket",
                            "s3:ListBucketMultipartUploads", "s3:PutObject"],
                 "Resource": [args.lake_bucket_arn,
                              pulumi.Output.concat(args.lake_bucket_arn, "/*")]},
                {"Sid": "ReadTableSchema", "Effect": "Allow",
                 "Action": ["glue:GetTable", "glue:GetTableVersion", "glue:GetTableVersions"],
                 "Resource": table_arns(ctx.region, ctx.account_id, args.database_name,
                                        args.table_name)},
                {"Sid": "UseStackKey", "Effect": "Allow",
                 "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                 "Resource": ctx.kms_key_arn},
                {"Sid": "LogDeliveryErrors", "Effect": "Allow",
                 "Action": ["logs:PutLogEvents"],
                 "Resource": pulumi.Output.concat(self.log_group.arn, ":log-stream:*")},
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _s3_configuration(
            self, args: DeliveryStreamArgs, log_stream: aws.cloudwatch.LogStream,
    ) -> ext.FirehoseDeliveryStreamExtendedS3ConfigurationArgs:
        """Partitioned Parquet into the lake, SSE-KMS, errors logged and kept under errors/."""
        ctx = args.context
        return ext.FirehoseDeliveryStreamExtendedS3ConfigurationArgs(
            bucket_arn=args.lake_bucket_arn,
            role_arn=self.role.arn,
            prefix=FIREHOSE_PREFIX,
            error_output_prefix=ERROR_PREFIX,
            buffering_size=args.buffer_mb,
            buffering_interval=args.buffer_seconds,
            # Parquet pages are compressed (Snappy); the object itself is not.
            compression_format="UNCOMPRESSED",
            kms_key_arn=ctx.kms_key_arn,
            custom_time_zone="UTC",
            file_extension=".parquet",
            cloudwatch_logging_options=(
                ext.FirehoseDeliveryStreamExtendedS3ConfigurationCloudwatchLoggingOptionsArgs(
                    enabled=True,
                    log_group_name=self.log_group.name,
                    log_stream_name=log_stream.name,
                )
            ),
            dynamic_partitioning_configuration={"enabled": True, "retry_duration": 300},
            processing_configuration={
                "enabled": True,
                "processors": [{
                    "type": "MetadataExtraction",
                    "parameters": [
                        {"parameter_name": "MetadataExtractionQuery",
                         "parameter_value": PARTITION_QUERY},
                        {"parameter_name": "JsonParsingEngine", "parameter_value": "JQ-1.6"},
                    ],
                }],
            },
            data_format_conversion_configuration=format_conversion(
                args.database_name, args.table_name, self.role.arn, ctx.region),
        )


def format_conversion(database_name: pulumi.Input[str], table_name: pulumi.Input[str],
                      role_arn: pulumi.Input[str], region: str) -> dict[str, Any]:
    """JSON in (renamed keys, case-insensitive), Snappy Parquet out, the Glue table's schema."""
    return {
        "enabled": True,
        "input_format_configuration": {"deserializer": {"open_x_json_ser_de": {
            "column_to_json_key_mappings": json_key_mappings(),
            "case_insensitive": True,
        }}},
        "output_format_configuration": {"serializer": {"parquet_ser_de": {
            "compression": "SNAPPY",
        }}},
        "schema_configuration": {
            "database_name": database_name,
            "table_name": table_name,
            "role_arn": role_arn,
            "region": region,
            "version_id": "LATEST",
        },
    }
