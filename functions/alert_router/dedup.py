"""Deduplication and flap control: one item per alert in a DynamoDB table with TTL.

Item: ``alert_key`` (hash key), ``state``, ``severity``, ``first_seen`` (when the current
state began), ``last_sent``, ``count`` (notifications seen in this state), ``delivered``,
``escalated``, ``summary`` (the alert without its raw message, for escalation),
``held_pages`` (for a layer's composite: the pages inhibition held while it was in ALARM)
and ``expires_at`` (TTL).

A notification *claims* a send with one conditional update, so concurrent invocations of
the router agree on who sends:

1. the state changed (or the alert is new): claim, ``first_seen`` = now, ``count`` = 1;
2. same state, but the last send is older than the window, or a claim was released after a
   failed delivery (or is older than the lease): claim again;
3. otherwise only ``count`` is incremented and nothing is sent.

After delivery the claim is marked ``delivered``; when delivery fails it is released so the
Lambda retry of the same notification claims it again instead of being deduplicated away.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from functions.alert_router.alert import Alert

CONDITION_FAILED = "ConditionalCheckFailedException"


@dataclass(frozen=True)
class Claim:
    """The outcome of :meth:`DedupStore.claim`.

    ``send`` says whether this invocation delivers the alert; ``previous`` is the item as it
    was before (``{}`` for a new alert); ``stamp`` identifies the claim for release/confirm.
    """

    send: bool
    previous: dict[str, Any]
    count: int
    stamp: int

    @property
    def previous_state(self) -> str | None:
        """The state recorded before this notification, if any."""
        return self.previous.get("state")

    @property
    def was_escalated(self) -> bool:
        """Whether the alert had been escalated to critical in its previous state."""
        return bool(self.previous.get("escalated"))


class DedupStore:
    """The state table: claims, confirmations, releases and the escalation queries."""

    def __init__(self, table: Any, window_seconds: int, ttl_seconds: int,
                 lease_seconds: int) -> None:
        self.table = table
        self.window = window_seconds
        self.ttl = ttl_seconds
        self.lease = lease_seconds

    def claim(self, alert: Alert, now: int) -> Claim:
        """Decide whether ``alert`` is sent now, recording the notification either way."""
        common = {":s": alert.state, ":now": now, ":one": 1, ":sev": alert.severity,
                  ":exp": now + self.ttl, ":sum": json.dumps(alert.summary(), default=str),
                  ":f": False}
        names = {"#s": "state", "#c": "count"}
        try:
            old = self.table.update_item(
                Key={"alert_key": alert.key},
                UpdateExpression=("SET #s = :s, first_seen = :now, last_sent = :now, #c = :one, "
                                  "delivered = :f, escalated = :f, severity = :sev, "
                                  "summary = :sum, expires_at = :exp "
                                  # A new state drops the Slack buttons' marks of the old
                                  # one, and the pages its inhibition held.
                                  "REMOVE acked_by, acked_at, resolved_by, resolved_at, "
                                  "held_pages"),
                ConditionExpression="attribute_not_exists(alert_key) OR #s <> :s",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=common,
                ReturnValues="ALL_OLD",
            ).get("Attributes", {})
            return Claim(True, _plain(old), 1, now)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != CONDITION_FAILED:
                raise
        try:
            new = self.table.update_item(
                Key={"alert_key": alert.key},
                UpdateExpression=("SET last_sent = :now, #c = #c + :one, delivered = :f, "
                                  "summary = :sum, expires_at = :exp"),
                ConditionExpression=("#s = :s AND (last_sent < :window OR "
                                     "(delivered = :f AND last_sent < :lease))"),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={
                    ":s": alert.state, ":now": now, ":one": 1, ":f": False,
                    ":exp": now + self.ttl, ":sum": common[":sum"],
                    ":window": now - self.window, ":lease": now - self.lease},
                ReturnValues="ALL_NEW",
            )["Attributes"]
            return Claim(True, _plain(new), int(new["count"]), now)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != CONDITION_FAILED:
                raise
        new = self.table.update_item(
            Key={"alert_key": alert.key},
            UpdateExpression="SET #c = #c + :one, expires_at = :exp",
            ExpressionAttributeNames={"#c": "count"},
            ExpressionAttributeValues={":one": 1, ":exp": now + self.ttl},
            ReturnValues="ALL_NEW",
        )["Attributes"]
        return Claim(False, _plain(new), int(new["count"]), now)

    def confirm(self, alert: Alert, claim: Claim) -> None:
        """Mark the claim delivered (only if no later claim replaced it)."""
        self._finish(alert, claim, "SET delivered = :t", {":t": True})

    def release(self, alert: Alert, claim: Claim) -> None:
        """Give the claim back after a failed delivery so a retry sends again."""
        self._finish(alert, claim, "SET last_sent = :zero", {":zero": 0})

    def _finish(self, alert: Alert, claim: Claim, expression: str,
                values: dict[str, Any]) -> None:
        try:
            self.table.update_item(
                Key={"alert_key": alert.key},
                UpdateExpression=expression,
                ConditionExpression="last_sent = :stamp AND #s = :s",
                ExpressionAttributeNames={"#s": "state"},
                ExpressionAttributeValues={**values, ":stamp": claim.stamp, ":s": alert.state},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != CONDITION_FAILED:
                raise

    def note_held(self, key: str, title: str) -> bool:
        """Add ``title`` to the pages held by the alert ``key`` (an upstream composite).

        Only onto a row that exists: one made here would lack the state a claim needs. False
        when the composite's own notification has not been seen yet.
        """
        try:
            self.table.update_item(
                Key={"alert_key": key},
                UpdateExpression="ADD held_pages :t",
                ConditionExpression="attribute_exists(alert_key)",
                ExpressionAttributeValues={":t": {title}},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != CONDITION_FAILED:
                raise
            return False
        return True

    # -- escalation -------------------------------------------------------------------
    def overdue_warnings(self, now: int, after_seconds: int) -> list[dict[str, Any]]:
        """Warnings in ALARM since before ``now - after_seconds``, delivered, not escalated."""
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "FilterExpression": ("#s = :alarm AND severity = :warning AND escalated = :f "
                                 "AND delivered = :t AND first_seen <= :cutoff "
                                 # Acknowledged or silenced in Slack: someone is on it.
                                 "AND attribute_not_exists(acked_by) AND "
                                 "(attribute_not_exists(silenced_until) OR "
                                 "silenced_until <= :now)"),
            "ExpressionAttributeNames": {"#s": "state"},
            "ExpressionAttributeValues": {":alarm": "ALARM", ":warning": "warning",
                                          ":f": False, ":t": True,
                                          ":cutoff": now - after_seconds, ":now": now},
        }
        while True:
            page = self.table.scan(**kwargs)
            items.extend(_plain(i) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def mark_escalated(self, key: str, first_seen: int, escalated: bool) -> bool:
        """Set ``escalated`` if the alert is still in the same ALARM episode; True if set."""
        try:
            self.table.update_item(
                Key={"alert_key": key},
                UpdateExpression="SET escalated = :e",
                ConditionExpression="#s = :alarm AND first_seen = :fs AND escalated = :was",
                ExpressionAttributeNames={"#s": "state"},
                ExpressionAttributeValues={":e": escalated, ":alarm": "ALARM",
                                           ":fs": first_seen, ":was": not escalated},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != CONDITION_FAILED:
                raise
            return False
        return True


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB numbers (Decimal) as ints, for arithmetic and JSON."""
    out: dict[str, Any] = {}
    for key, value in item.items():
        if hasattr(value, "as_integer_ratio") and not isinstance(value, bool | float):
            out[key] = int(value)
        else:
            out[key] = value
    return out
