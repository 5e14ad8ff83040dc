"""A readable copy of an alert for a topic's email subscribers (``email:<severity>`` target).

The copy is published to the severity topic with the message attribute ``forwarded-by``.
The router's subscriptions cannot filter it out: the alarms, budgets, anomaly alerts and
EventBridge events on the same topics carry no message attributes, and an SNS attribute
filter (even ``{"exists": false}``) matches no message without attributes. So every copy
reaches the router again and :func:`forwarded` is the loop guard: the router skips it.
"""

from __future__ import annotations

from typing import Any

from functions.alert_router.alert import OK, Alert

FORWARDED_BY = "forwarded-by"
ROUTER = "alert-router"
SUBJECT_MAX = 100  # SNS limit: ASCII, no line breaks, under 100 characters


def subject_of(alert: Alert) -> str:
    """``[SEVERITY] STATE: title`` in printable ASCII, cut to the SNS limit."""
    status = "RESOLVED" if alert.state == OK else alert.state
    text = f"[{alert.severity.upper()}] {status}: {alert.title}"
    text = "".join(c if " " <= c <= "~" else " " for c in text)
    return text if len(text) < SUBJECT_MAX else text[:SUBJECT_MAX - 4] + "..."


def body_of(alert: Alert) -> str:
    """The alert as plain text: key fields, the reason, the links."""
    lines = [subject_of(alert), ""]
    for label, value in (("Source", alert.source), ("Resource", alert.resource),
                         ("Region", alert.region), ("Account", alert.account),
                         ("Since", alert.time), ("Escalated", "yes" if alert.escalated else "")):
        if value:
            lines.append(f"{label}: {value}")
    if alert.reason:
        lines += ["", alert.reason]
    if alert.links:
        lines += ["", *(f"{label}: {url}" for label, url in alert.links.items())]
    return "\n".join(lines) + "\n"


def publish_args(alert: Alert, topic_arn: str) -> dict[str, Any]:
    """The ``sns.publish`` arguments of the copy."""
    return {
        "TopicArn": topic_arn,
        "Subject": subject_of(alert),
        "Message": body_of(alert),
        "MessageAttributes": {FORWARDED_BY: {"DataType": "String", "StringValue": ROUTER}},
    }


def forwarded(record: Any) -> bool:
    """Whether an SNS record is a copy the router published itself.

    A record with no ``MessageAttributes`` (or an empty map, as CloudWatch alarms, Budgets,
    Cost Anomaly Detection and EventBridge deliver) is never a copy; only the attribute the
    router sets marks one.
    """
    sns = record.get("Sns") if isinstance(record, dict) else None
    attributes = sns.get("MessageAttributes") if isinstance(sns, dict) else None
    return isinstance(attributes, dict) and FORWARDED_BY in attributes
