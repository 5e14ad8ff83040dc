"""Composite alarms (API degraded, data tier degraded, pipeline stalled) and the maintenance window.

Each composite is a row of :data:`COMPOSITES`: which catalog alarms it combines and how.
``all-per-item`` ANDs the members of one item and ORs the items ("5XX rate AND p99 latency
on some API"); ``any`` ORs every member alarm. All composites carry an ``actions_suppressor``
on the maintenance-window alarm, so planned work pages nobody: operators switch the
window on by putting ``MaintenanceMode=1`` into the stack namespace (see
docs/observability.md). A composite also stands for its ``layer`` of the dependency graph
(functions/shared/dependency_graph.py): where a layer it depends on has a composite too,
its critical composites' suppressor is the layer's inhibitor instead, which adds those
(alarm_factory.create_inhibitor; docs/alerting.md#inhibition).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from components.blocks.monitored_items import Kind, MonitoredItem
from components.observability import alarm_factory
from functions.shared import dependency_graph

MAINTENANCE_METRIC = "MaintenanceMode"
MAINTENANCE_DIMENSIONS = {"service": "operations"}


@dataclass(frozen=True)
class CompositeSpec:
    """One composite: member (kind, metric) pairs, the members' severity, how to combine."""

    key: str
    title: str
    mode: str  # "all-per-item" or "any"
    members: tuple[tuple[Kind, str], ...]
    member_severity: str
    severity: str
    layer: str


COMPOSITES: tuple[CompositeSpec, ...] = (
    CompositeSpec(
        key="api-degraded",
        title="API degraded: 5XX rate and p99 latency are both elevated",
        mode="all-per-item",
        members=((Kind.API_STAGE, "5xx-rate"), (Kind.API_STAGE, "latency-p99")),
        member_severity="warning",
        severity="critical",
        layer="api",
    ),
    CompositeSpec(
        key="data-tier-degraded",
        title="Data tier degraded: throttles or system errors on a table, index or DAX",
        mode="any",
        members=(
            (Kind.DYNAMODB_TABLE, "read-throttles"), (Kind.DYNAMODB_TABLE, "write-throttles"),
            (Kind.DYNAMODB_TABLE, "system-errors"), (Kind.DYNAMODB_GSI, "read-throttles"),
            (Kind.DYNAMODB_GSI, "write-throttles"), (Kind.DAX_CLUSTER, "throttled-requests"),
            (Kind.DAX_CLUSTER, "faults"),
        ),
        member_severity="critical",
        severity="critical",
        # DAX's own faults count too, but the table is what everything above needs.
        layer="dynamodb",
    ),
    CompositeSpec(
        key="pipeline-stalled",
        title="Pipeline stalled: stream consumers fall behind or Firehose stops delivering",
        mode="any",
        members=((Kind.KINESIS_STREAM, "iterator-age"), (Kind.LAMBDA, "iterator-age"),
                 (Kind.FIREHOSE, "data-freshness")),
        member_severity="critical",
        severity="critical",
        layer="kinesis",
    ),
)

# The layer of each kind's items: an SLO composite on an item is that layer's.
LAYER_OF_KIND: dict[Kind, str] = {
    Kind.CLOUDFLARE_ZONE: "cloudflare", Kind.CLOUDFRONT: "cdn", Kind.LAMBDA_EDGE: "cdn",
    Kind.API_STAGE: "api", Kind.LAMBDA: "functions", Kind.DAX_CLUSTER: "dax",
    Kind.ELASTICACHE: "dax", Kind.DYNAMODB_TABLE: "dynamodb", Kind.DYNAMODB_GSI: "dynamodb",
    Kind.EVENTBRIDGE_RULE: "bus", Kind.KINESIS_STREAM: "kinesis", Kind.FIREHOSE: "firehose",
}


