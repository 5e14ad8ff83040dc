"""The observability rules catch silent and disabled alarms and pass good ones."""

from __future__ import annotations

import pytest

from policy.rules import Subject, all_rules
from policy.rules.observability import ALARM_TYPES

RULES = {r.name: r for r in all_rules()}
TOPIC = "arn:aws:sns:us-east-1:123456789012:marketplace-dev-critical"


@pytest.mark.parametrize("type_", ALARM_TYPES)
def test_alarm_without_actions_is_a_violation(type_: str) -> None:
    rule = RULES["alarm-has-actions"]
    assert rule.violations(Subject(type_, "a", {}))
    assert rule.violations(Subject(type_, "a", {"alarmActions": []}))
    assert rule.violations(Subject(type_, "a", {"alarmActions": [""]}))
    assert not rule.violations(Subject(type_, "a", {"alarmActions": [TOPIC]}))


@pytest.mark.parametrize("type_", ALARM_TYPES)
def test_disabled_alarm_is_a_violation(type_: str) -> None:
    rule = RULES["alarm-enabled"]
    assert rule.violations(Subject(type_, "a", {"actionsEnabled": False}))
    assert not rule.violations(Subject(type_, "a", {"actionsEnabled": True}))
    assert not rule.violations(Subject(type_, "a", {}))  # CloudWatch's default is enabled


def test_rules_ignore_other_resources() -> None:
    subject = Subject("aws:sns/topic:Topic", "t", {})
    assert not RULES["alarm-has-actions"].violations(subject)
    assert not RULES["alarm-enabled"].violations(subject)


def test_an_inhibitor_tagged_as_suppressor_needs_no_actions() -> None:
    # The stack rule suppressors-suppress checks some composite names it.
    composite = ALARM_TYPES[1]
    assert not RULES["alarm-has-actions"].violations(
        Subject(composite, "i", {"tags": {"SuppressorOf": "api"}}))
    assert RULES["alarm-has-actions"].violations(Subject(composite, "i", {"tags": {"a": "b"}}))
