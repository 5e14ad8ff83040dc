"""Cloudflare routing and DDoS tuning of the zone: Argo, the tiered cache topology, ddos_l7.

Each topology is a pair of zone settings (Cloudflare's tf-migrate maps the old
``cache_type`` the same way): Tiered Cache itself (``argo/tiered_caching``) and the Smart
topology on top of it (``cache/tiered_cache_smart_topology_enable``); ``generic`` is Tiered
Cache without Smart. Regional Tiered Cache adds a regional hub under Smart.

The HTTP DDoS managed ruleset runs on every zone whatever is deployed; the ``ddos_l7`` entry
point here only executes it with overrides, so it is made only when an override is set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_cloudflare as cloudflare

from components.config import EdgeConfig

# developers.cloudflare.com/ddos-protection/managed-rulesets/http/: a global constant.
HTTP_DDOS_RULESET = "4d21379b4f9f4bb088e0729962c8b3cf"
# Tiered Cache on/off and Smart topology on/off, per topology.
TOPOLOGIES: Mapping[str, tuple[str, str]] = {
    "smart": ("on", "on"),
    "generic": ("on", "off"),
    "off": ("off", "off"),
}


def ddos_overrides(config: EdgeConfig) -> dict[str, str]:
    """Ruleset-wide overrides; a ``default`` value leaves Cloudflare's choice in place."""
    overrides: dict[str, str] = {}
    if config.ddos_sensitivity != "default":
        overrides["sensitivity_level"] = config.ddos_sensitivity
    if config.ddos_action != "default":
        overrides["action"] = config.ddos_action
    return overrides


def ddos_rules(config: EdgeConfig) -> list[dict[str, Any]]:
    """One rule on all traffic (``true``): the only shape every plan accepts."""
    overrides = ddos_overrides(config)
    if not overrides:
        return []
    return [{
        "ref": "http_ddos_overrides",
        "description": "HTTP DDoS Attack Protection with the stack's overrides",
        "expression": "true",
        "action": "execute",
        "action_parameters": {"id": HTTP_DDOS_RULESET, "overrides": overrides},
    }]


def create_routing(name: str, config: EdgeConfig, domain: str,
                   opts: pulumi.ResourceOptions) -> None:
    """Argo, the tiered cache settings and the ddos_l7 entry point of ``config``'s zone."""
    zone_id = config.cloudflare_zone_id
    tiered, smart = TOPOLOGIES[config.tiered_cache_topology]
    cloudflare.ArgoTieredCaching(f"{name}-tiered-caching", zone_id=zone_id, value=tiered,
                                 opts=opts)
    cloudflare.TieredCache(f"{name}-tiered-cache", zone_id=zone_id, value=smart, opts=opts)
    if config.regional_tiered_cache:
        cloudflare.RegionalTieredCache(f"{name}-regional-tiered-cache", zone_id=zone_id,
                                       value="on", opts=opts)
    if config.argo_smart_routing:
        cloudflare.ArgoSmartRouting(f"{name}-argo", zone_id=zone_id, value="on", opts=opts)
    rules = ddos_rules(config)
    if rules:
        cloudflare.Ruleset(
            f"{name}-ddos-l7",
            zone_id=zone_id,
            name=f"{domain} http ddos overrides",
            description=f"HTTP DDoS overrides of {domain} (managed by Pulumi)",
            kind="zone",
            phase="ddos_l7",
            rules=rules,
            opts=opts,
        )
