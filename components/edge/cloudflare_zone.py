"""The Cloudflare side of the edge: zone settings, proxied DNS, rulesets, tiered cache.

Everything here is a table read by one loop: zone settings, cache rules, blocked paths and
methods, rate limits. Auto Minify and the Brotli zone setting are deliberately absent: both
were retired by Cloudflare in 2024 (Brotli is always on).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_cloudflare as cloudflare

from components.config import EdgeConfig
from components.edge.cloudflare_routing import create_routing
from components.platform.context import StackContext

# Managed rulesets (Cloudflare WAF docs, "Managed rulesets"): ids are global constants.
CLOUDFLARE_MANAGED_RULESET = "efb7b8c949ac4650a09736fc376e9aee"
OWASP_CORE_RULESET = "4814384a9e5d4991b9815dcfc25d2f1f"
# The last rule of the OWASP ruleset: it acts once the anomaly score passes the threshold.
OWASP_ANOMALY_SCORE_RULE = "6179ae15870a4bb7b2d480d4843b323c"

# Zone settings every stack gets; plan-gated ones (polish, webp) come from config.
ZONE_SETTINGS: tuple[tuple[str, str], ...] = (
    ("always_use_https", "on"),
    ("min_tls_version", "1.2"),
    ("tls_1_3", "on"),
    ("http3", "on"),
    ("0rtt", "on"),
    ("early_hints", "on"),
    ("automatic_https_rewrites", "on"),
    ("ssl", "strict"),
)

YEAR = 365 * 86400
MONTH = 30 * 86400
SESSION_COOKIE = "session"
ASSETS_PREFIX = "/assets/"
MEDIA_PREFIX = "/media/"
API_PREFIX = "/api/"
LOGIN_PATH = "/api/auth/login"

# Paths no page of the marketplace serves: scanners probe them; block at the edge.
BLOCKED_PATH_FRAGMENTS = (
    "/.env", "/.git/", "/.aws/", "/wp-admin", "/wp-login.php", "/xmlrpc.php", "/phpmyadmin",
    "/cgi-bin/", "/server-status", "/.DS_Store",
)
ALLOWED_METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def _quoted(values: Sequence[str]) -> str:
    return " ".join(f'"{v}"' for v in values)


def bypass_expression() -> str:
    """Requests carrying credentials: never served from or stored in the edge cache."""
    return (
        'any(lower(http.request.headers.names[*])[*] eq "authorization") '
        f'or http.cookie contains "{SESSION_COOKIE}="'
    )


def cache_rules(cache_reserve: bool) -> list[dict[str, Any]]:
    """Cache rules in order; later rules win for the same setting, so the bypass comes last."""
    media_params: dict[str, Any] = {
        "cache": True,
        "edge_ttl": {"mode": "override_origin", "default": MONTH},
        "browser_ttl": {"mode": "respect_origin"},
    }
    if cache_reserve:
        media_params["cache_reserve"] = {"eligible": True, "minimum_file_size": 0}
    return [
        {
            "ref": "static_assets",
            "description": "Hashed static assets: immutable, cached at the edge for a year",
            "expression": f'starts_with(http.request.uri.path, "{ASSETS_PREFIX}")',
            "action": "set_cache_settings",
            "action_parameters": {
                "cache": True,
                "edge_ttl": {"mode": "override_origin", "default": YEAR},
                "browser_ttl": {"mode": "override_origin", "default": YEAR},
            },
        },
        {
            "ref": "media",
            "description": "Listing media: cached at the edge for a month",
            "expression": f'starts_with(http.request.uri.path, "{MEDIA_PREFIX}")',
            "action": "set_cache_settings",
            "action_parameters": media_params,
        },
        {
            "ref": "api_get",
            "description": "API reads: cached as the origin's Cache-Control says",
            "expression": (f'starts_with(http.request.uri.path, "{API_PREFIX}") '
                           'and http.request.method eq "GET"'),
            "action": "set_cache_settings",
            "action_parameters": {
                "cache": True,
                "edge_ttl": {"mode": "respect_origin"},
                "browser_ttl": {"mode": "respect_origin"},
            },
        },
        {
            "ref": "bypass_credentials",
            "description": "Anything with Authorization or a session cookie bypasses the cache",
            "expression": bypass_expression(),
            "action": "set_cache_settings",
            "action_parameters": {"cache": False},
        },
    ]


def managed_waf_rules(paranoia_level: int, action: str, score_threshold: int) -> list[dict]:
    """Cloudflare Managed Ruleset, then the OWASP Core Ruleset at the configured paranoia."""
    # A paranoia level is chosen by disabling the tags of every higher level.
    disabled_levels = [
        {"category": f"paranoia-level-{level}", "enabled": False}
        for level in range(paranoia_level + 1, 5)
    ]
    return [
        {
            "ref": "cloudflare_managed",
            "description": "Cloudflare Managed Ruleset",
            "expression": "true",
            "action": "execute",
            "action_parameters": {"id": CLOUDFLARE_MANAGED_RULESET},
        },
        {
            "ref": "owasp_core",
            "description": f"OWASP Core Ruleset, paranoia level {paranoia_level}",
            "expression": "true",
            "action": "execute",
            "action_parameters": {
                "id": OWASP_CORE_RULESET,
                "overrides": {
                    "categories": disabled_levels,
                    "rules": [{
                        "id": OWASP_ANOMALY_SCORE_RULE,
                        "action": action,
                        "score_threshold": score_threshold,
                    }],
                },
            },
        },
    ]


def custom_firewall_rules() -> list[dict[str, Any]]:
    """Known-bad paths and methods, blocked before anything else looks at them."""
    paths = " or ".join(
        f'http.request.uri.path contains "{fragment}"' for fragment in BLOCKED_PATH_FRAGMENTS
    )
    return [
        {
            "ref": "block_probe_paths",
            "description": "Block paths scanners probe (dotfiles, CMS admin, CGI)",
            "expression": f"({paths})",
            "action": "block",
        },
        {
            "ref": "block_methods",
            "description": "Block methods the marketplace does not serve (TRACE, CONNECT, ...)",
            "expression": f"not http.request.method in {{{_quoted(ALLOWED_METHODS)}}}",
            "action": "block",
        },
    ]


def rate_limit_rules(config: EdgeConfig) -> list[dict[str, Any]]:
    """Per-IP limits on login and on API writes (login first: it is the stricter one)."""
    limits = (
        ("login", "Login attempts per client IP",
         f'http.request.uri.path eq "{LOGIN_PATH}"', config.login_rate_limit),
        ("api_writes", "API writes per client IP",
         f'starts_with(http.request.uri.path, "{API_PREFIX}") '
         f"and http.request.method in {{{_quoted(WRITE_METHODS)}}}", config.write_rate_limit),
    )
    return [
        {
            "ref": f"ratelimit_{ref}",
            "description": description,
            "expression": expression,
            "action": "block",
            "ratelimit": {
                # cf.colo.id is mandatory: counters are kept per data centre.
                "characteristics": ["ip.src", "cf.colo.id"],
                "period": config.rate_limit_period_seconds,
                "requests_per_period": requests,
                "mitigation_timeout": config.rate_limit_timeout_seconds,
            },
        }
        for ref, description, expression, requests in limits
    ]


@dataclass(frozen=True)
class CloudflareZoneArgs:
    """Inputs of :class:`CloudflareZone`.

    The zone is the context's domain; ``origin_domain`` is the CloudFront distribution's
    domain every proxied name points at; ``provider`` the explicit Cloudflare provider made
    from the stack's API token.
    """

    context: StackContext
    config: EdgeConfig
    origin_domain: pulumi.Input[str]
    provider: cloudflare.Provider
    hostnames: Sequence[str] = ()


class CloudflareZone(pulumi.ComponentResource):
    """Zone settings, proxied DNS to CloudFront, rulesets, tiered cache, Argo, DDoS overrides."""

    records: Mapping[str, cloudflare.DnsRecord]
    rulesets: Mapping[str, cloudflare.Ruleset]

    def __init__(self, name: str, args: CloudflareZoneArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:edge:CloudflareZone", name, None, opts)
        config, domain = args.config, args.context.platform.domain
        zone_id = config.cloudflare_zone_id
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)

        settings = list(ZONE_SETTINGS)
        if config.polish != "off":
            settings.append(("polish", config.polish))
            settings.append(("webp", "on" if config.webp else "off"))
        for setting_id, value in settings:
            cloudflare.ZoneSetting(
                f"{name}-setting-{setting_id.replace('_', '-')}",
                zone_id=zone_id,
                setting_id=setting_id,
                value=value,
                opts=child,
            )

        self.records = {
            host: cloudflare.DnsRecord(
                f"{name}-dns-{host.split('.')[0] if host != domain else 'apex'}",
                zone_id=zone_id,
                name=host,
                type="CNAME",
                content=args.origin_domain,
                proxied=True,
                ttl=1,  # 1 = automatic; proxied records always use it
                comment="Proxied to the CloudFront distribution (managed by Pulumi)",
                opts=child,
            )
            for host in args.hostnames or (domain,)
        }

        phases: tuple[tuple[str, str, str, list[dict[str, Any]]], ...] = (
            ("cache", "http_request_cache_settings", "Cache rules",
             cache_rules(config.cache_reserve)),
            ("managed-waf", "http_request_firewall_managed", "Managed WAF rulesets",
             managed_waf_rules(config.waf_paranoia_level, config.waf_action,
                               config.owasp_score_threshold)),
            ("custom-firewall", "http_request_firewall_custom", "Custom firewall rules",
             custom_firewall_rules()),
            ("ratelimit", "http_ratelimit", "Rate limiting rules", rate_limit_rules(config)),
        )
        self.rulesets = {
            key: cloudflare.Ruleset(
                f"{name}-{key}",
                zone_id=zone_id,
                name=f"{domain} {title.lower()}",
                description=f"{title} of {domain} (managed by Pulumi)",
                kind="zone",
                phase=phase,
                rules=rules,
                opts=child,
            )
            for key, phase, title, rules in phases
        }

        create_routing(name, config, domain, child)
        if config.cache_reserve:
            cloudflare.ZoneCacheReserve(f"{name}-cache-reserve", zone_id=zone_id, value="on",
                                        opts=child)
        self.register_outputs({"records": {h: r.id for h, r in self.records.items()}})
