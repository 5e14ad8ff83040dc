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
)
