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

from components.blocks.monitored_items import Kind, MonitoredItem
from components.config import ObservabilityConfig, PlatformConfig
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
from components.observability.dashboards import AlarmRef, DashboardInputs
from components.observability.rum import Rum
from components.observability.thresholds import Thresholds
from components.observability.tracing import Tracing
from components.platform.alert_topics import EDGE_REGION

REQUIRED_TOPICS = ("critical", "warning", "info", "maintenance")


class Watched(Protocol):
    """Anything that records what it creates as monitored items."""

    monitored_items: tuple[MonitoredItem, ...]


def collect(components: Iterable[Watched]) -> list[MonitoredItem]:
    """Every monitored item of ``components``, in order."""
    return [item for component in components for item in component.monitored_items]


@dataclass(frozen=True)
class ObservabilityArgs:
    """Inputs of :class:`Observability`.

    ``items`` are every component's ``monitored_items``; ``topic_arns`` maps severity
    (critical, warning, info, maintenance) to the stack-region SNS topic ARN;
    ``us_east_1_provider`` creates the alarms on CloudFront metrics; ``edge_topic_arns``
    are the severity topics in ``us-east-1`` those alarms notify (``AlertTopics.edge_arns``).
    """

    platform: PlatformConfig
    config: ObservabilityConfig
    items: Sequence[MonitoredItem]
    topic_arns: Mapping[str, pulumi.Input[str]]
    audit_log_group_name: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    account_id: pulumi.Input[str]
    us_east_1_provider: aws.Provider
    edge_topic_arns: Mapping[str, pulumi.Input[str]]
    # The stack's S3 server access log target (None: the buckets do not log access).
    access_log_bucket: pulumi.Input[str] | None = None


