"""The executive board's security status: findings by severity and the security alarms.

GuardDuty and Security Hub publish no CloudWatch metric of their own findings, but each
severity band of them has its own EventBridge rule (``components/security``), and EventBridge
counts what every rule matched (``AWS/Events`` ``MatchedEvents`` by ``RuleName``). So the
findings of one source are one graph with a line per severity rule. The CIS and audit-log
alarms are shown by state. Where Security Hub is off, its graph is simply absent: a graph of
rules the stack does not have would stay empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from components.blocks.monitored_items import Kind, MonitoredItem
from components.observability.widgets import (
    Widget,
    alarm_status_widget,
    metric_row,
    metric_widget,
)

EVENT_SOURCE = "event_source"  # the monitored item attribute that names the routed source
SEVERITY = "severity"
SEVERITY_ORDER = ("critical", "warning", "info")


@dataclass(frozen=True)
class FindingSource:
    """A service whose findings are routed by severity: its event source and graph title."""

    event_source: str
    title: str


FINDING_SOURCES = (
    FindingSource("aws.guardduty", "GuardDuty findings by severity"),
    FindingSource("aws.securityhub", "Security Hub new findings by severity"),
)


def finding_rules(items: Sequence[MonitoredItem], event_source: str) -> list[MonitoredItem]:
    """The rules that route ``event_source``'s findings, most severe first."""
    rules = [i for i in items if i.kind is Kind.EVENTBRIDGE_RULE
             and i.attributes.get(EVENT_SOURCE) == event_source]
    return sorted(rules, key=lambda i: SEVERITY_ORDER.index(str(i.attributes[SEVERITY])))


def security_widgets(items: Sequence[MonitoredItem], region: str,
                     alarm_arns: Sequence[pulumi.Input[str]]) -> list[Widget]:
    """A findings graph per routed source, then the security alarms by state."""
    widgets: list[Widget] = []
    for source in FINDING_SOURCES:
        rules = finding_rules(items, source.event_source)
        if not rules:
            continue
        widgets.append(metric_widget(source.title, [
            metric_row("AWS/Events", "MatchedEvents", rule.dimensions,
                       label=str(rule.attributes[SEVERITY]))
            for rule in rules
        ], region, period=3600, view="bar", width=12,
            extra={"setPeriodToTimeRange": True}))
    if alarm_arns:
        widgets.extend(alarm_status_widget("CIS and audit-log alarms", alarm_arns))
    return widgets
