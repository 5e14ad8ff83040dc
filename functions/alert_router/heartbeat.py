"""The alert-path heartbeat: recognise it, deliver it, and only then count it.

An EventBridge Scheduler schedule publishes, every few hours, to the info topic::

    {"kind": "alert-path-heartbeat", "stack": "marketplace-prod",
     "scheduled_time": "2026-12-03T12:00:00Z", "execution_id": "..."}

(``components/alerting/alert_path.py``; Scheduler fills in the ``<aws.scheduler.*>`` context
attributes). The router takes it out of the normal alert flow: no routes, no dedup, no
maintenance window. It goes to ``HEARTBEAT_TARGET`` (``slack:<channel>``, through the same
webhook delivery and retries as alerts) when one is set, and ``HeartbeatDelivered`` is
emitted only after that succeeded. A heartbeat that could not be delivered raises with the
record's other failures, so Lambda retries it and then keeps it in the failure queue; the
``alert-path-heartbeat`` alarm notices the missing metric.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from functions.alert_router import secrets as secret_store
from functions.alert_router.delivery import DeliveryError, post_json
from functions.alert_router.dispatch import Dispatcher, Outcome
from functions.shared.retry import Deadline

log = logging.getLogger(__name__)

KIND = "alert-path-heartbeat"  # components/alerting/alert_path.py HEARTBEAT_KIND
METRIC = "HeartbeatDelivered"  # components/alerting/alert_path.py HEARTBEAT_METRIC
RECORDED = "recorded"  # the delivery when no target is set


@dataclass(frozen=True)
class Heartbeat:
    """One heartbeat: the stack that sent it and when it was scheduled."""

    stack: str
    scheduled_time: str
    execution_id: str

    @property
    def key(self) -> str:
        """Its name in the handler's report (``sent``/``skipped`` by key)."""
        return f"heartbeat:{self.stack}:{self.scheduled_time}"


def parse(record: Any) -> Heartbeat | None:
    """The heartbeat an SNS record carries, or None for any other message."""
    sns = record.get("Sns") if isinstance(record, Mapping) else None
    message = sns.get("Message") if isinstance(sns, Mapping) else None
    if not isinstance(message, str) or KIND not in message:
        return None
    try:
        data = json.loads(message)
    except ValueError:
        return None
    if not isinstance(data, Mapping) or data.get("kind") != KIND:
        return None
    return Heartbeat(stack=str(data.get("stack") or ""),
                     scheduled_time=str(data.get("scheduled_time") or ""),
                     execution_id=str(data.get("execution_id") or ""))


def slack_message(beat: Heartbeat) -> dict[str, Any]:
    """A short Slack message: the alert path works (not an alert, so no colour bar)."""
    return {"text": (f":heartbeat: Alert path heartbeat from {beat.stack or 'the stack'}: "
                     f"topic, router and delivery work (scheduled {beat.scheduled_time}).")}


def target() -> str:
    """Where heartbeats go (``slack:<channel>``), or "" to record them only."""
    return os.environ.get("HEARTBEAT_TARGET", "").strip()


def handle(beat: Heartbeat, d: Dispatcher, deadline: Deadline, metrics: Any) -> Outcome:
    """Deliver ``beat`` to its target, then emit :data:`METRIC`; failures go in the outcome."""
    outcome = Outcome()
    where = target()
    try:
        if where:
            kind, _, channel = where.partition(":")
            if kind != "slack":
                raise DeliveryError(where, "heartbeats go to slack:<channel> only",
                                    permanent=True)
            hooks = secret_store.slack_webhooks(d.secrets, d.settings.slack_secret_arn)
            if channel not in hooks:
                raise DeliveryError(where, "no webhook URL for this channel in the secret",
                                    permanent=True)
            post_json(d.http, where, hooks[channel], slack_message(beat), deadline,
                      d.backoff, d.settings.http_timeout_seconds)
    except (DeliveryError, secret_store.MissingSecretError) as exc:
        log.exception("heartbeat not delivered", extra={"heartbeat": beat.key})
        outcome.errors.append(exc)
        return outcome
    metrics.add_metric(name=METRIC, unit="Count", value=1)
    outcome.sent[beat.key] = [where or RECORDED]
    log.info("heartbeat delivered", extra={"heartbeat": beat.key, "target": where or RECORDED})
    return outcome
