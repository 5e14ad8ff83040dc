"""What starts each runbook: event patterns, input templates, and the DLQ alarms' names.

Pure data and functions (no resources): :class:`components.automation.component.Responses`
makes one rule per :class:`Trigger`. An input template gives each document parameter a
one-item list, the shape StartAutomationExecution takes parameters in
(https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_StartAutomationExecution.html);
a placeholder in quotes is inserted as a string
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from components.blocks.dead_letter_queue import REDRIVE, REDRIVE_LAMBDA
from components.blocks.monitored_items import Kind, MonitoredItem
from components.observability.alarm_plans import alarm_name, short_name

INVALIDATION_REQUEST = "ListingCacheInvalidationRequested"
# Operator requests, not domain events: the lake's pipeline does not take this source.
OPERATIONS_SOURCE = "marketplace.operations"
DEPTH_METRIC = "depth"
# GuardDuty finding types about credentials of an IAM principal (high severity: >= 7).
CREDENTIAL_FINDINGS = ("UnauthorizedAccess:IAMUser/", "CredentialAccess:IAMUser/")


@dataclass(frozen=True)
class Trigger:
    """How a runbook is started: an event pattern (or a schedule) on a bus, and the input."""

    pattern: Mapping[str, Any] | None = None
    schedule: str | None = None
    input_paths: Mapping[str, str] | None = None
    input_template: str | None = None
    bus: pulumi.Input[str] | None = None  # None: the default bus


def dlq_alarms(items: Sequence[MonitoredItem], prefix: str,
               keeps: Callable[[str], bool]) -> dict[str, MonitoredItem]:
    """The depth alarm name of every redrivable DLQ (its lowest kept severity) -> its item."""
    severity = next((s for s in ("warning", "critical") if keeps(s)), None)
    if severity is None:
        return {}
    return {alarm_name(prefix, short_name(prefix, i.name), DEPTH_METRIC, severity=severity): i
            for i in items if i.kind is Kind.SQS_QUEUE
            and i.attributes.get(REDRIVE) == REDRIVE_LAMBDA}


def alarm_pattern(names: Sequence[str]) -> dict[str, Any]:
    """Alarm State Change events of ``names`` going into ALARM."""
    return {"source": ["aws.cloudwatch"], "detail-type": ["CloudWatch Alarm State Change"],
            "detail": {"alarmName": sorted(names), "state": {"value": ["ALARM"]}}}


def finding_pattern() -> dict[str, Any]:
    """GuardDuty credential findings of high severity about an access key."""
    return {"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"],
            "detail": {"severity": [{"numeric": [">=", 7]}],
                       "type": [{"prefix": p} for p in CREDENTIAL_FINDINGS],
                       "resource": {"resourceType": ["AccessKey"]}}}


def template(fields: Mapping[str, str]) -> str:
    """An input template giving each parameter its placeholder as a one-item list."""
    return "{" + ",".join(f'"{name}":["<{path}>"]' for name, path in fields.items()) + "}"


