"""Names of the business metrics, shared by the handlers that emit them and the components.

Handlers emit EMF through Powertools into the stack's namespace (``POWERTOOLS_METRICS_NAMESPACE``,
``<project>/<stack>``, e.g. ``marketplace/prod``). Business metrics carry the single dimension
``service`` = :data:`BUSINESS_SERVICE` so that alarms and dashboards can name them without
knowing which function emitted them.

Who emits which metric, under which dimensions, is the policy pack's table
``policy/emitters.py`` (``EMITTERS``): the pack must load without this package, and
``tests/functions/test_metric_emitters.py`` holds that table to what the handlers emit.
"""

from __future__ import annotations

BUSINESS_SERVICE = "business"

LISTINGS_CREATED = "ListingsCreated"
LISTING_VIEWS = "ListingViews"
REGISTRATIONS = "Registrations"
SEARCHES = "Searches"
SEARCHES_WITH_RESULTS = "SearchesWithResults"
CONTACTS = "ContactRequests"

# Revenue and subscriptions. Money is in the currency's minor unit and only ever per currency
# (a sum across currencies means nothing).
PAYMENTS = "Payments"
REVENUE_MINOR = "RevenueMinor"
SUBSCRIPTIONS_STARTED = "SubscriptionsStarted"
TRIALS_STARTED = "TrialsStarted"
TRIALS_CONVERTED = "TrialsConverted"
SUBSCRIPTIONS_CANCELLED = "SubscriptionsCancelled"
MRR_ADDED_MINOR = "MrrAddedMinor"
MRR_CHURNED_MINOR = "MrrChurnedMinor"
# Customer success.
ONBOARDING_STEPS = "OnboardingSteps"
FEATURE_USES = "FeatureUses"
TICKETS_OPENED = "TicketsOpened"
TICKETS_RESOLVED = "TicketsResolved"
RESOLUTION_SECONDS = "ResolutionSeconds"  # summed: / TicketsResolved = mean time to resolve
SURVEY_RESPONSES = "SurveyResponses"
NPS_PROMOTERS = "NpsPromoters"
NPS_DETRACTORS = "NpsDetractors"
CSAT_SCORE_TOTAL = "CsatScoreTotal"  # summed: / SurveyResponses(csat) = mean CSAT
# Active users, estimated by the window aggregator's HyperLogLog sketches.
ACTIVE_USERS = "ActiveUsers"

# Emitted with the single dimension service=business.
BUSINESS_METRICS = (
    LISTINGS_CREATED, LISTING_VIEWS, REGISTRATIONS, SEARCHES, SEARCHES_WITH_RESULTS, CONTACTS,
    PAYMENTS, SUBSCRIPTIONS_STARTED, TRIALS_STARTED, TRIALS_CONVERTED, SUBSCRIPTIONS_CANCELLED,
    TICKETS_OPENED, TICKETS_RESOLVED, RESOLUTION_SECONDS, NPS_PROMOTERS, NPS_DETRACTORS,
    CSAT_SCORE_TOTAL,
)
# The executive dashboard's headline counts.
HEADLINE_METRICS = (
    LISTINGS_CREATED, LISTING_VIEWS, REGISTRATIONS, SEARCHES, SEARCHES_WITH_RESULTS, CONTACTS,
    PAYMENTS, SUBSCRIPTIONS_STARTED, TRIALS_CONVERTED, SUBSCRIPTIONS_CANCELLED, TICKETS_OPENED,
    TICKETS_RESOLVED,
)
# Counted per device class too: the metrics a visitor's browser produces.
BY_DEVICE = (LISTING_VIEWS, SEARCHES, SEARCHES_WITH_RESULTS)
# Counted per viewer country group (a top country or "other") too.
BY_COUNTRY = (LISTING_VIEWS, SEARCHES, REGISTRATIONS)
# Metric -> the one event field it is broken down by (service + that dimension), a field
# whose values are a declared list in functions.shared.events.
BY_FIELD: dict[str, str] = {
    REVENUE_MINOR: "currency", MRR_ADDED_MINOR: "currency", MRR_CHURNED_MINOR: "currency",
    ONBOARDING_STEPS: "step", FEATURE_USES: "feature", SURVEY_RESPONSES: "survey",
    REGISTRATIONS: "signup_channel",
}
