"""The composites table's layers, their creation order, and the inhibitor's plan."""

from __future__ import annotations

from components.blocks.monitored_items import Kind
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
        upstream=("m-prod-data-tier-degraded-critical",), runbook_url="https://r#inhibition")
    assert planned.alarm_name == "m-prod-api-inhibitor-maintenance"
    assert planned.alarm_rule == ('ALARM("m-prod-operations-maintenance-mode-maintenance") OR '
                                  'ALARM("m-prod-data-tier-degraded-critical")')
    assert planned.description == (
        "[maintenance] In ALARM while a maintenance window is open or "
        "m-prod-data-tier-degraded-critical is in ALARM; the actions suppressor of the api "
        "layer's composite alarms, notifying nobody itself. Runbook: https://r#inhibition")
    assert alarm_factory.composite_problems(planned) == []
