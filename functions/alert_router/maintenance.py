"""Maintenance windows that remember: alerts held in a window, one summary when it closes.

During an occurrence of a window (``alertMaintenanceWindows``), an alert of a held severity
(``alertMaintenanceSuppresses``) is recorded in the state table like any other (the normal
claim, so an ALARM then OK ends as OK) and not delivered. When it is worth announcing (an
ALARM, or a change away from ALARM) its item is marked ``held_in`` = the occurrence id,
``<window> @ <close epoch>``.

The escalation sweep closes occurrences: for every occurrence whose close time has passed it
finds the items held in it, and

1. claims the summary once with a conditional update of a marker item
   ``maintenance-summary/<occurrence>`` (a retried or overlapping sweep finds it taken), then
   posts one Slack message to every Slack channel the held alerts route to: the alerts still
   in ALARM (title, severity, resource) and how many recovered, or "all clear";
2. hands each alert still in ALARM back to the normal flow: one whose routes page
   (``pagerduty``) is delivered now; every one is marked ``delivered`` with ``first_seen`` =
   the close time, so its OK resolves it and a warning escalates after
   ``alertEscalateAfterMinutes`` counted from the close;
3. drops ``held_in`` from every item of the occurrence (a failure leaves it for the next
   sweep, which finds the summary already sent and only finishes this step).

An occurrence that held nothing sends nothing.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from functions.alert_router.alert import ALARM, OK, Alert
from functions.alert_router.dedup import CONDITION_FAILED, DedupStore, _plain
from functions.alert_router.routing import WEEKDAYS, Window, suppressed, targets_for
from functions.shared.retry import Deadline

log = logging.getLogger(__name__)
MARKER = "maintenance-summary/"
LISTED = 30  # alerts named in one summary; the rest are counted
SEVERITY_ORDER = ("critical", "warning", "info", "maintenance")


def label(window: Window) -> str:
    """The window as configured, e.g. ``sun 02:00-04:00``."""
    def hhmm(minute: int) -> str:
        return f"{minute // 60:02d}:{minute % 60:02d}"
    return f"{WEEKDAYS[window.weekday]} {hhmm(window.start)}-{hhmm(window.end)}"


def closing(window: Window, when: datetime) -> datetime | None:
    """When the occurrence of ``window`` that contains ``when`` (UTC) closes; None if outside."""
    if not window.contains(when):
        return None
    midnight = when.replace(hour=0, minute=0, second=0, microsecond=0)
    close = midnight + timedelta(minutes=window.end)
    # An overnight window opened today closes tomorrow.
    if window.start > window.end and when.weekday() == window.weekday and close <= when:
        close += timedelta(days=1)
    return close


def occurrence_of(alert: Alert, when: datetime, windows: Sequence[Window],
                  severities: Sequence[str]) -> str | None:
    """The id of the open occurrence that holds ``alert`` back, or None to route it."""
    if not suppressed(alert, when, windows, severities):
        return None
    for window in windows:
        close = closing(window, when)
        if close is not None:
            return f"{label(window)} @ {int(close.timestamp())}"
    return None


def close_time(occurrence: str) -> int:
    """The close epoch carried in an occurrence id."""
    return int(occurrence.rpartition("@ ")[2])


def hold(store: DedupStore, alert: Alert, now: int, occurrence: str) -> None:
    """Record ``alert`` without delivering it; mark it held when it is worth announcing."""
    claim = store.claim(alert, now)
    if not claim.send or ALARM not in (alert.state, claim.previous_state):
        return  # a repeat, or an OK that never followed an ALARM: nothing to summarize
    try:
        store.table.update_item(
            Key={"alert_key": alert.key}, UpdateExpression="SET held_in = :o",
            ConditionExpression="last_sent = :stamp",
            ExpressionAttributeValues={":o": occurrence, ":stamp": claim.stamp})
    except ClientError as exc:
        if exc.response["Error"]["Code"] != CONDITION_FAILED:
            raise  # else a later notification claimed it meanwhile and marks it itself


def held_items(store: DedupStore) -> dict[str, list[dict[str, Any]]]:
    """Every item still marked held, by occurrence id."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    kwargs: dict[str, Any] = {"FilterExpression": "attribute_exists(held_in)"}
    while True:
        page = store.table.scan(**kwargs)
        for item in page.get("Items", []):
            found[str(item["held_in"])].append(_plain(item))
        if "LastEvaluatedKey" not in page:
            return found
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def summary_alert(occurrence: str, items: Sequence[dict[str, Any]]) -> Alert:
    """The one message for a closed occurrence: what is still in ALARM, how many recovered."""
    alarms = sorted((i for i in items if i.get("state") == ALARM),
                    key=lambda i: (_rank(str(i.get("severity"))), str(i["alert_key"])))
    recovered = len(items) - len(alarms)
    window = occurrence.rpartition(" @ ")[0]
    closed = datetime.fromtimestamp(close_time(occurrence), UTC).strftime("%Y-%m-%d %H:%M UTC")
    if not alarms:
        return Alert(key=MARKER + occurrence, source="maintenance", severity="maintenance",
                     title=f"Maintenance window {window} closed: all clear", state=OK,
                     time=closed, actionable=False,
                     reason=f"{recovered} alert(s) raised during the window "
                                         "recovered before it closed; none is in ALARM.")
    lines = [_line(i) for i in alarms[:LISTED]]
    if len(alarms) > LISTED:
        lines.append(f"… and {len(alarms) - LISTED} more")
    lines.append(f"{recovered} alert(s) raised during the window recovered.")
    return Alert(key=MARKER + occurrence, source="maintenance",
                 severity=str(alarms[0].get("severity") or "warning"),
                 title=f"Maintenance window {window} closed: {len(alarms)} still in ALARM",
                 state=ALARM, time=closed, actionable=False, reason="\n".join(lines))


