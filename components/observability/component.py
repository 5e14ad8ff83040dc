"""The observability component: everything watched is derived from the monitored items.

One loop over items x catalog specs x severities makes the metric alarms through the one
alarm factory; composites, anomaly bands, SLO burn rates, security filters, tracing, saved
queries, RUM, the canary and the four dashboards are built from the same items and alarms.
Nothing here names a particular function, table or stream.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import pulumi
import pulumi_aws as aws

from components.blocks.monitored_items import GLOBAL_KINDS, Kind, MonitoredItem
from components.config import ObservabilityConfig
from components.edge.component import page_hostnames
from components.observability import (
    alarm_factory,
    anomaly,
    composites,
    dashboards,
    log_queries,
    security_filters,
    slo,
)
from components.observability.canary import HealthCanary
from components.observability.catalog import SEVERITIES, specs_for
from components.observability.composites import AlarmKey
from components.observability.dashboards import AlarmRef, DashboardInputs
from components.observability.rum import Rum
from components.observability.thresholds import Thresholds
from components.observability.tracing import Tracing
from components.platform.alert_topics import EDGE_REGION
from components.platform.context import StackContext
from functions.shared import dependency_graph

REQUIRED_TOPICS = alarm_factory.SEVERITIES


class Watched(Protocol):
    """Anything that records what it creates as monitored items."""

    monitored_items: tuple[MonitoredItem, ...]


def collect(components: Iterable[Watched]) -> list[MonitoredItem]:
    """Every monitored item of ``components``, in order."""
    return [item for component in components for item in component.monitored_items]


@dataclass(frozen=True)
class ObservabilityArgs:
    """Inputs of :class:`Observability`.

    ``context`` gives the names, region, keys, the us-east-1 provider (alarms on CloudFront
    metrics), the severity topics in the stack region and in us-east-1 (critical, warning,
    info, maintenance) and the access log target; ``items`` are every component's
    ``monitored_items``; ``security_alarm_arns`` are alarms other components made (the CIS
    checks), shown on the executive board's security status beside the audit-log alarms.
    """

    context: StackContext
    config: ObservabilityConfig
    items: Sequence[MonitoredItem]
    audit_log_group_name: pulumi.Input[str]
    security_alarm_arns: Sequence[pulumi.Input[str]] = ()


class Observability(pulumi.ComponentResource):
    """Alarms, composites, anomaly and SLO alarms, dashboards, tracing, queries, RUM, canary."""

    alarms: dict[str, aws.cloudwatch.MetricAlarm]
    alarm_arns: dict[str, pulumi.Output[str]]
    composite_alarms: dict[str, aws.cloudwatch.CompositeAlarm]
    inhibitors: dict[str, aws.cloudwatch.CompositeAlarm]
    dashboard_names: dict[str, pulumi.Output[str]]
    rum_snippet: dict[str, pulumi.Input[object]] | None
    canary_name: pulumi.Output[str] | None

    def __init__(self, name: str, args: ObservabilityArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:observability:Observability", name, None, opts)
        ctx = args.context
        missing = [s for s in REQUIRED_TOPICS if s not in ctx.topic_arns]
        if missing:
            raise ValueError(f"topic_arns lacks the severities {', '.join(missing)}")
        self._name, self._ctx, self._cfg = name, ctx, args.config
        self._child = pulumi.ResourceOptions(parent=self)
        items = tuple(args.items)
        _check_unique(items)
        _check_regions(items, ctx.region)
        thresholds = Thresholds(args.config.alarm_thresholds)
        thresholds.validate(items)

        self.alarms = {}
        self.composite_alarms = {}
        self.inhibitors = {}
        # The composites of COMPOSITES by layer, which the inhibitors of their dependents name.
        self._layer_composites: dict[str, dict[str, aws.cloudwatch.CompositeAlarm]] = {}
        refs, names = self._catalog_alarms(items, thresholds)
        maintenance = self._maintenance_alarm()
        self._composites(items, names, maintenance)
        anomaly_arns = self._anomaly_alarms(items)
        slo_arns = self._slo_alarms(items, maintenance)
        security = self._security_alarms(items, args.audit_log_group_name)
        log_groups = self._tracing_and_queries(items)
        rum_name = self._rum()
        canary_arns = self._canary()
        self._dashboards(DashboardInputs(
            prefix=ctx.prefix, region=ctx.region, namespace=ctx.metrics_namespace,
            start_hours=self._cfg.dashboard_start_hours, items=items, alarms=refs,
            band_width=self._cfg.anomaly_band_width,
            composite_arns=[c.arn for c in self.composite_alarms.values()],
            slo_arns=slo_arns, anomaly_arns=anomaly_arns,
            security_arns=[*args.security_alarm_arns, *(a.arn for a in security.values())],
            log_groups=log_groups,  # type: ignore[arg-type]
            rum_app_name=rum_name, canary_name=self.canary_name, extra_status=canary_arns,
            marketing_spend_monthly_usd=self._cfg.marketing_spend_monthly_usd))

        self.alarm_arns = {n: a.arn for n, a in self.alarms.items()}
        self.register_outputs({
            "dashboards": self.dashboard_names,
            "compositeAlarms": {k: c.arn for k, c in self.composite_alarms.items()},
        })

    def _add(self, planned: alarm_factory.AlarmPlan, *,
             edge: bool = False) -> aws.cloudwatch.MetricAlarm:
        """Create ``planned`` under this component (in us-east-1 with its topics if ``edge``)."""
        ctx = self._ctx
        # CloudFront's metrics exist only in us-east-1, so its alarms and their topics do too.
        opts = (pulumi.ResourceOptions(parent=self, provider=ctx.us_east_1) if edge
                else self._child)
        topics = dict(ctx.edge_topic_arns if edge else ctx.topic_arns)
        watchdog = ctx.edge_alert_path_arn if edge else ctx.alert_path_arn
        if watchdog is not None:
            topics[alarm_factory.ALERT_PATH] = watchdog
        alarm = alarm_factory.create(planned, topics, opts)
        self.alarms[planned.alarm_name] = alarm
        return alarm

    def _catalog_alarms(self, items: tuple[MonitoredItem, ...], thresholds: Thresholds,
                        ) -> tuple[dict[AlarmKey, AlarmRef], dict[AlarmKey, str]]:
        """One loop over items x catalog specs x severities; the refs and names by key."""
        ctx = self._ctx
        refs: dict[AlarmKey, AlarmRef] = {}
        names: dict[AlarmKey, str] = {}
        for item in items:
            in_edge = item.region == EDGE_REGION and ctx.region != EDGE_REGION
            on_edge = item.kind in GLOBAL_KINDS or in_edge
            for spec in specs_for(item):
                for severity in SEVERITIES:
                    threshold = thresholds.resolve(item, spec, severity)
                    if threshold is None or not ctx.keeps_alarm(severity):
                        continue
                    planned = alarm_factory.plan(
                        component=self._name, prefix=ctx.prefix,
                        runbook_base_url=ctx.runbook_base_url, item=item, spec=spec,
                        severity=severity, threshold=threshold.value,
                        configured=threshold.configured)
                    alarm = self._add(planned, edge=on_edge)
                    key = (item.name, spec.metric, severity)
                    names[key] = planned.alarm_name
                    refs[key] = AlarmRef(planned.alarm_name, alarm.arn, threshold.value)
        return refs, names

    def _maintenance_alarm(self) -> aws.cloudwatch.MetricAlarm:
        """The maintenance window every composite has as its actions suppressor."""
        ctx = self._ctx
        return self._add(composites.maintenance_plan(
            resource_name=f"{self._name}-maintenance-window", prefix=ctx.prefix,
            namespace=ctx.metrics_namespace, metric_name=composites.MAINTENANCE_METRIC,
            dimensions=composites.MAINTENANCE_DIMENSIONS,
            runbook_url=alarm_factory.runbook(ctx.runbook_base_url,
                                              "operations-maintenance-mode")))

    def _composite(self, planned: alarm_factory.CompositePlan, key: str,
                   maintenance: aws.cloudwatch.MetricAlarm,
                   members: Sequence[aws.cloudwatch.MetricAlarm], layer: str | None,
                   ) -> aws.cloudwatch.CompositeAlarm:
        """Create ``planned`` after its members and its suppressor exist."""
        # The page, not the ticket, waits on the layers below: a warning keeps the window only.
        suppressor, suppressor_name = self._suppressor(
            layer if planned.severity == "critical" else None, maintenance)
        composite = alarm_factory.create_composite(
            planned, self._ctx.topic_arns, suppressor_name,
            pulumi.ResourceOptions(parent=self, depends_on=[suppressor, *members]))
        self.composite_alarms[key] = composite
        return composite

    def _suppressor(self, layer: str | None, maintenance: aws.cloudwatch.MetricAlarm,
                    ) -> tuple[pulumi.Resource, pulumi.Input[str]]:
        """The maintenance alarm, or the layer's inhibitor when a layer it depends on has
        composites (``inhibitorComposites``; the router holds the other pages): the
        resource and its alarm name."""
        upstream = {n: c for u in (dependency_graph.upstream_of(layer) if layer else ())
                    for n, c in self._layer_composites.get(u, {}).items()}
        if layer is None or not upstream or not self._cfg.inhibitor_composites:
            return maintenance, maintenance.name
        if layer not in self.inhibitors:
            ctx = self._ctx
            planned = composites.inhibitor_plan(
                resource_name=f"{self._name}-{layer}-inhibitor", prefix=ctx.prefix,
                layer=layer, maintenance_name=composites.maintenance_alarm_name(ctx.prefix),
                upstream=tuple(upstream),
                runbook_url=alarm_factory.runbook(ctx.runbook_base_url, "inhibition"))
            self.inhibitors[layer] = alarm_factory.create_inhibitor(
                planned, layer,
                pulumi.ResourceOptions(parent=self,
                                       depends_on=[maintenance, *upstream.values()]))
        return self.inhibitors[layer], self.inhibitors[layer].alarm_name

    def _composites(self, items: tuple[MonitoredItem, ...], names: Mapping[AlarmKey, str],
                    maintenance: aws.cloudwatch.MetricAlarm) -> None:
        """API degraded, data tier degraded, pipeline stalled: stack-region members only,
        each layer after the layers it depends on (their composites feed its inhibitor)."""
        ctx, cfg = self._ctx, self._cfg
        regional_items = tuple(i for i in items if i.region == ctx.region
                               and i.kind not in GLOBAL_KINDS)
        for spec in composites.in_dependency_order(composites.COMPOSITES):
            rule = composites.rule(spec, regional_items, names)
            if rule is None or not ctx.keeps_alarm(spec.severity):
                continue
            members = [self.alarms[n] for n in names.values() if f'"{n}"' in rule]
            planned = alarm_factory.composite_plan(
                resource_name=f"{self._name}-{spec.key}", prefix=ctx.prefix,
                parts=(spec.key,), severity=spec.severity, summary=f"{spec.title}.",
                runbook_url=alarm_factory.runbook(ctx.runbook_base_url,
                                                  f"composite-{spec.key}"),
                alarm_rule=rule, wait_seconds=cfg.maintenance_wait_seconds,
                extension_seconds=cfg.maintenance_extension_seconds)
            composite = self._composite(planned, spec.key, maintenance, members, spec.layer)
            self._layer_composites.setdefault(spec.layer, {})[planned.alarm_name] = composite

    def _anomaly_alarms(self, items: tuple[MonitoredItem, ...]) -> list[pulumi.Output[str]]:
        """Anomaly bands on the business metrics and every API's request rate."""
        ctx = self._ctx
        arns: list[pulumi.Output[str]] = []
        if not ctx.keeps_alarm(anomaly.SEVERITY):
            return arns
        for subject, spec, namespace, dimensions in anomaly.targets(items,
                                                                   ctx.metrics_namespace):
            short = alarm_factory.short_name(ctx.prefix, subject)
            alarm = self._add(alarm_factory.anomaly_plan(
                resource_name=f"{self._name}-{short}-{spec.key}-anomaly", prefix=ctx.prefix,
                subject=short, key=spec.key, severity=anomaly.SEVERITY, title=spec.title,
                expression=spec.expression, metrics=spec.metrics, comparison=spec.comparison,
                period=spec.period, evaluation_periods=spec.evaluation_periods,
                datapoints_to_alarm=spec.datapoints_to_alarm, namespace=namespace,
                dimensions=dimensions, band_width=self._cfg.anomaly_band_width,
                runbook_url=alarm_factory.runbook(ctx.runbook_base_url,
                                                  anomaly.runbook_anchor(spec))))
            arns.append(alarm.arn)
        return arns

    def _slo_alarms(self, items: tuple[MonitoredItem, ...],
                    maintenance: aws.cloudwatch.MetricAlarm) -> list[pulumi.Output[str]]:
        """Per SLO objective and burn rate: a long and a short window and their AND."""
        ctx, cfg = self._ctx, self._cfg
        arns: list[pulumi.Output[str]] = []
        for item in slo.items_with_slo(items):
            short = alarm_factory.short_name(ctx.prefix, item.name)
            assert item.slo is not None  # items_with_slo keeps only those
            for objective in slo.objectives(item.slo):
                url = alarm_factory.runbook(ctx.runbook_base_url,
                                            f"slo-{objective.name}-burn-rate")
                # The windows only feed the composite: kept or dropped with it.
                for rate in (r for r in slo.BURN_RATES if ctx.keeps_alarm(r.severity)):
                    key = f"{short}-slo-{objective.name}-{rate.key}"
                    windows = [alarm_factory.slo_window_plan(
                        resource_name=f"{self._name}-{key}-{label}", prefix=ctx.prefix,
                        parts=(key, label), severity=slo.WINDOW_SEVERITY,
                        summary=(f"{item.name} {objective.name} SLO burns at "
                                 f"{rate.factor:g}x or more over {label} (one window of "
                                 f"{ctx.prefix}-{key})."),
                        runbook_url=url, budget=objective.budget, factor=rate.factor,
                        window_seconds=seconds, latency_ms=objective.latency_ms,
                        dimensions=item.dimensions)
                        for seconds in (rate.long_seconds, rate.short_seconds)
                        for label in (slo.window_label(seconds),)]
                    members = [self._add(w) for w in windows]
                    planned = alarm_factory.composite_plan(
                        resource_name=f"{self._name}-{key}", prefix=ctx.prefix,
                        parts=(key,), severity=rate.severity,
                        summary=(f"{item.name} {objective.name} error budget burns at "
                                 f"{rate.factor:g}x over both "
                                 f"{slo.window_label(rate.long_seconds)} and "
                                 f"{slo.window_label(rate.short_seconds)}."),
                        runbook_url=url,
                        alarm_rule=" AND ".join(f'ALARM("{w.alarm_name}")' for w in windows),
                        wait_seconds=cfg.maintenance_wait_seconds,
                        extension_seconds=cfg.maintenance_extension_seconds)
                    arns.append(self._composite(planned, key, maintenance, members,
                                                composites.LAYER_OF_KIND.get(item.kind)).arn)
        return arns

    def _security_alarms(self, items: tuple[MonitoredItem, ...],
                         audit_log_group_name: pulumi.Input[str],
                         ) -> dict[str, aws.cloudwatch.MetricAlarm]:
        """Metric filters and alarms on the audit log and the API access logs."""
        ctx = self._ctx
        security = security_filters.create(
            self._name, prefix=ctx.prefix, namespace=ctx.metrics_namespace,
            log_group_name=audit_log_group_name,
            access_log_groups=[i.attributes["access_log_group"] for i in items
                               if i.kind is Kind.API_STAGE
                               and i.attributes.get("access_log_group") is not None],
            thresholds=self._cfg.security_alarm_thresholds, topic_arns=ctx.topic_arns,
            keeps_alarm=ctx.keeps_alarm,
            runbook_base_url=ctx.runbook_base_url, opts=self._child)
        self.alarms.update(security)
        return security

    def _tracing_and_queries(self, items: tuple[MonitoredItem, ...]) -> list[object]:
        """X-Ray sampling and groups; saved queries over every function's log group."""
        Tracing(self._name, self._ctx.prefix, self._cfg, self._child)
        log_groups = [i.attributes["log_group"] for i in items
                      if i.kind is Kind.LAMBDA and i.attributes.get("log_group") is not None]
        log_queries.create(self._name, self._ctx.prefix, log_groups,  # type: ignore[arg-type]
                           self._child)
        return log_groups

    def _rum(self) -> str | None:
        """The RUM app monitor when ``rumEnabled``; its name (None when off)."""
        ctx, cfg = self._ctx, self._cfg
        self.rum_snippet = None
        if not cfg.rum_enabled:
            return None
        rum = Rum(self._name, prefix=ctx.prefix, domain=ctx.platform.domain,
                  hosts=page_hostnames(ctx.platform.domain), region=ctx.region,
                  account_id=ctx.account_id,
                  session_sample_rate=cfg.rum_session_sample_rate, opts=self._child)
        self.rum_snippet = rum.snippet
        return rum.name

    def _canary(self) -> list[pulumi.Input[str]]:
        """The health canary when ``canaryEnabled``; its alarm's ARN for the status widgets."""
        ctx, cfg = self._ctx, self._cfg
        self.canary_name = None
        if not cfg.canary_enabled:
            return []
        canary = HealthCanary(
            self._name, context=ctx,
            url=f"https://{ctx.platform.domain}{cfg.canary_health_path}",
            runtime_version=cfg.canary_runtime_version,
            interval_minutes=cfg.canary_interval_minutes,
            retention_days=cfg.canary_retention_days, opts=self._child)
        self.canary_name = canary.canary_name
        self.alarms[canary.alarm_name] = canary.alarm
        return [canary.alarm.arn]

    def _dashboards(self, inputs: DashboardInputs) -> None:
        """The four dashboards, each split into pages CloudWatch accepts."""
        self.dashboard_names = {}
        chosen = self._cfg.dashboards
        for key, build in ((k, b) for k, b in dashboards.BUILDERS.items() if k in chosen):
            for page, body in enumerate(dashboards.paginate(build(inputs)), start=1):
                suffix = "" if page == 1 else f"-{page}"
                board = aws.cloudwatch.Dashboard(
                    f"{self._name}-dashboard-{key}{suffix}",
                    dashboard_name=f"{self._ctx.prefix}-{key}{suffix}",
                    dashboard_body=pulumi.Output.json_dumps(body),
                    opts=self._child,
                )
                self.dashboard_names[f"{key}{suffix}"] = board.dashboard_name


def _check_regions(items: tuple[MonitoredItem, ...], region: str) -> None:
    """Alarms exist in the stack region or us-east-1 (CloudFront); refuse any other."""
    stray = [f"{i.name} ({i.region})" for i in items if i.region not in (region, EDGE_REGION)]
    if stray:
        raise ValueError(f"monitored items outside {region} and {EDGE_REGION} cannot be "
                         f"alarmed from this stack: {', '.join(stray)}")


def _check_unique(items: tuple[MonitoredItem, ...]) -> None:
    """Two items with one name would give two alarms one name; say which."""
    seen: dict[str, MonitoredItem] = {}
    for item in items:
        if item.name in seen and seen[item.name] is not item:
            raise ValueError(f"two monitored items are named {item.name!r} "
                             f"({seen[item.name].kind.value} and {item.kind.value})")
        seen[item.name] = item
