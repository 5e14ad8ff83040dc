"""The composites table's layers, their creation order, and the inhibitor's plan."""

from __future__ import annotations

from components.blocks.monitored_items import Kind, MonitoredItem
from components.observability import alarm_factory, composites
from functions.shared import dependency_graph


def test_every_composite_and_kind_names_a_layer_of_the_graph() -> None:
    layers = {s.layer for s in composites.COMPOSITES} | set(composites.LAYER_OF_KIND.values())
    assert layers <= set(dependency_graph.BY_NAME)
    # Queues and topics belong to no layer: a DLQ's depth holds nobody's page.
    assert Kind.SQS_QUEUE not in composites.LAYER_OF_KIND
    assert Kind.SNS_TOPIC not in composites.LAYER_OF_KIND


def test_layers_are_created_after_what_they_depend_on() -> None:
    ordered = [s.key for s in composites.in_dependency_order(composites.COMPOSITES)]
    assert ordered == ["data-tier-degraded", "pipeline-stalled", "api-degraded"]


def test_the_router_reads_each_composite_by_name() -> None:
    assert composites.layer_composites("m-prod") == {
        "m-prod-api-degraded-critical": "api",
        "m-prod-data-tier-degraded-critical": "dynamodb",
        "m-prod-pipeline-stalled-critical": "kinesis"}


def test_an_inhibitor_is_the_window_or_the_upstream_composites_and_notifies_nobody() -> None:
    planned = composites.inhibitor_plan(
        resource_name="obs-api-inhibitor", prefix="m-prod", layer="api",
        maintenance_name="m-prod-operations-maintenance-mode-maintenance",
        upstream=("m-prod-data-tier-degraded-critical", "m-prod-dax-degraded-critical"),
        runbook_url="https://r#inhibition")
    assert planned == alarm_factory.CompositePlan(
        resource_name="obs-api-inhibitor", alarm_name="m-prod-api-inhibitor-maintenance",
        description=(
            "[maintenance] In ALARM while a maintenance window is open or "
            "m-prod-data-tier-degraded-critical, m-prod-dax-degraded-critical is in ALARM; the "
            "actions suppressor of the api layer's composite alarms, notifying nobody itself. "
            "Runbook: https://r#inhibition"),
        severity="maintenance", runbook_url="https://r#inhibition",
        alarm_rule=('ALARM("m-prod-operations-maintenance-mode-maintenance") OR '
                    'ALARM("m-prod-data-tier-degraded-critical") OR '
                    'ALARM("m-prod-dax-degraded-critical")'),
        # Holds pages from the moment the upstream breaks and not a second after it recovers.
        wait_seconds=0, extension_seconds=0)
    assert alarm_factory.composite_problems(planned) == []


def _item(kind: Kind, name: str) -> MonitoredItem:
    return MonitoredItem(kind=kind, name=name, dimensions={}, region="eu-west-1", owner="team")


def _spec(mode: str) -> composites.CompositeSpec:
    return composites.CompositeSpec(
        key="k", title="t", mode=mode, layer="api", member_severity="warning",
        severity="critical",
        members=((Kind.API_STAGE, "5xx-rate"), (Kind.API_STAGE, "latency-p99")))


API, OTHER, TABLE = (_item(Kind.API_STAGE, "api"), _item(Kind.API_STAGE, "admin"),
                     _item(Kind.DYNAMODB_TABLE, "listings"))
NAMES = {
    ("api", "5xx-rate", "warning"): "a-5xx", ("api", "latency-p99", "warning"): "a-p99",
    ("admin", "5xx-rate", "warning"): "b-5xx",
    # Same item and metric at another severity: not a member.
    ("admin", "latency-p99", "critical"): "b-p99-critical",
    ("listings", "5xx-rate", "warning"): "t-5xx",
}


def test_all_per_item_ands_an_items_members_and_skips_an_item_missing_one() -> None:
    rule = composites.rule(_spec("all-per-item"), [API, OTHER, TABLE], NAMES)
    assert rule == '(ALARM("a-5xx") AND ALARM("a-p99"))'


def test_all_per_item_ors_the_items_that_have_every_member() -> None:
    names = {**NAMES, ("admin", "latency-p99", "warning"): "b-p99"}
    assert composites.rule(_spec("all-per-item"), [API, OTHER], names) == (
        '(ALARM("a-5xx") AND ALARM("a-p99")) OR (ALARM("b-5xx") AND ALARM("b-p99"))')


def test_any_ors_every_member_of_every_item_of_the_kinds_named() -> None:
    # An item without members first: the items after it still count.
    assert composites.rule(_spec("any"), [TABLE, API, OTHER], NAMES) == (
        'ALARM("a-5xx") OR ALARM("a-p99") OR ALARM("b-5xx")')


def test_no_member_alarm_means_no_composite() -> None:
    assert composites.rule(_spec("any"), [TABLE], NAMES) is None
    assert composites.rule(_spec("all-per-item"), [OTHER], NAMES) is None
    assert composites.rule(_spec("any"), [], NAMES) is None


def test_the_maintenance_alarm_is_in_alarm_while_the_metric_is_one() -> None:
    planned = composites.maintenance_plan(
        resource_name="obs-maintenance", prefix="m-dev", namespace="marketplace/dev",
        metric_name="MaintenanceMode", dimensions={"service": "operations"},
        runbook_url="https://r#maintenance")
    assert composites.maintenance_alarm_name("m-dev") == (
        "m-dev-operations-maintenance-mode-maintenance")
    assert planned == alarm_factory.AlarmPlan(
        resource_name="obs-maintenance",
        alarm_name="m-dev-operations-maintenance-mode-maintenance",
        description=("[maintenance] In ALARM while a maintenance window is open "
                     "(MaintenanceMode=1 in marketplace/dev); suppresses the composite "
                     "alarms' actions. Runbook: https://r#maintenance"),
        severity="maintenance", runbook_url="https://r#maintenance",
        namespace="marketplace/dev", comparison_operator="GreaterThanOrEqualToThreshold",
        threshold=1, period=60, evaluation_periods=1, datapoints_to_alarm=1,
        treat_missing_data="notBreaching", dimensions={"service": "operations"},
        metric_name="MaintenanceMode", statistic="Maximum")
