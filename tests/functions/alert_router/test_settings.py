"""The router's settings from its environment: every variable, every default."""

from __future__ import annotations

import json

import pytest

from functions.alert_router.routing import Route, Window
from functions.alert_router.settings import Settings

FULL = {
    "DEDUP_TABLE": "marketplace-prod-alert-state",
    "ROUTES": json.dumps([{"severities": ["critical"], "sources": ["*"],
                           "targets": ["pagerduty"]}]),
    "DEDUP_WINDOW_SECONDS": "900",
    "STATE_TTL_SECONDS": "86400",
    "ESCALATE_AFTER_SECONDS": "600",
    "LEASE_SECONDS": "45",
    "MAINTENANCE_WINDOWS": json.dumps(["sun 02:00-04:00"]),
    "MAINTENANCE_SUPPRESSES": json.dumps(["warning", "info"]),
    "PAGERDUTY_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:pd",
    "SLACK_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:slack",
    "PAGERDUTY_URL": "https://pd.example.com/v2/enqueue",
    "HTTP_TIMEOUT_SECONDS": "2.5",
    "RUNBOOK_BASE_URL": "https://runbooks.example.com/alerting.md",
    "TOPIC_ARNS": json.dumps({"critical": "arn:aws:sns:us-east-1:123456789012:t-critical"}),
    "SLACK_DELIVERY": "app",
    "SLACK_BOT_TOKEN_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:bot",
    "SLACK_API_URL": "https://slack.example.com/api",
}


def test_every_variable_is_read() -> None:
    assert Settings.from_env(FULL) == Settings(
        table_name="marketplace-prod-alert-state",
        routes=(Route(frozenset({"critical"}), frozenset({"*"}), ("pagerduty",)),),
        dedup_window_seconds=900, state_ttl_seconds=86400, escalate_after_seconds=600,
        lease_seconds=45, windows=(Window(6, 120, 240),),
        suppress_severities=("warning", "info"),
        pagerduty_secret_arn="arn:aws:secretsmanager:us-east-1:123456789012:secret:pd",
        slack_secret_arn="arn:aws:secretsmanager:us-east-1:123456789012:secret:slack",
        pagerduty_url="https://pd.example.com/v2/enqueue", http_timeout_seconds=2.5,
        runbook_base_url="https://runbooks.example.com/alerting.md",
        topic_arns={"critical": "arn:aws:sns:us-east-1:123456789012:t-critical"},
        slack_delivery="app",
        slack_token_secret_arn="arn:aws:secretsmanager:us-east-1:123456789012:secret:bot",
        slack_api_url="https://slack.example.com/api")


def test_defaults_when_only_the_table_is_set() -> None:
    assert Settings.from_env({"DEDUP_TABLE": "t"}) == Settings(
        table_name="t", routes=(), dedup_window_seconds=3600, state_ttl_seconds=604800,
        escalate_after_seconds=1800, lease_seconds=120, windows=(), suppress_severities=(),
        pagerduty_secret_arn="", slack_secret_arn="",
        pagerduty_url="https://events.pagerduty.com/v2/enqueue", http_timeout_seconds=5.0,
        runbook_base_url="", topic_arns={}, slack_delivery="webhook",
        slack_token_secret_arn="", slack_api_url="https://slack.com/api")


def test_empty_url_and_topics_fall_back() -> None:
    settings = Settings.from_env({"DEDUP_TABLE": "t", "PAGERDUTY_URL": "", "TOPIC_ARNS": ""})
    assert settings.pagerduty_url == "https://events.pagerduty.com/v2/enqueue"
    assert settings.topic_arns == {}


def test_the_table_is_required() -> None:
    with pytest.raises(KeyError, match="DEDUP_TABLE"):
        Settings.from_env({})


def test_the_process_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEDUP_TABLE", "from-os")
    monkeypatch.setenv("LEASE_SECONDS", "7")
    settings = Settings.from_env()
    assert (settings.table_name, settings.lease_seconds) == ("from-os", 7)


def test_an_empty_mapping_is_not_the_process_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEDUP_TABLE", "from-os")
    with pytest.raises(KeyError):
        Settings.from_env({})


def test_topic_arns_default_to_an_empty_mapping() -> None:
    settings = Settings("t", (), 1, 1, 1, 1, (), (), "", "", "", 1.0, "")
    assert settings.topic_arns == {}
