"""Slack incoming webhook messages in Block Kit: colour by state, key fields, links."""

from __future__ import annotations

from typing import Any

from functions.alert_router.alert import ALARM, OK, Alert

# Colour bar of the attachment: red/orange/blue for an alarm by severity, green resolved.
COLOURS = {
    ("ALARM", "critical"): "#D00000",
    ("ALARM", "warning"): "#F2A900",
    ("ALARM", "info"): "#2F80ED",
    ("ALARM", "maintenance"): "#8E44AD",
    ("OK", "*"): "#2EB67D",
    ("INSUFFICIENT_DATA", "*"): "#9E9E9E",
}
EMOJI = {ALARM: ":rotating_light:", OK: ":white_check_mark:"}
HEADER_MAX = 150   # Block Kit limit on a plain_text header
FIELD_MAX = 2000   # limit on one section field
TEXT_MAX = 3000    # limit on a section's text


def colour_of(alert: Alert) -> str:
    """The attachment colour for the alert's state and severity."""
    return COLOURS.get((alert.state, alert.severity)) or COLOURS.get(
        (alert.state, "*"), "#9E9E9E")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def inhibition_note(alert: Alert) -> str:
    """What inhibition did about this alert (dispatch.py sets the details), or ""."""
    d = alert.details
    lines = []
    if d.get("page_held_by"):
        lines.append(f":pause_button: Page held: upstream *{d['page_held_by']}* is in ALARM.")
    if d.get("holds_pages_of") and alert.state == ALARM:
        lines.append(f":shield: Holds the pages of what depends on it: {d['holds_pages_of']}.")
    if d.get("held_pages"):
        lines.append(f":shield: Pages it held while in ALARM: {d['held_pages']}.")
    return "\n".join(lines)


def message_for(alert: Alert) -> dict[str, Any]:
    """The webhook body: fallback text plus a coloured attachment of blocks."""
    status = "RESOLVED" if alert.state == OK else alert.state
    prefix = "ESCALATED " if alert.escalated else ""
    headline = f"{EMOJI.get(alert.state, ':grey_question:')} {prefix}{status}: {alert.title}"
    fields = [("Severity", alert.severity), ("Source", alert.source),
              ("Resource", alert.resource), ("Region", alert.region),
              ("Account", alert.account), ("Since", alert.time)]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(headline, HEADER_MAX),
                                    "emoji": True}},
        {"type": "section", "fields": [
            {"type": "mrkdwn", "text": _cut(f"*{name}*\n{value}", FIELD_MAX)}
            for name, value in fields if value][:10]},
    ]
    if alert.reason:
        blocks.append({"type": "section",
                       "text": {"type": "mrkdwn", "text": _cut(alert.reason, TEXT_MAX)}})
    note = inhibition_note(alert)
    if note:
        blocks.append({"type": "section",
                       "text": {"type": "mrkdwn", "text": _cut(note, TEXT_MAX)}})
    if alert.links:
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": label[:75]}, "url": url}
            for label, url in list(alert.links.items())[:5]]})
    return {
        "text": _cut(f"{prefix}{status} [{alert.severity}] {alert.title}", TEXT_MAX),
        "attachments": [{"color": colour_of(alert), "blocks": blocks}],
    }