def _rank(severity: str) -> int:
    return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else len(SEVERITY_ORDER)


def _line(item: dict[str, Any]) -> str:
    alert = Alert.from_summary(json.loads(item["summary"]))
    where = f" ({alert.resource})" if alert.resource else ""
    return f"• [{alert.severity}] {alert.title}{where}"


def claim_summary(store: DedupStore, occurrence: str, now: int, sent: bool) -> bool:
    """Take (``sent``) or give back the occurrence's summary; True if this call changed it."""
    try:
        store.table.update_item(
            Key={"alert_key": MARKER + occurrence},
            UpdateExpression="SET sent = :sent, sent_at = :now, expires_at = :exp",
            ConditionExpression=("attribute_not_exists(alert_key) OR sent = :was" if sent
                                 else "sent = :was"),
            ExpressionAttributeValues={":sent": sent, ":was": not sent, ":now": now,
                                       ":exp": now + store.ttl})
    except ClientError as exc:
        if exc.response["Error"]["Code"] != CONDITION_FAILED:
            raise
        return False
    return True


def release(store: DedupStore, item: dict[str, Any], occurrence: str, close: int) -> bool:
    """Drop ``held_in``; an ALARM becomes a delivered one of the close time. True if done."""
    key = {"alert_key": item["alert_key"]}
    try:
        if item.get("state") == ALARM:
            store.table.update_item(
                Key=key, UpdateExpression="SET delivered = :t, first_seen = :close "
                                          "REMOVE held_in",
                ConditionExpression="held_in = :o AND #s = :alarm AND first_seen = :fs",
                ExpressionAttributeNames={"#s": "state"},
                ExpressionAttributeValues={":t": True, ":close": close, ":o": occurrence,
                                           ":alarm": ALARM, ":fs": item["first_seen"]})
        else:
            store.table.update_item(Key=key, UpdateExpression="REMOVE held_in",
                                    ConditionExpression="held_in = :o",
                                    ExpressionAttributeValues={":o": occurrence})
    except ClientError as exc:
        if exc.response["Error"]["Code"] != CONDITION_FAILED:
            raise
        return False  # changed meanwhile (a new state claimed it): the normal flow has it
    return True


def close_windows(dispatcher: Any, deadline: Deadline) -> tuple[list[str], list[Exception]]:
    """Summarize every closed occurrence; the occurrences summarized now, and the failures."""
    store: DedupStore = dispatcher.store
    now = int(dispatcher.clock())
    summarized: list[str] = []
    errors: list[Exception] = []
    for occurrence, items in held_items(store).items():
        close = close_time(occurrence)
        if close > now:
            continue  # still open
        try:
            if _summarize(dispatcher, occurrence, items, now, deadline):
                summarized.append(occurrence)
            errors.extend(_hand_back(dispatcher, occurrence, items, close, deadline))
        except Exception as exc:  # kept, and raised after the other occurrences and escalations
            log.error("maintenance summary not delivered",
                      extra={"occurrence": occurrence, "error": str(exc)})
            errors.append(exc)
    return summarized, errors


def _summarize(dispatcher: Any, occurrence: str, items: Sequence[dict[str, Any]], now: int,
               deadline: Deadline) -> bool:
    store: DedupStore = dispatcher.store
    if not claim_summary(store, occurrence, now, True):
        return False  # sent by an earlier or concurrent sweep
    routes = dispatcher.settings.routes
    channels = {t for i in items
                for t in targets_for(Alert.from_summary(json.loads(i["summary"])), routes)
                if t.startswith("slack:")}
    alert = summary_alert(occurrence, items)
    try:
        dispatcher.deliver(alert, deadline, targets=sorted(channels))
    except Exception:
        claim_summary(store, occurrence, now, False)
        raise
    dispatcher.metrics.add_metric(name="MaintenanceSummaries", unit="Count", value=1)
    return True


def _hand_back(dispatcher: Any, occurrence: str, items: Sequence[dict[str, Any]], close: int,
               deadline: Deadline) -> list[Exception]:
    errors: list[Exception] = []
    for item in items:
        alert = Alert.from_summary(json.loads(item["summary"]))
        if item.get("state") == ALARM and "pagerduty" in targets_for(
                alert, dispatcher.settings.routes):
            try:
                dispatcher.deliver(alert, deadline)  # pages now; the summary only listed it
            except Exception as exc:
                errors.append(exc)
                continue  # still held: the next sweep pages it again
        release(dispatcher.store, item, occurrence, close)
    return errors
