"""From one SNS record to delivered messages: parse, suppress, deduplicate, route, inhibit,
deliver."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import urllib3
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from botocore.exceptions import BotoCoreError, ClientError

from functions.alert_router import email, maintenance, pagerduty, slack
from functions.alert_router import secrets as secret_store
from functions.alert_router.alert import ALARM, OK, Alert, stable_key
from functions.alert_router.dedup import DedupStore
from functions.alert_router.delivery import DeliveryError, post_json
from functions.alert_router.delivery_metrics import DeliveryMetrics
from functions.alert_router.incident_records import IncidentRecords
from functions.alert_router.inhibition import AlarmStates
from functions.alert_router.parsers import Origin, parse, severity_of_topic
from functions.alert_router.routing import targets_for
from functions.alert_router.settings import Settings
from functions.alert_router.slack_app import AppDelivery
from functions.shared.publisher import Publisher
from functions.shared.retry import Backoff, Deadline
from functions.shared.slack_web import SlackWebApi, WebCallError

log = logging.getLogger(__name__)
# Four tries per message, pauses up to 5 s, always bounded by the function's remaining time.
DEFAULT_BACKOFF = Backoff(attempts=4, base_seconds=0.2, cap_seconds=5.0)


class UndeliveredError(Exception):
    """Some alerts could not be delivered; raised so Lambda retries and keeps the event."""

    def __init__(self, errors: list[DeliveryError | Exception]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class Outcome:
    """What happened to the alerts of one record, by alert key.

    ``inhibited`` names, per alert whose page was held, the upstream alarm that held it.
    """

    sent: dict[str, list[str]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    inhibited: dict[str, str] = field(default_factory=dict)
    errors: list[Exception] = field(default_factory=list)


class Dispatcher:
    """The router's work, with its collaborators passed in (tests pass moto and fakes)."""

    def __init__(self, settings: Settings, table: Any, secrets_client: Any,
                 http: urllib3.PoolManager, metrics: Any,
                 clock: Callable[[], float] = time.time,
                 backoff: Backoff = DEFAULT_BACKOFF, sns: Any = None, ssm: Any = None,
                 publisher: Publisher | None = None,
                 alarm_states: AlarmStates | None = None) -> None:
        self.settings = settings
        self.store = DedupStore(table, settings.dedup_window_seconds,
                                settings.state_ttl_seconds, settings.lease_seconds)
        # Powertools caches what it reads per provider: one per dispatcher, reused warm.
        self.secrets = SecretsProvider(boto3_client=secrets_client)
        self.http = http
        self.metrics = metrics
        self.clock = clock
        self.backoff = backoff
        self.sns = sns
        self.delivery_metrics = DeliveryMetrics(metrics, ssm, settings.last_deployment_parameter,
                                                settings.change_failure_window_seconds)
        self.incidents = IncidentRecords(publisher, metrics)
        # Inhibition reads the upstream composites' states (None: nothing is held).
        self.alarm_states = alarm_states

    def _count(self, name: str, value: int = 1) -> None:
        self.metrics.add_metric(name=name, unit="Count", value=value)

    # -- notifications --------------------------------------------------------------------
    def alerts_of(self, record: Any) -> list[Alert]:
        """The alerts in one SNS record; an odd record becomes one generic alert."""
        sns = record.get("Sns") if isinstance(record, Mapping) else None
        if not isinstance(sns, Mapping):
            sns = {"Message": record}
        topic = str(sns.get("TopicArn") or "")
        origin = Origin(severity=severity_of_topic(topic),
                        runbook_base_url=self.settings.runbook_base_url,
                        topic_arn=topic, subject=str(sns.get("Subject") or ""))
        message = sns.get("Message")
        return parse(message if message is not None else "", origin)

    def handle_record(self, record: Any, deadline: Deadline) -> Outcome:
        """Route every alert of a record; failures are collected, not raised."""
        outcome = Outcome()
        if email.forwarded(record):
            # Our own email copy comes back through the topic (no filter can keep it out).
            outcome.skipped["forwarded"] = "published by the router"
            return outcome
        for alert in self.alerts_of(record):
            self._count("AlertsReceived")
            try:
                self.handle_alert(alert, deadline, outcome)
            except Exception as exc:  # kept, and raised after the record's other alerts
                log.exception("alert not delivered", extra={"alert_key": alert.key})
                outcome.errors.append(exc)
        return outcome

    def handle_alert(self, alert: Alert, deadline: Deadline, outcome: Outcome) -> None:
        """Suppress, deduplicate, route and deliver one alert."""
        now = self.clock()
        when = datetime.fromtimestamp(now, UTC)
        occurrence = maintenance.occurrence_of(alert, when, self.settings.windows,
                                               self.settings.suppress_severities)
        if occurrence is not None:
            maintenance.hold(self.store, alert, int(now), occurrence)  # summarized at the close
            outcome.skipped[alert.key] = "maintenance window"
            self._count("AlertsSuppressed")
            return
        claim = self.store.claim(alert, int(now))
        if not claim.send:
            outcome.skipped[alert.key] = "duplicate"
            self._count("AlertsDeduplicated")
            return
        if alert.state == ALARM and int(claim.previous.get("silenced_until") or 0) > now:
            # Silenced from Slack: recorded, not delivered (an OK still is).
            self.store.confirm(alert, claim)
            outcome.skipped[alert.key] = "silenced"
            self._count("AlertsSilenced")
            return
        if ALARM not in (alert.state, claim.previous_state):
            # OK after OK or never alarmed (a new alarm settling), or INSUFFICIENT_DATA:
            # nothing to announce or resolve.
            self.store.confirm(alert, claim)
            outcome.skipped[alert.key] = f"{alert.state} without a preceding ALARM"
            return
        if claim.was_escalated:
            alert = alert.with_severity("critical", escalated=True)
        alert, targets = self.inhibit(alert, claim.previous,
                                      targets_for(alert, self.settings.routes), outcome)
        try:
            outcome.sent[alert.key] = self.deliver(alert, deadline, targets)
        except Exception:
            self.store.release(alert, claim)
            raise
        self.store.confirm(alert, claim)
        self.delivery_metrics.observe(alert, claim, int(now))
        self.incidents.observe(alert, claim, int(now), deadline)

    # -- inhibition -------------------------------------------------------------------------
    def inhibit(self, alert: Alert, previous: Mapping[str, Any], targets: list[str],
                outcome: Outcome) -> tuple[Alert, list[str]]:
        """Hold the page of an alert whose upstream layer is in ALARM (inhibition.py).

        A layer's own composite says whose pages it holds, and at its OK which it held. The
        other targets still get the alert, marked with what held its page.
        """
        rules = self.settings.inhibition
        if rules is None:
            return alert, targets
        alert = self._mark_upstream(alert, previous, rules.holds_for(alert))
        layer = rules.layer_of(alert)
        if alert.state != ALARM or "pagerduty" not in targets or layer is None:
            return alert, targets
        upstream = rules.upstream_composites(layer)
        if not upstream or self.alarm_states is None:
            return alert, targets
        try:
            firing = self.alarm_states.in_alarm(upstream)
        except (ClientError, BotoCoreError):
            # Fail open: a page too many beats a page lost.
            log.warning("upstream alarm states unreadable; paging", exc_info=True)
            self._count("InhibitionStateUnavailable")
            return alert, targets
        if not firing:
            return alert, targets
        name, arn = next(iter(firing.items()))
        self.store.note_held(stable_key(arn or f"alarm:{name}"), alert.title)
        outcome.inhibited[alert.key] = name
        self._count("PagesInhibited")
        return (replace(alert, details={**alert.details, "page_held_by": name}),
                [t for t in targets if t != "pagerduty"])

    @staticmethod
    def _mark_upstream(alert: Alert, previous: Mapping[str, Any],
                       holds: tuple[str, ...]) -> Alert:
        """An upstream composite's alert, with the layers it holds and the pages it held."""
        if not holds:
            return alert
        details = {**alert.details, "holds_pages_of": ", ".join(holds)}
        held = sorted(previous.get("held_pages") or ())
        if alert.state == OK and held:
            details["held_pages"] = ", ".join(held)
        return replace(alert, details=details)

    # -- delivery ---------------------------------------------------------------------------
    def deliver(self, alert: Alert, deadline: Deadline,
                targets: list[str] | None = None) -> list[str]:
        """Send the alert to ``targets`` (default: its routes'); raise if any target failed."""
        targets = targets_for(alert, self.settings.routes) if targets is None else targets
        delivered: list[str] = []
        errors: list[Exception] = []
        for target in targets:
            try:
                if self._send(target, alert, deadline):
                    delivered.append(target)
                    self._count("MessagesSent")
            except (DeliveryError, WebCallError, secret_store.MissingSecretError,
                    ValueError) as exc:
                self._count("DeliveryFailures")
                errors.append(exc)
        if errors:
            raise UndeliveredError(errors)
        return delivered

    def _send(self, target: str, alert: Alert, deadline: Deadline) -> bool:
        timeout = self.settings.http_timeout_seconds
        if target == "pagerduty":
            key = secret_store.secret_string(self.secrets, self.settings.pagerduty_secret_arn)
            event = pagerduty.event_for(alert, key.strip())
            if event is None:
                return False
            post_json(self.http, target, self.settings.pagerduty_url, event, deadline,
                      self.backoff, timeout)
            return True
        kind, _, name = target.partition(":")
        if kind == "email":
            return self._publish(target, name, alert)
        channel = name
        if self.settings.slack_delivery == "app":
            self._app().send(channel, alert, deadline)
            return True
        hooks = secret_store.slack_webhooks(self.secrets, self.settings.slack_secret_arn)
        if channel not in hooks:
            raise DeliveryError(target, "no webhook URL for this channel in the secret",
                                permanent=True)
        post_json(self.http, target, hooks[channel], slack.message_for(alert), deadline,
                  self.backoff, timeout)
        return True

    def _app(self) -> AppDelivery:
        """The Slack app sender, with the bot token as the secret holds it now (cached)."""
        token = secret_store.secret_string(self.secrets, self.settings.slack_token_secret_arn)
        web = SlackWebApi(self.http, token.strip(), backoff=self.backoff,
                          timeout_seconds=self.settings.http_timeout_seconds,
                          base_url=self.settings.slack_api_url)
        return AppDelivery(self.store.table, web, self.clock)

    def _publish(self, target: str, severity: str, alert: Alert) -> bool:
        topic = self.settings.topic_arns.get(severity)
        if not topic or self.sns is None:
            raise DeliveryError(target, "no topic to publish to", permanent=True)
        try:
            # botocore retries throttling and 5xx itself (standard retry mode).
            self.sns.publish(**email.publish_args(alert, topic))
        except (ClientError, BotoCoreError) as exc:
            raise DeliveryError(target, f"publish failed: {exc}") from exc
        return True
