"""The real-time analytics pipeline, composed from its parts.

bus rules -> Kinesis -> Firehose (partitioned Parquet) -> S3 lake -> Glue/Athena -> QuickSight,
and from the stream two Lambda consumers: the stream processor (business metrics per event)
and the window aggregator (tumbling-window aggregates, the replacement of the retired Kinesis
Data Analytics SQL application) writing CloudWatch metrics and, optionally, a time series.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.analytics.active_user_store import ActiveUserStore, ActiveUserStoreArgs
from components.analytics.data_lake import DataLake, DataLakeArgs
from components.analytics.delivery_stream import DeliveryStream, DeliveryStreamArgs
from components.analytics.event_stream import EventStream, EventStreamArgs
from components.analytics.lake_catalog import Catalog, CatalogArgs
from components.analytics.quicksight import QuickSight, QuickSightArgs
from components.analytics.stream_consumers import StreamConsumers, StreamConsumersArgs
from components.analytics.timeseries import TimeSeries, TimeSeriesArgs
from components.blocks.monitored_items import MonitoredItem
from components.config import AnalyticsConfig
from components.platform.context import StackContext


@dataclass(frozen=True)
class AnalyticsArgs:
    """Inputs of :class:`Analytics`: the stack context, the bus to read, the config section."""

    context: StackContext
    bus_name: pulumi.Input[str]
    config: AnalyticsConfig


class Analytics(pulumi.ComponentResource):
    """Everything of the analytics pipeline; exposes names others query and its monitored items.

    Others read :attr:`stream_name`, :attr:`lake_bucket_name`, :attr:`lake_bucket_arn`,
    :attr:`workgroup_name`, :attr:`database_name` and :attr:`monitored_items`.
    """

    stream: EventStream
    lake: DataLake
    catalog: Catalog
    delivery: DeliveryStream
    timeseries: TimeSeries
    active_users: ActiveUserStore
    consumers: StreamConsumers
    quicksight: QuickSight | None
    stream_name: pulumi.Output[str]
    lake_bucket_name: pulumi.Output[str]
    lake_bucket_arn: pulumi.Output[str]
    workgroup_name: pulumi.Output[str]
    database_name: pulumi.Output[str]
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: AnalyticsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:analytics:Analytics", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ctx, c = args.context, args.config
        self.stream = EventStream(f"{name}-events", EventStreamArgs(
            context=ctx, bus_name=args.bus_name, config=c), opts=child)
        self.lake = DataLake(f"{name}-data", DataLakeArgs(context=ctx, config=c), opts=child)
        self.catalog = Catalog(f"{name}-catalog", CatalogArgs(
            context=ctx, lake_bucket_name=self.lake.lake_bucket_name,
            results_bucket_name=self.lake.results_bucket_name,
            bytes_scanned_cutoff_mb=c.athena_bytes_scanned_cutoff_mb), opts=child)
        self.delivery = DeliveryStream(f"{name}-delivery", DeliveryStreamArgs(
            context=ctx, stream_arn=self.stream.stream_arn,
            lake_bucket_arn=self.lake.lake_bucket_arn,
            database_name=self.catalog.database_name, table_name=self.catalog.table_name,
            buffer_mb=c.firehose_buffer_mb, buffer_seconds=c.firehose_buffer_seconds),
            opts=child)
        self.active_users = ActiveUserStore(f"{name}-active-users",
                                            ActiveUserStoreArgs(context=ctx), opts=child)
        self.timeseries = TimeSeries(f"{name}-timeseries", TimeSeriesArgs(
            context=ctx, config=c, writer_table_arns=(self.active_users.table_arn,)),
            opts=child)
        self.consumers = StreamConsumers(f"{name}-consumers", StreamConsumersArgs(
            context=ctx, stream_arn=self.stream.stream_arn,
            fan_out_consumer_arn=self.stream.fan_out_consumer_arn, config=c,
            aggregator_environment={**self.timeseries.environment,
                                    **self.active_users.environment},
            aggregator_statements=[*self.timeseries.statements,
                                   *self.active_users.statements],
            aggregator_vpc=self.timeseries.vpc), opts=child)
        self.quicksight = self._quicksight(name, args) if c.quicksight_enabled else None

        self.stream_name = self.stream.stream_name
        self.lake_bucket_name = self.lake.lake_bucket_name
        self.lake_bucket_arn = self.lake.lake_bucket_arn
        self.workgroup_name = self.catalog.workgroup_name
        self.database_name = self.catalog.database_name
        self.monitored_items = (
            *self.stream.monitored_items,
            *self.delivery.monitored_items,
            *self.consumers.monitored_items,
        )
        self.register_outputs({
            "streamName": self.stream_name,
            "lakeBucketName": self.lake_bucket_name,
            "workgroupName": self.workgroup_name,
            "databaseName": self.database_name,
        })

    def _quicksight(self, name: str, args: AnalyticsArgs) -> QuickSight:
        """BI over the lake through the workgroup, shared with the configured principal."""
        c = args.config
        return QuickSight(
            f"{name}-bi",
            QuickSightArgs(
                context=args.context,
                workgroup_name=self.catalog.workgroup_name,
                workgroup_arn=self.catalog.workgroup_arn,
                database_name=self.catalog.database_name,
                table_name=self.catalog.table_name,
                lake_bucket_arn=self.lake.lake_bucket_arn,
                results_bucket_arn=self.lake.results_bucket_arn,
                principal=c.quicksight_principal or "",
                refresh_interval=c.quicksight_refresh_interval,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
