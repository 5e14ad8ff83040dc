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

from ..plan import Plan, PlanResource
from .estimate import Line, component_of, stack_region
from .price_table import PriceTable, table

MILLION = 1_000_000
GB = 1024 * 1024  # KB in a GB
DURATION_MS = 100
BATCH = 100
EVENT_KB = 1.0
LOG_KB_PER_REQUEST = 1.0


@dataclass(frozen=True)
class PerUnit:
    """``quantity`` of ``item`` (in its price unit) per request or event.

    It counts only when the plan has a resource of ``type`` (and ``when`` holds), and it is
    charged to that resource's component and type.
    """

    item: str
    type: str
    quantity: Callable[[Plan], float]
    why: str
    when: Callable[[PlanResource], bool] = lambda _resource: True


def _on_demand(stream: PlanResource) -> bool:
    return (stream.props.get("streamModeDetails") or {}).get("streamMode") == "ON_DEMAND"


def _named(suffix: str, key: str = "name") -> Callable[[PlanResource], bool]:
    """Whether a resource's ``key`` input ends with ``suffix``: which of several of a type
    a request or an event uses (the API's function, not the first function in the plan)."""
    return lambda resource: str(resource.props.get(key) or "").endswith(suffix)


_API_FUNCTION = _named("-api")
_API_LOG_GROUP = _named("-api")  # /aws/lambda/<stack>-api; WAF's groups end otherwise
# The mapping's functionName is the alias ARN (``...:function:<name>:live``).
_PROCESSOR_MAPPING = _named("-stream-processor:live", "functionName")


def _api_gb_seconds(plan: Plan) -> float:
    functions = [f for f in plan.of_type(FUNCTION) if _API_FUNCTION(f)]
    memory_mb = float(functions[0].props.get("memorySize") or 128) if functions else 128.0
    return memory_mb / 1024 * DURATION_MS / 1000


def _constant(value: float) -> Callable[[Plan], float]:
    return lambda _plan: value


FUNCTION = "aws:lambda/function:Function"
PER_REQUEST: tuple[PerUnit, ...] = (
    PerUnit("cloudfront.https_requests", "aws:cloudfront/distribution:Distribution",
            _constant(1 / MILLION), "one CloudFront request"),
    PerUnit("apigateway.rest.requests", "aws:apigateway/restApi:RestApi",
            _constant(1 / MILLION), "one REST API request"),
    PerUnit("lambda.requests", FUNCTION, _constant(1 / MILLION), "one API invocation",
            when=_API_FUNCTION),
    PerUnit("lambda.duration.gb_second.arm64", FUNCTION, _api_gb_seconds,
            f"{DURATION_MS} ms at the API's memory", when=_API_FUNCTION),
    PerUnit("dynamodb.on_demand.read", "aws:dynamodb/table:Table", _constant(1 / MILLION),
            "one read request unit",
            when=lambda t: (str(t.props.get("name", "")).endswith("-listings")
                            and t.props.get("billingMode") == "PAY_PER_REQUEST")),
    PerUnit("cloudwatch.logs.ingest_gb", "aws:cloudwatch/logGroup:LogGroup",
            _constant(LOG_KB_PER_REQUEST / GB), f"{LOG_KB_PER_REQUEST:g} KB of the API's logs",
            when=_API_LOG_GROUP),
)

PER_EVENT: tuple[PerUnit, ...] = (
    PerUnit("eventbridge.custom_events", "aws:cloudwatch/eventBus:EventBus",
            _constant(1 / MILLION), "one custom event"),
    PerUnit("kinesis.on_demand.ingest_gb", "aws:kinesis/stream:Stream",
            _constant(EVENT_KB / GB), f"{EVENT_KB:g} KB into an on-demand stream",
            when=_on_demand),
    PerUnit("firehose.ingest_gb", "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
            _constant(5 / GB), "Firehose bills each record as at least 5 KB"),
    PerUnit("lambda.requests", "aws:lambda/eventSourceMapping:EventSourceMapping",
            _constant(1 / BATCH / MILLION), f"stream processing in batches of {BATCH}",
            when=_PROCESSOR_MAPPING),
)


def traffic(plan: Plan, requests: int, events: int,
            prices: PriceTable | None = None) -> tuple[Line, ...]:
    """The priced lines of ``requests`` API requests and ``events`` events in a month."""
    prices = prices or table()
    region = stack_region(plan)
    out = []
    for count, rows in ((requests, PER_REQUEST), (events, PER_EVENT)):
        for row in rows:
            resource = next((r for r in plan.of_type(row.type) if row.when(r)), None)
            if not count or resource is None:
                continue
            price = prices.get(row.item, resource.region or region)
            out.append(Line(component_of(resource, plan), row.type, resource.name, row.item,
                            resource.region or region, row.quantity(plan) * count, price.unit,
                            price.usd, f"{count:,} × {row.why}"))
    return tuple(out)
