"""Recorded notifications, read from files as the alert router would receive them.

A file holds one of:

* a Lambda event from SNS (``{"Records": [{"Sns": {...}}, ...]}``) or one such record;
* a bare SNS message (the ``Sns`` object: ``TopicArn``, ``Message``, ``MessageAttributes``,
  as an HTTP subscriber or the console shows it);
* an EventBridge event (``source``, ``detail-type``, ``detail``). Events reach the router only
  through a severity topic: the stack's EventBridge rules (``HEALTH_ROUTES`` of
  ``components/alerting/component.py``, ``GUARDDUTY_ROUTES`` and ``SECURITYHUB_ROUTES`` of
  ``components/security/finding_routes.py`` when those services are on) forward a matching
  event to their severity's topic with the event JSON as the message and no message
  attributes (an SNS target takes none; docs.aws.amazon.com/eventbridge/latest/userguide/
  eb-targets.html). One notification per matching rule; none matching is reported as
  never published. The escalation schedule's ``Scheduled Event`` invokes the router
  directly (the escalation sweep);
* anything else, JSON or plain text: a message body as a service publishes it (AWS Budgets
  publishes plain text), on the topic of ``default_severity``.

A recorded topic ARN that names no severity (the placeholder ``arn:aws:sns:EXAMPLE`` of
published samples) is replaced by the ``default_severity`` topic, and the note says so.

Rule patterns are matched with :mod:`tools.sns_filter`'s ``MessageBody`` evaluation: event
patterns and SNS body policies share their syntax for what these rules use (exact values,
``numeric``, nested keys, arrays matched element by element).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.alerting.component import HEALTH_ROUTES
from components.platform.alert_topics import SEVERITIES
from components.platform.event_routes import EventRoute
from components.security.finding_routes import GUARDDUTY_ROUTES, SECURITYHUB_ROUTES
from tools.sns_filter import BODY, evaluate

SNS_RECORD = "sns-record"
SNS_MESSAGE = "sns-message"
EVENTBRIDGE = "eventbridge"
SCHEDULE = "schedule"
MESSAGE = "message"


class UnreadableInputError(ValueError):
    """A file that is not a notification the simulator can read; the message says why."""


@dataclass(frozen=True)
class Notification:
    """One delivery to the router (``record``, the SNS record of a Lambda event), or why none.

    ``record`` is None for an event that no rule publishes (``note`` says so) and for the
    escalation schedule (``kind`` ``schedule``), which is not an SNS delivery.
    """

    label: str
    kind: str
    record: dict[str, Any] | None
    note: str = ""
    event: Mapping[str, Any] | None = field(default=None, compare=False)


def topic_arn(region: str, account: str, prefix: str, severity: str) -> str:
    """The ARN of a stack's severity topic (``AlertTopics``: ``<prefix>-<severity>``)."""
    return f"arn:aws:sns:{region}:{account}:{prefix}-{severity}"


def stack_event_routes(guardduty: bool, securityhub: bool) -> tuple[EventRoute, ...]:
    """The EventBridge rules that publish to the severity topics, as the stack creates them."""
    return (*HEALTH_ROUTES, *(GUARDDUTY_ROUTES if guardduty else ()),
            *(SECURITYHUB_ROUTES if securityhub else ()))


def sns_record(sns: Mapping[str, Any]) -> dict[str, Any]:
    """The Lambda record SNS delivers for a message (the envelope of a Lambda event)."""
    return {"EventSource": "aws:sns", "EventVersion": "1.0",
            "EventSubscriptionArn": f"{sns.get('TopicArn', '')}:simulated",
            "Sns": {"Type": "Notification", "MessageId": "simulated", "Subject": None,
                    "MessageAttributes": {}, **sns}}