def in_dependency_order(specs: Sequence[CompositeSpec]) -> list[CompositeSpec]:
    """``specs`` with every layer after the layers it depends on (a suppressor's members
    must exist first): a layer depends on strictly fewer layers than its dependents do."""
    return sorted(specs, key=lambda s: len(dependency_graph.upstream_of(s.layer)))


def layer_composites(prefix: str) -> dict[str, str]:
    """Each composite's alarm name and layer: what the alert router's inhibition reads."""
    return {alarm_factory.alarm_name(prefix, s.key, severity=s.severity): s.layer
            for s in COMPOSITES}

AlarmKey = tuple[str, str, str]  # (item name, metric, severity)


def rule(spec: CompositeSpec, items: Sequence[MonitoredItem],
         alarm_names: Mapping[AlarmKey, str]) -> str | None:
    """The alarm rule of ``spec`` over the alarms that exist, or None when none do."""
    groups: list[list[str]] = []
    for item in items:
        members = [
            alarm_names.get((item.name, metric, spec.member_severity))
            for kind, metric in spec.members if kind is item.kind
        ]
        present = [f'ALARM("{m}")' for m in members if m]
        if not present:
            continue
        if spec.mode == "all-per-item":
            if len(present) == len(members):
                groups.append(present)
        else:
            groups.extend([p] for p in present)
    if not groups:
        return None
    # The factory refuses a rule over CloudWatch's 10240 characters.
    return " OR ".join("(" + " AND ".join(g) + ")" if len(g) > 1 else g[0] for g in groups)


def maintenance_alarm_name(prefix: str) -> str:
    """``<prefix>-operations-maintenance-mode-maintenance``: item, metric, severity (topic)."""
    return alarm_factory.alarm_name(prefix, "operations", "maintenance-mode",
                                    severity="maintenance")


def maintenance_plan(
    *,
    resource_name: str,
    prefix: str,
    namespace: str,
    metric_name: str,
    dimensions: Mapping[str, str],
    runbook_url: str,
) -> alarm_factory.AlarmPlan:
    """The maintenance-window alarm: in ALARM while ``metric_name`` is 1 (it suppresses the
    composites' actions); named ``<prefix>-operations-maintenance-mode-maintenance``."""
    severity = "maintenance"
    return alarm_factory.AlarmPlan(
        resource_name=resource_name,
        alarm_name=maintenance_alarm_name(prefix),
        description=alarm_factory.describe(
            severity, f"In ALARM while a maintenance window is open ({metric_name}=1 in "
                      f"{namespace}); suppresses the composite alarms' actions.", runbook_url),
        severity=severity,
        runbook_url=runbook_url,
        namespace=namespace,
        comparison_operator="GreaterThanOrEqualToThreshold",
        threshold=1,
        period=60,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data="notBreaching",
        dimensions=dict(dimensions),
        metric_name=metric_name,
        statistic="Maximum",
    )


def inhibitor_plan(
    *,
    resource_name: str,
    prefix: str,
    layer: str,
    maintenance_name: str,
    upstream: tuple[str, ...],
    runbook_url: str,
) -> alarm_factory.CompositePlan:
    """A layer's inhibitor: in ALARM during maintenance or while a composite of a layer it
    depends on is; ``<prefix>-<layer>-inhibitor-maintenance`` (it only ever suppresses)."""
    severity = "maintenance"
    return alarm_factory.CompositePlan(
        resource_name=resource_name,
        alarm_name=alarm_factory.alarm_name(prefix, layer, "inhibitor", severity=severity),
        description=alarm_factory.describe(
            severity, f"In ALARM while a maintenance window is open or {', '.join(upstream)} "
                      f"is in ALARM; the actions suppressor of the {layer} layer's composite "
                      "alarms, notifying nobody itself.", runbook_url),
        severity=severity,
        runbook_url=runbook_url,
        alarm_rule=" OR ".join(f'ALARM("{n}")' for n in (maintenance_name, *upstream)),
        wait_seconds=0,
        extension_seconds=0,
    )
