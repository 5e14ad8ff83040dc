"""Escalation: a warning still in ALARM past the configured time is re-posted once as critical.

The router runs this on a schedule (an EventBridge rule). Each overdue warning is marked
``escalated`` with a conditional update first, so two sweeps never both post it; when the
delivery fails the mark is taken back and the sweep raises, so the next run tries again.
Criticals need nothing here: their PagerDuty incident stays open and PagerDuty's own
escalation policy pages the next responder.

The same sweep first closes maintenance windows (maintenance.py): one summary per closed
occurrence that held alerts, before the escalations so a handed-back warning escalates on
the normal clock.
"""

from __future__ import annotations

import json
import logging

from functions.alert_router import maintenance
from functions.alert_router.alert import Alert
from functions.alert_router.dispatch import Dispatcher, Outcome, UndeliveredError
from functions.alert_router.routing import targets_for
from functions.shared.retry import Deadline

log = logging.getLogger(__name__)


def sweep(dispatcher: Dispatcher, deadline: Deadline) -> list[str]:
    """Escalate every overdue warning; the keys escalated. Raises if any delivery failed."""
    store = dispatcher.store
    now = int(dispatcher.clock())
    escalated: list[str] = []
    errors: list[Exception] = []
    if dispatcher.settings.windows:
        errors.extend(maintenance.close_windows(dispatcher, deadline)[1])
    for item in store.overdue_warnings(now, dispatcher.settings.escalate_after_seconds):
        key, first_seen = item["alert_key"], int(item["first_seen"])
        if not store.mark_escalated(key, first_seen, True):
            continue  # resolved or escalated by a concurrent sweep meanwhile
        alert = Alert.from_summary(json.loads(item["summary"])).with_severity(
            "critical", escalated=True)
        # An escalation is a page like any other: held while an upstream layer is down.
        alert, targets = dispatcher.inhibit(
            alert, item, targets_for(alert, dispatcher.settings.routes), Outcome())
        try:
            dispatcher.deliver(alert, deadline, targets)
        except UndeliveredError as exc:
            store.mark_escalated(key, first_seen, False)
            log.error("escalation not delivered", extra={"alert_key": key, "error": str(exc)})
            errors.append(exc)
            continue
        dispatcher.metrics.add_metric(name="AlertsEscalated", unit="Count", value=1)
        escalated.append(key)
    if errors:
        raise UndeliveredError(errors)
    return escalated
