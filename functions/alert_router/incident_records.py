"""Incident records: the state changes the router delivers, as domain events on the stack's bus.

After a notification is delivered and its claim confirmed, :meth:`IncidentRecords.observe`
publishes what it changed (``functions/shared/events.py`` holds the schemas):

- ``AlertRaised``: ALARM after anything else (a new episode, ``first_seen`` = now);
- ``AlertResolved`` (``resolved_via`` = ``alarm``): OK after ALARM, with the seconds since the
  episode's ``first_seen``.

Repeats within an episode (a re-notification after the dedup window) change nothing and
publish nothing. Acknowledge, Resolve and Silence from Slack are published by the buttons'
endpoint (``functions/slack_interactions``), where their conditional writes succeed.

The record comes after the delivery and never undoes it: a PutEvents that still fails after
the publisher's retries is logged in full (replayable from the log) and counted as
``IncidentRecordsLost``; the alert stays delivered and confirmed. The incident history may then
miss an event; the alert path does not pay for the analytics path.
"""

from __future__ import annotations

import logging
from typing import Any

from functions.alert_router.alert import ALARM, OK, Alert
from functions.alert_router.dedup import Claim
from functions.alert_router.delivery_metrics import resolve_seconds
from functions.shared.publisher import Publisher
from functions.shared.retry import Deadline

log = logging.getLogger(__name__)
# PutEvents and its retries get at most this much of the invocation: the records wait on it.
PUBLISH_SECONDS = 2.0
TITLE_LIMIT = 256  # a title is for people reading a report, not a copy of the alarm


def record_for(alert: Alert, claim: Claim, now: int) -> tuple[str, dict[str, Any]] | None:
    """The event a delivered notification stands for, or None when it changed no episode."""
    if alert.state == ALARM and claim.previous_state != ALARM:
        fields: dict[str, Any] = {"alert_key": alert.key, "severity": alert.severity,
                                  "first_seen": now, "alert_source": alert.source,
                                  "title": alert.title[:TITLE_LIMIT]}
        if alert.escalated:
            fields["escalated"] = True
        return "AlertRaised", fields
    seconds = resolve_seconds(alert, claim, now)
    if alert.state == OK and seconds is not None:
        return "AlertResolved", {
            "alert_key": alert.key, "severity": alert.severity,
            "first_seen": int(claim.previous["first_seen"]), "resolved_via": "alarm",
            "resolve_seconds": seconds}
    return None


class IncidentRecords:
    """Publishes the router's incident records; without a bus it only logs them."""

    def __init__(self, publisher: Publisher | None, metrics: Any) -> None:
        self.publisher = publisher
        self.metrics = metrics

    def observe(self, alert: Alert, claim: Claim, now: int, deadline: Deadline) -> None:
        """Publish the record of a delivered notification, if it is one; never raises."""
        record = record_for(alert, claim, now)
        if record is None or self.publisher is None:
            return
        try:
            result = self.publisher.publish(
                [record], Deadline(min(PUBLISH_SECONDS, deadline.remaining())))
            lost = result.failed
        except Exception:  # a record must never cost the alert its confirmed delivery
            log.exception("incident record not published",
                          extra={"alert_key": alert.key, "event_type": record[0]})
            lost = 1
        if lost:
            self.metrics.add_metric(name="IncidentRecordsLost", unit="Count", value=lost)
