"""The alert router's environment and its email-copy grants, from the alerting config."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pulumi

from components.config import AlertingConfig
from components.observability.composites import layer_composites


def router_environment(cfg: AlertingConfig, prefix: str, runbook_base_url: str,
                       topic_arns: Mapping[str, pulumi.Input[str]],
                       table_name: pulumi.Input[str],
                       pagerduty_secret_arn: pulumi.Input[str],
                       slack_secret_arn: pulumi.Input[str],
                       bot_token_secret_arn: pulumi.Input[str] | None = None,
                       ) -> dict[str, pulumi.Input[str]]:
    """The router's settings (``functions/alert_router/settings.py`` reads them)."""
    app: dict[str, pulumi.Input[str]] = {}
    if bot_token_secret_arn is not None:
        app = {"SLACK_DELIVERY": "app", "SLACK_BOT_TOKEN_SECRET_ARN": bot_token_secret_arn}
    return {
        **app,
        "DEDUP_TABLE": table_name,
        "ROUTES": json.dumps([route.as_dict() for route in cfg.routes]),
        "DEDUP_WINDOW_SECONDS": str(cfg.dedup_window_minutes * 60),
        "STATE_TTL_SECONDS": str(cfg.state_ttl_days * 86400),
        "ESCALATE_AFTER_SECONDS": str(cfg.escalate_after_minutes * 60),
        "LEASE_SECONDS": str(cfg.router_timeout_seconds),
        "MAINTENANCE_WINDOWS": json.dumps(list(cfg.maintenance_windows)),
        "MAINTENANCE_SUPPRESSES": json.dumps(list(cfg.maintenance_suppresses)),
        "PAGERDUTY_SECRET_ARN": pagerduty_secret_arn,
        "SLACK_SECRET_ARN": slack_secret_arn,
        "HTTP_TIMEOUT_SECONDS": str(cfg.http_timeout_seconds),
        "RUNBOOK_BASE_URL": runbook_base_url,
        "TOPIC_ARNS": pulumi.Output.json_dumps(dict(topic_arns)),
        # functions/alert_router/heartbeat.py: where heartbeats go ("" records them only).
        "HEARTBEAT_TARGET": cfg.heartbeat_target or "",
        **inhibition_environment(cfg, prefix),
    }


def inhibition_environment(cfg: AlertingConfig, prefix: str) -> dict[str, str]:
    """``INHIBITION``: each layer's composite alarm by name (functions/alert_router/
    inhibition.py); none with ``alertInhibition`` off. A composite the stack does not create
    (no members) is never in ALARM, so naming it holds nothing."""
    if not cfg.inhibition:
        return {}
    return {"INHIBITION": json.dumps({"composites": layer_composites(prefix)},
                                     separators=(",", ":"))}


# CloudWatch answers DescribeAlarms about composite alarms only to a grant on "*":
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
UPSTREAM_STATES: dict[str, object] = {
    "Sid": "UpstreamAlarmStates", "Effect": "Allow", "Action": ["cloudwatch:DescribeAlarms"],
    "Resource": "*"}


def inhibition_statements(cfg: AlertingConfig) -> list[dict[str, object]]:
    """DescribeAlarms for the router when it inhibits (read-only, and it must be on "*")."""
    return [UPSTREAM_STATES] if cfg.inhibition else []


def email_severities(cfg: AlertingConfig) -> list[str]:
    """Severities whose topics the routes send email copies to (``email:<severity>``)."""
    found = {t.partition(":")[2] for r in cfg.routes for t in r.targets
             if t.startswith("email:")}
    return sorted(found)


def publish_statements(cfg: AlertingConfig,
                       topic_arns: Mapping[str, pulumi.Input[str]]) -> list[dict[str, object]]:
    """sns:Publish on exactly the topics the email targets name (none when unused)."""
    severities = email_severities(cfg)
    if not severities:
        return []
    return [{"Sid": "EmailCopies", "Effect": "Allow", "Action": ["sns:Publish"],
             "Resource": [topic_arns[s] for s in severities]}]


def incident_record_grants(bus_name: pulumi.Input[str] | None,
                           bus_arn: pulumi.Input[str] | None,
                           ) -> tuple[list[dict[str, object]], dict[str, pulumi.Input[str]]]:
    """PutEvents on exactly the stack's bus, and ``EVENT_BUS_NAME``: the incident records.

    Both the router and the Slack buttons' endpoint publish them (docs/alerting.md#incident-
    records); without a bus (a program that passes none) neither gets the grant.
    """
    if bus_name is None or bus_arn is None:
        return [], {}
    return ([{"Sid": "IncidentRecords", "Effect": "Allow", "Action": ["events:PutEvents"],
              "Resource": bus_arn}], {"EVENT_BUS_NAME": bus_name})
