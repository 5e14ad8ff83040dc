"""The router's settings, read once from its environment (set by the stack from config)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from functions.alert_router.inhibition import Inhibition
from functions.alert_router.pagerduty import DEFAULT_URL
from functions.alert_router.routing import (
    Route,
    Window,
    decode_list,
    load_routes,
    load_windows,
)
from functions.shared.slack_web import DEFAULT_BASE_URL


@dataclass(frozen=True)
class Settings:
    """What the router needs to know; see docs/alerting.md for the variables."""

    table_name: str
    routes: tuple[Route, ...]
    dedup_window_seconds: int
    state_ttl_seconds: int
    escalate_after_seconds: int
    lease_seconds: int
    windows: tuple[Window, ...]
    suppress_severities: tuple[str, ...]
    pagerduty_secret_arn: str
    slack_secret_arn: str
    pagerduty_url: str
    http_timeout_seconds: float
    runbook_base_url: str
    topic_arns: Mapping[str, str] = field(default_factory=dict)
    # DORA (delivery_metrics.py): the stack's last-deployment parameter and the window after
    # a deployment in which a critical alert counts as a change failure.
    last_deployment_parameter: str = ""
    change_failure_window_seconds: int = 3600
    # "webhook" (incoming webhooks) or "app" (the Slack app's bot token, slack_app.py).
    slack_delivery: str = "webhook"
    slack_token_secret_arn: str = ""
    slack_api_url: str = ""
    # Which composite alarm stands for which layer (inhibition.py); None holds no page.
    inhibition: Inhibition | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``env`` (default ``os.environ``); KeyError names a missing one."""
        e = os.environ if env is None else env
        return cls(
            table_name=e["DEDUP_TABLE"],
            routes=load_routes(e.get("ROUTES", "[]")),
            dedup_window_seconds=int(e.get("DEDUP_WINDOW_SECONDS", "3600")),
            state_ttl_seconds=int(e.get("STATE_TTL_SECONDS", "604800")),
            escalate_after_seconds=int(e.get("ESCALATE_AFTER_SECONDS", "1800")),
            lease_seconds=int(e.get("LEASE_SECONDS", "120")),
            windows=load_windows(decode_list(e.get("MAINTENANCE_WINDOWS"))),
            suppress_severities=tuple(decode_list(e.get("MAINTENANCE_SUPPRESSES"))),
            pagerduty_secret_arn=e.get("PAGERDUTY_SECRET_ARN", ""),
            slack_secret_arn=e.get("SLACK_SECRET_ARN", ""),
            pagerduty_url=e.get("PAGERDUTY_URL") or DEFAULT_URL,
            http_timeout_seconds=float(e.get("HTTP_TIMEOUT_SECONDS", "5")),
            runbook_base_url=e.get("RUNBOOK_BASE_URL", ""),
            topic_arns=json.loads(e.get("TOPIC_ARNS") or "{}"),
            last_deployment_parameter=e.get("LAST_DEPLOYMENT_PARAMETER", ""),
            change_failure_window_seconds=int(e.get("CHANGE_FAILURE_WINDOW_SECONDS", "3600")),
            slack_delivery=e.get("SLACK_DELIVERY") or "webhook",
            slack_token_secret_arn=e.get("SLACK_BOT_TOKEN_SECRET_ARN", ""),
            slack_api_url=e.get("SLACK_API_URL") or DEFAULT_BASE_URL,
            inhibition=Inhibition.from_json(e.get("INHIBITION")),
        )
