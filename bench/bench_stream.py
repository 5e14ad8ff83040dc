"""Throughput of the stream consumers against decoding alone, on a 10,000-record batch.

Baseline: base64-decode and ``json.loads`` every record of the same batch (the least any
consumer must do). The processor and the aggregator run their real handlers (validation,
enrichment, deduplication, metrics/state) with Powertools' batch processor; the target is at
least a quarter of the baseline's records per second.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import time
from collections.abc import Callable
from typing import Any

from bench import LambdaContext, Measurement

RECORDS = 10_000
REPEATS = 3
TARGET = 0.25
AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
)
ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench", "POWERTOOLS_METRICS_NAMESPACE": "marketplace/bench",
    "POWERTOOLS_SERVICE_NAME": "bench", "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING", "TIMESERIES": "none",
}


def _fields(i: int) -> tuple[str, dict[str, Any]]:
    kind = i % 5
    if kind == 0:
        return "ListingViewed", {"listing_id": f"l-{i % 500}", "user_agent": AGENTS[i % 2]}
    if kind == 1:
        return "SearchPerformed", {"query": f"term {i % 200}", "result_count": i % 7,
                                   "user_agent": AGENTS[i % 2]}
    if kind == 2:
        return "ListingCreated", {"listing_id": f"l-{i}", "seller_id": f"u-{i % 300}",
                                  "category": f"c-{i % 12}", "price": 10.5, "currency": "EUR"}
    if kind == 3:
        return "ContactRequested", {"listing_id": f"l-{i % 500}", "user_id": f"u-{i % 300}"}
    return "UserRegistered", {"user_id": f"u-{i}"}


def batch() -> dict[str, Any]:
    """A Kinesis event of :data:`RECORDS` EventBridge domain events (5 types, 1% duplicates)."""
    from functions.shared.events import SOURCE, envelope

    records = []
    for i in range(RECORDS):
        event_type, fields = _fields(i)
        second = i % 60
        detail = envelope(event_type, fields, event_id=f"e-{i - 1 if i % 100 == 99 else i}")
        event = {"version": "0", "id": f"eb-{i}", "detail-type": event_type, "source": SOURCE,
                 "account": "123456789012", "time": f"2026-11-28T06:40:{second:02d}Z",
                 "region": "us-east-1", "resources": [], "detail": detail}
        data = base64.b64encode(json.dumps(event).encode()).decode()
        sequence = f"49590338271490256608559692538361571095921575989{i:010d}"
        records.append({
            "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": str(i % 4),
                        "sequenceNumber": sequence, "data": data,
                        "approximateArrivalTimestamp": 1764312000.0},
            "eventSource": "aws:kinesis", "eventVersion": "1.0",
            "eventID": f"shardId-000000000000:{sequence}", "eventName": "aws:kinesis:record",
            "invokeIdentityArn": "arn:aws:iam::123456789012:role/bench",
            "awsRegion": "us-east-1",
            "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/bench",
        })
    return {"Records": records}


def _best_rate(run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        with contextlib.redirect_stdout(io.StringIO()):
            start = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - start)
    return RECORDS / best


def measure() -> list[Measurement]:
    """Records per second of both handlers and of decoding alone, in the same run."""
    for key, value in ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    from functions.stream_processor import handler as processor
    from functions.window_aggregator import handler as aggregator

    event = batch()
    datas = [r["kinesis"]["data"] for r in event["Records"]]

    def decode_only() -> None:
        for data in datas:
            json.loads(base64.b64decode(data))

    def process() -> None:
        response = processor.handler(event, LambdaContext(remaining_ms=900_000))
        assert not response["batchItemFailures"]

    def aggregate() -> None:
        window = {**event, "window": {"start": "2026-11-28T06:40:00Z",
                                      "end": "2026-11-28T06:41:00Z"},
                  "state": {}, "shardId": "shardId-000000000000",
                  "isFinalInvokeForWindow": False, "isWindowTerminatedEarly": False}
        response = aggregator.handler(window, LambdaContext(remaining_ms=900_000))
        assert not response["batchItemFailures"]

    baseline = _best_rate(decode_only)
    note = f"{RECORDS} records, best of {REPEATS}; baseline = base64 + json.loads only"
    return [
        Measurement("stream-processor-throughput", _best_rate(process), "records/s", baseline,
                    target=TARGET, better="higher", note=note),
        Measurement("window-aggregator-throughput", _best_rate(aggregate), "records/s",
                    baseline, target=TARGET, better="higher", note=note),
    ]
