"""The domain events' schema: every field of every type, the envelope, JSON Schema, entries."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.shared import events
from functions.shared.events import SchemaError, envelope, json_schema, to_entry, validate

NOW = datetime(2026, 11, 28, 6, 41, 7, tzinfo=UTC)
ID = "0b6c3a3e-8f5e-4c1e-9d1a-2f1d5f0e7a11"

# The contract, written out: event type -> field -> (JSON kind, required).
CONTRACT: dict[str, dict[str, tuple[str, bool]]] = {
    "ListingCreated": {
        "listing_id": ("str", True), "seller_id": ("str", True), "category": ("str", True),
        "price": ("number", True), "currency": ("str", True), "featured": ("bool", False),
        "title": ("str", False),
    },
    "ListingUpdated": {
        "listing_id": ("str", True), "seller_id": ("str", True), "category": ("str", True),
        "version": ("int", True), "price": ("number", False),
    },
    "ListingDeleted": {
        "listing_id": ("str", True), "seller_id": ("str", True), "category": ("str", False),
    },
    "ListingViewed": {
        "listing_id": ("str", True), "category": ("str", False), "user_id": ("str", False),
        "user_agent": ("str", False), "country": ("str", False),
    },
    "SearchPerformed": {
        "query": ("str", True), "category": ("str", False), "result_count": ("int", True),
        "user_id": ("str", False), "user_agent": ("str", False), "country": ("str", False),
    },
    "ContactRequested": {
        "listing_id": ("str", True), "seller_id": ("str", False), "user_id": ("str", False),
        "category": ("str", False),
    },
    "UserRegistered": {"user_id": ("str", True), "signup_channel": ("str", False),
                       "country": ("str", False), "user_agent": ("str", False)},
    "PaymentCompleted": {
        "payment_id": ("str", True), "user_id": ("str", True), "amount_minor": ("int", True),
        "currency": ("str", True), "subscription_id": ("str", False),
    },
    "SubscriptionStarted": {
        "subscription_id": ("str", True), "user_id": ("str", True), "plan": ("str", True),
        "mrr_minor": ("int", True), "currency": ("str", True), "trial": ("bool", True),
    },
    "TrialConverted": {
        "subscription_id": ("str", True), "user_id": ("str", True), "plan": ("str", True),
        "mrr_minor": ("int", True), "currency": ("str", True),
    },
    "SubscriptionCancelled": {
        "subscription_id": ("str", True), "user_id": ("str", True), "plan": ("str", True),
        "mrr_minor": ("int", True), "currency": ("str", True), "reason": ("str", False),
    },
    "OnboardingStepCompleted": {"user_id": ("str", True), "step": ("str", True)},
    "FeatureUsed": {"user_id": ("str", True), "feature": ("str", True),
                    "user_agent": ("str", False), "country": ("str", False)},
    "SupportTicketOpened": {"ticket_id": ("str", True), "user_id": ("str", True),
                            "priority": ("str", True)},
    "SupportTicketResolved": {"ticket_id": ("str", True), "user_id": ("str", True),
                              "priority": ("str", True), "resolution_seconds": ("int", True)},
    "SurveyAnswered": {"user_id": ("str", True), "survey": ("str", True),
                       "score": ("int", True)},
    "DeploymentCompleted": {"stack": ("str", True), "commit_sha": ("str", True),
                            "outcome": ("str", True), "committed_at": ("str", True),
                            "deployed_at": ("str", True), "lead_time_seconds": ("int", True),
                            "run_id": ("str", False)},
    "AlertRaised": {"alert_key": ("str", True), "severity": ("str", True),
                    "first_seen": ("int", True), "alert_source": ("str", True),
                    "title": ("str", False), "escalated": ("bool", False)},
    "AlertAcknowledged": {"alert_key": ("str", True), "severity": ("str", True),
                          "first_seen": ("int", True), "acked_by": ("str", True),
                          "ack_seconds": ("int", True)},
    "AlertResolved": {"alert_key": ("str", True), "severity": ("str", True),
                      "first_seen": ("int", True), "resolved_via": ("str", True),
                      "resolve_seconds": ("int", True), "resolved_by": ("str", False)},
    "AlertSilenced": {"alert_key": ("str", True), "severity": ("str", False),
                      "silenced_by": ("str", True), "silenced_until": ("int", True)},
}
CURRENCIES = ["USD", "EUR", "GBP", "CAD", "AUD", "JPY", "CHF", "SEK", "NOK", "DKK", "PLN", "INR"]
PLANS = ["basic", "pro", "business"]
PRIORITIES = ["low", "normal", "high", "urgent"]
# Fields restricted to a declared list: (event type, field) -> every value allowed.
CHOICES: dict[tuple[str, str], list[str]] = {
    ("UserRegistered", "signup_channel"): ["direct", "federated", "organic_search",
                                           "paid_search", "social", "referral", "email",
                                           "partner"],
    ("PaymentCompleted", "currency"): CURRENCIES,
    ("SubscriptionStarted", "currency"): CURRENCIES, ("SubscriptionStarted", "plan"): PLANS,
    ("TrialConverted", "currency"): CURRENCIES, ("TrialConverted", "plan"): PLANS,
    ("SubscriptionCancelled", "currency"): CURRENCIES, ("SubscriptionCancelled", "plan"): PLANS,
    ("SubscriptionCancelled", "reason"): ["price", "missing_feature", "switched", "not_needed",
                                          "payment_failed", "other"],
    ("OnboardingStepCompleted", "step"): ["profile_completed", "email_verified",
                                          "first_search", "first_listing",
                                          "payment_method_added"],
    ("FeatureUsed", "feature"): ["saved_search", "favourites", "messaging", "price_alerts",
                                 "listing_boost", "bulk_upload", "analytics_export"],
    ("SupportTicketOpened", "priority"): PRIORITIES,
    ("SupportTicketResolved", "priority"): PRIORITIES,
    ("SurveyAnswered", "survey"): ["nps", "csat"],
    ("DeploymentCompleted", "outcome"): ["succeeded", "failed"],
    **{(t, "severity"): ["critical", "warning", "info", "maintenance"]
       for t in ("AlertRaised", "AlertAcknowledged", "AlertResolved", "AlertSilenced")},
    ("AlertResolved", "resolved_via"): ["alarm", "slack"],
}
# Integer fields that may not be negative.
COUNTS = {("PaymentCompleted", "amount_minor"), ("SubscriptionStarted", "mrr_minor"),
          ("TrialConverted", "mrr_minor"), ("SubscriptionCancelled", "mrr_minor"),
          ("SupportTicketResolved", "resolution_seconds"),
          ("DeploymentCompleted", "lead_time_seconds"),
          ("AlertRaised", "first_seen"), ("AlertAcknowledged", "first_seen"),
          ("AlertAcknowledged", "ack_seconds"), ("AlertResolved", "first_seen"),
          ("AlertResolved", "resolve_seconds"), ("AlertSilenced", "silenced_until")}
COMMON = {"event_id": ("str", True), "occurred_at": ("str", True),
          "schema_version": ("int", True)}
GOOD = {"str": ["x", ""], "number": [12, 12.5, 0, -1], "int": [3, 0, -2], "bool": [True, False]}
WRONG = {"str": [1, 1.5, True, ["x"], {"a": "x"}], "number": ["12", True, False, [1]],
         "int": [3.0, "3", True, False], "bool": [1, 0, "true"]}


def good(event_type: str, name: str, kind: str) -> list[Any]:
    """Every good value the tests try for one field."""
    if (event_type, name) in CHOICES:
        return CHOICES[(event_type, name)]
    if (event_type, name) in COUNTS:
        return [3, 0]
    if (event_type, name) == ("SurveyAnswered", "score"):
        return [5, 1]  # inside both scales (full() answers an NPS survey)
    return GOOD[kind]


def full(event_type: str) -> dict[str, Any]:
    """A detail with every field of ``event_type`` (common ones included) set to a good value."""
    fields = {**COMMON, **CONTRACT[event_type]}
    return {name: good(event_type, name, kind)[0] for name, (kind, _required) in fields.items()}


def cases(pick: str) -> list[tuple[str, str, str]]:
    """(event type, field, kind) of every required / optional / any field in the contract."""
    found = []
    for event_type, fields in CONTRACT.items():
        for name, (kind, required) in {**COMMON, **fields}.items():
            if pick == "any" or (pick == "required") == required:
                found.append((event_type, name, kind))
    return found


def test_constants() -> None:
    assert events.SOURCE == "marketplace.listings"
    assert events.SCHEMA_VERSION == 1
    assert events.EVENT_TYPES == ("ListingCreated", "ListingUpdated", "ListingDeleted",
                                  "ListingViewed", "SearchPerformed", "ContactRequested",
                                  "UserRegistered", "PaymentCompleted", "SubscriptionStarted",
                                  "TrialConverted", "SubscriptionCancelled",
                                  "OnboardingStepCompleted", "FeatureUsed",
                                  "SupportTicketOpened", "SupportTicketResolved",
                                  "SurveyAnswered", "DeploymentCompleted", "AlertRaised",
                                  "AlertAcknowledged", "AlertResolved", "AlertSilenced")


def test_the_schemas_are_the_contract() -> None:
    kinds = {(str,): "str", (int, float): "number", (int,): "int", (bool,): "bool"}
    declared = {event_type: {name: (kinds[spec.types], spec.required)
                             for name, spec in fields.items()}
                for event_type, fields in events.SCHEMAS.items()}
    assert declared == CONTRACT
    assert {name: (kinds[spec.types], spec.required)
            for name, spec in events.COMMON.items()} == COMMON


def test_a_field_is_required_unless_said_otherwise() -> None:
    assert events.Field((str,)).required is True
    assert events._f(str) == events.Field((str,), True)
    assert events._f(int, float, required=False) == events.Field((int, float), False)


@pytest.mark.parametrize("event_type", list(CONTRACT))
def test_a_full_detail_is_valid_and_returned(event_type: str) -> None:
    detail = full(event_type)
    assert validate(event_type, detail) is detail


@pytest.mark.parametrize("event_type", list(CONTRACT))
def test_the_required_fields_alone_are_valid(event_type: str) -> None:
    detail = {k: v for k, v in full(event_type).items()
              if {**COMMON, **CONTRACT[event_type]}[k][1]}
    assert validate(event_type, detail) == detail


@pytest.mark.parametrize(("event_type", "name", "kind"), cases("required"))
@pytest.mark.parametrize("absent", ["missing", "null"])
def test_each_required_field_must_be_present(event_type: str, name: str, kind: str,
                                             absent: str) -> None:
    detail = full(event_type)
    if absent == "missing":
        del detail[name]
    else:
        detail[name] = None
    with pytest.raises(SchemaError) as caught:
        validate(event_type, detail)
    assert str(caught.value) == f"{event_type}.{name} is missing"


@pytest.mark.parametrize(("event_type", "name", "kind"), cases("optional"))
@pytest.mark.parametrize("absent", ["missing", "null"])
def test_each_optional_field_may_be_absent_or_null(event_type: str, name: str, kind: str,
                                                   absent: str) -> None:
    detail = full(event_type)
    if absent == "missing":
        del detail[name]
    else:
        detail[name] = None
    assert validate(event_type, detail) is detail


@pytest.mark.parametrize(("event_type", "name", "kind"), cases("any"))
def test_each_field_takes_every_value_of_its_kind(event_type: str, name: str, kind: str) -> None:
    for value in good(event_type, name, kind):
        assert validate(event_type, {**full(event_type), name: value})[name] == value


@pytest.mark.parametrize(("event_type", "name", "kind"), cases("any"))
def test_each_field_refuses_other_kinds(event_type: str, name: str, kind: str) -> None:
    for value in WRONG[kind]:
        with pytest.raises(SchemaError) as caught:
            validate(event_type, {**full(event_type), name: value})
        assert str(caught.value) == f"{event_type}.{name} has the wrong type"


@pytest.mark.parametrize(("event_type", "name"), sorted(CHOICES))
def test_a_declared_list_refuses_other_values(event_type: str, name: str) -> None:
    allowed = ", ".join(CHOICES[(event_type, name)])
    for value in ["", "other-value", CHOICES[(event_type, name)][0].title()]:
        with pytest.raises(SchemaError) as caught:
            validate(event_type, {**full(event_type), name: value})
        assert str(caught.value) == f"{event_type}.{name} is not one of {allowed}"


@pytest.mark.parametrize(("event_type", "name"), sorted(COUNTS))
def test_amounts_and_durations_are_not_negative(event_type: str, name: str) -> None:
    with pytest.raises(SchemaError) as caught:
        validate(event_type, {**full(event_type), name: -1})
    assert str(caught.value) == f"{event_type}.{name} is below 0"


@pytest.mark.parametrize(("survey", "score", "ok"), [
    ("nps", 0, True), ("nps", 10, True), ("nps", 11, False), ("nps", -1, False),
    ("csat", 1, True), ("csat", 5, True), ("csat", 0, False), ("csat", 6, False)])
def test_a_survey_score_is_on_its_scale(survey: str, score: int, ok: bool) -> None:
    detail = {**full("SurveyAnswered"), "survey": survey, "score": score}
    if ok:
        assert validate("SurveyAnswered", detail) is detail
        return
    with pytest.raises(SchemaError) as caught:
        validate("SurveyAnswered", detail)
    scale = {"nps": "0-10", "csat": "1-5"}[survey]
    assert str(caught.value) == f"SurveyAnswered.score is outside {scale} for {survey}"


def test_fields_after_an_absent_optional_one_are_still_checked() -> None:
    # SearchPerformed: category (optional) comes before result_count (required).
    detail = {k: v for k, v in full("SearchPerformed").items()
              if k not in ("category", "result_count")}
    with pytest.raises(SchemaError, match=r"^SearchPerformed\.result_count is missing$"):
        validate("SearchPerformed", detail)
    detail = {**full("ListingViewed"), "category": None, "user_agent": 5}
    with pytest.raises(SchemaError, match=r"^ListingViewed\.user_agent has the wrong type$"):
        validate("ListingViewed", detail)


def test_unknown_fields_are_let_through() -> None:
    detail = {**full("UserRegistered"), "referrer": {"nested": True}}
    assert validate("UserRegistered", detail) is detail


def test_common_fields_are_checked_first() -> None:
    with pytest.raises(SchemaError, match=r"^UserRegistered\.event_id is missing$"):
        validate("UserRegistered", {"occurred_at": "t", "schema_version": 1})


@pytest.mark.parametrize("event_type", ["Scheduled Event", "listingcreated", ""])
def test_unknown_event_types_are_refused(event_type: str) -> None:
    with pytest.raises(SchemaError) as caught:
        validate(event_type, full("ListingCreated"))
    assert str(caught.value) == f"unknown event type {event_type!r}"


@pytest.mark.parametrize("detail", [None, [], "{}", 1, [("user_id", "u")]])
def test_detail_must_be_an_object(detail: Any) -> None:
    with pytest.raises(SchemaError) as caught:
        validate("UserRegistered", detail)
    assert str(caught.value) == "detail is not a JSON object"


def test_a_schema_error_is_a_value_error() -> None:
    assert issubclass(SchemaError, ValueError)


def test_envelope_adds_id_time_and_version() -> None:
    detail = envelope("UserRegistered", {"user_id": "u-1"}, now=NOW, event_id=ID)
    assert detail == {"user_id": "u-1", "event_id": ID, "occurred_at": "2026-11-28T06:41:07Z",
                      "schema_version": 1}


def test_envelope_keeps_microseconds_in_utc() -> None:
    detail = envelope("UserRegistered", {"user_id": "u-1"}, event_id=ID,
                      now=NOW + timedelta(microseconds=250))
    assert detail["occurred_at"] == "2026-11-28T06:41:07.000250Z"


def test_envelope_fields_cannot_override_the_envelope() -> None:
    detail = envelope("UserRegistered", {"user_id": "u-1", "event_id": "mine",
                                         "schema_version": 9}, now=NOW, event_id=ID)
    assert (detail["event_id"], detail["schema_version"]) == (ID, 1)


@pytest.mark.parametrize("event_id", [None, ""])
def test_envelope_without_an_id_makes_a_random_one(event_id: str | None) -> None:
    first = envelope("UserRegistered", {"user_id": "u-1"}, now=NOW, event_id=event_id)
    second = envelope("UserRegistered", {"user_id": "u-1"}, now=NOW, event_id=event_id)
    assert uuid.UUID(first["event_id"]).version == 4
    assert first["event_id"] != second["event_id"]


def test_envelope_without_a_time_is_now_in_utc() -> None:
    before = datetime.now(UTC)
    stamp = envelope("UserRegistered", {"user_id": "u-1"}, event_id=ID)["occurred_at"]
    after = datetime.now(UTC)
    assert stamp.endswith("Z")
    assert before <= datetime.fromisoformat(stamp.replace("Z", "+00:00")) <= after


def test_envelope_validates() -> None:
    with pytest.raises(SchemaError, match=r"^ListingViewed\.listing_id is missing$"):
        envelope("ListingViewed", {"category": "cars"}, now=NOW, event_id=ID)


def test_to_entry_is_a_compact_put_events_entry() -> None:
    detail = {"user_id": "u-1", "at": datetime(2026, 11, 28, tzinfo=UTC), "n": 2}
    assert to_entry("UserRegistered", detail, "bus-1") == {
        "Source": "marketplace.listings",
        "DetailType": "UserRegistered",
        "Detail": '{"user_id":"u-1","at":"2026-11-28 00:00:00+00:00","n":2}',
        "EventBusName": "bus-1",
    }


def test_json_schema_of_a_whole_event() -> None:
    assert json_schema("UserRegistered") == {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": "UserRegistered",
        "description": "marketplace.listings UserRegistered event, schema version 1",
        "type": "object",
        "required": ["source", "detail-type", "detail"],
        "properties": {
            "version": {"type": "string"},
            "id": {"type": "string"},
            "source": {"type": "string", "enum": ["marketplace.listings"]},
            "detail-type": {"type": "string", "enum": ["UserRegistered"]},
            "account": {"type": "string"},
            "time": {"type": "string"},
            "region": {"type": "string"},
            "resources": {"type": "array", "items": {"type": "string"}},
            "detail": {
                "type": "object",
                "required": ["event_id", "occurred_at", "schema_version", "user_id"],
                "properties": {
                    "event_id": {"type": "string"},
                    "occurred_at": {"type": "string"},
                    "schema_version": {"type": "integer"},
                    "user_id": {"type": "string"},
                    "signup_channel": {
                        "type": ["null", "string"],
                        "enum": ["direct", "federated", "organic_search", "paid_search",
                                 "social", "referral", "email", "partner", None]},
                    "country": {"type": ["null", "string"]},
                    "user_agent": {"type": ["null", "string"]},
                },
            },
        },
    }


@pytest.mark.parametrize(("event_type", "name", "schema"), [
    ("ListingCreated", "price", {"type": "number"}),  # an integer is a number too
    ("ListingUpdated", "price", {"type": ["null", "number"]}),
    ("ListingUpdated", "version", {"type": "integer"}),
    ("ListingCreated", "featured", {"type": ["boolean", "null"]}),
    ("ListingCreated", "title", {"type": ["null", "string"]}),
    ("SearchPerformed", "result_count", {"type": "integer"}),
])
def test_json_schema_field_types(event_type: str, name: str, schema: dict[str, Any]) -> None:
    assert json_schema(event_type)["properties"]["detail"]["properties"][name] == schema


def test_json_schema_lists_the_required_fields_in_order() -> None:
    detail = json_schema("ListingCreated")["properties"]["detail"]
    assert detail["required"] == ["event_id", "occurred_at", "schema_version", "listing_id",
                                  "seller_id", "category", "price", "currency"]
    assert list(detail["properties"])[-2:] == ["featured", "title"]


def test_json_schema_of_an_unknown_type_is_refused() -> None:
    with pytest.raises(KeyError):
        json_schema("Scheduled Event")


def test_entry_detail_round_trips_through_validate() -> None:
    detail = envelope("SearchPerformed", {"query": "sofa", "result_count": 0}, now=NOW,
                      event_id=ID)
    entry = to_entry("SearchPerformed", detail, "bus-1")
    assert json.loads(entry["Detail"]) == {"query": "sofa", "result_count": 0, "event_id": ID,
                                           "occurred_at": "2026-11-28T06:41:07Z",
                                           "schema_version": 1}
