"""The seed's KPI queries: one SQL file each under ``queries/`` beside this module, as a table.

The Athena named queries and the QuickSight datasets are both made from :data:`QUERIES`; the
tests parse every file (Trino dialect), check it references only the lake table's columns,
and that ``columns`` (what QuickSight's custom SQL datasets declare) are its output columns.
The files name the lake table alone: a named query runs in the database it names, while
QuickSight's custom SQL has no default database, so datasets take :meth:`KpiQuery.sql_in`
(the table qualified by the Glue database). The stack rule ``queries-resolve-in-catalog``
checks both against the plan's Glue catalog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

QUERY_DIR = Path(__file__).resolve().parent / "queries"
TABLE = "events"
# The lake table after FROM or JOIN, not already qualified and not a longer name.
_TABLE_REF = re.compile(rf"\b(FROM|JOIN)(\s+){TABLE}\b(?![.\w])", re.IGNORECASE)


@dataclass(frozen=True)
class KpiQuery:
    """A named KPI query: its id (the file stem), a title and what it answers."""

    name: str
    title: str
    description: str
    columns: tuple[tuple[str, str], ...]  # output column -> QuickSight input column type

    @property
    def sql(self) -> str:
        """The query text, without a trailing semicolon (QuickSight custom SQL refuses one)."""
        return (QUERY_DIR / f"{self.name}.sql").read_text().strip().rstrip(";")

    def sql_in(self, database: str) -> str:
        """The query with every reference to the lake table qualified: ``"<database>".events``."""
        quoted = '"' + database.replace('"', '""') + '"'
        return _TABLE_REF.sub(lambda m: f"{m[1]}{m[2]}{quoted}.{TABLE}", self.sql)


QUERIES: tuple[KpiQuery, ...] = (
    KpiQuery("daily_active_users", "Daily active users",
             "Distinct users with any event per day, last 30 days.",
             (("day", "STRING"), ("active_users", "INTEGER"))),
    KpiQuery("new_listings_per_day", "New listings per day",
             "Listings created per day and category, last 30 days.",
             (("day", "STRING"), ("category", "STRING"), ("new_listings", "INTEGER"))),
    KpiQuery("listing_views", "Listing views",
             "Views and unique viewers per listing and day, last 7 days.",
             (("day", "STRING"), ("listing_id", "STRING"), ("views", "INTEGER"),
              ("unique_viewers", "INTEGER"))),
    KpiQuery("conversion_funnel", "Conversion funnel",
             "Registration to first listing and search to contact conversion, last 30 days.",
             (("funnel", "STRING"), ("entered", "INTEGER"), ("converted", "INTEGER"),
              ("conversion_rate", "DECIMAL"))),
    KpiQuery("popular_search_terms", "Popular search terms",
             "Most frequent normalised search terms, last 7 days.",
             (("term", "STRING"), ("searches", "INTEGER"),
              ("searches_with_results", "INTEGER"))),
    KpiQuery("search_success_rate", "Search success rate",
             "Share of searches with at least one result per day.",
             (("day", "STRING"), ("searches", "INTEGER"),
              ("searches_with_results", "INTEGER"), ("success_rate", "DECIMAL"))),
    KpiQuery("retention_weekly_cohort", "Retention by weekly cohort",
             "Share of each weekly sign-up cohort active in the following weeks.",
             (("cohort_week", "DATETIME"), ("weeks_since_signup", "INTEGER"),
              ("active_users", "INTEGER"), ("retention_rate", "DECIMAL"))),
    KpiQuery("revenue_per_day", "Revenue per day",
             "Payments and revenue (minor units) per day and currency, last 30 days.",
             (("day", "STRING"), ("currency", "STRING"), ("payments", "INTEGER"),
              ("revenue_minor", "INTEGER"))),
    KpiQuery("monthly_recurring_revenue", "Monthly recurring revenue",
             "Paying subscriptions and MRR (minor units) per currency now.",
             (("currency", "STRING"), ("paying_subscriptions", "INTEGER"),
              ("mrr_minor", "INTEGER"))),
    KpiQuery("trial_to_paid", "Trial-to-paid conversion",
             "Trials started per weekly cohort and the share converted, last 90 days.",
             (("cohort_week", "DATETIME"), ("trials", "INTEGER"), ("converted", "INTEGER"),
              ("conversion_rate", "DECIMAL"))),
    KpiQuery("subscription_churn", "Subscription churn",
             "Subscriptions cancelled per month over those paying at its start.",
             (("month", "DATETIME"), ("paying_at_start", "INTEGER"), ("cancelled", "INTEGER"),
              ("churn_rate", "DECIMAL"))),
    KpiQuery("onboarding_funnel", "Onboarding completion",
             "Users registered in the last 30 days who completed each onboarding step.",
             (("step", "STRING"), ("users", "INTEGER"), ("completion_rate", "DECIMAL"))),
    KpiQuery("feature_adoption", "Feature adoption",
             "Users and uses per feature, and the share of active users, last 30 days.",
             (("feature", "STRING"), ("users", "INTEGER"), ("uses", "INTEGER"),
              ("adoption_rate", "DECIMAL"))),
    KpiQuery("support_tickets", "Support tickets",
             "Tickets opened, resolved and open per day, and hours to resolve, last 90 days.",
             (("day", "STRING"), ("opened", "INTEGER"), ("resolved", "INTEGER"),
              ("open_tickets", "INTEGER"), ("hours_to_resolve", "DECIMAL"))),
    KpiQuery("customer_satisfaction", "Customer satisfaction",
             "Weekly NPS and mean CSAT with their response counts, last 90 days.",
             (("week", "DATETIME"), ("nps_responses", "INTEGER"), ("nps", "DECIMAL"),
              ("csat_responses", "INTEGER"), ("csat", "DECIMAL"))),
    KpiQuery("acquisition_by_channel", "Acquisition by channel",
             "Registrations per day and sign-up channel, last 30 days.",
             (("day", "STRING"), ("channel", "STRING"), ("registrations", "INTEGER"))),
    KpiQuery("deployments", "Deployments (DORA)",
             "Deployments, failures, change failure rate and lead time per stack and week.",
             (("week", "DATETIME"), ("stack", "STRING"), ("deployments", "INTEGER"),
              ("failed", "INTEGER"), ("change_failure_rate", "DECIMAL"),
              ("lead_time_p50_hours", "DECIMAL"), ("lead_time_p90_hours", "DECIMAL"))),
    # The incident records (docs/alerting.md#incident-records).
    KpiQuery("incident_response_times", "Incident response (MTTA, MTTR)",
             "Alerts raised, acknowledged and resolved, MTTA and MTTR per severity and week.",
             (("week", "DATETIME"), ("severity", "STRING"), ("raised", "INTEGER"),
              ("acknowledged", "INTEGER"), ("resolved", "INTEGER"),
              ("mtta_minutes", "DECIMAL"), ("mttr_minutes", "DECIMAL"),
              ("mttr_p90_minutes", "DECIMAL"))),
    KpiQuery("alarm_noise", "Alarm noise report",
             "Noisiest, flapping and never-acknowledged alerts per key, last 7 days.",
             (("alert_key", "STRING"), ("title", "STRING"), ("severity", "STRING"),
              ("raised", "INTEGER"), ("transitions", "INTEGER"),
              ("short_episodes", "INTEGER"), ("never_acknowledged", "INTEGER"),
              ("silences", "INTEGER"))),
)
