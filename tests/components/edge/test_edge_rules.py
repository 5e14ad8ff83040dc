"""The edge's pure rule builders and name helpers, without a program run: literal expectations."""

from __future__ import annotations

import dataclasses
import json
from types import SimpleNamespace

import pytest

from components.config import EdgeConfig, build
from components.edge.cache_purger import event_pattern, purge_environment, purge_statements
from components.edge.certificate import _record_field
from components.edge.cloudflare_zone import (
    bypass_expression,
    cache_rules,
    custom_firewall_rules,
    managed_waf_rules,
    rate_limit_rules,
)
from components.edge.component import hostnames, page_hostnames
from components.edge.waf import waf_rules
from tests.helpers import stack_config


def dev_edge(**changes: object) -> EdgeConfig:
    """Dev's edge config with ``changes`` (so that each test states the values it reads)."""
    config, secrets = stack_config("dev")
    edge = build(dict(config), list(secrets), project="marketplace", stack="dev").edge
    return dataclasses.replace(edge, **changes)


# --- names --------------------------------------------------------------------------------

def test_the_site_answers_on_apex_www_and_api() -> None:
    assert page_hostnames("shop.example.org") == ("shop.example.org", "www.shop.example.org")
    assert hostnames("shop.example.org") == (
        "shop.example.org", "www.shop.example.org", "api.shop.example.org")


# --- Cloudflare rulesets -------------------------------------------------------------------

def test_credentials_bypass_the_cache() -> None:
    assert bypass_expression() == (
        'any(lower(http.request.headers.names[*])[*] eq "authorization") '
        'or http.cookie contains "session="')


def test_cache_rules_without_cache_reserve() -> None:
    rules = cache_rules(cache_reserve=False)
    assert [(r["ref"], r["expression"]) for r in rules] == [
        ("static_assets", 'starts_with(http.request.uri.path, "/assets/")'),
        ("media", 'starts_with(http.request.uri.path, "/media/")'),
        ("api_get", 'starts_with(http.request.uri.path, "/api/") '
                    'and http.request.method eq "GET"'),
        ("bypass_credentials", bypass_expression()),
    ]
    assert {r["action"] for r in rules} == {"set_cache_settings"}
    assert rules[0]["action_parameters"] == {
        "cache": True,
        "edge_ttl": {"mode": "override_origin", "default": 31536000},
        "browser_ttl": {"mode": "override_origin", "default": 31536000},
    }
    assert rules[1]["action_parameters"] == {
        "cache": True,
        "edge_ttl": {"mode": "override_origin", "default": 2592000},
        "browser_ttl": {"mode": "respect_origin"},
    }
    assert rules[2]["action_parameters"] == {
        "cache": True, "edge_ttl": {"mode": "respect_origin"},
        "browser_ttl": {"mode": "respect_origin"}}
    assert rules[3]["action_parameters"] == {"cache": False}


def test_cache_reserve_marks_only_media_eligible() -> None:
    rules = {r["ref"]: r["action_parameters"] for r in cache_rules(cache_reserve=True)}
    assert rules["media"]["cache_reserve"] == {"eligible": True, "minimum_file_size": 0}
    assert [ref for ref, params in rules.items() if "cache_reserve" in params] == ["media"]


@pytest.mark.parametrize(("level", "disabled"), [
    (1, ["paranoia-level-2", "paranoia-level-3", "paranoia-level-4"]),
    (3, ["paranoia-level-4"]),
    (4, []),
])
def test_a_paranoia_level_disables_every_higher_level(level: int, disabled: list[str]) -> None:
    managed, owasp = managed_waf_rules(level, "log", 25)
    assert managed == {
        "ref": "cloudflare_managed", "description": "Cloudflare Managed Ruleset",
        "expression": "true", "action": "execute",
        "action_parameters": {"id": "efb7b8c949ac4650a09736fc376e9aee"}}
    assert owasp["description"] == f"OWASP Core Ruleset, paranoia level {level}"
    overrides = owasp["action_parameters"]["overrides"]
    assert owasp["action_parameters"]["id"] == "4814384a9e5d4991b9815dcfc25d2f1f"
    assert overrides["categories"] == [{"category": c, "enabled": False} for c in disabled]
    assert overrides["rules"] == [{"id": "6179ae15870a4bb7b2d480d4843b323c", "action": "log",
                                   "score_threshold": 25}]


def test_custom_firewall_rules_block_probes_and_unserved_methods() -> None:
    probes, methods = custom_firewall_rules()
    assert probes["action"] == methods["action"] == "block"
    assert probes["expression"] == "(" + " or ".join(
        f'http.request.uri.path contains "{p}"' for p in (
            "/.env", "/.git/", "/.aws/", "/wp-admin", "/wp-login.php", "/xmlrpc.php",
            "/phpmyadmin", "/cgi-bin/", "/server-status", "/.DS_Store")) + ")"
    assert methods["expression"] == (
        'not http.request.method in {"GET" "HEAD" "OPTIONS" "POST" "PUT" "PATCH" "DELETE"}')


