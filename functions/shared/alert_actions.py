"""The Slack app's view of an alert: its message blocks and the state-table writes of its buttons.

The alert router (posting and updating the message) and the Slack interactions endpoint
(Acknowledge, Resolve, Silence 1 h) both use it; the state table is the router's
(``functions/alert_router/dedup.py`` describes the item). The buttons add:

``acked_by``/``acked_at``
    who acknowledged the current ALARM and when; the router removes them when the state
    changes, and the escalation sweep skips an acknowledged alert.
``resolved_by``/``resolved_at``
    who resolved it from Slack; the item moves to OK then, so the alarm's own OK later is
    a duplicate and posts nothing more.
``silenced_until``/``silenced_by``
    no ALARM notification of the key is delivered before then (an OK still is).
``slack_msg_<channel>``
    ``{"channel": id, "ts": ts, "first_seen": n}``: the message of the ALARM that began at
    ``first_seen`` in that channel, updated in place and threaded under.

Every write is one conditional update: when the alert moved on meanwhile (resolved by its
alarm, a new episode), the condition fails, nothing is written, and the caller reports the
current state instead.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

CONDITION_FAILED = "ConditionalCheckFailedException"
ALARM, OK = "ALARM", "OK"
STATUS_BLOCK = "alert_status"
ACTIONS_BLOCK = "alert_actions"
ACKNOWLEDGE, RESOLVE, SILENCE = "alert_acknowledge", "alert_resolve", "alert_silence"
SILENCE_SECONDS = 3600
OURS = (STATUS_BLOCK, ACTIONS_BLOCK)


def message_attribute(channel: str) -> str:
    """The item attribute holding the message in ``channel`` (a lowercase channel name)."""
    return f"slack_msg_{channel.replace('-', '_')}"


def clock_text(epoch: int) -> str:
    """``2026-11-30 06:40 UTC``: a status line's time, in UTC."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


def status_lines(item: dict[str, Any], now: int) -> list[str]:
    """What the buttons did to the alert, one line each, for the message's context block."""
    lines = []
    if item.get("acked_by"):
        lines.append(f":eyes: Acknowledged by <@{item['acked_by']}> at "
                     f"{clock_text(int(item['acked_at']))}")
    if item.get("resolved_by"):
        lines.append(f":white_check_mark: Resolved by <@{item['resolved_by']}> at "
                     f"{clock_text(int(item['resolved_at']))}")
    until = int(item.get("silenced_until") or 0)
    if until > now:
        lines.append(f":no_bell: Silenced until {clock_text(until)} by "
                     f"<@{item.get('silenced_by', 'unknown')}>")
    return lines


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "action_id": action_id, "value": value,
                              "text": {"type": "plain_text", "text": text}}
    if style:
        button["style"] = style
    return button


def app_blocks(base: list[dict[str, Any]], item: dict[str, Any], state: str,
               now: int) -> list[dict[str, Any]]:
    """``base`` (the alert's blocks) with the status line and, while in ALARM, the buttons.

    The buttons' ``value`` names the alert key and the ALARM episode (``first_seen``), so a
    click on an old message cannot act on a newer episode.
    """
    blocks = [b for b in base if b.get("block_id") not in OURS]
    lines = status_lines(item, now)
    if lines:
        blocks.append({"type": "context", "block_id": STATUS_BLOCK,
                       "elements": [{"type": "mrkdwn", "text": line} for line in lines]})
    if state != ALARM:
        return blocks
    value = json.dumps({"k": item["alert_key"], "f": int(item.get("first_seen") or 0)},
                       separators=(",", ":"))
    buttons = []
    if not item.get("acked_by"):
        buttons.append(_button("Acknowledge", ACKNOWLEDGE, value, "primary"))
    buttons.append(_button("Resolve", RESOLVE, value))
    if int(item.get("silenced_until") or 0) <= now:
        buttons.append(_button("Silence 1 h", SILENCE, value))
    blocks.append({"type": "actions", "block_id": ACTIONS_BLOCK, "elements": buttons})
    return blocks


class AlertActions:
    """The buttons' conditional writes on the state table (a boto3 ``Table``)."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def _update(self, key: str, expression: str, condition: str,
                values: dict[str, Any]) -> dict[str, Any] | None:
        # DynamoDB refuses an attribute name the expressions do not use.
        used = "#s" in expression + condition
        names = {"ExpressionAttributeNames": {"#s": "state"}} if used else {}
        try:
            return _plain(self.table.update_item(
                Key={"alert_key": key}, UpdateExpression=expression,
                ConditionExpression=condition, ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW", **names)["Attributes"])
        except ClientError as exc:
            if exc.response["Error"]["Code"] != CONDITION_FAILED:
                raise
            return None

    def current(self, key: str) -> dict[str, Any]:
        """The item as it is now (``{}`` when there is none)."""
        return _plain(self.table.get_item(Key={"alert_key": key},
                                          ConsistentRead=True).get("Item", {}))

    def acknowledge(self, key: str, first_seen: int, user: str,
                    now: int) -> dict[str, Any] | None:
        """Record who acknowledged the ALARM that began at ``first_seen``; None if it moved on
        or was already acknowledged."""
        return self._update(
            key, "SET acked_by = :u, acked_at = :now",
            "#s = :alarm AND first_seen = :fs AND attribute_not_exists(acked_by)",
            {":u": user, ":now": now, ":alarm": ALARM, ":fs": first_seen})

    def resolve(self, key: str, first_seen: int, user: str, now: int) -> dict[str, Any] | None:
        """Move the ALARM that began at ``first_seen`` to OK; None if it moved on already.

        ``delivered`` and ``last_sent`` as if the router had sent the OK, so the alarm's own
        OK that follows is a duplicate.
        """
        return self._update(
            key, ("SET #s = :ok, resolved_by = :u, resolved_at = :now, first_seen = :now, "
                  "last_sent = :now, delivered = :t, escalated = :f"),
            "#s = :alarm AND first_seen = :fs",
            {":ok": OK, ":u": user, ":now": now, ":t": True, ":f": False, ":alarm": ALARM,
             ":fs": first_seen})

    def silence(self, key: str, user: str, now: int,
                seconds: int = SILENCE_SECONDS) -> dict[str, Any] | None:
        """Hold the key's ALARM notifications for ``seconds``; None if there is no such alert."""
        return self._update(
            key, "SET silenced_until = :until, silenced_by = :u",
            "attribute_exists(alert_key)",
            {":until": now + seconds, ":u": user})


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB numbers (Decimal) as ints."""
    return {k: int(v) if hasattr(v, "as_integer_ratio") and not isinstance(v, bool | float)
            else v for k, v in item.items()}
