"""Whom an alarm notifies: its severity's topic, the alert-path topic, or both (as data)."""

from __future__ import annotations

import dataclasses

import pytest

from components.observability import alarm_factory
from components.observability.alarm_plans import actions, notifies_of, problems

TOPICS = {"critical": "arn:aws:sns:us-east-1:123456789012:m-critical",
          "warning": "arn:aws:sns:us-east-1:123456789012:m-warning"}
PATH = "arn:aws:sns:us-east-1:123456789012:m-alert-path"


def _heartbeat() -> alarm_factory.AlarmPlan:
    return alarm_factory.heartbeat_plan(
        resource_name="w-heartbeat", prefix="m-dev", namespace="m/dev",
        metric_name="HeartbeatDelivered", dimensions={"service": "m-dev-alert-router"},
        window_seconds=86400, runbook_url="https://x/runbooks.md#alert-path-heartbeat")


@pytest.mark.parametrize(("spec", "attributes", "expected"), [
    ("severity", {}, "severity"),
    ("severity", {"alert_path": True}, "both"),
    ("severity", {"alert_path": False}, "severity"),
    ("alert-path", {}, "alert-path"),
    ("alert-path", {"alert_path": True}, "alert-path"),  # never back through the router
    ("both", {}, "both"),
])
def test_an_item_on_the_alert_path_adds_the_alert_path(spec: str, attributes: dict,
                                                        expected: str) -> None:
    assert notifies_of(spec, attributes) == expected


@pytest.mark.parametrize(("notifies", "expected"), [
    ("severity", [TOPICS["critical"]]),
    ("alert-path", [PATH]),
    ("both", [TOPICS["critical"], PATH]),
])
def test_actions_follow_notifies(notifies: str, expected: list[str]) -> None:
    plan = dataclasses.replace(_heartbeat(), notifies=notifies)
    assert actions(plan, {**TOPICS, "alert-path": PATH}) == expected


def test_no_alert_path_topic_is_refused_not_rerouted() -> None:
    with pytest.raises(ValueError, match="m-dev-alert-path-heartbeat-critical: no topic for "
                                         "alert-path"):
        actions(_heartbeat(), TOPICS)
    both = dataclasses.replace(_heartbeat(), notifies="both", severity="warning")
    with pytest.raises(ValueError, match="no topic for alert-path"):
        actions(both, TOPICS)


def test_an_unknown_notifies_is_a_problem() -> None:
    assert problems(dataclasses.replace(_heartbeat(), notifies="router")) == [
        "notifies 'router' is not one of severity, alert-path, both"]


def test_the_heartbeat_plan_is_a_valid_one_day_alarm() -> None:
    plan = _heartbeat()
    assert problems(plan) == []
    assert plan.alarm_name == "m-dev-alert-path-heartbeat-critical"
    assert (plan.period, plan.evaluation_periods, plan.datapoints_to_alarm) == (86400, 1, 1)
    assert (plan.comparison_operator, plan.threshold, plan.treat_missing_data) == (
        "LessThanThreshold", 1, "breaching")
    assert plan.description == (
        "[critical] No alert-path heartbeat delivered in 24 h (HeartbeatDelivered). "
        "Runbook: https://x/runbooks.md#alert-path-heartbeat")
    # A period under an hour may not stretch the evaluation range past a day.
    short = dataclasses.replace(plan, period=1800, evaluation_periods=49, datapoints_to_alarm=1)
    assert problems(short) == ["period x evaluation periods is 88200 s (at most 86400 s)"]
