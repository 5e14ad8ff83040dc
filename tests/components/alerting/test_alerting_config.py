"""The alerting, security and cost config sections: declared, validated, reported together."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.config import ConfigError
from tests.components.alerting.helpers import stack_config

ROOT = Path(__file__).resolve().parents[3]

def test_stacks_differ_in_values_only() -> None:
    dev, prod = stack_config("dev"), stack_config("prod")
    assert not dev.security.securityhub_enabled
    assert prod.security.securityhub_enabled
    assert any(t == "pagerduty" for r in prod.alerting.routes for t in r.targets)
    assert dev.cost.budget_monthly_amount < prod.cost.budget_monthly_amount


def test_every_problem_is_reported_together() -> None:
    with pytest.raises(ConfigError) as error:
        stack_config("dev", alertEmailsWarning=["not-an-email"],
                     alertMaintenanceWindows=["sunday 2am"],
                     alertMaintenanceSuppresses=["loud"],
                     guardDutyFindingFrequency="HOURLY",
                     chatbotSlackTeamId="T0123ABCDE",
                     alertDedupWindowMinutes=0)
    assert set(error.value.keys) == {
        "marketplace:alertEmailsWarning[0]", "marketplace:alertMaintenanceWindows[0]",
        "marketplace:alertMaintenanceSuppresses[0]", "marketplace:guardDutyFindingFrequency",
        "marketplace:chatbotSlackChannelId", "marketplace:alertDedupWindowMinutes"}


def test_routes_parse_into_rules() -> None:
    cfg = stack_config("dev", alertSlackChannels=["ops"],
                       alertRoutes=["critical,warning|guardduty,*|pagerduty,slack:ops"])
    [route] = cfg.alerting.routes
    assert route.as_dict() == {"severities": ["critical", "warning"],
                               "sources": ["guardduty", "*"],
                               "targets": ["pagerduty", "slack:ops"]}
