"""QuickSight BI over the lake: Athena data source, SPICE datasets on the KPI queries, dashboard.

Behind ``analyticsQuicksightEnabled`` because it needs an account-level QuickSight
subscription. pulumi-aws 7 no longer takes an analysis or dashboard ``definition``, so the
dashboard is created through Cloud Control (``AWS::QuickSight::Dashboard``) from the visual
table below: one loop turns :data:`VISUALS` into the definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.analytics.kpi_queries import QUERIES, KpiQuery
from components.analytics.lake_catalog import table_arns
from components.blocks.service_role import service_role
from components.platform.context import StackContext

DATA_SOURCE_ACTIONS = [
    "quicksight:DescribeDataSource", "quicksight:DescribeDataSourcePermissions",
    "quicksight:PassDataSource", "quicksight:UpdateDataSource", "quicksight:DeleteDataSource",
    "quicksight:UpdateDataSourcePermissions",
]
DATA_SET_ACTIONS = [
    "quicksight:DescribeDataSet", "quicksight:DescribeDataSetPermissions",
    "quicksight:PassDataSet", "quicksight:DescribeIngestion", "quicksight:ListIngestions",
    "quicksight:UpdateDataSet", "quicksight:DeleteDataSet", "quicksight:CreateIngestion",
    "quicksight:CancelIngestion", "quicksight:UpdateDataSetPermissions",
]
DASHBOARD_ACTIONS = [
    "quicksight:DescribeDashboard", "quicksight:ListDashboardVersions",
    "quicksight:QueryDashboard",
]
# Refresh interval -> the schedule frequency fields QuickSight wants for it (times in UTC,
# outside business hours so SPICE ingestion does not compete with analysts' queries).
FREQUENCIES: dict[str, dict[str, Any]] = {
    "HOURLY": {},
    "DAILY": {"time_of_the_day": "03:00"},
    "WEEKLY": {"time_of_the_day": "03:00", "refresh_on_day": {"day_of_week": "MONDAY"}},
}


@dataclass(frozen=True)
class Visual:
    """One dashboard visual: sheet, chart kind, its dataset (query) and the columns it plots."""

    sheet: str
    visual_id: str
    title: str
    query: str
    chart: str  # "bar", "line" or "table"
    category: str
    value: str
    aggregation: str = "SUM"


VISUALS: tuple[Visual, ...] = (
    Visual("Listings", "new-listings", "New listings per day", "new_listings_per_day", "bar",
           "day", "new_listings"),
    Visual("Listings", "listings-by-category", "New listings by category",
           "new_listings_per_day", "bar", "category", "new_listings"),
    Visual("Listings", "listing-views", "Most viewed listings", "listing_views", "table",
           "listing_id", "views"),
    Visual("Users", "daily-active-users", "Daily active users", "daily_active_users", "line",
           "day", "active_users"),
    Visual("Users", "conversion", "Conversion funnel", "conversion_funnel", "bar", "funnel",
           "conversion_rate", "AVERAGE"),
    Visual("Users", "retention", "Retention by weekly cohort", "retention_weekly_cohort",
           "table", "weeks_since_signup", "retention_rate", "AVERAGE"),
    Visual("Search", "search-terms", "Popular search terms", "popular_search_terms", "bar",
           "term", "searches"),
    Visual("Search", "search-success", "Search success rate", "search_success_rate", "line",
           "day", "success_rate", "AVERAGE"),
)
_WELLS = {"bar": ("BarChartVisual", "BarChartAggregatedFieldWells", "Category"),
          "line": ("LineChartVisual", "LineChartAggregatedFieldWells", "Category"),
          "table": ("TableVisual", "TableAggregatedFieldWells", "GroupBy")}


def _column(query: str, column: str) -> dict[str, str]:
    return {"DataSetIdentifier": query, "ColumnName": column}


def visual_definition(v: Visual) -> dict[str, Any]:
    """The QuickSight ``Visual`` JSON of one table row."""
    kind, wells, group = _WELLS[v.chart]
    return {kind: {
        "VisualId": v.visual_id,
        "Title": {"Visibility": "VISIBLE", "FormatText": {"PlainText": v.title}},
        "ChartConfiguration": {"FieldWells": {wells: {
            group: [{"CategoricalDimensionField": {
                "FieldId": f"{v.visual_id}-{v.category}",
                "Column": _column(v.query, v.category)}}],
            "Values": [{"NumericalMeasureField": {
                "FieldId": f"{v.visual_id}-{v.value}",
                "Column": _column(v.query, v.value),
                "AggregationFunction": {"SimpleNumericalAggregation": v.aggregation}}}],
        }}},
    }}


def dashboard_definition(data_set_arns: dict[str, str]) -> dict[str, Any]:
    """The dashboard ``Definition``: one sheet per area, the visuals in table order."""
    sheets: dict[str, list[dict[str, Any]]] = {}
    for v in VISUALS:
        sheets.setdefault(v.sheet, []).append(visual_definition(v))
    used = sorted({v.query for v in VISUALS})
    return {
        "DataSetIdentifierDeclarations": [
            {"Identifier": q, "DataSetArn": data_set_arns[q]} for q in used
        ],
        "Sheets": [
            {"SheetId": sheet.lower(), "Name": sheet, "Visuals": visuals}
            for sheet, visuals in sheets.items()
        ],
    }


@dataclass(frozen=True)
class QuickSightArgs:
    """Inputs of :class:`QuickSight`: the stack context (prefix, account, region, key), the
    lake and catalog to read, who may see it (``user/<name>`` or ``group/<name>``), the refresh."""

    context: StackContext
    workgroup_name: pulumi.Input[str]
    workgroup_arn: pulumi.Input[str]
    database_name: pulumi.Input[str]
    table_name: pulumi.Input[str]
    lake_bucket_arn: pulumi.Input[str]
    results_bucket_arn: pulumi.Input[str]
    principal: str
    refresh_interval: str


class QuickSight(pulumi.ComponentResource):
    """Athena data source (through a least-privilege role), SPICE datasets with refresh
    schedules, and the listing/user/search dashboard, all shared with one principal.
    """

    data_source: aws.quicksight.DataSource
    data_sets: dict[str, aws.quicksight.DataSet]
    dashboard: aws.cloudcontrol.Resource

    def __init__(self, name: str, args: QuickSightArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:analytics:QuickSight", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        kind, _, who = args.principal.partition("/")
        principal_arn = pulumi.Output.concat(
            "arn:aws:quicksight:", args.context.region, ":", args.context.account_id, ":",
            kind, "/default/", who)
        role, policy = self._athena_role(name, args)
        self.data_source = aws.quicksight.DataSource(
            f"{name}-athena",
            data_source_id=f"{args.context.prefix}-athena",
            name=f"{args.context.prefix} events lake (Athena)",
            type="ATHENA",
            parameters=aws.quicksight.DataSourceParametersArgs(
                athena=aws.quicksight.DataSourceParametersAthenaArgs(
                    work_group=args.workgroup_name, role_arn=role.arn)),
            ssl_properties=aws.quicksight.DataSourceSslPropertiesArgs(disable_ssl=False),
            permissions=[aws.quicksight.DataSourcePermissionArgs(
                principal=principal_arn, actions=DATA_SOURCE_ACTIONS)],
            # CreateDataSource tests the connection with the role: its policy must exist.
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[policy])),
        )
        self.data_sets = {q.name: self._data_set(name, args, q, principal_arn) for q in QUERIES}
        dashboard_id = f"{args.context.prefix}-marketplace-kpis"
        self.dashboard = aws.cloudcontrol.Resource(
            f"{name}-dashboard",
            type_name="AWS::QuickSight::Dashboard",
            desired_state=pulumi.Output.json_dumps({
                "AwsAccountId": args.context.account_id,
                "DashboardId": dashboard_id,
                "Name": f"{args.context.prefix} marketplace KPIs",
                "Definition": pulumi.Output.all(
                    **{key: ds.arn for key, ds in self.data_sets.items()}
                ).apply(dashboard_definition),
                "Permissions": [{"Principal": principal_arn, "Actions": DASHBOARD_ACTIONS}],
                "DashboardPublishOptions": {
                    "AdHocFilteringOption": {"AvailabilityStatus": "ENABLED"},
                    "ExportToCSVOption": {"AvailabilityStatus": "ENABLED"},
                },
            }),
            opts=child,
        )
        self.register_outputs({"dataSourceArn": self.data_source.arn})

    def _athena_role(self, name: str,
                     args: QuickSightArgs) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
        child = pulumi.ResourceOptions(parent=self)
        role, policy = service_role(
            f"{name}-athena",
            service="quicksight.amazonaws.com",
            description="QuickSight queries the events lake through the analytics workgroup",
            statements=[
                {"Sid": "RunQueries", "Effect": "Allow",
                 "Action": ["athena:StartQueryExecution", "athena:GetQueryExecution",
                            "athena:GetQueryResults", "athena:StopQueryExecution",
                            "athena:GetWorkGroup"],
                 "Resource": args.workgroup_arn},
                {"Sid": "ReadCatalog", "Effect": "Allow",
                 "Action": ["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"],
                 "Resource": table_arns(args.context.region, args.context.account_id,
                                        args.database_name, args.table_name)},
                {"Sid": "ReadLake", "Effect": "Allow",
                 "Action": ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"],
                 "Resource": [args.lake_bucket_arn,
                              pulumi.Output.concat(args.lake_bucket_arn, "/*")]},
                {"Sid": "WriteResults", "Effect": "Allow",
                 "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket",
                            "s3:GetBucketLocation", "s3:AbortMultipartUpload",
                            "s3:ListMultipartUploadParts"],
                 "Resource": [args.results_bucket_arn,
                              pulumi.Output.concat(args.results_bucket_arn, "/*")]},
                {"Sid": "UseStackKey", "Effect": "Allow",
                 "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                 "Resource": args.context.kms_key_arn},
            ],
            opts=child,
        )
        return role, policy

    def _data_set(self, name: str, args: QuickSightArgs, query: KpiQuery,
                  principal_arn: pulumi.Output[str]) -> aws.quicksight.DataSet:
        child = pulumi.ResourceOptions(parent=self)
        slug = query.name.replace("_", "-")
        data_set = aws.quicksight.DataSet(
            f"{name}-{slug}",
            data_set_id=f"{args.context.prefix}-{slug}",
            name=query.title,
            import_mode="SPICE",
            physical_table_maps=[aws.quicksight.DataSetPhysicalTableMapArgs(
                physical_table_map_id=query.name.replace("_", "")[:32],
                custom_sql=aws.quicksight.DataSetPhysicalTableMapCustomSqlArgs(
                    data_source_arn=self.data_source.arn,
                    name=query.name,
                    # Custom SQL runs with no default database: name it in the query.
                    sql_query=pulumi.Output.from_input(args.database_name).apply(query.sql_in),
                    columns=[aws.quicksight.DataSetPhysicalTableMapCustomSqlColumnArgs(
                        name=column, type=kind) for column, kind in query.columns],
                ),
            )],
            permissions=[aws.quicksight.DataSetPermissionArgs(
                principal=principal_arn, actions=DATA_SET_ACTIONS)],
            opts=child,
        )
        aws.quicksight.RefreshSchedule(
            f"{name}-{slug}-refresh",
            data_set_id=data_set.data_set_id,
            schedule_id=f"{slug}-{args.refresh_interval.lower()}",
            schedule={
                "refresh_type": "FULL_REFRESH",
                "schedule_frequency": {"interval": args.refresh_interval, "timezone": "UTC",
                                       **FREQUENCIES[args.refresh_interval]},
            },
            opts=child,
        )
        return data_set
