"""Slack delivery through the Slack app: one message per alert, updated in place, threads.

With ``SLACK_DELIVERY=app`` a ``slack:<channel>`` target is posted with ``chat.postMessage``
and a bot token instead of an incoming webhook. The message of an ALARM is kept in the state
item (``slack_msg_<channel>``: channel id, ``ts``, the ALARM's ``first_seen``):

* a new ALARM (or one whose message belongs to an earlier episode) posts a new message with
  the Acknowledge, Resolve and Silence 1 h buttons, and records it;
* a follow-up of the same ALARM (a re-notification after the dedup window, an escalation)
  is a reply in the message's thread; an escalation also updates the message (its header);
* OK updates the message in place (no buttons, the status line kept); an OK without a
  recorded message is posted as a new one.

So the app sends no more messages than the webhooks did: one per ALARM, one per OK.
"""

from __future__ import annotations

from typing import Any

from functions.alert_router import slack
from functions.alert_router.alert import ALARM, Alert
from functions.shared.alert_actions import app_blocks, message_attribute
from functions.shared.retry import Deadline
from functions.shared.slack_web import SlackWebApi


def base_blocks(alert: Alert) -> list[dict[str, Any]]:
    """The alert's Block Kit blocks (the webhook message's, without the attachment)."""
    return list(slack.message_for(alert)["attachments"][0]["blocks"])


def fallback_text(alert: Alert) -> str:
    """The notification text Slack shows where blocks are not rendered."""
    return str(slack.message_for(alert)["text"])


class AppDelivery:
    """Posts, updates and threads an alert's message; ``table`` is the state table."""

    def __init__(self, table: Any, web: SlackWebApi, clock: Any) -> None:
        self.table = table
        self.web = web
        self.clock = clock

    def send(self, channel: str, alert: Alert, deadline: Deadline) -> None:
        """Deliver ``alert`` to ``channel`` (a channel name); raises WebCallError on failure."""
        if not alert.actionable:
            # About other alerts (a maintenance summary): nothing for buttons to act on, and
            # no later state to update it to.
            self.web.post_message(channel, fallback_text(alert), base_blocks(alert), deadline)
            return
        # The router claimed the notification just before: the item is this episode's.
        item = _plain(self.table.get_item(Key={"alert_key": alert.key},
                                          ConsistentRead=True).get("Item", {}))
        item.setdefault("alert_key", alert.key)
        now = int(self.clock())
        attribute = message_attribute(channel)
        stored = item.get(attribute)
        blocks = app_blocks(base_blocks(alert), item, alert.state, now)
        text = fallback_text(alert)
        first_seen = int(item.get("first_seen") or 0)
        same_episode = bool(stored) and int(stored.get("first_seen", -1)) == first_seen
        if stored and alert.state == ALARM and same_episode:
            if alert.escalated:
                self.web.update(stored["channel"], stored["ts"], text, blocks, deadline)
            self.web.post_message(stored["channel"], text, base_blocks(alert)[:1], deadline,
                                  thread_ts=stored["ts"])
            return
        if stored and alert.state != ALARM:
            self.web.update(stored["channel"], stored["ts"], text, blocks, deadline)
            return
        channel_id, ts = self.web.post_message(channel, text, blocks, deadline)
        if alert.state == ALARM:
            self.table.update_item(
                Key={"alert_key": alert.key}, UpdateExpression="SET #m = :m",
                ExpressionAttributeNames={"#m": attribute},
                ExpressionAttributeValues={":m": {"channel": channel_id, "ts": ts,
                                                  "first_seen": first_seen}})


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    """Numbers (Decimal) as ints, nested maps too."""
    out: dict[str, Any] = {}
    for key, value in item.items():
        if isinstance(value, dict):
            out[key] = _plain(value)
        elif hasattr(value, "as_integer_ratio") and not isinstance(value, bool | float):
            out[key] = int(value)
        else:
            out[key] = value
    return out
