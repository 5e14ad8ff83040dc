"""EventBridge rules on the default bus that forward AWS service events to the alert topics.

Routes are data: ``EventRoute(name, pattern, severity)``. :func:`route_events` makes one rule
per route, a dead-letter queue for all of them (EventBridge sends there what it could not
publish after its retries) and the targets.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.blocks.dead_letter_queue import DeadLetterQueue, DeadLetterQueueArgs
from components.blocks.monitored_items import Kind, MonitoredItem
from components.blocks.naming import autoname, fit, limit

# EventBridge retries a failed delivery for up to a day by default; an alert older than an
# hour is better read from the DLQ than delivered late.
MAX_EVENT_AGE_SECONDS = 3600
MAX_RETRY_ATTEMPTS = 20


@dataclass(frozen=True)
class EventRoute:
    """Events matching ``pattern`` go to the ``severity`` topic; ``name`` names the rule."""

    name: str
    description: str
    pattern: Mapping[str, Any]
    severity: str


@dataclass(frozen=True)
class RoutedEvents:
    """What :func:`route_events` made."""

    rules: dict[str, aws.cloudwatch.EventRule]
    dead_letters: DeadLetterQueue
    monitored_items: tuple[MonitoredItem, ...]


def route_events(name: str, routes: Sequence[EventRoute],
                 topic_arns: Mapping[str, pulumi.Input[str]], kms_key_arn: pulumi.Input[str],
                 retention_days: int, region: str, owner: str,
                 parent: pulumi.Resource) -> RoutedEvents:
    """One rule and target per route, sharing a DLQ that only these rules may write to."""
    child = pulumi.ResourceOptions(parent=parent)
    rules = {
        route.name: aws.cloudwatch.EventRule(
            f"{name}-{route.name}",
            name=fit(f"{name}-{route.name}", limit("aws:cloudwatch/eventRule:EventRule")),
            description=route.description,
            event_pattern=json.dumps(route.pattern, sort_keys=True),
            state="ENABLED",
            opts=child,
        )
        for route in routes
    }
    dead_letters = DeadLetterQueue(
        f"{name}-dlq",
        DeadLetterQueueArgs(kms_key_arn=kms_key_arn, retention_days=retention_days,
                            region=region, owner=owner, sender_service="events.amazonaws.com",
                            sender_arns=tuple(rule.arn for rule in rules.values())),
        opts=child,
    )
    for route in routes:
        aws.cloudwatch.EventTarget(
            f"{name}-{route.name}-target",
            target_id=autoname(f"{name}-{route.name}-target",
                               limit("aws:cloudwatch/eventTarget:EventTarget", "targetId")),
            rule=rules[route.name].name,
            arn=topic_arns[route.severity],
            dead_letter_config=aws.cloudwatch.EventTargetDeadLetterConfigArgs(
                arn=dead_letters.arn),
            retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(
                maximum_event_age_in_seconds=MAX_EVENT_AGE_SECONDS,
                maximum_retry_attempts=MAX_RETRY_ATTEMPTS),
            opts=child,
        )
    # AWS publishes a default-bus rule's metrics with RuleName alone (EventBusName only for
    # custom buses); an alarm that adds EventBusName=default waits for a series that never
    # exists. https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html
    # The routed source and severity let a dashboard graph findings by severity.
    items = tuple(
        MonitoredItem(kind=Kind.EVENTBRIDGE_RULE, name=f"{name}-{route.name}",
                      dimensions={"RuleName": rules[route.name].name},
                      region=region, owner=owner,
                      attributes={"event_source": _source(route.pattern),
                                  "severity": route.severity})
        for route in routes
    )
    return RoutedEvents(rules, dead_letters, (*items, *dead_letters.monitored_items))


def _source(pattern: Mapping[str, Any]) -> str | None:
    """The one event source a pattern matches (``None`` for none or several)."""
    sources = pattern.get("source")
    return sources[0] if isinstance(sources, list) and len(sources) == 1 else None
