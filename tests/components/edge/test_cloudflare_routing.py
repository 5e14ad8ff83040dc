"""Argo, the tiered cache topology and the HTTP DDoS overrides: per stack, and the plan gates."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from components.config import ConfigError, build
from components.edge.cloudflare_routing import ddos_rules
from policy.cost.charges import uses
from tests.helpers import (
    DEV_EU_ENTERPRISE,
    config_of,
    dev_features_off,
    dev_features_on,
    plan,
    run_program,
)
from tools.mock_runtime import Registry

ARGO = "cloudflare:index/argoSmartRouting:ArgoSmartRouting"
TIERED_CACHING = "cloudflare:index/argoTieredCaching:ArgoTieredCaching"
SMART = "cloudflare:index/tieredCache:TieredCache"
REGIONAL = "cloudflare:index/regionalTieredCache:RegionalTieredCache"
RULESET = "cloudflare:index/ruleset:Ruleset"
SECRETS = ["marketplace:cloudflareApiToken"]


def values(registry: Registry, type_: str) -> list[str]:
    return [r.inputs["value"] for r in registry.by_type(type_)]


def ddos(registry: Registry) -> list[Any]:
    return [r for r in registry.by_type(RULESET) if r.inputs["phase"] == "ddos_l7"]


def test_smart_tiered_cache_in_both_stacks(registry: Registry, stack: str) -> None:
    assert values(registry, TIERED_CACHING) == ["on"]
    assert values(registry, SMART) == ["on"]
    assert registry.by_type(REGIONAL) == []


def test_argo_and_ddos_overrides_only_in_prod(registry: Registry, stack: str) -> None:
    if stack == "dev":
        assert registry.by_type(ARGO) == []
        assert ddos(registry) == []
        return
    assert values(registry, ARGO) == ["on"]
    (ruleset,) = ddos(registry)
    assert ruleset.inputs["kind"] == "zone"
    assert ruleset.inputs["rules"] == [{
        "ref": "http_ddos_overrides",
        "description": "HTTP DDoS Attack Protection with the stack's overrides",
        "expression": "true",
        "action": "execute",
        "actionParameters": {"id": "4d21379b4f9f4bb088e0729962c8b3cf",
                             "overrides": {"action": "managed_challenge"}},
    }]


def test_generic_topology_and_regional_hub_on_enterprise() -> None:
    registry = run_program("dev", **DEV_EU_ENTERPRISE)  # enterprise, generic topology
    assert values(registry, TIERED_CACHING) == ["on"]
    assert values(registry, SMART) == ["off"]
    registry = dev_features_on()  # cloudflarePlan: enterprise, cloudflareRegionalTieredCache
    assert values(registry, REGIONAL) == ["on"]
    registry = dev_features_off()  # cloudflareTieredCacheTopology: off
    assert values(registry, TIERED_CACHING) == ["off"]
    assert values(registry, SMART) == ["off"]


def test_argo_costs_five_dollars_a_month_in_prod(registry: Registry, stack: str) -> None:
    found = registry.by_type(ARGO)
    whole = plan(registry)
    priced = [u for r in whole.resources if r.type == ARGO for u in uses(r, whole)]
    assert len(found) == (1 if stack == "prod" else 0)
    assert [(u.item, u.quantity) for u in priced] == (
        [("cloudflare.argo_smart_routing", 1)] if stack == "prod" else [])


def test_ddos_rules_send_only_the_overrides_set() -> None:
    @dataclasses.dataclass(frozen=True)
    class Ddos:
        ddos_sensitivity: str
        ddos_action: str

    assert ddos_rules(Ddos("default", "default")) == []  # type: ignore[arg-type]
    (rule,) = ddos_rules(Ddos("low", "default"))  # type: ignore[arg-type]
    assert rule["action_parameters"]["overrides"] == {"sensitivity_level": "low"}
    (rule,) = ddos_rules(Ddos("eoff", "block"))  # type: ignore[arg-type]
    assert rule["action_parameters"]["overrides"] == {"sensitivity_level": "eoff",
                                                      "action": "block"}


@pytest.mark.parametrize(("overrides", "keys"), [
    ({"cloudflarePlan": "business", "cloudflareTieredCacheTopology": "generic"},
     ["marketplace:cloudflareTieredCacheTopology"]),
    ({"cloudflarePlan": "pro", "cloudflareRegionalTieredCache": True},
     ["marketplace:cloudflareRegionalTieredCache"]),
    ({"cloudflarePlan": "enterprise", "cloudflareRegionalTieredCache": True,
      "cloudflareTieredCacheTopology": "generic"},
     ["marketplace:cloudflareRegionalTieredCache"]),
    ({"cloudflarePlan": "business", "cloudflareDdosAction": "log"},
     ["marketplace:cloudflareDdosAction"]),
    ({"cloudflarePlan": "enterprise", "cloudflareDdosAction": "log"},
     ["marketplace:cloudflareDdosAction"]),
    ({"cloudflarePlan": "pro", "cloudflareAdvancedDdos": True},
     ["marketplace:cloudflareAdvancedDdos"]),
    ({"cloudflarePlan": "free", "cloudflarePolish": "lossy"}, ["marketplace:cloudflarePolish"]),
    ({"cloudflareDdosSensitivity": "high", "cloudflarePlan": "gold"},
     ["marketplace:cloudflareDdosSensitivity", "marketplace:cloudflarePlan"]),
])
def test_a_setting_the_plan_lacks_is_refused_by_key(overrides: dict, keys: list[str]) -> None:
    with pytest.raises(ConfigError) as error:
        build(config_of("dev", **overrides), SECRETS, project="marketplace", stack="dev")
    assert sorted(error.value.keys) == sorted(keys)


def test_log_action_with_advanced_ddos_on_enterprise_is_accepted() -> None:
    config = build(config_of("dev", cloudflarePlan="enterprise", cloudflareAdvancedDdos=True,
                             cloudflareDdosAction="log", cloudflareDdosSensitivity="eoff"),
                   SECRETS, project="marketplace", stack="dev")
    assert (config.edge.ddos_action, config.edge.ddos_sensitivity) == ("log", "eoff")
