"""Cross-field rules, one at a time, on values as the loop hands them over."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.config.reader import Reader
from components.config.rules import (
    account_singletons,
    alert_routes,
    capacity_ranges,
    chatbot_pair,
    lake_transitions,
    securityhub_standards_once,
    user_pool_email,
)


def _problems(r: Reader) -> list[str]:
    return [str(p) for p in r.problems]


def test_capacity_max_below_min_is_named_and_raised_to_the_min() -> None:
    r = Reader({})
    values: dict[str, Any] = {"read_capacity_min": 50, "read_capacity_max": 10,
                              "write_capacity_min": 5, "write_capacity_max": 100}
    capacity_ranges(r, values, {})
    assert _problems(r) == [
        "marketplace:tableReadCapacityMax: 10 is below tableReadCapacityMin (50)"]
    assert (values["read_capacity_max"], values["write_capacity_max"]) == (50, 100)


def test_lake_transitions_need_30_days_in_ia_and_expiry_after_glacier() -> None:
    r = Reader({})
    lake_transitions(r, {"lake_ia_days": 40, "lake_glacier_days": 60,
                         "lake_expiration_days": 60}, {})
    assert _problems(r) == [
        "marketplace:analyticsLakeGlacierDays: 60 must be at least analyticsLakeIaDays + 30 (70)",
        "marketplace:analyticsLakeExpirationDays: 60 must be 0 (keep) or after "
        "analyticsLakeGlacierDays (60)",
    ]
    ok = Reader({})
    lake_transitions(ok, {"lake_ia_days": 30, "lake_glacier_days": 60,
                          "lake_expiration_days": 0}, {})
    assert ok.problems == []


def test_routes_are_parsed_against_the_declared_channels_and_named_by_index() -> None:
    r = Reader({"marketplace:alertRoutes": '["critical|*|slack:ops", 7, "*|*|slack:dev"]'})
    values: dict[str, Any] = {"slack_channels": ("ops",), "routes": ()}
    alert_routes(r, values, {})
    assert [route.as_dict() for route in values["routes"]] == [
        {"severities": ["critical"], "sources": ["*"], "targets": ["slack:ops"]}]
    assert [p.key for p in r.problems] == ["marketplace:alertRoutes[2]"]
    assert "unknown target 'slack:dev'" in r.problems[0].message


def test_chatbot_needs_both_ids_or_neither() -> None:
    r = Reader({"marketplace:chatbotSlackTeamId": "T01234567"})
    chatbot_pair(r, {}, {})
    assert _problems(r) == ["marketplace:chatbotSlackChannelId: set both chatbotSlackTeamId "
                            "and chatbotSlackChannelId, or neither"]


@dataclass(frozen=True)
class _Platform:
    owns_account_baseline: bool


def test_account_singletons_only_in_the_stack_that_owns_the_baseline() -> None:
    for owns, expected in ((True, (True, True, True)), (False, (False, False, False))):
        values: dict[str, Any] = {"guardduty_enabled": True, "securityhub_enabled": True,
                                  "compliance_report_enabled": True}
        account_singletons(Reader({}), values, {"platform": _Platform(owns)})
        assert (values["guardduty_enabled"], values["securityhub_enabled"],
                values["compliance_report_enabled"]) == expected


def test_the_compliance_report_needs_security_hub() -> None:
    values: dict[str, Any] = {"guardduty_enabled": True, "securityhub_enabled": False,
                              "compliance_report_enabled": True}
    account_singletons(Reader({}), values, {"platform": _Platform(True)})
    assert values["compliance_report_enabled"] is False


def test_a_standard_listed_twice_is_refused() -> None:
    r = Reader({})
    securityhub_standards_once(r, {"securityhub_standards": ("fsbp", "cis", "fsbp")}, {})
    assert _problems(r) == ["marketplace:securityHubStandards: 'fsbp' is listed twice; list "
                            "each standard once"]


def test_user_pool_sender_defaults_to_the_identity_and_must_be_covered_by_it() -> None:
    values: dict[str, Any] = {"user_pool_ses_identity": "shop@example.com",
                              "user_pool_email_from": None,
                              "user_pool_ses_configuration_set": None}
    user_pool_email(Reader({}), values, {})
    assert values["user_pool_email_from"] == "shop@example.com"
    r = Reader({})
    user_pool_email(r, {"user_pool_ses_identity": None, "user_pool_email_from": "a@b.org",
                        "user_pool_ses_configuration_set": None}, {})
    assert [p.key for p in r.problems] == ["marketplace:userPoolEmailFrom"]
