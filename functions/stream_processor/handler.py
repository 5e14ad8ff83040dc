"""Stream processor: validate, enrich and count every domain event as business metrics (EMF).

Each Kinesis record carries one EventBridge event. Records that are not valid domain events
(bad base64, bad JSON, unknown type, schema violation) are reported as batch item failures
and logged with their sequence number; the rest of the batch is still counted. An event that
appears twice in a batch (same ``event_id``, e.g. an EventBridge retry) is counted once.

Metrics: each business metric once per invocation with the single dimension
``service=business`` (what alarms and dashboards name), and again broken down by one
low-cardinality dimension: the device class and the viewer's country group for the metrics
that come from a browser, and a declared-list field (currency, onboarding step, feature,
survey, sign-up channel) for the others (``functions.shared.metrics.BY_FIELD``). Money
metrics exist only per currency.
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
from functions.stream_processor.enrichment import (
    UNKNOWN,
    country_group,
    device_class,
    listing_category,
)

logger = Logger()
tracer = Tracer()
metrics = Metrics(service=names.BUSINESS_SERVICE)
# All-bad batches are reported item by item too, so the response always names the records.
processor = BatchProcessor(event_type=EventType.KinesisDataStreams,
                           raise_on_entire_batch_failure=False)

# A rule: the metric and what one event adds to it (0 when the event does not count).
Rule = tuple[str, Callable[[dict[str, Any]], int]]


def _one(_detail: dict[str, Any]) -> int:
    return 1


def _has_results(detail: dict[str, Any]) -> int:
    return int(int(detail.get("result_count") or 0) > 0)


def _field(name: str) -> Callable[[dict[str, Any]], int]:
    def value(detail: dict[str, Any]) -> int:
        return int(detail[name])
    return value


def _when(test: Callable[[dict[str, Any]], bool],
          then: Callable[[dict[str, Any]], int] = _one) -> Callable[[dict[str, Any]], int]:
    def value(detail: dict[str, Any]) -> int:
        return then(detail) if test(detail) else 0
    return value


def _is_trial(detail: dict[str, Any]) -> bool:
    return bool(detail.get("trial"))


def _survey(kind: str) -> Callable[[dict[str, Any]], bool]:
    return lambda detail: detail.get("survey") == kind


# NPS: promoters answer 9-10, detractors 0-6 (Reichheld's definition).
def _promoter(detail: dict[str, Any]) -> bool:
    return detail.get("survey") == "nps" and int(detail["score"]) >= 9


def _detractor(detail: dict[str, Any]) -> bool:
    return detail.get("survey") == "nps" and int(detail["score"]) <= 6


# Event type -> the business metrics it counts towards (and by how much).
METRICS_BY_TYPE: dict[str, tuple[Rule, ...]] = {
    "ListingCreated": ((names.LISTINGS_CREATED, _one),),
    "ListingViewed": ((names.LISTING_VIEWS, _one),),
    "UserRegistered": ((names.REGISTRATIONS, _one),),
    "SearchPerformed": ((names.SEARCHES, _one), (names.SEARCHES_WITH_RESULTS, _has_results)),
    "ContactRequested": ((names.CONTACTS, _one),),
    "PaymentCompleted": ((names.PAYMENTS, _one), (names.REVENUE_MINOR, _field("amount_minor"))),
    # A paid start adds MRR now; a trial adds it when it converts.
    "SubscriptionStarted": ((names.SUBSCRIPTIONS_STARTED, _one),
                            (names.TRIALS_STARTED, _when(_is_trial)),
                            (names.MRR_ADDED_MINOR, _when(lambda d: not _is_trial(d),
                                                          _field("mrr_minor")))),
    "TrialConverted": ((names.TRIALS_CONVERTED, _one),
                       (names.MRR_ADDED_MINOR, _field("mrr_minor"))),
    "SubscriptionCancelled": ((names.SUBSCRIPTIONS_CANCELLED, _one),
                              (names.MRR_CHURNED_MINOR, _field("mrr_minor"))),
    "OnboardingStepCompleted": ((names.ONBOARDING_STEPS, _one),),
    "FeatureUsed": ((names.FEATURE_USES, _one),),
    "SupportTicketOpened": ((names.TICKETS_OPENED, _one),),
    "SupportTicketResolved": ((names.TICKETS_RESOLVED, _one),
                              (names.RESOLUTION_SECONDS, _field("resolution_seconds"))),
    "SurveyAnswered": ((names.SURVEY_RESPONSES, _one),
                       (names.NPS_PROMOTERS, _when(_promoter)),
                       (names.NPS_DETRACTORS, _when(_detractor)),
                       (names.CSAT_SCORE_TOTAL, _when(_survey("csat"), _field("score")))),
}
# Metrics broken down by device class: those produced by a visitor's browser.
BY_DEVICE = frozenset(names.BY_DEVICE)
BY_COUNTRY = frozenset(names.BY_COUNTRY)
TOTALS = frozenset(names.BUSINESS_METRICS)
UNITS = {names.RESOLUTION_SECONDS: MetricUnit.Seconds}
# (metric, dimension name, dimension value) -> amount: the per-dimension series.
Breakdown = Counter[tuple[str, str, str]]


class Tally:
    """What one invocation counted: totals, per-dimension amounts, duplicates, categories."""

    def __init__(self) -> None:
        self.totals: Counter[str] = Counter()
        self.breakdown: Breakdown = Counter()
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
        for metric, value_of in METRICS_BY_TYPE.get(event.event_type, ()):
            amount = value_of(detail)
            if not amount:
                continue
            if metric in TOTALS:
                self.totals[metric] += amount
            self.by_category[(metric, category)] += 1
            if metric in BY_DEVICE:
                self.breakdown[(metric, "device_class",
                                device_class(detail.get("user_agent")))] += amount
            if metric in BY_COUNTRY:
                self.breakdown[(metric, "country", country_group(detail.get("country")))] += amount
            field = names.BY_FIELD.get(metric)
            if field is not None:
                self.breakdown[(metric, field, str(detail.get(field) or UNKNOWN))] += amount
        return True

    def emit(self) -> None:
        """Totals into the invocation's EMF blob; each breakdown as its own EMF line."""
        for metric in names.BUSINESS_METRICS:
            if self.totals[metric]:
                metrics.add_metric(name=metric, unit=UNITS.get(metric, MetricUnit.Count),
                                   value=self.totals[metric])
        for (metric, dimension, value), amount in sorted(self.breakdown.items()):
            with single_metric(name=metric, unit=UNITS.get(metric, MetricUnit.Count),
                               value=amount, namespace=metrics.namespace,
                               default_dimensions={"service": names.BUSINESS_SERVICE}) as m:
                m.add_dimension(name=dimension, value=value)


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
