"""Routing rules as data, and the secrets cache."""

from __future__ import annotations

import json
from types import SimpleNamespace

from functions.alert_router import secrets as secret_store
from functions.alert_router.alert import Alert
from functions.alert_router.routing import load_routes, targets_for

RULES = load_routes(json.dumps([
    {"severities": ["critical"], "sources": ["*"], "targets": ["pagerduty", "slack:incidents"]},
    {"severities": ["*"], "sources": ["guardduty"], "targets": ["slack:security",
                                                                 "slack:incidents"]},
    {"severities": ["warning", "info"], "sources": ["cloudwatch"], "targets": ["slack:alerts"]},
]))


def alert(severity: str, source: str) -> Alert:
    return Alert(key="k", source=source, severity=severity, title="t", state="ALARM")


def test_targets_are_the_union_of_matching_rules_in_rule_order() -> None:
    assert targets_for(alert("critical", "guardduty"), RULES) == [
        "pagerduty", "slack:incidents", "slack:security"]
    assert targets_for(alert("info", "guardduty"), RULES) == ["slack:security",
                                                              "slack:incidents"]
    assert targets_for(alert("warning", "cloudwatch"), RULES) == ["slack:alerts"]
    assert targets_for(alert("maintenance", "health"), RULES) == []


def test_secret_values_are_cached_until_they_expire(env: SimpleNamespace) -> None:
    first = secret_store.secret_string(env.secrets, env.pd_arn, now=1000.0)
    env.secrets.put_secret_value(SecretId=env.pd_arn, SecretString="rotated")
    assert secret_store.secret_string(env.secrets, env.pd_arn, now=1100.0) == first
    later = 1000.0 + secret_store.CACHE_SECONDS
    assert secret_store.secret_string(env.secrets, env.pd_arn, now=later) == "rotated"
    env.secrets.put_secret_value(SecretId=env.pd_arn, SecretString=first)
