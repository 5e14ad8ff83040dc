"""The stream's Lambda consumers: the per-record processor and the tumbling-window aggregator."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.blocks.dead_letter_queue import DeadLetterQueue, DeadLetterQueueArgs
from components.blocks.lambda_function import LambdaFunction, LambdaFunctionArgs, VpcPlacement
from components.blocks.monitored_items import MonitoredItem
from components.config import AnalyticsConfig
from components.platform.context import StackContext

READ_STREAM = ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary",
               "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"]
READ_CONSUMER = ["kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"]


@dataclass(frozen=True)
class Consumer:
    """One consumer: its package, handler and how its event source mapping batches."""

    key: str
    concurrency_key: str
    package: str
    handler: str
    description: str
    batch_size: int
    batching_window_seconds: int
    tumbling_window_seconds: int | None = None
    uses_fan_out: bool = False


def consumers(config: AnalyticsConfig) -> tuple[Consumer, ...]:
    """The two consumers as data: the processor (fan-out when enabled) and the aggregator."""
    return (
        Consumer("stream-processor", "streamProcessor", "stream_processor",
                 "functions.stream_processor.handler.handler",
                 "Validates, enriches and counts domain events as business metrics",
                 config.processor_batch_size, config.processor_batching_window_seconds,
                 uses_fan_out=config.enhanced_fan_out),
        Consumer("window-aggregator", "windowAggregator", "window_aggregator",
                 "functions.window_aggregator.handler.handler",
                 "Tumbling-window aggregates: counts per type, top searches, hot listings",
                 config.aggregator_batch_size, 0,
                 tumbling_window_seconds=config.tumbling_window_seconds),
    )


@dataclass(frozen=True)
class StreamConsumersArgs:
    """Inputs of :class:`StreamConsumers`: the stack context, the stream (and its fan-out
    consumer), the config, and what the time-series store gives the aggregator."""

    context: StackContext
    stream_arn: pulumi.Input[str]
    fan_out_consumer_arn: pulumi.Input[str] | None
    config: AnalyticsConfig
    aggregator_environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    aggregator_statements: Sequence[Mapping[str, Any]] = ()
    aggregator_vpc: VpcPlacement | None = None


def consumer_statements(consumer: Consumer, *, stream_arn: pulumi.Input[str],
                        fan_out_arn: pulumi.Input[str] | None,
                        failure_queue_arn: pulumi.Input[str],
                        metrics_namespace: str) -> list[Mapping[str, Any]]:
    """What one consumer may do: read the stream (through the fan-out consumer when it uses
    one), keep failed batches in its queue; the aggregator also puts its window metrics."""
    statements: list[Mapping[str, Any]] = [
        {"Sid": "ReadEventsStream", "Effect": "Allow", "Action": READ_STREAM,
         "Resource": stream_arn},
        {"Sid": "KeepFailedBatches", "Effect": "Allow", "Action": ["sqs:SendMessage"],
         "Resource": failure_queue_arn},
    ]
    if fan_out_arn is not None:
        statements.append({"Sid": "ReadThroughFanOut", "Effect": "Allow",
                           "Action": READ_CONSUMER, "Resource": fan_out_arn})
    if consumer.tumbling_window_seconds is not None:
        statements.append({
            # PutMetricData has no resource-level permissions; scope by namespace.
            "Sid": "PutWindowMetrics", "Effect": "Allow",
            "Action": ["cloudwatch:PutMetricData"], "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": metrics_namespace}},
        })
    return statements


class StreamConsumers(pulumi.ComponentResource):
    """Two functions reading the stream, each with a fault-tolerant event source mapping.

    Each mapping reports batch item failures (one bad record never blocks the shard), bisects
    a failing batch, retries a finite number of times up to a maximum record age, then hands
    the batch's coordinates to its own encrypted on-failure queue.
    """

    functions: dict[str, LambdaFunction]
    mappings: dict[str, aws.lambda_.EventSourceMapping]
    failure_destinations: dict[str, DeadLetterQueue]
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: StreamConsumersArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:analytics:StreamConsumers", name, None, opts)
        self.functions, self.mappings, self.failure_destinations = {}, {}, {}
        items: list[MonitoredItem] = []
        for consumer in consumers(args.config):
            function, on_failure = self._consumer(name, args, consumer)
            items += [*function.monitored_items, *on_failure.monitored_items]
        self.monitored_items = tuple(items)
        self.register_outputs({
            key: fn.function_name for key, fn in self.functions.items()
        })

    def _consumer(self, name: str, args: StreamConsumersArgs,
                  consumer: Consumer) -> tuple[LambdaFunction, DeadLetterQueue]:
        """One consumer's on-failure queue, function and event source mapping."""
        ctx, c = args.context, args.config
        child = pulumi.ResourceOptions(parent=self)
        fan_out = (args.fan_out_consumer_arn if consumer.uses_fan_out else None)
        on_failure = DeadLetterQueue(
            f"{name}-{consumer.key}-on-failure",
            DeadLetterQueueArgs(context=ctx),
            opts=child,
        )
        statements = consumer_statements(consumer, stream_arn=args.stream_arn,
                                         fan_out_arn=fan_out, failure_queue_arn=on_failure.arn,
                                         metrics_namespace=ctx.metrics_namespace)
        environment: dict[str, pulumi.Input[str]] = {"TOP_N": str(c.top_n)}
        vpc = None
        if consumer.tumbling_window_seconds is not None:
            statements.extend(args.aggregator_statements)
            environment.update(args.aggregator_environment)
            vpc = args.aggregator_vpc
        function = LambdaFunction(
            f"{ctx.prefix}-{consumer.key}",
            LambdaFunctionArgs(
                package=consumer.package,
                handler=consumer.handler,
                description=consumer.description,
                context=ctx,
                statements=statements,
                environment=environment,
                vpc=vpc,
                consumes_stream=True,
                concurrency_key=consumer.concurrency_key,
            ),
            opts=child,
        )
        mapping = aws.lambda_.EventSourceMapping(
            f"{name}-{consumer.key}-mapping",
            event_source_arn=fan_out if fan_out is not None else args.stream_arn,
            function_name=function.alias_arn,
            starting_position="TRIM_HORIZON",
            batch_size=consumer.batch_size,
            maximum_batching_window_in_seconds=consumer.batching_window_seconds,
            tumbling_window_in_seconds=consumer.tumbling_window_seconds,
            function_response_types=["ReportBatchItemFailures"],
            bisect_batch_on_function_error=True,
            maximum_retry_attempts=c.consumer_max_retries,
            maximum_record_age_in_seconds=c.consumer_max_record_age_seconds,
            destination_config=aws.lambda_.EventSourceMappingDestinationConfigArgs(
                on_failure=aws.lambda_.EventSourceMappingDestinationConfigOnFailureArgs(
                    destination_arn=on_failure.arn),
            ),
            metrics_config=aws.lambda_.EventSourceMappingMetricsConfigArgs(
                metrics=["EventCount"]),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[function]),
        )
        self.functions[consumer.key] = function
        self.mappings[consumer.key] = mapping
        self.failure_destinations[consumer.key] = on_failure
        return function, on_failure
