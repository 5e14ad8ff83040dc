"""Config keys of the real-time analytics pipeline: stream, lake, consumers, time series, BI.

Data only: read by :mod:`components.config`, which imports nothing downstream of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi

from components.config.spec import KeySpec, Section

STREAM_MODES = ("ON_DEMAND", "PROVISIONED")
TIMESERIES_STORES = ("none", "liveanalytics", "influxdb")
INFLUX_DEPLOYMENT_TYPES = ("SINGLE_AZ", "WITH_MULTIAZ_STANDBY")
INFLUX_INSTANCE_TYPES = (
    "db.influx.medium", "db.influx.large", "db.influx.xlarge", "db.influx.2xlarge",
    "db.influx.4xlarge", "db.influx.8xlarge", "db.influx.12xlarge", "db.influx.16xlarge",
)
QUICKSIGHT_REFRESH_INTERVALS = ("HOURLY", "DAILY", "WEEKLY")
QUICKSIGHT_PRINCIPAL_RE = re.compile(r"^(user|group)/[\w+=,.@-]{1,64}$")


@dataclass(frozen=True)
class AnalyticsConfig:
    """The real-time analytics pipeline: stream, lake, consumers, time series, BI."""

    stream_mode: str
    stream_shards: int
    stream_retention_hours: int
    enhanced_fan_out: bool
    processor_batch_size: int
    processor_batching_window_seconds: int
    aggregator_batch_size: int
    tumbling_window_seconds: int
    consumer_max_retries: int
    consumer_max_record_age_seconds: int
    firehose_buffer_mb: int
    firehose_buffer_seconds: int
    lake_ia_days: int
    lake_glacier_days: int
    lake_expiration_days: int
    athena_results_days: int
    athena_bytes_scanned_cutoff_mb: int
    top_n: int
    timeseries: str
    timestream_memory_hours: int
    timestream_magnetic_days: int
    influx_instance_type: str
    influx_storage_gb: int
    influx_deployment_type: str
    influx_password: pulumi.Output[str] | None
    quicksight_enabled: bool
    quicksight_principal: str | None
    quicksight_refresh_interval: str


ANALYTICS = Section("analytics", "analytics", "analytics.md", AnalyticsConfig, (
    KeySpec("analyticsStreamMode", "stream_mode", "string", "ON_DEMAND", choices=STREAM_MODES,
            description="Capacity mode of the events Kinesis stream (ON_DEMAND or PROVISIONED)."),
    KeySpec("analyticsStreamShards", "stream_shards", "integer", 1, minimum=1, maximum=500,
            description="Shards of the events stream when PROVISIONED (1-500)."),
    KeySpec("analyticsStreamRetentionHours", "stream_retention_hours", "integer", 24, minimum=24,
            maximum=8760,
            description="Hours the events stream keeps records (24-8760)."),
    KeySpec("analyticsEnhancedFanOut", "enhanced_fan_out", "boolean", False,
            description=("Give the stream processor an enhanced fan-out consumer (dedicated 2 MB/s "
                         "per shard).")),
    KeySpec("analyticsProcessorBatchSize", "processor_batch_size", "integer", 100, minimum=1,
            maximum=10000,
            description="Records per invocation of the stream processor (1-10000)."),
    KeySpec("analyticsProcessorBatchingWindowSeconds", "processor_batching_window_seconds",
            "integer", 1, minimum=0, maximum=300,
            description=("Seconds the stream processor's event source mapping gathers records "
                         "before invoking (0-300).")),
    KeySpec("analyticsAggregatorBatchSize", "aggregator_batch_size", "integer", 500, minimum=1,
            maximum=10000,
            description="Records per invocation of the window aggregator (1-10000)."),
    KeySpec("analyticsTumblingWindowSeconds", "tumbling_window_seconds", "integer", 60, minimum=1,
            maximum=900,
            description="Length of the window aggregator's tumbling window in seconds (1-900)."),
    KeySpec("analyticsConsumerMaxRetries", "consumer_max_retries", "integer", 3, minimum=0,
            maximum=10000,
            description=("Retries of a failed stream batch before it goes to the on-failure queue "
                         "(0-10000).")),
    KeySpec("analyticsConsumerMaxRecordAgeSeconds", "consumer_max_record_age_seconds", "integer",
            3600, minimum=60, maximum=604800,
            description=("Oldest record (60-604800 s) the stream consumers still process before "
                         "sending it to the on-failure queue.")),
    KeySpec("analyticsFirehoseBufferMb", "firehose_buffer_mb", "integer", 128, minimum=64,
            maximum=128,
            description=("Firehose buffer size in MiB (64-128; Parquet conversion and dynamic "
                         "partitioning need at least 64).")),
    KeySpec("analyticsFirehoseBufferSeconds", "firehose_buffer_seconds", "integer", 300, minimum=60,
            maximum=900,
            description="Firehose buffer interval in seconds (60-900)."),
    KeySpec("analyticsLakeIaDays", "lake_ia_days", "integer", 30, minimum=30,
            description="Days before raw lake objects move to S3 Standard-IA (>= 30)."),
    KeySpec("analyticsLakeGlacierDays", "lake_glacier_days", "integer", 90, minimum=60,
            description=("Days before raw lake objects move to S3 Glacier Instant Retrieval (>= IA "
                         "days + 30).")),
    KeySpec("analyticsLakeExpirationDays", "lake_expiration_days", "integer", 0, minimum=0,
            description="Days after which raw lake objects expire (0 keeps them)."),
    KeySpec("analyticsAthenaResultsDays", "athena_results_days", "integer", 7, minimum=1,
            maximum=365,
            description="Days Athena query results are kept (1-365)."),
    KeySpec("analyticsAthenaBytesScannedCutoffMb", "athena_bytes_scanned_cutoff_mb", "integer",
            1024, minimum=10,
            description="Per-query data scanned limit of the Athena workgroup in MB (>= 10)."),
    KeySpec("analyticsTopN", "top_n", "integer", 10, minimum=1, maximum=50,
            description=("How many top search terms and most-viewed listings the window aggregator "
                         "reports (1-50).")),
    KeySpec("analyticsTimeseries", "timeseries", "string", "none", choices=TIMESERIES_STORES,
            description=("Time-series store of the window aggregates (none, liveanalytics for "
                         "accounts that still have Timestream for LiveAnalytics, influxdb).")),
    KeySpec("analyticsTimestreamMemoryHours", "timestream_memory_hours", "integer", 24, minimum=1,
            maximum=8766,
            description="Timestream for LiveAnalytics memory store retention in hours (1-8766)."),
    KeySpec("analyticsTimestreamMagneticDays", "timestream_magnetic_days", "integer", 365,
            minimum=1, maximum=73000,
            description="Timestream for LiveAnalytics magnetic store retention in days (1-73000)."),
    KeySpec("analyticsInfluxInstanceType", "influx_instance_type", "string", "db.influx.medium",
            choices=INFLUX_INSTANCE_TYPES,
            description=("Timestream for InfluxDB instance class (db.influx.medium ... "
                         "db.influx.16xlarge).")),
    KeySpec("analyticsInfluxStorageGb", "influx_storage_gb", "integer", 20, minimum=20,
            maximum=16384,
            description="Timestream for InfluxDB allocated storage in GiB (20-16384)."),
    KeySpec("analyticsInfluxDeploymentType", "influx_deployment_type", "string", "SINGLE_AZ",
            choices=INFLUX_DEPLOYMENT_TYPES,
            description=("Timestream for InfluxDB deployment (SINGLE_AZ, or WITH_MULTIAZ_STANDBY "
                         "for a standby in a second AZ).")),
    KeySpec("analyticsInfluxPassword", "influx_password", "secret",
            description=("Secret (set it with pulumi config set --secret): password of the InfluxDB"
                         " admin user (required when analyticsTimeseries is influxdb).")),
    KeySpec("analyticsQuicksightEnabled", "quicksight_enabled", "boolean", False,
            description=("Create the QuickSight data source, datasets and dashboard (needs a "
                         "QuickSight subscription).")),
    KeySpec("analyticsQuicksightPrincipal", "quicksight_principal", "optional",
            pattern=QUICKSIGHT_PRINCIPAL_RE, what="user/<name> or group/<name>",
            description=("QuickSight user/<name> or group/<name> (namespace default) granted the "
                         "data source, datasets and dashboard.")),
    KeySpec("analyticsQuicksightRefreshInterval", "quicksight_refresh_interval", "string", "DAILY",
            choices=QUICKSIGHT_REFRESH_INTERVALS,
            description=("Refresh interval of the QuickSight SPICE datasets (HOURLY, DAILY, "
                         "WEEKLY).")),
))
