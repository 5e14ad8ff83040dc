"""The one table of who emits each custom metric, read by the stack rule ``metrics-have-a-source``.

Handlers emit EMF through Powertools into the stack's namespace (``POWERTOOLS_METRICS_NAMESPACE``,
``<project>/<stack>``, e.g. ``marketplace/prod``). :data:`EMITTERS` declares every custom metric
a handler (or an operator) puts there: which function package emits it, under which exact
dimension set, and how. The rule accepts an alarm or a graph on a custom metric only when an
emitter deployed in the plan writes it.

The table lives in the pack, not beside the handlers' metric names
(``functions/shared/metrics.py``), because the pack must load on its own; it spells the names
out, and ``tests/functions/test_metric_emitters.py`` proves, from what the handlers really
emitted in their tests, that it is exactly what each handler emits and that every metric has
one emitter (two emitters of one series would make every dashboard show double).
"""

from __future__ import annotations

from dataclasses import dataclass

# Dimension values in EMITTERS that are not literals.
SERVICE_NAME = "$POWERTOOLS_SERVICE_NAME"  # the emitting function's service name (its env)
ANY_VALUE = "*"  # a value from the data (an access pattern, a device class)

EMF = "emf"
PUT_METRIC_DATA = "put-metric-data"
OPERATOR = "operator"  # put by a person following a runbook (aws cloudwatch put-metric-data)
WORKFLOW = "workflow"  # put by the deploy workflow (tools/delivery.py, tools/quality.py)


@dataclass(frozen=True)
class Emitter:
    """One custom metric series and what writes it.

    ``function`` is the package under ``functions/`` (its namespace and service name are that
    function's environment in the plan), or ``""`` for an operator's or the deploy workflow's
    metric in the stack namespace; ``dimensions`` are the exact dimension names and their values.
    ``via`` says how: EMF, PutMetricData from a handler, an operator or the deploy workflow.
    """

    function: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    via: str = EMF


def _fn(function: str, dimensions: tuple[tuple[str, str], ...], *metrics: str,
        via: str = EMF) -> tuple[Emitter, ...]:
    return tuple(Emitter(function, m, dimensions, via) for m in metrics)


# functions.shared.metrics.BUSINESS_SERVICE, BUSINESS_METRICS and BY_DEVICE, spelled out.
_BUSINESS = (("service", "business"),)
_OWN = (("service", SERVICE_NAME),)
_BUSINESS_METRICS = ("ListingsCreated", "ListingViews", "Registrations", "Searches",
                     "SearchesWithResults", "ContactRequests", "Payments",
                     "SubscriptionsStarted", "TrialsStarted", "TrialsConverted",
                     "SubscriptionsCancelled", "TicketsOpened", "TicketsResolved",
                     "ResolutionSeconds", "NpsPromoters", "NpsDetractors", "CsatScoreTotal")
_BY_DEVICE = ("ListingViews", "Searches", "SearchesWithResults")
_BY_COUNTRY = ("ListingViews", "Searches", "Registrations")
# functions.shared.metrics.BY_FIELD: metric -> the declared-list field it is broken down by.
_BY_FIELD = (("RevenueMinor", "currency"), ("MrrAddedMinor", "currency"),
             ("MrrChurnedMinor", "currency"), ("OnboardingSteps", "step"),
             ("FeatureUses", "feature"), ("SurveyResponses", "survey"),
             ("Registrations", "signup_channel"))

EMITTERS: tuple[Emitter, ...] = (
    *_fn("api", (*_OWN, ("access_pattern", ANY_VALUE)), "Latency", "ItemsReturned"),
    *_fn("stream_processor", _BUSINESS, *_BUSINESS_METRICS),
    *_fn("stream_processor", (*_BUSINESS, ("device_class", ANY_VALUE)), *_BY_DEVICE),
    *_fn("stream_processor", (*_BUSINESS, ("country", ANY_VALUE)), *_BY_COUNTRY),
    *(Emitter("stream_processor", metric, (*_BUSINESS, (field, ANY_VALUE)))
      for metric, field in _BY_FIELD),
    *_fn("window_aggregator", (*_BUSINESS, ("EventType", ANY_VALUE)), "EventsPerMinute",
         via=PUT_METRIC_DATA),
    *_fn("window_aggregator", _BUSINESS, "HotListingViews", "DistinctSearchTerms",
         via=PUT_METRIC_DATA),
    # functions.window_aggregator.active_users.PERIOD_NAMES: DAU, WAU and MAU.
    *(Emitter("window_aggregator", "ActiveUsers", (*_BUSINESS, ("period", period)),
              PUT_METRIC_DATA) for period in ("daily", "weekly", "monthly")),
    *_fn("cache_purger", _OWN, "CachePurgeRequests", "CachePurgedItems"),
    *_fn("compliance_report", _OWN, "ComplianceControlsFailed", "ComplianceControlsReported"),
    # functions.cloudflare_analytics.graphql.METRICS, per zone (its id is the stack's config).
    *_fn("cloudflare_analytics", (("service", "cloudflare"), ("ZoneId", ANY_VALUE)),
         "Requests", "CachedRequests", "UncachedRequests", "Responses2xx", "Responses3xx",
         "Responses4xx", "Responses5xx", "WafBlocks", "WafChallenges", "RateLimitActions",
         "EdgeResponseBytes", "OriginResponseTime", via=PUT_METRIC_DATA),
    *_fn("alert_router", _OWN, "AlertsReceived", "AlertsSuppressed", "AlertsDeduplicated",
         "MessagesSent", "DeliveryFailures", "AlertsEscalated", "EscalationSweeps",
         "HeartbeatDelivered", "AlertsSilenced"),
    # functions/alert_router/delivery_metrics.py: DORA's change failures and time to restore.
    *_fn("alert_router", _OWN, "ChangeFailures", "TimeToRestoreSeconds"),
    # functions/alert_router/delivery_metrics.py: MTTR per severity; incident_records.py.
    Emitter("alert_router", "TimeToResolveSeconds", (*_OWN, ("severity", ANY_VALUE))),
    *_fn("alert_router", _OWN, "IncidentRecordsLost"),
    *_fn("slack_interactions", _OWN, "InteractionsRefused", "ClicksApplied", "ClicksRefused",
         "MessageUpdateFailures", "InteractionRecordsLost"),
    # docs/runbooks.md#operations-maintenance-mode: an operator opens a maintenance window.
    Emitter("", "MaintenanceMode", (("service", "operations"),), OPERATOR),
    # docs/ci.md: the deploy workflow, after each `pulumi up` (tools.delivery) and with the
    # figures of its quality job (tools.quality), into the stack namespace it deploys.
    *_fn("", (("service", "delivery"),), "Deployments", "DeploymentFailed", "LeadTimeSeconds",
         via=WORKFLOW),
    *_fn("", (("service", "quality"),), "CoveragePercent", "MeanComplexity",
         "ComplexFunctions", "Vulnerabilities", "TechDebtScore", via=WORKFLOW),
)
