"""Window aggregator: tumbling-window analytics over the events stream.

Replaces the retired Kinesis Data Analytics SQL application. The event source mapping gives
each shard tumbling windows (``tumbling_window_in_seconds``); Lambda hands back the ``state``
this handler returned, so counts build up over the window's invocations: events per minute
and type, search terms (top N) and listing views (hot listings). On the window's final
invocation (``isFinalInvokeForWindow``) the aggregates go to CloudWatch (PutMetricData) and,
when enabled, to the time-series store; the state then resets.

Active users: the window's per-day HyperLogLog sketches are merged into the durable per-day
store (``ACTIVE_USERS_TABLE``) before the state resets, and the daily, weekly and monthly
estimates of each day the window touched go out as ``ActiveUsers`` by ``period``.

Bad records are reported as batch item failures (with their sequence numbers) and are not
counted; an event seen twice in a batch is counted once.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import urllib3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import (
    KinesisStreamRecord,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.shared import clients
from functions.shared.metrics import BUSINESS_SERVICE
from functions.shared.retry import Backoff, Deadline
from functions.shared.stream_records import BadRecordError, decode
from functions.window_aggregator import active_users, sinks
from functions.window_aggregator.sketch_store import SketchStore
from functions.window_aggregator.window_state import WindowState

logger = Logger()
tracer = Tracer()
processor = BatchProcessor(event_type=EventType.KinesisDataStreams,
                           raise_on_entire_batch_failure=False)

NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "marketplace")
TIMESERIES = os.environ.get("TIMESERIES", "none")
TOP_N = int(os.environ.get("TOP_N", "10"))
BACKOFF = Backoff(attempts=5, base_seconds=0.1, cap_seconds=2.0)
cloudwatch = clients.client("cloudwatch")
ACTIVE_USERS_TABLE = os.environ.get("ACTIVE_USERS_TABLE")
sketches = (SketchStore(clients.client("dynamodb"), ACTIVE_USERS_TABLE, BACKOFF)
            if ACTIVE_USERS_TABLE else None)
# The retry loops here own retries (with the Lambda deadline); botocore's would nest.
timestream = (clients.client("timestream-write", retries={"total_max_attempts": 1})
              if TIMESERIES == "liveanalytics" else None)
influx = (
    sinks.InfluxWriter(
        url=os.environ["INFLUX_URL"],
        secret_arn=os.environ["INFLUX_AUTH_SECRET_ARN"],
        secrets=clients.client("secretsmanager"),
        http=urllib3.PoolManager(),
        timeout=urllib3.Timeout(connect=2.0, read=5.0),
    )
    if TIMESERIES == "influxdb"
    else None
)


def _fold(state: WindowState, records: list[dict[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()

    def handle(record: KinesisStreamRecord) -> None:
        try:
            event = decode(record.kinesis.data)
        except BadRecordError as exc:
            logger.warning("bad stream record", extra={
                "sequence_number": record.kinesis.sequence_number, "reason": str(exc)})
            raise
        if event.event_id in seen:
            return
        seen.add(event.event_id)
        state.add(event)

    with processor(records=records, handler=handle):
        processor.process()
    state.bound()
    return processor.response()


def active_user_counts(state: WindowState, deadline: Deadline) -> dict[str, dict[str, int]]:
    """Merge the window's per-day sketches into the store; each touched day's DAU/WAU/MAU."""
    if sketches is None:
        return {}
    stored = {day: sketches.merge(day, sketch, deadline)
              for day, sketch in sorted(state.users.items()) if not sketch.is_empty()}
    if not stored:
        return {}
    wanted = {d for day in stored for d in active_users.days_ending(day, 30)} - set(stored)
    known = {**sketches.load(sorted(wanted), deadline), **stored}
    return {day: active_users.active_users(known, day) for day in stored}


@tracer.capture_method
def publish(state: WindowState, window: sinks.Window, context: LambdaContext) -> None:
    """Send a closed window's aggregates to CloudWatch and the time-series store."""
    deadline = Deadline.from_context(context)
    data = sinks.metric_data(state, window)
    counts = active_user_counts(state, deadline)
    data += active_users.metric_data(
        counts, datetime.fromtimestamp(sinks.epoch_ms(window.end) / 1000, UTC),
        [{"Name": "service", "Value": BUSINESS_SERVICE}])
    requests = sinks.put_metrics(cloudwatch, NAMESPACE, data)
    summary: dict[str, Any] = {"cloudwatch_requests": requests, "active_users": counts}
    if timestream is not None:
        rejected = sinks.write_timestream(
            timestream, os.environ["TIMESTREAM_DATABASE"], os.environ["TIMESTREAM_TABLE"],
            sinks.timestream_records(state, window), version=sinks.epoch_ms(window.end),
            backoff=BACKOFF, deadline=deadline)
        summary["timestream_rejected"] = len(rejected)
    if influx is not None:
        summary["influx_requests"] = influx.write(sinks.line_protocol(state, window),
                                                  backoff=BACKOFF, deadline=deadline)
    logger.info("window closed", extra={
        "window": {"start": window.start, "end": window.end}, "shard_id": window.shard_id,
        "events": state.events, "top_terms": state.top_terms(window.top_n),
        "hot_listings": state.top_listings(window.top_n), **summary})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Fold the batch into the window state; at the window's end, publish and reset."""
    state = WindowState.from_dict(event.get("state"))
    response = _fold(state, event.get("Records") or [])
    if event.get("isWindowTerminatedEarly"):
        # Lambda closes a window early when its state passes 1 MB; bound() should prevent it.
        logger.warning("window terminated early", extra={"window": event.get("window"),
                                                         "shard_id": event.get("shardId")})
    if event.get("isFinalInvokeForWindow"):
        window = sinks.Window(start=event["window"]["start"], end=event["window"]["end"],
                              shard_id=event.get("shardId", "unknown"), top_n=TOP_N)
        publish(state, window, context)
        return {**response, "state": {}}
    return {**response, "state": state.to_dict()}
