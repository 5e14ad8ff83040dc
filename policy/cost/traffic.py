"""The cost of a month of traffic on top of the fixed cost: requests and events per month.

:data:`PER_REQUEST` and :data:`PER_EVENT` say what one API request and one domain event use,
in each item's price unit. They are assumptions, stated with the figures: an average request
is a CloudFront request, an API Gateway request, one Lambda invocation of ``DURATION_MS`` at
the API function's memory, one DynamoDB read and a kilobyte of logs; an event is one
EventBridge event of a kilobyte, carried through Kinesis and Firehose, and processed in
batches of ``BATCH``. Only items whose resources the plan has are counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from policy.cost.estimate import stack_region
from policy.cost.price_table import PriceTable, table
from policy.plan import Plan

MILLION = 1_000_000
GB = 1024 * 1024  # KB in a GB
DURATION_MS = 100
BATCH = 100
EVENT_KB = 1.0
LOG_KB_PER_REQUEST = 1.0


@dataclass(frozen=True)
class PerUnit:
    """``quantity`` of ``item`` (in its price unit) per request or event, when ``applies``."""

    item: str
    quantity: Callable[[Plan], float]
    applies: Callable[[Plan], bool]
    why: str


def _has(type_: str) -> Callable[[Plan], bool]:
    return lambda plan: bool(plan.of_type(type_))


def _stream_mode(mode: str) -> Callable[[Plan], bool]:
    return lambda plan: any(
        (s.props.get("streamModeDetails") or {}).get("streamMode") == mode
        for s in plan.of_type("aws:kinesis/stream:Stream"))


def _api_gb_seconds(plan: Plan) -> float:
    functions = [f for f in plan.of_type("aws:lambda/function:Function")
                 if str(f.props.get("name", "")).endswith("-api")]
    memory_mb = float(functions[0].props.get("memorySize") or 128) if functions else 128.0
    return memory_mb / 1024 * DURATION_MS / 1000


def _constant(value: float) -> Callable[[Plan], float]:
    return lambda _plan: value


PER_REQUEST: tuple[PerUnit, ...] = (
    PerUnit("cloudfront.https_requests", _constant(1 / MILLION),
            _has("aws:cloudfront/distribution:Distribution"), "one CloudFront request"),
    PerUnit("apigateway.rest.requests", _constant(1 / MILLION),
            _has("aws:apigateway/restApi:RestApi"), "one REST API request"),
    PerUnit("lambda.requests", _constant(1 / MILLION),
            _has("aws:lambda/function:Function"), "one API invocation"),
    PerUnit("lambda.duration.gb_second.arm64", _api_gb_seconds,
            _has("aws:lambda/function:Function"), f"{DURATION_MS} ms at the API's memory"),
    PerUnit("dynamodb.on_demand.read", _constant(1 / MILLION),
            _has("aws:dynamodb/table:Table"), "one read request unit"),
    PerUnit("cloudwatch.logs.ingest_gb", _constant(LOG_KB_PER_REQUEST / GB),
            _has("aws:cloudwatch/logGroup:LogGroup"), f"{LOG_KB_PER_REQUEST:g} KB of logs"),
)

PER_EVENT: tuple[PerUnit, ...] = (
    PerUnit("eventbridge.custom_events", _constant(1 / MILLION),
            _has("aws:cloudwatch/eventBus:EventBus"), "one custom event"),
    PerUnit("kinesis.on_demand.ingest_gb", _constant(EVENT_KB / GB), _stream_mode("ON_DEMAND"),
            f"{EVENT_KB:g} KB into an on-demand stream"),
    PerUnit("firehose.ingest_gb", _constant(5 / GB),
            _has("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"),
            "Firehose bills each record as at least 5 KB"),
    PerUnit("lambda.requests", _constant(1 / BATCH / MILLION),
            _has("aws:lambda/eventSourceMapping:EventSourceMapping"),
            f"stream processing in batches of {BATCH}"),
)


@dataclass(frozen=True)
class TrafficLine:
    """One priced item of the traffic assumption."""

    source: str  # "request" or "event"
    item: str
    quantity: float
    unit: str
    unit_usd: float
    why: str

    @property
    def monthly_usd(self) -> float:
        """``quantity × unit price``."""
        return self.quantity * self.unit_usd


def traffic(plan: Plan, requests: int, events: int,
            prices: PriceTable | None = None) -> tuple[TrafficLine, ...]:
    """The priced lines of ``requests`` API requests and ``events`` events in a month."""
    prices = prices or table()
    region = stack_region(plan)
    out = []
    for source, count, rows in (("request", requests, PER_REQUEST), ("event", events, PER_EVENT)):
        for row in rows:
            if count and row.applies(plan):
                price = prices.get(row.item, region)
                out.append(TrafficLine(source, row.item, row.quantity(plan) * count, price.unit,
                                       price.usd, row.why))
    return tuple(out)
