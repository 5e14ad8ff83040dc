"""The KPI queries parse as Trino SQL and only use the lake table's columns."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from components.analytics.kpi_queries import QUERIES, TABLE, KpiQuery
from components.analytics.lake_schema import COLUMNS, PARTITION_KEYS, detail_fields

TOP_LEVEL = {c.name for c in (*COLUMNS, *PARTITION_KEYS)}


def parse(query: KpiQuery) -> exp.Expression:
    return sqlglot.parse_one(query.sql, read="trino")


def defined_names(tree: exp.Expression) -> set[str]:
    """Names the query itself defines: select aliases, CTE and subquery aliases, and the
    columns a table alias names (``UNNEST(...) AS m (month_start)``)."""
    names = {a.alias for a in tree.find_all(exp.Alias)}
    names |= {c.name for t in tree.find_all(exp.TableAlias) for c in t.columns}
    names |= {t.alias_or_name for t in tree.find_all(exp.CTE)}
    names |= {s.alias for s in tree.find_all(exp.Subquery) if s.alias}
    return names


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_query_parses_as_trino(query: KpiQuery) -> None:
    tree = parse(query)
    assert isinstance(tree, exp.Query)
    # Round-trips through the Presto dialect too (Athena engine 3 is Trino-based).
    assert sqlglot.transpile(query.sql, read="trino", write="presto")


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_query_reads_only_the_events_table(query: KpiQuery) -> None:
    tree = parse(query)
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    tables = {t.name for t in tree.find_all(exp.Table)}
    assert TABLE in tables
    assert tables <= ctes | {TABLE}


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_query_references_only_table_columns(query: KpiQuery) -> None:
    tree = parse(query)
    fields = set(detail_fields())
    own = defined_names(tree)
    for column in tree.find_all(exp.Column):
        if column.table == "detail":
            assert column.name in fields, f"detail.{column.name}"
        elif column.table:
            # Qualified by a CTE/subquery alias: must be a column that alias defines.
            assert column.name in own | TOP_LEVEL, f"{column.table}.{column.name}"
        else:
            assert column.name in TOP_LEVEL | own, column.name


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_declared_output_columns_match_the_select(query: KpiQuery) -> None:
    tree = parse(query)
    outputs = tree.named_selects if not isinstance(tree, exp.Union) else tree.left.named_selects
    assert outputs == [name for name, _type in query.columns]


def test_a_bad_column_would_be_caught() -> None:
    bad = KpiQuery("daily_active_users", "t", "d", ())
    tree = sqlglot.parse_one(bad.sql.replace("detail.user_id", "detail.visitor_id", 1),
                             read="trino")
    names = {c.name for c in tree.find_all(exp.Column) if c.table == "detail"}
    assert not names <= set(detail_fields())


def test_every_kpi_of_the_seed_has_a_query() -> None:
    assert {q.name for q in QUERIES} == {
        "daily_active_users", "new_listings_per_day", "listing_views", "conversion_funnel",
        "popular_search_terms", "search_success_rate", "retention_weekly_cohort",
        "revenue_per_day", "monthly_recurring_revenue", "trial_to_paid", "subscription_churn",
        "onboarding_funnel", "feature_adoption", "support_tickets", "customer_satisfaction",
        "acquisition_by_channel", "deployments", "incident_response_times", "alarm_noise"}


def test_sql_in_qualifies_every_lake_table_reference_and_nothing_else() -> None:
    query = KpiQuery("retention_weekly_cohort", "t", "d", ())
    qualified = query.sql_in("marketplace_dev_analytics")
    assert qualified.count('FROM "marketplace_dev_analytics".events') == 2
    assert "FROM events" not in qualified
    # CTE names and the column event_time are left alone.
    assert "FROM cohorts" in qualified
    assert "from_iso8601_timestamp(event_time)" in qualified
    assert qualified.replace('"marketplace_dev_analytics".', "") == query.sql
