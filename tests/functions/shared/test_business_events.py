"""The business-event helpers: the pairs the publisher takes, refused when off-schema."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from functions.shared import business_events as be
from functions.shared.events import SchemaError
from functions.shared.publisher import Publisher


def test_payment_completed() -> None:
    assert be.payment_completed("p-1", "u-1", amount_minor=1999, currency="EUR") == (
        "PaymentCompleted", {"payment_id": "p-1", "user_id": "u-1", "amount_minor": 1999,
                             "currency": "EUR"})


def test_subscription_lifecycle() -> None:
    assert be.subscription_started("s-1", "u-1", plan="pro", mrr_minor=2900, currency="USD",
                                   trial=True) == (
        "SubscriptionStarted", {"subscription_id": "s-1", "user_id": "u-1", "plan": "pro",
                                "mrr_minor": 2900, "currency": "USD", "trial": True})
    assert be.trial_converted("s-1", "u-1", plan="pro", mrr_minor=2900, currency="USD")[0] == (
        "TrialConverted")
    assert be.subscription_cancelled("s-1", "u-1", plan="pro", mrr_minor=2900, currency="USD",
                                     reason="price")[1]["reason"] == "price"
    # An absent optional field is left out, not sent as null.
    assert "reason" not in be.subscription_cancelled("s-1", "u-1", plan="pro", mrr_minor=1,
                                                     currency="USD")[1]


def test_customer_success_events() -> None:
    assert be.onboarding_step_completed("u-1", "email_verified") == (
        "OnboardingStepCompleted", {"user_id": "u-1", "step": "email_verified"})
    assert be.feature_used("u-1", "messaging", country="FR") == (
        "FeatureUsed", {"user_id": "u-1", "feature": "messaging", "country": "FR"})
    assert be.support_ticket_opened("t-1", "u-1", priority="urgent")[1]["priority"] == "urgent"
    assert be.support_ticket_resolved("t-1", "u-1", priority="low",
                                      resolution_seconds=60)[1]["resolution_seconds"] == 60
    assert be.survey_answered("u-1", survey="csat", score=5) == (
        "SurveyAnswered", {"user_id": "u-1", "survey": "csat", "score": 5})


@pytest.mark.parametrize(("make", "message"), [
    (lambda: be.payment_completed("p", "u", amount_minor=19.99, currency="EUR"),
     "PaymentCompleted.amount_minor has the wrong type"),
    (lambda: be.payment_completed("p", "u", amount_minor=100, currency="XBT"),
     "PaymentCompleted.currency is not one of USD, EUR, GBP, CAD, AUD, JPY, CHF, SEK, NOK, "
     "DKK, PLN, INR"),
    (lambda: be.payment_completed("p", "u", amount_minor=-5, currency="EUR"),
     "PaymentCompleted.amount_minor is below 0"),
    (lambda: be.onboarding_step_completed("u", "watched_video"),
     "OnboardingStepCompleted.step is not one of profile_completed, email_verified, "
     "first_search, first_listing, payment_method_added"),
    (lambda: be.survey_answered("u", survey="nps", score=11),
     "SurveyAnswered.score is outside 0-10 for nps"),
    (lambda: be.feature_used("u", "dark_mode"),
     "FeatureUsed.feature is not one of saved_search, favourites, messaging, price_alerts, "
     "listing_boost, bulk_upload, analytics_export"),
])
def test_off_schema_events_are_refused_in_the_caller(make: Any, message: str) -> None:
    with pytest.raises(SchemaError) as caught:
        make()
    assert str(caught.value) == message


class Events:
    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.entries += Entries
        return {"FailedEntryCount": 0, "Entries": [{"EventId": "e"} for _ in Entries]}


def test_the_pairs_publish_as_they_are() -> None:
    client = Events()
    result = Publisher(client, "bus", logging.getLogger("t")).publish([
        be.payment_completed("p-1", "u-1", amount_minor=500, currency="GBP"),
        be.survey_answered("u-1", survey="nps", score=9)])
    assert (result.sent, result.failed) == (2, 0)
    assert [e["DetailType"] for e in client.entries] == ["PaymentCompleted", "SurveyAnswered"]
