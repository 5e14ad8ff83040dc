"""EventBridge routes of GuardDuty and Security Hub findings to the severity topics, by severity.

A table each, read by :func:`components.platform.event_routes.route_events` in one loop.
"""

from __future__ import annotations

from components.platform.event_routes import EventRoute

_GUARDDUTY = {"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"]}
_SECURITYHUB = {"source": ["aws.securityhub"],
                "detail-type": ["Security Hub Findings - Imported"]}


def _hub(labels: list[str]) -> dict[str, object]:
    # New, active findings only: updates of findings already triaged do not page again.
    return {**_SECURITYHUB, "detail": {"findings": {
        "Severity": {"Label": labels}, "Workflow": {"Status": ["NEW"]},
        "RecordState": ["ACTIVE"]}}}


# GuardDuty's severity bands: high >= 7, medium >= 4, low below.
GUARDDUTY_ROUTES = (
    EventRoute("guardduty-high", "GuardDuty findings of high severity (>= 7)",
               {**_GUARDDUTY, "detail": {"severity": [{"numeric": [">=", 7]}]}}, "critical"),
    EventRoute("guardduty-medium", "GuardDuty findings of medium severity (4-6.9)",
               {**_GUARDDUTY, "detail": {"severity": [{"numeric": [">=", 4, "<", 7]}]}},
               "warning"),
    EventRoute("guardduty-low", "GuardDuty findings of low severity (< 4)",
               {**_GUARDDUTY, "detail": {"severity": [{"numeric": ["<", 4]}]}}, "info"),
)
SECURITYHUB_ROUTES = (
    EventRoute("securityhub-high", "New Security Hub findings labelled CRITICAL or HIGH",
               _hub(["CRITICAL", "HIGH"]), "critical"),
    EventRoute("securityhub-medium", "New Security Hub findings labelled MEDIUM",
               _hub(["MEDIUM"]), "warning"),
    EventRoute("securityhub-low", "New Security Hub findings labelled LOW",
               _hub(["LOW"]), "info"),
)