def test_rate_limits_read_the_config() -> None:
    login, writes = rate_limit_rules(dev_edge(login_rate_limit=7, write_rate_limit=90,
                                              rate_limit_period_seconds=10,
                                              rate_limit_timeout_seconds=3600))
    assert login == {
        "ref": "ratelimit_login",
        "description": "Login attempts per client IP",
        "expression": 'http.request.uri.path eq "/api/auth/login"',
        "action": "block",
        "ratelimit": {"characteristics": ["ip.src", "cf.colo.id"], "period": 10,
                      "requests_per_period": 7, "mitigation_timeout": 3600},
    }
    assert writes["ref"] == "ratelimit_api_writes"
    assert writes["expression"] == ('starts_with(http.request.uri.path, "/api/") and '
                                    'http.request.method in {"POST" "PUT" "PATCH" "DELETE"}')
    assert writes["ratelimit"]["requests_per_period"] == 90


# --- AWS WAF -------------------------------------------------------------------------------

def test_waf_rules_managed_groups_then_the_rate_rule() -> None:
    rules = waf_rules(1500)
    assert [(r["priority"], r["name"]) for r in rules] == [
        (10, "AWSManagedRulesAmazonIpReputationList"), (20, "AWSManagedRulesCommonRuleSet"),
        (30, "AWSManagedRulesKnownBadInputsRuleSet"), (40, "RateLimitPerIp")]
    assert rules[1] == {
        "name": "AWSManagedRulesCommonRuleSet", "priority": 20,
        "override_action": {"none": {}},
        "statement": {"managed_rule_group_statement": {
            "vendor_name": "AWS", "name": "AWSManagedRulesCommonRuleSet"}},
        "visibility_config": {"cloudwatch_metrics_enabled": True,
                              "metric_name": "AWSManagedRulesCommonRuleSet",
                              "sampled_requests_enabled": True},
    }
    assert rules[3]["action"] == {"block": {}}
    assert rules[3]["statement"] == {"rate_based_statement": {
        "limit": 1500, "aggregate_key_type": "IP", "evaluation_window_sec": 300}}


def test_waf_rules_put_the_block_list_first() -> None:
    arn = "arn:aws:wafv2:us-east-1:123456789012:global/ipset/marketplace-prod-blocked-ips/1"
    rules = waf_rules(1500, arn)
    assert [(r["priority"], r["name"]) for r in rules][:2] == [
        (0, "BlockedIps"), (10, "AWSManagedRulesAmazonIpReputationList")]
    assert rules[0]["action"] == {"block": {}}
    assert rules[0]["statement"] == {"ip_set_reference_statement": {"arn": arn}}


# --- cache purging -------------------------------------------------------------------------

def test_purge_rule_pattern() -> None:
    assert json.loads(event_pattern()) == {"source": ["marketplace.listings"],
                                           "detail-type": ["ListingUpdated", "ListingDeleted"]}


def test_purge_function_grants_and_environment() -> None:
    assert purge_statements("arn:secret", "arn:distribution") == [
        {"Sid": "ReadPurgeToken", "Effect": "Allow",
         "Action": ["secretsmanager:GetSecretValue"], "Resource": "arn:secret"},
        {"Sid": "InvalidateDistribution", "Effect": "Allow",
         "Action": ["cloudfront:CreateInvalidation"], "Resource": "arn:distribution"},
    ]
    environment = purge_environment(
        dev_edge(purge_batch_size=25), secret_arn="arn:secret",
        hosts=("a.example.org", "www.a.example.org"), distribution_id="E123")
    assert environment == {
        "CLOUDFLARE_ZONE_ID": "0123456789abcdef0123456789abcdef",
        "CLOUDFLARE_TOKEN_SECRET_ARN": "arn:secret",
        "PURGE_BATCH_SIZE": "25",
        "SITE_HOSTS": "a.example.org,www.a.example.org",
        "DISTRIBUTION_ID": "E123",
    }


# --- certificate ---------------------------------------------------------------------------

def test_validation_records_are_found_by_domain_in_either_shape() -> None:
    as_dicts = [{"domain_name": "a.example.org", "resource_record_name": "_x.a.example.org."},
                {"domain_name": "www.a.example.org", "resource_record_name": "_y.www."}]
    assert _record_field(as_dicts, "www.a.example.org", "resource_record_name") == "_y.www."
    as_objects = [SimpleNamespace(domain_name="a.example.org", resource_record_value="v.acm.")]
    assert _record_field(as_objects, "a.example.org", "resource_record_value") == "v.acm."
    with pytest.raises(ValueError, match=r"no validation option for api\.a\.example\.org"):
        _record_field(as_dicts, "api.a.example.org", "resource_record_name")
