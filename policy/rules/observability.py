"""Observability rules: every alarm notifies someone, and no alarm is switched off."""

from __future__ import annotations

from collections.abc import Iterator

from . import Subject, rule

# components/observability/alarm_plans.py tags a composite that is only a suppressor so.
SUPPRESSOR_TAG = "SuppressorOf"
ALARM_TYPES = ("aws:cloudwatch/metricAlarm:MetricAlarm",
               "aws:cloudwatch/compositeAlarm:CompositeAlarm")


@rule("alarm-has-actions", "Every CloudWatch alarm (metric or composite) has alarm actions.",
      types=ALARM_TYPES)
def alarm_has_actions(s: Subject) -> Iterator[str]:
    # A layer's inhibitor only suppresses other composites' actions; the stack rule
    # suppressors-suppress checks that it is some composite's suppressor.
    if (s.props.get("tags") or {}).get(SUPPRESSOR_TAG):
        return
    if not [a for a in s.props.get("alarmActions") or [] if a]:
        yield "alarmActions is empty: the alarm would change state and tell nobody"


@rule("alarm-enabled", "No CloudWatch alarm has its actions disabled (actionsEnabled false).",
      types=ALARM_TYPES)
def alarm_enabled(s: Subject) -> Iterator[str]:
    if s.props.get("actionsEnabled") is False:
        yield "actionsEnabled is false: the alarm is disabled"
