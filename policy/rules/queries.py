"""Stack rule: every saved query names tables that exist where its engine will look for them.

An Athena named query runs in the database it names; a QuickSight custom SQL data set runs
with no database at all. A table the query leaves unqualified, or qualifies with a database
or table the plan's Glue catalog does not have, fails only when the query first runs (a
dashboard refresh at night), never at deploy time. The queries are parsed with sqlglot in
the Trino dialect (Athena engine version 3).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from ..plan import Plan, PlanResource, as_list
from . import stack_rule

GLUE_DATABASE = "aws:glue/catalogDatabase:CatalogDatabase"
GLUE_TABLE = "aws:glue/catalogTable:CatalogTable"
NAMED_QUERY = "aws:athena/namedQuery:NamedQuery"
DATA_SET = "aws:quicksight/dataSet:DataSet"
DEFAULT_CATALOG = "awsdatacatalog"  # Athena's name for the account's Glue Data Catalog
DIALECT = "trino"


@dataclass(frozen=True)
class TableRef:
    """A table a query reads: catalog and database as written ("" when left out)."""

    catalog: str
    database: str
    name: str


def table_refs(sql: str) -> list[TableRef]:
    """Every base table the query reads (CTE names excluded); raises ``ParseError``."""
    tree = sqlglot.parse_one(sql, read=DIALECT)
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    return [TableRef(t.catalog, t.db, t.name) for t in tree.find_all(exp.Table)
            if t.name and (t.db or t.name.lower() not in ctes)]


def glue_catalog(plan: Plan) -> dict[str, set[str]]:
    """Database name -> its table names, from the plan (Glue names are lower case)."""
    found: dict[str, set[str]] = {str(d.props["name"]).lower(): set()
                                  for d in plan.of_type(GLUE_DATABASE)
                                  if isinstance(d.props.get("name"), str)}
    for table in plan.of_type(GLUE_TABLE):
        database, name = table.props.get("databaseName"), table.props.get("name")
        if isinstance(database, str) and isinstance(name, str):
            found.setdefault(database.lower(), set()).add(name.lower())
    return found


def _problems(sql: str, default_database: str | None,
              catalog: Mapping[str, set[str]]) -> Iterator[str]:
    try:
        refs = table_refs(sql)
    except ParseError as error:
        yield f"does not parse as {DIALECT} SQL: {str(error).splitlines()[0]}"
        return
    for ref in refs:
        if ref.catalog and ref.catalog.lower() != DEFAULT_CATALOG:
            yield (f"{ref.catalog}.{ref.database}.{ref.name}: catalog {ref.catalog} is not "
                   "the Glue Data Catalog (AwsDataCatalog) the plan's tables are in")
            continue
        database = ref.database or default_database
        if not database:
            yield (f"table {ref.name} is not qualified and QuickSight custom SQL runs with no "
                   f"default database: write <database>.{ref.name}")
        elif database.lower() not in catalog:
            yield f"{database}.{ref.name}: database {database} is not in the plan's Glue catalog"
        elif ref.name.lower() not in catalog[database.lower()]:
            yield f"{database}.{ref.name}: table {ref.name} is not in Glue database {database}"


def _custom_sql(data_set: PlanResource) -> Iterator[str]:
    for table_map in as_list(data_set.props.get("physicalTableMaps")):
        if isinstance(table_map, Mapping):
            sql = (table_map.get("customSql") or {}).get("sqlQuery")
            if isinstance(sql, str):
                yield sql


@stack_rule("queries-resolve-in-catalog",
            "Every Athena named query and QuickSight custom SQL data set reads only tables "
            "that exist in the plan's Glue catalog, in the database its engine resolves "
            "them in: the named query's database, and for QuickSight (no default database) "
            "the one the SQL names.")
def check_queries(plan: Plan) -> Iterator[tuple[str, str]]:
    """A query's tables resolve in its engine's default context.

    Athena named queries run in their ``Database`` (required):
    https://docs.aws.amazon.com/athena/latest/APIReference/API_CreateNamedQuery.html ; a
    query's unqualified tables resolve in the query execution context's database, in
    catalog ``AwsDataCatalog`` by default:
    https://docs.aws.amazon.com/athena/latest/APIReference/API_QueryExecutionContext.html .
    QuickSight custom SQL has a data source, a name, the SQL and columns, and no database
    or schema (unlike ``RelationalTable``'s ``Catalog``/``Schema``), so it must name the
    database itself: https://docs.aws.amazon.com/quicksight/latest/APIReference/API_CustomSql.html
    and https://docs.aws.amazon.com/quicksight/latest/APIReference/API_RelationalTable.html .
    Tables come from the plan's ``glue.CatalogDatabase`` and ``glue.CatalogTable``.
    """
    catalog = glue_catalog(plan)
    for query in plan.of_type(NAMED_QUERY):
        sql, database = query.props.get("query"), query.props.get("database")
        if isinstance(sql, str) and isinstance(database, str):
            # A table read in several places is one problem.
            for problem in dict.fromkeys(_problems(sql, database, catalog)):
                yield query.name, f"named query (database {database}): {problem}"
    for data_set in plan.of_type(DATA_SET):
        for sql in _custom_sql(data_set):
            for problem in dict.fromkeys(_problems(sql, None, catalog)):
                yield data_set.name, f"custom SQL: {problem}"
