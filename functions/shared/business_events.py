"""Typed constructors for the business events the marketplace application emits.

Each function returns the ``(event_type, fields)`` pair :meth:`Publisher.publish` takes,
already checked against the shared schema (:func:`functions.shared.events.validate`), so a
wrong currency, an unknown onboarding step or a score off its scale fails in the caller's
code path with a :class:`SchemaError` naming the field, not later in the analytics stream::

    publisher.publish([payment_completed("p-1", "u-1", amount_minor=1999, currency="EUR")])
"""

from __future__ import annotations

from typing import Any

from functions.shared.events import SchemaError, envelope

Event = tuple[str, dict[str, Any]]
__all__ = ["Event", "SchemaError", "feature_used", "onboarding_step_completed",
           "payment_completed", "subscription_cancelled", "subscription_started",
           "support_ticket_opened", "support_ticket_resolved", "survey_answered",
           "trial_converted"]


def _checked(event_type: str, **fields: Any) -> Event:
    present = {k: v for k, v in fields.items() if v is not None}
    envelope(event_type, present, event_id="check")  # raises SchemaError naming the field
    return event_type, present


def payment_completed(payment_id: str, user_id: str, *, amount_minor: int, currency: str,
                      subscription_id: str | None = None) -> Event:
    """A captured payment: ``amount_minor`` in the currency's minor unit (cents, yen)."""
    return _checked("PaymentCompleted", payment_id=payment_id, user_id=user_id,
                    amount_minor=amount_minor, currency=currency,
                    subscription_id=subscription_id)


def subscription_started(subscription_id: str, user_id: str, *, plan: str, mrr_minor: int,
                         currency: str, trial: bool) -> Event:
    """A new subscription, paid or on trial; ``mrr_minor`` is its monthly value."""
    return _checked("SubscriptionStarted", subscription_id=subscription_id, user_id=user_id,
                    plan=plan, mrr_minor=mrr_minor, currency=currency, trial=trial)


def trial_converted(subscription_id: str, user_id: str, *, plan: str, mrr_minor: int,
                    currency: str) -> Event:
    """A trial that became a paid subscription."""
    return _checked("TrialConverted", subscription_id=subscription_id, user_id=user_id,
                    plan=plan, mrr_minor=mrr_minor, currency=currency)


def subscription_cancelled(subscription_id: str, user_id: str, *, plan: str, mrr_minor: int,
                           currency: str, reason: str | None = None) -> Event:
    """A cancelled subscription and the monthly value it took away."""
    return _checked("SubscriptionCancelled", subscription_id=subscription_id, user_id=user_id,
                    plan=plan, mrr_minor=mrr_minor, currency=currency, reason=reason)


def onboarding_step_completed(user_id: str, step: str) -> Event:
    """One step of onboarding (``functions.shared.events.ONBOARDING_STEPS``) done."""
    return _checked("OnboardingStepCompleted", user_id=user_id, step=step)


def feature_used(user_id: str, feature: str, *, user_agent: str | None = None,
                 country: str | None = None) -> Event:
    """A use of a declared feature (``functions.shared.events.FEATURES``)."""
    return _checked("FeatureUsed", user_id=user_id, feature=feature, user_agent=user_agent,
                    country=country)


def support_ticket_opened(ticket_id: str, user_id: str, *, priority: str) -> Event:
    """A support ticket a customer opened."""
    return _checked("SupportTicketOpened", ticket_id=ticket_id, user_id=user_id,
                    priority=priority)


def support_ticket_resolved(ticket_id: str, user_id: str, *, priority: str,
                            resolution_seconds: int) -> Event:
    """A resolved ticket and how long it was open."""
    return _checked("SupportTicketResolved", ticket_id=ticket_id, user_id=user_id,
                    priority=priority, resolution_seconds=resolution_seconds)


def survey_answered(user_id: str, *, survey: str, score: int) -> Event:
    """An NPS (0-10) or CSAT (1-5) answer."""
    return _checked("SurveyAnswered", user_id=user_id, survey=survey, score=score)