class Observability(pulumi.ComponentResource):
    """Alarms, composites, anomaly and SLO alarms, dashboards, tracing, queries, RUM, canary."""

    alarms: dict[str, aws.cloudwatch.MetricAlarm]
    alarm_arns: dict[str, pulumi.Output[str]]
    composite_alarms: dict[str, aws.cloudwatch.CompositeAlarm]
    dashboard_names: dict[str, pulumi.Output[str]]
    rum_snippet: dict[str, pulumi.Input[object]] | None
    canary_name: pulumi.Output[str] | None

    def __init__(self, name: str, args: ObservabilityArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:observability:Observability", name, None, opts)
        missing = [s for s in REQUIRED_TOPICS if s not in args.topic_arns]
        if missing:
            raise ValueError(f"topic_arns lacks the severities {', '.join(missing)}")
        p, cfg = args.platform, args.config
        items = tuple(args.items)
        _check_unique(items)
        _check_regions(items, p.region)
        thresholds = Thresholds(cfg.alarm_thresholds)
        thresholds.validate(items)

        child = pulumi.ResourceOptions(parent=self)
        edge = pulumi.ResourceOptions(parent=self, provider=args.us_east_1_provider)
        edge_arns = args.edge_topic_arns

        # -- catalog alarms: one loop over items x specs x severities --------------------
        self.alarms = {}
        refs: dict[tuple[str, str, str], AlarmRef] = {}
        names: dict[tuple[str, str, str], str] = {}
        for item in items:
            in_edge = item.region == EDGE_REGION and p.region != EDGE_REGION
            for spec in specs_for(item):
                for severity in SEVERITIES:
                    threshold = thresholds.resolve(item, spec, severity)
                    if threshold is None:
                        continue
                    planned = alarm_factory.plan(
                        component=name, prefix=p.prefix, runbook_base_url=p.runbook_base_url,
                        item=item, spec=spec, severity=severity, threshold=threshold.value,
                        configured=threshold.configured)
                    on_edge = item.kind is Kind.CLOUDFRONT or in_edge
                    topic = (edge_arns if on_edge else args.topic_arns)[severity]
                    alarm = alarm_factory.create(planned, topic, edge if on_edge else child)
                    key = (item.name, spec.metric, severity)
                    self.alarms[planned.alarm_name] = alarm
                    names[key] = planned.alarm_name
                    refs[key] = AlarmRef(planned.alarm_name, alarm.arn, threshold.value)

        # -- maintenance window and composites ---------------------------------------------
        maintenance = composites.maintenance_alarm(
            name, p.prefix, p.metrics_namespace, args.topic_arns["maintenance"],
            f"{p.runbook_base_url}#operations-maintenance-mode", child)
        self.alarms[composites.maintenance_alarm_name(p.prefix)] = maintenance
        regional_items = tuple(i for i in items if i.region == p.region
                               and i.kind is not Kind.CLOUDFRONT)
        self.composite_alarms = {}
        for spec in composites.COMPOSITES:
            rule = composites.rule(spec, regional_items, names)
            if rule is None:
                continue
            members = [self.alarms[n] for n in names.values() if f'"{n}"' in rule]
            self.composite_alarms[spec.key] = composites.composite(
                f"{name}-{spec.key}",
                alarm_name=f"{p.prefix}-{spec.key}-{spec.severity}",
                description=f"[{spec.severity}] {spec.title}. Runbook: "
                            f"{p.runbook_base_url}#composite-{spec.key}",
                alarm_rule=rule,
                topic_arn=args.topic_arns[spec.severity],
                suppressor=maintenance,
                wait_seconds=cfg.maintenance_wait_seconds,
                extension_seconds=cfg.maintenance_extension_seconds,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[maintenance, *members]),
            )

        # -- anomaly detection -------------------------------------------------------------
        anomaly_arns = []
        for subject, spec, namespace, dimensions in anomaly.targets(items,
                                                                   p.metrics_namespace):
            short = alarm_factory.short_name(p.prefix, subject)
            alarm_name = f"{p.prefix}-{short}-{spec.key}-anomaly-{anomaly.SEVERITY}"
            alarm = anomaly.create(
                f"{name}-{short}-{spec.key}-anomaly", alarm_name=alarm_name, spec=spec,
                namespace=namespace, dimensions=dimensions, band_width=cfg.anomaly_band_width,
                runbook_url=f"{p.runbook_base_url}#{anomaly.runbook_anchor(spec)}",
                topic_arn=args.topic_arns[anomaly.SEVERITY], opts=child)
            self.alarms[alarm_name] = alarm
            anomaly_arns.append(alarm.arn)

        # -- SLO burn rates ----------------------------------------------------------------
        slo_arns = self._slo_alarms(name, p, items, args.topic_arns, maintenance, cfg)

        # -- security: metric filters and alarms on the audit log ---------------------------
        security = security_filters.create(
            name, prefix=p.prefix, namespace=p.metrics_namespace,
            log_group_name=args.audit_log_group_name,
            access_log_groups=[i.attributes["access_log_group"] for i in items
                               if i.kind is Kind.API_STAGE
                               and i.attributes.get("access_log_group") is not None],
            thresholds=cfg.security_alarm_thresholds, topic_arns=args.topic_arns,
            runbook_base_url=p.runbook_base_url, opts=child)
        self.alarms.update(security)

        # -- tracing and saved queries -----------------------------------------------------
        Tracing(name, p.prefix, cfg, child)
        log_groups = [i.attributes["log_group"] for i in items
                      if i.kind is Kind.LAMBDA and i.attributes.get("log_group") is not None]
        log_queries.create(name, p.prefix, log_groups, child)  # type: ignore[arg-type]

        # -- real users and the health canary ----------------------------------------------
        self.rum_snippet = None
        rum_name = None
        if cfg.rum_enabled:
            rum = Rum(name, prefix=p.prefix, domain=p.domain,
                      hosts=page_hostnames(p.domain), region=p.region,
                      account_id=args.account_id,
                      session_sample_rate=cfg.rum_session_sample_rate, opts=child)
            self.rum_snippet = rum.snippet
            rum_name = rum.name
        self.canary_name = None
        canary_arns: list[pulumi.Input[str]] = []
        if cfg.canary_enabled:
            canary = HealthCanary(
                name, prefix=p.prefix, url=f"https://{p.domain}{cfg.canary_health_path}",
                region=p.region, account_id=args.account_id, kms_key_arn=args.kms_key_arn,
                runtime_version=cfg.canary_runtime_version,
                interval_minutes=cfg.canary_interval_minutes,
                retention_days=cfg.canary_retention_days, topic_arns=args.topic_arns,
                runbook_base_url=p.runbook_base_url,
                access_log_bucket=args.access_log_bucket, opts=child)
            self.canary_name = canary.canary.name
            self.alarms[f"{p.prefix}-canary-success-percent-critical"] = canary.alarm
            canary_arns.append(canary.alarm.arn)

        # -- dashboards --------------------------------------------------------------------
        inputs = DashboardInputs(
            prefix=p.prefix, region=p.region, namespace=p.metrics_namespace,
            start_hours=cfg.dashboard_start_hours, items=items, alarms=refs,
            band_width=cfg.anomaly_band_width,
            composite_arns=[c.arn for c in self.composite_alarms.values()],
            slo_arns=slo_arns, anomaly_arns=anomaly_arns,
            security_arns=[a.arn for a in security.values()],
            log_groups=log_groups,  # type: ignore[arg-type]
            rum_app_name=rum_name, canary_name=self.canary_name, extra_status=canary_arns)
        self.dashboard_names = {}
        for key, build in dashboards.BUILDERS.items():
            for page, body in enumerate(dashboards.paginate(build(inputs)), start=1):
                suffix = "" if page == 1 else f"-{page}"
                board = aws.cloudwatch.Dashboard(
                    f"{name}-dashboard-{key}{suffix}",
                    dashboard_name=f"{p.prefix}-{key}{suffix}",
                    dashboard_body=pulumi.Output.json_dumps(body),
                    opts=child,
                )
                self.dashboard_names[f"{key}{suffix}"] = board.dashboard_name

        self.alarm_arns = {n: a.arn for n, a in self.alarms.items()}
        self.register_outputs({
            "dashboards": self.dashboard_names,
            "compositeAlarms": {k: c.arn for k, c in self.composite_alarms.items()},
        })

    def _slo_alarms(self, name: str, p: PlatformConfig, items: tuple[MonitoredItem, ...],
                    topics: Mapping[str, pulumi.Input[str]],
                    maintenance: aws.cloudwatch.MetricAlarm,
                    cfg: ObservabilityConfig) -> list[pulumi.Output[str]]:
        arns: list[pulumi.Output[str]] = []
        for item in slo.items_with_slo(items):
            short = alarm_factory.short_name(p.prefix, item.name)
            assert item.slo is not None  # items_with_slo keeps only those
            for objective in slo.objectives(item.slo):
                for rate in slo.BURN_RATES:
                    windows = []
                    for seconds in (rate.long_seconds, rate.short_seconds):
                        label = slo.window_label(seconds)
                        alarm_name = (f"{p.prefix}-{short}-slo-{objective.name}-{rate.key}-"
                                      f"{label}-{slo.WINDOW_SEVERITY}")
                        window = aws.cloudwatch.MetricAlarm(
                            f"{name}-{short}-slo-{objective.name}-{rate.key}-{label}",
                            name=alarm_name,
                            alarm_description=(
                                f"[{slo.WINDOW_SEVERITY}] {item.name} {objective.name} SLO "
                                f"burns at {rate.factor:g}x or more over {label} (one window "
                                f"of {p.prefix}-{short}-slo-{objective.name}-{rate.key})."),
                            actions_enabled=True,
                            alarm_actions=[topics[slo.WINDOW_SEVERITY]],
                            ok_actions=[topics[slo.WINDOW_SEVERITY]],
                            opts=pulumi.ResourceOptions(parent=self),
                            **slo.window_alarm_inputs(objective, rate.factor, seconds,
                                                      item.dimensions),  # type: ignore[arg-type]
                        )
                        self.alarms[alarm_name] = window
                        windows.append((alarm_name, window))
                    key = f"{short}-slo-{objective.name}-{rate.key}"
                    composite = composites.composite(
                        f"{name}-{key}",
                        alarm_name=f"{p.prefix}-{key}-{rate.severity}",
                        description=(
                            f"[{rate.severity}] {item.name} {objective.name} error budget "
                            f"burns at {rate.factor:g}x over both "
                            f"{slo.window_label(rate.long_seconds)} and "
                            f"{slo.window_label(rate.short_seconds)}. Runbook: "
                            f"{p.runbook_base_url}#slo-{objective.name}-burn-rate"),
                        alarm_rule=" AND ".join(f'ALARM("{n}")' for n, _ in windows),
                        topic_arn=topics[rate.severity],
                        suppressor=maintenance,
                        wait_seconds=cfg.maintenance_wait_seconds,
                        extension_seconds=cfg.maintenance_extension_seconds,
                        opts=pulumi.ResourceOptions(
                            parent=self, depends_on=[maintenance, *(w for _, w in windows)]),
                    )
                    self.composite_alarms[key] = composite
                    arns.append(composite.arn)
        return arns


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