@dataclass(frozen=True)
class Reading:
    """How to turn what a file holds into notifications: the stack's topics and rules."""

    region: str
    account: str
    prefix: str
    routes: Sequence[EventRoute]
    default_severity: str = "warning"

    def topic(self, severity: str) -> str:
        """The stack's topic of ``severity``."""
        return topic_arn(self.region, self.account, self.prefix, severity)

    def read(self, path: Path) -> list[Notification]:
        """The notifications in ``path``; :class:`UnreadableInputError` if it has none."""
        try:
            text = path.read_text()
        except UnicodeDecodeError as error:
            raise UnreadableInputError(f"{path}: not text ({error.reason})") from None
        except OSError as error:
            raise UnreadableInputError(f"{path}: {error.strerror or error}") from None
        name = path.name
        stripped = text.lstrip()
        if not stripped:
            raise UnreadableInputError(f"{path}: empty file")
        if stripped[0] in "{[":
            try:
                data = json.loads(text)
            except ValueError as error:
                raise UnreadableInputError(f"{path}: not valid JSON ({error})") from None
            return self.notifications(name, data)
        # Plain text: a body as AWS Budgets publishes it.
        return [self._body(name, text)]

    def notifications(self, label: str, data: Any) -> list[Notification]:
        """The notifications of one parsed document."""
        if isinstance(data, list):
            return [n for i, item in enumerate(data)
                    for n in self.notifications(f"{label}[{i}]", item)]
        if not isinstance(data, Mapping):
            raise UnreadableInputError(f"{label}: a JSON {type(data).__name__}, not a "
                                       "notification, event or message object")
        records = data.get("Records")
        if isinstance(records, list):
            return [self._record(f"{label}#Records[{i}]", r) for i, r in enumerate(records)]
        if isinstance(data.get("Sns"), Mapping):
            return [self._record(label, data)]
        if "TopicArn" in data and "Message" in data:
            return [self._record(label, sns_record(data), SNS_MESSAGE)]
        if "detail-type" in data and "source" in data:
            return self._event(label, data)
        return [self._body(label, json.dumps(data))]

    def _record(self, label: str, record: Any, kind: str = SNS_RECORD) -> Notification:
        if not isinstance(record, Mapping) or not isinstance(record.get("Sns"), Mapping):
            raise UnreadableInputError(f"{label}: a record without an Sns object")
        copy = json.loads(json.dumps(record))
        recorded = str(copy["Sns"].get("TopicArn") or "")
        if recorded.rsplit(":", 1)[-1].rsplit("-", 1)[-1] in SEVERITIES:
            return Notification(label, kind, copy)
        # A placeholder topic (arn:aws:sns:EXAMPLE) would read as info: use the chosen one.
        copy["Sns"]["TopicArn"] = self.topic(self.default_severity)
        return Notification(label, kind, copy, note=(
            f"recorded topic {recorded or '(none)'} names no severity: delivered as from "
            f"{copy['Sns']['TopicArn']}"))

    def _body(self, label: str, message: str) -> Notification:
        topic = self.topic(self.default_severity)
        return Notification(label, MESSAGE, sns_record({"TopicArn": topic, "Message": message}),
                            note=f"message body published to {topic}")

    def _event(self, label: str, event: Mapping[str, Any]) -> list[Notification]:
        if (event.get("source") == "aws.events"
                and event.get("detail-type") == "Scheduled Event"):
            return [Notification(label, SCHEDULE, None, note=(
                "the escalation schedule invokes the router directly: the escalation sweep "
                "(and the close of maintenance windows)"), event=event)]
        # EventBridge's SNS target sends the event as compact JSON, without attributes.
        message = json.dumps(event, separators=(",", ":"))
        matched = [r for r in self.routes if evaluate(r.pattern, BODY, message=message).matched]
        if not matched:
            return [Notification(label, EVENTBRIDGE, None, note=(
                "never published: no EventBridge rule of the stack forwards this event to "
                "an alert topic"), event=event)]
        return [Notification(f"{label}@{r.name}" if len(matched) > 1 else label, EVENTBRIDGE,
                             sns_record({"TopicArn": self.topic(r.severity), "Message": message}),
                             note=f"EventBridge rule {r.name} publishes it to the "
                                  f"{r.severity} topic", event=event)
                for r in matched]


def read_all(reading: Reading, paths: Iterable[Path]) -> tuple[list[Notification], list[str]]:
    """Every notification of ``paths``, and the problems of the files that could not be read."""
    found: list[Notification] = []
    problems: list[str] = []
    for path in paths:
        try:
            found.extend(reading.read(path))
        except UnreadableInputError as error:
            problems.append(str(error))
    return found, problems
