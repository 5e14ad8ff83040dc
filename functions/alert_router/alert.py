"""The one normalized alert every notification is parsed into."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any

SEVERITIES = ("critical", "warning", "info", "maintenance")
ALARM, OK, INSUFFICIENT_DATA = "ALARM", "OK", "INSUFFICIENT_DATA"
STATES = (ALARM, OK, INSUFFICIENT_DATA)
# PagerDuty accepts dedup keys up to 255 characters; longer ids are hashed.
MAX_KEY = 255


@dataclass(frozen=True)
class Alert:
    """A notification, whatever sent it, in the shape Slack, PagerDuty and dedup need.

    ``key`` identifies the thing alerting (an alarm ARN, a finding id) across notifications:
    it is the dedup key in the state table and PagerDuty. ``state`` is ALARM, OK or
    INSUFFICIENT_DATA; findings and budget alerts are ALARM. ``links`` maps a label to a URL
    (console, runbook). ``raw`` keeps the message as received.
    """

    key: str
    source: str
    severity: str
    title: str
    state: str
    resource: str = ""
    region: str = ""
    account: str = ""
    time: str = ""
    reason: str = ""
    links: dict[str, str] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    raw: Any = None
    escalated: bool = False
    # False for a message about other alerts (a maintenance window's summary): the Slack app
    # posts it without buttons and keeps no message of it to update.
    actionable: bool = True

    def with_severity(self, severity: str, *, escalated: bool = False) -> Alert:
        """A copy with another severity (routing and escalation change it)."""
        return replace(self, severity=severity, escalated=escalated or self.escalated)

    def summary(self) -> dict[str, Any]:
        """Everything but ``raw`` and ``actionable``: what the state table keeps to re-post an
        escalation (only actionable alerts are kept)."""
        data = asdict(self)
        data.pop("raw")
        data.pop("actionable")
        return data

    @classmethod
    def from_summary(cls, data: dict[str, Any]) -> Alert:
        """Rebuild an alert from :meth:`summary` (the raw message is not kept)."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "raw"}
        return cls(**known)


def stable_key(*parts: str) -> str:
    """A dedup key from ``parts``; hashed when it would exceed PagerDuty's 255 characters."""
    key = "/".join(p for p in parts if p)
    if len(key) <= MAX_KEY:
        return key
    return f"{key[:200]}#{hashlib.sha256(key.encode()).hexdigest()[:32]}"


def digest(value: Any) -> str:
    """A short content hash, for messages that carry no identity of their own."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:24]


def slug(text: str) -> str:
    """A runbook anchor from a name: lowercase words joined by dashes."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
