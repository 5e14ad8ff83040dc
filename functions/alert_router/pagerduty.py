"""PagerDuty Events API v2: ``trigger`` on ALARM, ``resolve`` on OK, same ``dedup_key``."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from functions.alert_router.alert import ALARM, OK, Alert

DEFAULT_URL = "https://events.pagerduty.com/v2/enqueue"
SUMMARY_MAX = 1024  # Events API v2 limit on payload.summary
# Alert severity -> PagerDuty severity. An escalated warning is "error": urgent, but marked
# as having started as a warning.
SEVERITY = {"critical": "critical", "warning": "warning", "info": "info", "maintenance": "info"}


def severity_of(alert: Alert) -> str:
    """The PagerDuty severity of an alert."""
    if alert.escalated:
        return "error"
    return SEVERITY.get(alert.severity, "warning")


def summary_of(alert: Alert) -> str:
    """``[SEVERITY] title: reason``, cut to PagerDuty's 1024 characters."""
    text = f"[{alert.severity.upper()}] {alert.title}"
    if alert.reason:
        text = f"{text}: {alert.reason}"
    return text if len(text) <= SUMMARY_MAX else text[:SUMMARY_MAX - 1] + "…"


def iso_timestamp(text: str) -> str | None:
    """``text`` as ISO 8601 (PagerDuty rejects anything else), or None when unreadable.

    CloudWatch sends ``2026-11-28T06:01:10.554+0000``, EventBridge ``...Z``, AWS Health
    RFC 2822 dates (``Sat, 28 Nov 2026 04:02:00 GMT``).
    """
    when: datetime | None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.isoformat()


def event_for(alert: Alert, routing_key: str) -> dict[str, Any] | None:
    """The Events API v2 body for an alert; None when its state maps to no action."""
    if alert.state == OK:
        return {"routing_key": routing_key, "event_action": "resolve",
                "dedup_key": alert.key}
    if alert.state != ALARM:
        return None
    details = {"state": alert.state, "resource": alert.resource, "region": alert.region,
               "account": alert.account, "reason": alert.reason, **{
                   k: v for k, v in alert.details.items() if v not in (None, "")}}
    payload: dict[str, Any] = {
        "summary": summary_of(alert),
        "source": alert.resource or alert.region or alert.source,
        "severity": severity_of(alert),
        "component": alert.resource[:255] if alert.resource else alert.source,
        "group": alert.region or "global",
        "class": alert.source,
        "custom_details": details,
    }
    timestamp = iso_timestamp(alert.time) if alert.time else None
    if timestamp:
        payload["timestamp"] = timestamp
    return {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": alert.key,
        "payload": payload,
        "links": [{"href": url, "text": label} for label, url in alert.links.items()],
        "client": "marketplace alert router",
    }
