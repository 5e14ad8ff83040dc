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

BUSINESS_METRICS = (
    LISTINGS_CREATED, LISTING_VIEWS, REGISTRATIONS, SEARCHES, SEARCHES_WITH_RESULTS, CONTACTS,
)
# Counted per device class too: the metrics a visitor's browser produces.
BY_DEVICE = (LISTING_VIEWS, SEARCHES, SEARCHES_WITH_RESULTS)
