"""Config keys of alert routing: subscriptions, the alert router and Chatbot.

Data only: read by :mod:`components.config`, which imports nothing downstream of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pulumi

from components.config.spec import KeySpec, Section
from components.config.values import EMAIL_RE, did_you_mean, matching

ALERT_SEVERITIES = ("critical", "warning", "info", "maintenance")
ALERT_SOURCES = ("cloudwatch", "guardduty", "securityhub", "health", "budgets",
                 "cost-anomaly", "generic")
CHANNEL_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WINDOW_RE = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun) ([01]\d|2[0-3]):([0-5]\d)-"
                       r"([01]\d|2[0-3]):([0-5]\d)$")
HEARTBEAT_TARGET_RE = re.compile(r"^slack:[a-z0-9][a-z0-9-]{0,79}$")
SLACK_DELIVERIES = ("webhook", "app")
SLACK_ID_RE = re.compile(r"^[A-Z0-9]{9,11}$")
EMAIL = matching(EMAIL_RE, "{value!r} is not an email address")


@dataclass(frozen=True)
class AlertRoute:
    """One routing rule: alerts of these severities from these sources go to these targets.

    ``*`` in severities or sources matches all; targets are ``pagerduty``,
    ``slack:<channel>`` (a key of the Slack webhook secret) or ``email:<severity>`` (a
    readable copy to that topic's email subscribers).
    """

    severities: tuple[str, ...]
    sources: tuple[str, ...]
    targets: tuple[str, ...]

    def as_dict(self) -> dict[str, list[str]]:
        """The rule as the router reads it (JSON in its environment)."""
        return {"severities": list(self.severities), "sources": list(self.sources),
                "targets": list(self.targets)}


def parse_route(text: str, channels: Iterable[str]) -> AlertRoute:
    """Parse ``severities|sources|targets`` (comma lists); raise ValueError naming the bad part."""
    parts = [p.strip() for p in text.split("|")]
    if len(parts) != 3:
        raise ValueError(f"{text!r} is not of the form severities|sources|targets")
    known = tuple(channels)
    lists = [tuple(x.strip() for x in p.split(",") if x.strip()) for p in parts]
    severities, sources, targets = lists
    for label, values, allowed in (("severity", severities, ALERT_SEVERITIES),
                                   ("source", sources, ALERT_SOURCES)):
        if not values:
            raise ValueError(f"{text!r}: no {label}; use * or a list")
        for value in values:
            if value != "*" and value not in allowed:
                raise ValueError(f"{text!r}: unknown {label} {value!r}; use * or one of "
                                 f"{', '.join(allowed)}{did_you_mean(value, allowed)}")
    if not targets:
        raise ValueError(f"{text!r}: no target; use pagerduty, slack:<channel> or "
                         "email:<severity>")
    for target in targets:
        kind, _, name = target.partition(":")
        if target == "pagerduty" or (kind == "email" and name in ALERT_SEVERITIES):
            continue
        if kind != "slack" or name not in known:
            raise ValueError(f"{text!r}: unknown target {target!r}; use pagerduty, "
                             f"email:<severity> or slack:<channel> with a channel of "
                             f"alertSlackChannels ({', '.join(known) or 'none declared'})")
    return AlertRoute(severities, sources, targets)


@dataclass(frozen=True)
class AlertingConfig:
    """Subscriptions, the router's routing/dedup/escalation settings and Chatbot."""

    emails: Mapping[str, tuple[str, ...]]
    slack_channels: tuple[str, ...]
    routes: tuple[AlertRoute, ...]
    dedup_window_minutes: int
    escalate_after_minutes: int
    escalation_check_minutes: int
    state_ttl_days: int
    maintenance_windows: tuple[str, ...]
    maintenance_suppresses: tuple[str, ...]
    http_timeout_seconds: int
    router_timeout_seconds: int
    pagerduty_routing_key: pulumi.Output[str] | None
    slack_webhooks: pulumi.Output[str] | None
    chatbot_slack_team_id: str | None
    chatbot_slack_channel_id: str | None
    chatbot_severities: tuple[str, ...]
    change_failure_window_minutes: int = 60
    alert_path_watch: bool = False
    alert_path_emails: tuple[str, ...] = ()
    heartbeat_hours: int = 12
    heartbeat_target: str | None = None
    slack_delivery: str = "webhook"
    slack_bot_token: pulumi.Output[str] | None = None
    slack_signing_secret: pulumi.Output[str] | None = None
    inhibition: bool = True


# One alertEmails<Severity> key per topic; the loop collects them into ``emails``.
ALERTING = Section("alerting", "alerting: subscriptions, alert router, Chatbot", "alerting.md",
                   AlertingConfig, (
    KeySpec("alertEmailsCritical", "emails.critical", "array", item=EMAIL,
            description=("Email addresses subscribed to the critical topic (each confirms by "
                         "mail).")),
    KeySpec("alertEmailsWarning", "emails.warning", "array", item=EMAIL,
            description="Email addresses subscribed to the warning topic."),
    KeySpec("alertEmailsInfo", "emails.info", "array", item=EMAIL,
            description="Email addresses subscribed to the info topic."),
    KeySpec("alertEmailsMaintenance", "emails.maintenance", "array", item=EMAIL,
            description="Email addresses subscribed to the maintenance topic."),
    KeySpec("alertSlackChannels", "slack_channels", "array",
            item=matching(CHANNEL_RE,
                          "{value!r} is not a channel name (lowercase letters, digits, -)"),
            description=("Slack channel names the router may post to; each is a key of the "
                         "slackWebhookUrls secret.")),
    # Parsed by rules.alert_routes: a route may name only the channels declared above.
    KeySpec("alertRoutes", "routes", "array",
            description=("Routing rules \"severities|sources|targets\" (comma lists, * for all); "
                         "targets pagerduty, slack:<channel> or email:<severity>.")),
    KeySpec("alertDedupWindowMinutes", "dedup_window_minutes", "integer", 60, minimum=1,
            maximum=1440,
            description=("The same alert in the same state within this many minutes (1-1440) sends "
                         "nothing new.")),
    KeySpec("alertEscalateAfterMinutes", "escalate_after_minutes", "integer", 30, minimum=5,
            maximum=1440,
            description=("A warning still in ALARM after this many minutes (5-1440) is re-posted "
                         "once as critical.")),
    KeySpec("alertEscalationCheckMinutes", "escalation_check_minutes", "integer", 5, minimum=1,
            maximum=60,
            description=("How often (1-60 minutes) the router sweeps its state table for warnings "
                         "to escalate.")),
    KeySpec("alertStateTtlDays", "state_ttl_days", "integer", 7, minimum=1, maximum=90,
            description="Days (1-90) an alert's dedup state is kept after its last notification."),
    KeySpec("alertMaintenanceWindows", "maintenance_windows", "array",
            item=matching(WINDOW_RE,
                          "{value!r} is not a weekly UTC window like 'sun 02:00-04:00'"),
            description=("Weekly UTC maintenance windows like \"sun 02:00-04:00\"; alerts of the "
                         "held severities are recorded, not sent, in them, and one Slack summary "
                         "of what is still in ALARM goes out when each closes.")),
    KeySpec("alertMaintenanceSuppresses", "maintenance_suppresses", "array", ("warning", "info"),
            choices=ALERT_SEVERITIES,
            description=("Severities held during a maintenance window and summarized at its close "
                         "(default warning, info).")),
    KeySpec("alertHttpTimeoutSeconds", "http_timeout_seconds", "integer", 5, minimum=1, maximum=30,
            description="Connect and read timeout (1-30 s) of each call to Slack and PagerDuty."),
    KeySpec("changeFailureWindowMinutes", "change_failure_window_minutes", "integer", 60,
            minimum=5, maximum=1440,
            description=("A critical alert raised within this many minutes (5-1440) after a "
                         "deployment counts that deployment as a change failure (DORA).")),
    KeySpec("alertRouterTimeoutSeconds", "router_timeout_seconds", "integer", 60, minimum=10,
            maximum=900,
            description="Timeout of the alert router function (10-900 s); retries stop before it."),
    KeySpec("pagerDutyRoutingKey", "pagerduty_routing_key", "secret",
            description=("Secret (set it with pulumi config set --secret): PagerDuty Events API v2 "
                         "routing (integration) key; stored in Secrets Manager. Unset leaves the "
                         "secret for operators to fill.")),
    KeySpec("slackWebhookUrls", "slack_webhooks", "secret",
            description=("Secret (set it with pulumi config set --secret): JSON object "
                         '{"<channel>": "<incoming webhook URL>"}; stored in Secrets Manager. '
                         "Unset leaves the secret for operators to fill.")),
    KeySpec("slackDelivery", "slack_delivery", "string", "webhook", choices=SLACK_DELIVERIES,
            description=("How the router posts to Slack: webhook (incoming webhooks) or app (the "
                         "Slack app: one message per alert, updated, with Acknowledge, Resolve and "
                         "Silence buttons).")),
    KeySpec("slackBotToken", "slack_bot_token", "secret",
            description=("Secret (set it with pulumi config set --secret): the Slack app's bot "
                         "token (xoxb-..., scope chat:write), with slackDelivery app; stored in "
                         "Secrets Manager. Unset leaves the secret for operators to fill.")),
    KeySpec("slackSigningSecret", "slack_signing_secret", "secret",
            description=("Secret (set it with pulumi config set --secret): the Slack app's signing "
                         "secret, with slackDelivery app; stored in Secrets Manager. Unset leaves "
                         "the secret for operators to fill.")),
    KeySpec("chatbotSlackTeamId", "chatbot_slack_team_id", "optional", pattern=SLACK_ID_RE,
            what="a Slack team id",
            description=("Slack workspace id for Amazon Q Developer in chat applications; set with "
                         "chatbotSlackChannelId to enable it.")),
    KeySpec("chatbotSlackChannelId", "chatbot_slack_channel_id", "optional", pattern=SLACK_ID_RE,
            what="a Slack channel id",
            description="Slack channel id Amazon Q Developer in chat applications posts to."),
    KeySpec("chatbotSeverities", "chatbot_severities", "array", ("critical", "warning"),
            choices=ALERT_SEVERITIES,
            description="Topics (severities) the Amazon Q Developer Slack channel subscribes to."),
    KeySpec("alertInhibition", "inhibition", "boolean", True,
            description=("Hold the PagerDuty page of an alert whose upstream layer's composite "
                         "alarm is in ALARM (docs/alerting.md#inhibition); Slack and email still "
                         "get it.")),
    # The alert path watches itself (docs/alerting.md#the-alert-path-watches-itself).
    KeySpec("alertPathWatch", "alert_path_watch", "boolean", False,
            description=("Alarm on the alert path itself (failed SNS deliveries, the router, a "
                         "heartbeat) through a separate topic that emails without the router.")),
    KeySpec("alertPathEmails", "alert_path_emails", "array", item=EMAIL,
            description=("Email addresses of the alert-path topic (required with alertPathWatch; "
                         "each confirms by mail).")),
    KeySpec("alertHeartbeatHours", "heartbeat_hours", "integer", 12, minimum=1, maximum=12,
            description=("Hours (1-12) between heartbeats through the info topic and the router; "
                         "a day without one alarms.")),
    # Checked by rules.alert_path: the channel must be one of alertSlackChannels.
    KeySpec("alertHeartbeatTarget", "heartbeat_target", "optional", pattern=HEARTBEAT_TARGET_RE,
            what="slack:<channel>",
            description=("Where the router delivers the heartbeat (slack:<channel> of "
                         "alertSlackChannels); unset: the router only records it.")),
))
