"""The alert routing's pure parts: topic placements, the schedule, email copies, router env."""

from __future__ import annotations

import json
from dataclasses import replace

from components.alerting.component import (
    TopicPlacement,
    schedule_expression,
    topic_placements,
)
from components.alerting.router_settings import (
    email_severities,
    inhibition_statements,
    publish_statements,
    router_environment,
)
from components.config import AlertingConfig, AlertRoute
from tests.components.platform.support import (
    EDGE_KEY,
    EDGE_TOPICS,
    KEY,
    TOPICS,
    US_EAST_1,
    literal_context,
)

ALERTING = AlertingConfig(
    emails={"critical": ("oncall@example.com",)}, slack_channels=("ops",),
    routes=(AlertRoute(("critical",), ("*",), ("pagerduty", "email:critical")),
            AlertRoute(("warning", "info"), ("backend",), ("slack:ops", "email:info")),
            AlertRoute(("*",), ("*",), ("slack:ops",))),
    dedup_window_minutes=15, escalate_after_minutes=30, escalation_check_minutes=5,
    state_ttl_days=7, maintenance_windows=("sat 02:00-04:00",),
    maintenance_suppresses=("warning",), http_timeout_seconds=4, router_timeout_seconds=20,
    pagerduty_routing_key=None, slack_webhooks=None, chatbot_slack_team_id=None,
    chatbot_slack_channel_id=None, chatbot_severities=())
NO_EMAIL = AlertingConfig(**{**ALERTING.__dict__,
                             "routes": (AlertRoute(("*",), ("*",), ("slack:ops",)),)})


def test_outside_us_east_1_the_router_also_hears_the_edge_topics_there() -> None:
    assert topic_placements(literal_context()) == (
        TopicPlacement("", TOPICS, None, KEY, "eu-west-1"),
        TopicPlacement("-us-east-1", EDGE_TOPICS, US_EAST_1, EDGE_KEY, "us-east-1"),
    )


def test_in_us_east_1_the_edge_topics_are_the_same_topics() -> None:
    assert topic_placements(literal_context(region="us-east-1")) == (
        TopicPlacement("", TOPICS, None, KEY, "us-east-1"),)


def test_schedule_expression_uses_the_singular_for_one_minute() -> None:
    assert schedule_expression(1) == "rate(1 minute)"
    assert schedule_expression(5) == "rate(5 minutes)"


def test_email_copies_publish_to_exactly_the_topics_routes_name() -> None:
    assert email_severities(ALERTING) == ["critical", "info"]
    assert publish_statements(ALERTING, TOPICS) == [{
        "Sid": "EmailCopies", "Effect": "Allow", "Action": ["sns:Publish"],
        "Resource": ["arn:aws:sns:eu-west-1:123456789012:marketplace-qa-critical",
                     "arn:aws:sns:eu-west-1:123456789012:marketplace-qa-info"]}]
    assert email_severities(NO_EMAIL) == []
    assert publish_statements(NO_EMAIL, TOPICS) == []


def test_router_environment_states_the_config_in_seconds() -> None:
    env = router_environment(ALERTING, "p", "https://runbooks.example/marketplace", TOPICS,
                             "marketplace-qa-alert-state", "arn:pd", "arn:slack")
    plain = {k: v for k, v in env.items() if k != "TOPIC_ARNS"}  # TOPIC_ARNS is an Output
    assert plain == {
        "DEDUP_TABLE": "marketplace-qa-alert-state",
        "DEDUP_WINDOW_SECONDS": "900",
        "STATE_TTL_SECONDS": "604800",
        "ESCALATE_AFTER_SECONDS": "1800",
        "LEASE_SECONDS": "20",
        "MAINTENANCE_WINDOWS": '["sat 02:00-04:00"]',
        "MAINTENANCE_SUPPRESSES": '["warning"]',
        "PAGERDUTY_SECRET_ARN": "arn:pd",
        "SLACK_SECRET_ARN": "arn:slack",
        "HTTP_TIMEOUT_SECONDS": "4",
        "RUNBOOK_BASE_URL": "https://runbooks.example/marketplace",
        "HEARTBEAT_TARGET": "",
        # Each layer's composite by name (alertInhibition defaults to on).
        "INHIBITION": ('{"composites":{"p-api-degraded-critical":"api",'
                       '"p-data-tier-degraded-critical":"dynamodb",'
                       '"p-pipeline-stalled-critical":"kinesis"}}'),
        "ROUTES": plain["ROUTES"],
    }
    assert json.loads(plain["ROUTES"]) == [
        {"severities": ["critical"], "sources": ["*"], "targets": ["pagerduty", "email:critical"]},
        {"severities": ["warning", "info"], "sources": ["backend"],
         "targets": ["slack:ops", "email:info"]},
        {"severities": ["*"], "sources": ["*"], "targets": ["slack:ops"]},
    ]


def test_inhibition_off_drops_the_variable_and_the_grant() -> None:
    off = replace(ALERTING, inhibition=False)
    env = router_environment(off, "p", "https://r.example", TOPICS, "t", "arn:pd", "arn:slack")
    assert "INHIBITION" not in env
    assert inhibition_statements(off) == []
    # Composite alarms answer DescribeAlarms only on "*" (API_DescribeAlarms).
    assert inhibition_statements(ALERTING) == [{
        "Sid": "UpstreamAlarmStates", "Effect": "Allow",
        "Action": ["cloudwatch:DescribeAlarms"], "Resource": "*"}]
