"""The analytics pipeline's pure parts: rule patterns, consumer permissions, Parquet conversion."""

from __future__ import annotations

from components.analytics.delivery_stream import format_conversion
from components.analytics.event_stream import ROUTES, route_pattern
from components.analytics.stream_consumers import (
    READ_CONSUMER,
    READ_STREAM,
    Consumer,
    consumer_statements,
)

STREAM = "arn:aws:kinesis:eu-west-1:123456789012:stream/events"
FAN_OUT = f"{STREAM}/consumer/processor:1"
QUEUE = "arn:aws:sqs:eu-west-1:123456789012:on-failure"
PROCESSOR = Consumer("stream-processor", "streamProcessor", "stream_processor", "h", "d", 100, 1,
                     uses_fan_out=True)
AGGREGATOR = Consumer("window-aggregator", "windowAggregator", "window_aggregator", "h", "d",
                      500, 0, tumbling_window_seconds=60)


def test_listing_rule_matches_the_listing_events_of_the_domain_source() -> None:
    listing = next(r for r in ROUTES if r.name == "listing")
    assert route_pattern(listing) == {
        "source": ["marketplace.listings"],
        "detail-type": ["ListingCreated", "ListingUpdated", "ListingDeleted", "ListingViewed",
                        "ContactRequested"],
    }


def test_processor_reads_the_stream_and_through_its_fan_out_consumer() -> None:
    statements = consumer_statements(PROCESSOR, stream_arn=STREAM, fan_out_arn=FAN_OUT,
                                     failure_queue_arn=QUEUE, metrics_namespace="marketplace/qa")
    assert statements == [
        {"Sid": "ReadEventsStream", "Effect": "Allow", "Action": READ_STREAM, "Resource": STREAM},
        {"Sid": "KeepFailedBatches", "Effect": "Allow", "Action": ["sqs:SendMessage"],
         "Resource": QUEUE},
        {"Sid": "ReadThroughFanOut", "Effect": "Allow", "Action": READ_CONSUMER,
         "Resource": FAN_OUT},
    ]
    assert READ_CONSUMER == ["kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"]


def test_aggregator_puts_window_metrics_in_the_stack_namespace_only() -> None:
    statements = consumer_statements(AGGREGATOR, stream_arn=STREAM, fan_out_arn=None,
                                     failure_queue_arn=QUEUE, metrics_namespace="marketplace/qa")
    assert [s["Sid"] for s in statements] == ["ReadEventsStream", "KeepFailedBatches",
                                              "PutWindowMetrics"]
    assert statements[2] == {
        "Sid": "PutWindowMetrics", "Effect": "Allow", "Action": ["cloudwatch:PutMetricData"],
        "Resource": "*",
        "Condition": {"StringEquals": {"cloudwatch:namespace": "marketplace/qa"}}}


def test_firehose_converts_json_to_snappy_parquet_with_the_glue_schema() -> None:
    conversion = format_conversion("marketplace_qa_analytics", "events", "arn:role", "eu-west-1")
    assert conversion["enabled"] is True
    assert conversion["input_format_configuration"] == {"deserializer": {"open_x_json_ser_de": {
        "column_to_json_key_mappings": {"detail_type": "detail-type", "event_time": "time"},
        "case_insensitive": True}}}
    assert conversion["output_format_configuration"] == {
        "serializer": {"parquet_ser_de": {"compression": "SNAPPY"}}}
    assert conversion["schema_configuration"] == {
        "database_name": "marketplace_qa_analytics", "table_name": "events",
        "role_arn": "arn:role", "region": "eu-west-1", "version_id": "LATEST"}
