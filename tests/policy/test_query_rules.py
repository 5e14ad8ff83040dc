"""queries-resolve-in-catalog: named queries and custom SQL data sets against a Glue catalog."""

from __future__ import annotations

import pulumi_aws as aws
import pytest

from components.analytics.kpi_queries import QUERIES
from policy.rules import evaluate_plan
from policy.rules.queries import TableRef, table_refs
from tests.helpers import plan, run_program, stack_registry

RULE = "queries-resolve-in-catalog"
SOURCE = "arn:aws:quicksight:us-east-1:123456789012:datasource/lake"


def findings(*, named: str | None = None, database: str = "lake",
             custom: str | None = None) -> list[tuple[str, str]]:
    """A Glue database ``lake`` with table ``events``, and one query of each kind given."""

    def program() -> None:
        db = aws.glue.CatalogDatabase("lake", name="lake")
        aws.glue.CatalogTable("events", name="events", database_name=db.name)
        if named is not None:
            aws.athena.NamedQuery("kpi", name="kpi", database=database, query=named)
        if custom is not None:
            aws.quicksight.DataSet(
                "kpi-set", data_set_id="kpi", name="kpi", import_mode="SPICE",
                physical_table_maps=[{"physical_table_map_id": "kpi", "custom_sql": {
                    "data_source_arn": SOURCE, "name": "kpi", "sql_query": custom,
                    "columns": [{"name": "n", "type": "INTEGER"}]}}])

    return [(name, message) for _, name, message in
            evaluate_plan(plan(run_program("dev", program)), only=(RULE,))]


def test_named_query_reads_in_its_database() -> None:
    assert findings(named="SELECT count(*) AS n FROM events") == []
    assert findings(named='SELECT count(*) AS n FROM "lake".events') == []


def test_named_query_table_missing_from_its_database() -> None:
    assert findings(named="SELECT count(*) AS n FROM clicks") == [
        ("kpi", "named query (database lake): lake.clicks: table clicks is not in Glue "
                "database lake")]


def test_named_query_in_a_database_the_plan_lacks() -> None:
    assert findings(named="SELECT count(*) AS n FROM events", database="default") == [
        ("kpi", "named query (database default): default.events: database default is not "
                "in the plan's Glue catalog")]


def test_ctes_are_not_tables_but_a_cte_cannot_hide_a_missing_one() -> None:
    sql = "WITH e AS (SELECT * FROM events) SELECT count(*) AS n FROM e"
    assert findings(named=sql) == []
    assert [m for _, m in findings(named=sql.replace("FROM events", "FROM clicks"))] == [
        "named query (database lake): lake.clicks: table clicks is not in Glue database lake"]


def test_custom_sql_must_name_its_database() -> None:
    # The data sets' SQL before: the table alone, once per reference -> one finding.
    sql = "SELECT count(*) AS n FROM events UNION ALL SELECT count(*) AS n FROM events"
    assert findings(custom=sql) == [
        ("kpi-set", "custom SQL: table events is not qualified and QuickSight custom SQL runs "
                    "with no default database: write <database>.events")]


def test_custom_sql_qualified_in_the_catalog_passes() -> None:
    assert findings(custom='SELECT count(*) AS n FROM "lake".events') == []
    assert findings(custom='SELECT count(*) AS n FROM "AwsDataCatalog"."lake"."events"') == []


@pytest.mark.parametrize(("sql", "message"), [
    ("SELECT count(*) AS n FROM lake.clicks",
     "custom SQL: lake.clicks: table clicks is not in Glue database lake"),
    ("SELECT count(*) AS n FROM analytics.events",
     "custom SQL: analytics.events: database analytics is not in the plan's Glue catalog"),
    ("SELECT count(*) AS n FROM hive.lake.events",
     "custom SQL: hive.lake.events: catalog hive is not the Glue Data Catalog "
     "(AwsDataCatalog) the plan's tables are in"),
])
def test_custom_sql_pointing_elsewhere(sql: str, message: str) -> None:
    assert findings(custom=sql) == [("kpi-set", message)]


def test_sql_that_does_not_parse() -> None:
    [(name, message)] = findings(custom="SELECT count(* AS n FROM lake.events")
    assert name == "kpi-set"
    assert message.startswith("custom SQL: does not parse as trino SQL")


def test_table_refs_of_a_real_query() -> None:
    [retention] = [q for q in QUERIES if q.name == "retention_weekly_cohort"]
    assert set(table_refs(retention.sql)) == {TableRef("", "", "events")}
    assert set(table_refs(retention.sql_in("marketplace_prod_analytics"))) == {
        TableRef("", "marketplace_prod_analytics", "events")}


def test_prod_data_sets_name_the_lake_database() -> None:
    stack = plan(stack_registry("prod"))
    sets = stack.of_type("aws:quicksight/dataSet:DataSet")
    assert len(sets) == len(QUERIES)
    for data_set in sets:
        sql = data_set.props["physicalTableMaps"][0]["customSql"]["sqlQuery"]
        assert {r.database for r in table_refs(sql)} == {"marketplace_prod_analytics"}
