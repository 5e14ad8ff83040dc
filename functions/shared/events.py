"""The marketplace's domain events: one schema that producers and analytics consumers share.

Every event goes to the stack's EventBridge bus with ``Source`` = :data:`SOURCE`,
``DetailType`` = the event type, and ``Detail`` = the JSON of :func:`envelope`: the fields of
the event type plus ``event_id``, ``occurred_at`` and ``schema_version``. The analytics
pipeline receives the whole EventBridge event through Kinesis and validates ``detail`` with
:func:`validate`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

SOURCE = "marketplace.listings"
SCHEMA_VERSION = 1
CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "JPY", "CHF", "SEK", "NOK", "DKK", "PLN", "INR")
# Declared value lists: fields used as metric dimensions or funnel steps stay low-cardinality.
SIGNUP_CHANNELS = ("direct", "federated", "organic_search", "paid_search", "social", "referral",
                   "email", "partner")
PLANS = ("basic", "pro", "business")
ONBOARDING_STEPS = ("profile_completed", "email_verified", "first_search", "first_listing",
                    "payment_method_added")
FEATURES = ("saved_search", "favourites", "messaging", "price_alerts", "listing_boost",
            "bulk_upload", "analytics_export")
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
CANCEL_REASONS = ("price", "missing_feature", "switched", "not_needed", "payment_failed",
                  "other")
# How a deployment of a stack by the deploy workflow ended (tools/delivery.py).
DEPLOY_OUTCOMES = ("succeeded", "failed")
# The alert router's severities (functions/alert_router/alert.py) and who ended an episode.
ALERT_SEVERITIES = ("critical", "warning", "info", "maintenance")
RESOLVED_VIA = ("alarm", "slack")
# Survey kind -> the (lowest, highest) score its scale allows.
SURVEY_SCALES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5)}


@dataclass(frozen=True)
class Field:
    """One field of an event: its JSON type(s), whether it must be present, allowed values."""

    types: tuple[type, ...]
    required: bool = True
    choices: tuple[str, ...] | None = None
    minimum: int | None = None


def _f(*types: type, required: bool = True) -> Field:
    return Field(types, required)


def _one_of(choices: tuple[str, ...], *, required: bool = True) -> Field:
    return Field((str,), required, choices)


def _count(*, required: bool = True) -> Field:
    """A non-negative integer: an amount in minor units, a duration in seconds."""
    return Field((int,), required, minimum=0)


NUMBER = (int, float)

# Event type -> field -> schema. Kept small and flat so Glue/Athena can read it as columns.
SCHEMAS: dict[str, dict[str, Field]] = {
    "ListingCreated": {
        "listing_id": _f(str), "seller_id": _f(str), "category": _f(str),
        "price": _f(*NUMBER), "currency": _f(str), "featured": _f(bool, required=False),
        "title": _f(str, required=False),
    },
    "ListingUpdated": {
        "listing_id": _f(str), "seller_id": _f(str), "category": _f(str),
        "version": _f(int), "price": _f(*NUMBER, required=False),
    },
    "ListingDeleted": {
        "listing_id": _f(str), "seller_id": _f(str), "category": _f(str, required=False),
    },
    "ListingViewed": {
        "listing_id": _f(str), "category": _f(str, required=False),
        "user_id": _f(str, required=False), "user_agent": _f(str, required=False),
        "country": _f(str, required=False),
    },
    "SearchPerformed": {
        "query": _f(str), "category": _f(str, required=False), "result_count": _f(int),
        "user_id": _f(str, required=False), "user_agent": _f(str, required=False),
        "country": _f(str, required=False),
    },
    "ContactRequested": {
        "listing_id": _f(str), "seller_id": _f(str, required=False),
        "user_id": _f(str, required=False), "category": _f(str, required=False),
    },
    "UserRegistered": {
        "user_id": _f(str), "signup_channel": _one_of(SIGNUP_CHANNELS, required=False),
        "country": _f(str, required=False), "user_agent": _f(str, required=False),
    },
    # Money is an integer amount of the currency's minor unit (cents; yen for JPY).
    "PaymentCompleted": {
        "payment_id": _f(str), "user_id": _f(str), "amount_minor": _count(),
        "currency": _one_of(CURRENCIES), "subscription_id": _f(str, required=False),
    },
    "SubscriptionStarted": {
        "subscription_id": _f(str), "user_id": _f(str), "plan": _one_of(PLANS),
        "mrr_minor": _count(), "currency": _one_of(CURRENCIES), "trial": _f(bool),
    },
    "TrialConverted": {
        "subscription_id": _f(str), "user_id": _f(str), "plan": _one_of(PLANS),
        "mrr_minor": _count(), "currency": _one_of(CURRENCIES),
    },
    "SubscriptionCancelled": {
        "subscription_id": _f(str), "user_id": _f(str), "plan": _one_of(PLANS),
        "mrr_minor": _count(), "currency": _one_of(CURRENCIES),
        "reason": _one_of(CANCEL_REASONS, required=False),
    },
    "OnboardingStepCompleted": {
        "user_id": _f(str), "step": _one_of(ONBOARDING_STEPS),
    },
    "FeatureUsed": {
        "user_id": _f(str), "feature": _one_of(FEATURES),
        "user_agent": _f(str, required=False), "country": _f(str, required=False),
    },
    "SupportTicketOpened": {
        "ticket_id": _f(str), "user_id": _f(str), "priority": _one_of(TICKET_PRIORITIES),
    },
    "SupportTicketResolved": {
        "ticket_id": _f(str), "user_id": _f(str), "priority": _one_of(TICKET_PRIORITIES),
        "resolution_seconds": _count(),
    },
    "SurveyAnswered": {
        "user_id": _f(str), "survey": _one_of(tuple(SURVEY_SCALES)), "score": _f(int),
    },
    # One `pulumi up` of a stack by the deploy workflow: the DORA metrics' raw record.
    "DeploymentCompleted": {
        "stack": _f(str), "commit_sha": _f(str), "outcome": _one_of(DEPLOY_OUTCOMES),
        "committed_at": _f(str), "deployed_at": _f(str), "lead_time_seconds": _count(),
        "run_id": _f(str, required=False),
    },
    # Incident records (docs/alerting.md#incident-records). ``first_seen`` (epoch seconds,
    # when the ALARM episode began) ties the events of one episode of ``alert_key`` together.
    "AlertRaised": {
        "alert_key": _f(str), "severity": _one_of(ALERT_SEVERITIES), "first_seen": _count(),
        "alert_source": _f(str), "title": _f(str, required=False),
        "escalated": _f(bool, required=False),
    },
    "AlertAcknowledged": {
        "alert_key": _f(str), "severity": _one_of(ALERT_SEVERITIES), "first_seen": _count(),
        "acked_by": _f(str), "ack_seconds": _count(),
    },
    "AlertResolved": {
        "alert_key": _f(str), "severity": _one_of(ALERT_SEVERITIES), "first_seen": _count(),
        "resolved_via": _one_of(RESOLVED_VIA), "resolve_seconds": _count(),
        "resolved_by": _f(str, required=False),
    },
    "AlertSilenced": {
        "alert_key": _f(str), "severity": _one_of(ALERT_SEVERITIES, required=False),
        "silenced_by": _f(str), "silenced_until": _count(),
    },
}
EVENT_TYPES = tuple(SCHEMAS)
COMMON: dict[str, Field] = {
    "event_id": _f(str), "occurred_at": _f(str), "schema_version": _f(int),
}


class SchemaError(ValueError):
    """An event that does not match its schema; the message names the field."""


def envelope(event_type: str, fields: Mapping[str, Any], *, now: datetime | None = None,
             event_id: str | None = None) -> dict[str, Any]:
    """The ``detail`` of an event: ``fields`` plus id, timestamp and schema version, validated."""
    detail = {
        **fields,
        "event_id": event_id or str(uuid.uuid4()),
        "occurred_at": (now or datetime.now(UTC)).isoformat().replace("+00:00", "Z"),
        "schema_version": SCHEMA_VERSION,
    }
    validate(event_type, detail)
    return detail


def validate(event_type: str, detail: Any) -> dict[str, Any]:
    """Check ``detail`` against the schema of ``event_type``; return it or raise SchemaError."""
    schema = SCHEMAS.get(event_type)
    if schema is None:
        raise SchemaError(f"unknown event type {event_type!r}")
    if not isinstance(detail, dict):
        raise SchemaError("detail is not a JSON object")
    for name, spec in {**COMMON, **schema}.items():
        if name not in detail or detail[name] is None:
            if spec.required:
                raise SchemaError(f"{event_type}.{name} is missing")
            continue
        value = detail[name]
        # bool is an int in Python; only accept it where bool is the declared type.
        if isinstance(value, bool) and bool not in spec.types:
            raise SchemaError(f"{event_type}.{name} has the wrong type")
        if not isinstance(value, spec.types):
            raise SchemaError(f"{event_type}.{name} has the wrong type")
        if spec.choices is not None and value not in spec.choices:
            raise SchemaError(f"{event_type}.{name} is not one of {', '.join(spec.choices)}")
        if spec.minimum is not None and value < spec.minimum:
            raise SchemaError(f"{event_type}.{name} is below {spec.minimum}")
    if event_type == "SurveyAnswered":
        low, high = SURVEY_SCALES[detail["survey"]]
        if not low <= detail["score"] <= high:
            raise SchemaError(f"SurveyAnswered.score is outside {low}-{high} for "
                              f"{detail['survey']}")
    return detail


# JSON Schema type of each Python type a field may declare (an int is also a JSON number).
_JSON_TYPES: dict[type, str] = {str: "string", int: "integer", float: "number",
                                bool: "boolean"}
JSON_SCHEMA_DRAFT4 = "http://json-schema.org/draft-04/schema#"


def _field_schema(spec: Field) -> dict[str, Any]:
    names = {_JSON_TYPES[t] for t in spec.types}
    if "number" in names:
        names.discard("integer")  # "number" already admits integers
    # validate() treats null like an absent field: allowed when optional, never when required.
    if not spec.required:
        names.add("null")
    ordered = sorted(names)
    schema: dict[str, Any] = {"type": ordered[0] if len(ordered) == 1 else ordered}
    if spec.choices is not None:
        schema["enum"] = [*spec.choices, *([None] if not spec.required else [])]
    if spec.minimum is not None:
        schema["minimum"] = spec.minimum
    return schema


def json_schema(event_type: str) -> dict[str, Any]:
    """The JSON Schema (draft 4) of a whole EventBridge event of ``event_type``.

    Generated from :data:`SCHEMAS` and :data:`COMMON`, the definitions :func:`validate`
    checks, so the published schema changes whenever an event definition does. It describes
    the event as consumers receive it: EventBridge's envelope (``source``, ``detail-type``
    and the other metadata fields) with ``detail`` holding the event's fields.
    """
    fields = {**COMMON, **SCHEMAS[event_type]}
    return {
        "$schema": JSON_SCHEMA_DRAFT4,
        "title": event_type,
        "description": f"{SOURCE} {event_type} event, schema version {SCHEMA_VERSION}",
        "type": "object",
        "required": ["source", "detail-type", "detail"],
        "properties": {
            "version": {"type": "string"},
            "id": {"type": "string"},
            "source": {"type": "string", "enum": [SOURCE]},
            "detail-type": {"type": "string", "enum": [event_type]},
            "account": {"type": "string"},
            "time": {"type": "string"},
            "region": {"type": "string"},
            "resources": {"type": "array", "items": {"type": "string"}},
            "detail": {
                "type": "object",
                "required": [name for name, spec in fields.items() if spec.required],
                "properties": {name: _field_schema(spec) for name, spec in fields.items()},
            },
        },
    }


def to_entry(event_type: str, detail: Mapping[str, Any], bus_name: str) -> dict[str, Any]:
    """A PutEvents entry for ``detail`` on ``bus_name``."""
    return {
        "Source": SOURCE,
        "DetailType": event_type,
        "Detail": json.dumps(detail, separators=(",", ":"), default=str),
        "EventBusName": bus_name,
    }
