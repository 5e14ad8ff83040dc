"""Stream processor: validate, enrich and count every domain event as business metrics (EMF).

Each Kinesis record carries one EventBridge event. Records that are not valid domain events
(bad base64, bad JSON, unknown type, schema violation) are reported as batch item failures
and logged with their sequence number; the rest of the batch is still counted. An event that
appears twice in a batch (same ``event_id``, e.g. an EventBridge retry) is counted once.

Metrics: each business metric once per invocation with the single dimension
``service=business`` (what alarms and dashboards name), and again per device class
(``service, device_class``) for the metrics that come from a browser.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import (
    KinesisStreamRecord,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.shared import metrics as names
from functions.shared.stream_records import BadRecordError, DomainEvent, decode
from functions.stream_processor.enrichment import UNKNOWN, device_class, listing_category

logger = Logger()
tracer = Tracer()
metrics = Metrics(service=names.BUSINESS_SERVICE)
# All-bad batches are reported item by item too, so the response always names the records.
processor = BatchProcessor(event_type=EventType.KinesisDataStreams,
                           raise_on_entire_batch_failure=False)

Rule = tuple[str, Callable[[dict[str, Any]], bool]]


def _always(_detail: dict[str, Any]) -> bool:
    return True


def _has_results(detail: dict[str, Any]) -> bool:
    return int(detail.get("result_count") or 0) > 0


# Event type -> the business metrics it counts towards (and when).
METRICS_BY_TYPE: dict[str, tuple[Rule, ...]] = {
    "ListingCreated": ((names.LISTINGS_CREATED, _always),),
    "ListingViewed": ((names.LISTING_VIEWS, _always),),
    "UserRegistered": ((names.REGISTRATIONS, _always),),
    "SearchPerformed": ((names.SEARCHES, _always), (names.SEARCHES_WITH_RESULTS, _has_results)),
    "ContactRequested": ((names.CONTACTS, _always),),
}
# Metrics broken down by device class: those produced by a visitor's browser.
BY_DEVICE = frozenset(names.BY_DEVICE)


class Tally:
    """What one invocation counted: metric totals, per-device counts, duplicates, categories."""

    def __init__(self) -> None:
        self.totals: Counter[str] = Counter()
        self.by_device: Counter[tuple[str, str]] = Counter()
        self.by_category: Counter[tuple[str, str]] = Counter()
        self.seen: set[str] = set()
        self.duplicates = 0
        self.categories: dict[str, str] = {}

    def add(self, event: DomainEvent) -> bool:
        """Count ``event`` unless its id was already counted; False for a duplicate."""
        if event.event_id in self.seen:
            self.duplicates += 1
            return False
        self.seen.add(event.event_id)
        detail = event.detail
        category = listing_category(detail, self.categories)
        listing = detail.get("listing_id")
        if isinstance(listing, str) and category != UNKNOWN:
            self.categories[listing] = category
        for metric, applies in METRICS_BY_TYPE.get(event.event_type, ()):
            if applies(detail):
                self.totals[metric] += 1
                self.by_category[(metric, category)] += 1
                if metric in BY_DEVICE:
                    self.by_device[(metric, device_class(detail.get("user_agent")))] += 1
        return True

    def emit(self) -> None:
        """Totals into the invocation's EMF blob; per-device counts as their own EMF lines."""
        for metric in names.BUSINESS_METRICS:
            if self.totals[metric]:
                metrics.add_metric(name=metric, unit=MetricUnit.Count, value=self.totals[metric])
        for (metric, device), count in sorted(self.by_device.items()):
            with single_metric(name=metric, unit=MetricUnit.Count, value=count,
                               namespace=metrics.namespace,
                               default_dimensions={"service": names.BUSINESS_SERVICE}) as m:
                m.add_dimension(name="device_class", value=device)


def record_handler_for(tally: Tally) -> Callable[[KinesisStreamRecord], dict[str, Any]]:
    """The per-record function of one invocation: decode, dedupe, count."""

    def handle(record: KinesisStreamRecord) -> dict[str, Any]:
        sequence = record.kinesis.sequence_number
        try:
            event = decode(record.kinesis.data)
        except BadRecordError as exc:
            logger.warning("bad stream record", extra={
                "sequence_number": sequence, "partition_key": record.kinesis.partition_key,
                "reason": str(exc)})
            raise
        counted = tally.add(event)
        if not counted:
            logger.debug("duplicate event in batch", extra={
                "sequence_number": sequence, "event_id": event.event_id})
        return {"event_type": event.event_type, "counted": counted}

    return handle


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Kinesis batch -> business metrics; returns the partial batch response."""
    tally = Tally()
    response = process_partial_response(event=event, record_handler=record_handler_for(tally),
                                        processor=processor, context=context)
    tally.emit()
    logger.info("batch processed", extra={
        "records": len(event.get("Records", [])),
        "failed": len(response.get("batchItemFailures", [])),
        "duplicates": tally.duplicates,
        "counted": dict(tally.totals),
        "by_category": {f"{m}/{c}": n for (m, c), n in sorted(tally.by_category.items())},
    })
    return response
