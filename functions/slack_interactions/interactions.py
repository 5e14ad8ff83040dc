"""From a verified ``block_actions`` payload to the state change, PagerDuty and the message.

Slack posts an interaction as ``application/x-www-form-urlencoded`` with one ``payload`` field
holding JSON (docs.slack.dev, "Handling user interaction"; reference "block_actions
payloads"): ``user.id``, ``actions[0].action_id``/``value``, ``channel.id``,
``container.message_ts`` and the ``message`` with its ``blocks``. The button's ``value`` names
the alert key and the ALARM episode (``functions/shared/alert_actions.py``).

* Acknowledge records who and when (a conditional write: only the current, unacknowledged
  ALARM), which stops escalation, then sends PagerDuty ``acknowledge`` with the same
  ``dedup_key`` and updates the message.
* Resolve moves the item to OK (the same condition), sends PagerDuty ``resolve`` and updates
  the message.
* Silence 1 h holds the key's ALARM notifications for an hour; the message says until when.

When the condition fails (the alarm resolved itself meanwhile, another person clicked first)
nothing is written and the message is redrawn from the item as it is. A click that won its
write is an incident record (:func:`incident_record`): ``AlertAcknowledged``,
``AlertResolved`` (``resolved_via`` = ``slack``) or ``AlertSilenced`` on the stack's bus.
A PagerDuty failure does not undo the Slack side: the message says so, and the incident is
left to PagerDuty.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from functions.shared.alert_actions import (
    ACKNOWLEDGE,
    ALARM,
    RESOLVE,
    SILENCE,
    AlertActions,
    app_blocks,
)
from functions.shared.slack_web import WebCallError

log = logging.getLogger(__name__)
NOTE_BLOCK = "alert_note"
PAGERDUTY_ACTION = {ACKNOWLEDGE: "acknowledge", RESOLVE: "resolve"}


class BadPayloadError(Exception):
    """The (signed) request is not a block_actions payload of our buttons."""


@dataclass(frozen=True)
class Click:
    """One button press: which, on which alert episode, by whom, on which message."""

    action: str
    key: str
    first_seen: int
    user: str
    channel: str
    ts: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    text: str = "Alert"


def parse_click(body: bytes) -> Click:
    """The click in a form-encoded interaction body; BadPayloadError when it is not one."""
    try:
        payload = json.loads(parse_qs(body.decode("utf-8"), strict_parsing=True)["payload"][0])
        if payload.get("type") != "block_actions":
            raise BadPayloadError(f"payload type {payload.get('type')!r}")
        action = payload["actions"][0]
        value = json.loads(action["value"])
        message = payload.get("message") or {}
        return Click(action=str(action["action_id"]), key=str(value["k"]),
                     first_seen=int(value["f"]), user=str(payload["user"]["id"]),
                     channel=str(payload["channel"]["id"]),
                     ts=str(payload["container"]["message_ts"]),
                     blocks=list(message.get("blocks") or []),
                     text=str(message.get("text") or "Alert"))
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise BadPayloadError(f"not a block_actions payload: {type(exc).__name__}") from None


@dataclass
class Result:
    """What a click did: ``changed`` when this click won the write, and notes for the message."""

    changed: bool
    item: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def apply(click: Click, actions: AlertActions, now: int) -> Result:
    """The conditional write of the click; the item after it (or as it is, when refused)."""
    if click.action == ACKNOWLEDGE:
        item = actions.acknowledge(click.key, click.first_seen, click.user, now)
    elif click.action == RESOLVE:
        item = actions.resolve(click.key, click.first_seen, click.user, now)
    elif click.action == SILENCE:
        item = actions.silence(click.key, click.user, now)
    else:
        raise BadPayloadError(f"unknown action {click.action!r}")
    if item is not None:
        return Result(True, item)
    current = actions.current(click.key)
    note = "This alert has moved on; nothing was changed." if current else \
        "This alert is no longer tracked; nothing was changed."
    return Result(False, current, [note])


def incident_record(click: Click, result: Result,
                    now: int) -> tuple[str, dict[str, Any]] | None:
    """The domain event of a click that changed the state; None for a refused click.

    The episode is the one the button names (``first_seen``); the severity is the item's.
    """
    if not result.changed:
        return None
    item = result.item
    episode = {"alert_key": click.key, "severity": item.get("severity"),
               "first_seen": click.first_seen}
    since = max(0, now - click.first_seen)
    if click.action == ACKNOWLEDGE:
        return "AlertAcknowledged", {**episode, "acked_by": click.user, "ack_seconds": since}
    if click.action == RESOLVE:
        return "AlertResolved", {**episode, "resolved_via": "slack", "resolve_seconds": since,
                                 "resolved_by": click.user}
    return "AlertSilenced", {"alert_key": click.key, "severity": item.get("severity"),
                             "silenced_by": click.user,
                             "silenced_until": int(item["silenced_until"])}


def notify_pagerduty(click: Click, result: Result, send: Any) -> None:
    """PagerDuty ``acknowledge``/``resolve`` for a click that changed the state.

    ``send(action, dedup_key)`` raises WebCallError (after its retries) when PagerDuty does
    not take it; the Slack side stays and the message tells people to act in PagerDuty.
    """
    action = PAGERDUTY_ACTION.get(click.action)
    if action is None or not result.changed:
        return
    try:
        send(action, click.key)
    except WebCallError as exc:
        log.error("PagerDuty did not take the event", extra={
            "alert_key": click.key, "action": action, "error": str(exc)})
        result.notes.append(f":warning: PagerDuty did not take the {action}; "
                            f"{action} the incident in PagerDuty.")


def redraw(click: Click, result: Result, now: int) -> list[dict[str, Any]]:
    """The clicked message's blocks for the item as it now is, with any notes."""
    base = [b for b in click.blocks if b.get("block_id") != NOTE_BLOCK]
    item = dict(result.item) or {"alert_key": click.key, "first_seen": click.first_seen}
    item.setdefault("alert_key", click.key)
    # The buttons only stay while the item is still in the episode the message shows.
    state = item.get("state", "OK")
    if state == ALARM and int(item.get("first_seen") or 0) != click.first_seen:
        state = "OK"
    blocks = app_blocks(base, item, state, now)
    if result.notes:
        blocks.append({"type": "context", "block_id": NOTE_BLOCK,
                       "elements": [{"type": "mrkdwn", "text": n} for n in result.notes]})
    return blocks
