"""Config keys of the edge: Cloudflare zone and rulesets, CloudFront, WAF, cache purging.

Data only: read by :mod:`components.config`, which imports nothing downstream of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi

from components.config.spec import KeySpec, Section

CLOUDFLARE_ID_RE = re.compile(r"^[0-9a-f]{32}$")
CLOUDFRONT_PRICE_CLASSES = ("PriceClass_100", "PriceClass_200", "PriceClass_All")
# Regions where CloudFront offers Origin Shield (CloudFront developer guide, Origin Shield).
ORIGIN_SHIELD_REGIONS = (
    "us-east-1", "us-east-2", "us-west-2", "ap-south-1", "ap-northeast-1", "ap-northeast-2",
    "ap-southeast-1", "ap-southeast-2", "eu-central-1", "eu-west-1", "eu-west-2",
    "sa-east-1", "me-south-1",
)
IMAGE_WIDTHS_RE = re.compile(r"^[1-9][0-9]{1,3}(,[1-9][0-9]{1,3})*$")
CLOUDFLARE_POLISH = ("off", "lossless", "lossy")
CLOUDFLARE_WAF_ACTIONS = ("block", "managed_challenge", "challenge", "js_challenge", "log")
# OWASP anomaly score thresholds Cloudflare offers: high (25), medium (40), low (60).
CLOUDFLARE_OWASP_THRESHOLDS = (25, 40, 60)
# Periods and mitigation timeouts the rate limiting rules API accepts (plan-gated).
CLOUDFLARE_RATELIMIT_PERIODS = (10, 60, 120, 300, 600, 3600)
CLOUDFLARE_RATELIMIT_TIMEOUTS = (0, 10, 60, 120, 300, 600, 3600, 86400)
# Routing and DDoS (developers.cloudflare.com/cache/how-to/tiered-cache/,
# .../ddos-protection/managed-rulesets/http/override-parameters/); plan gating is in
# components.config.rules.CLOUDFLARE_PLAN_GATES.
CLOUDFLARE_PLANS = ("free", "pro", "business", "enterprise")
CLOUDFLARE_TIERED_TOPOLOGIES = ("smart", "generic", "off")
CLOUDFLARE_DDOS_SENSITIVITIES = ("default", "medium", "low", "eoff")
CLOUDFLARE_DDOS_ACTIONS = ("default", "block", "managed_challenge", "challenge", "log")


@dataclass(frozen=True)
class EdgeConfig:
    """Cloudflare in front of CloudFront: zone, rulesets, distribution, WAF and cache purging.

    ``cloudflare_api_token`` is a secret Output (``None`` when unset); the purge function gets
    ``cloudflare_purge_token`` (falls back to the API token) through Secrets Manager only.
    """

    cloudflare_zone_id: str
    cloudflare_api_token: pulumi.Output[str] | None
    cloudflare_purge_token: pulumi.Output[str] | None
    polish: str
    webp: bool
    cache_reserve: bool
    # -- routing and DDoS (cloudflare_routing) --
    plan: str
    advanced_ddos: bool
    tiered_cache_topology: str
    regional_tiered_cache: bool
    argo_smart_routing: bool
    ddos_sensitivity: str
    ddos_action: str
    waf_paranoia_level: int
    waf_action: str
    owasp_score_threshold: int
    write_rate_limit: int
    login_rate_limit: int
    rate_limit_period_seconds: int
    rate_limit_timeout_seconds: int
    purge_batch_size: int
    # -- Cloudflare analytics collector (cloudflare_analytics) --
    analytics: bool
    analytics_token: pulumi.Output[str] | None
    price_class: str
    waf_required: bool
    waf_rate_limit: int
    origin_shield_region: str
    realtime_logs: bool
    realtime_log_sampling_percent: int
    realtime_log_shards: int
    access_log_days: int
    image_variants: bool
    image_widths: str
    image_quality: int
    image_memory_mb: int

    @property
    def image_width_list(self) -> tuple[int, ...]:
        """The configured widths, smallest first."""
        return tuple(sorted({int(w) for w in self.image_widths.split(",")}))


# Routing and DDoS of the Cloudflare zone (components/edge/cloudflare_routing.py).
CLOUDFLARE_ROUTING_KEYS: tuple[KeySpec, ...] = (
    KeySpec("cloudflarePlan", "plan", "string", "pro", choices=CLOUDFLARE_PLANS,
            description=("Plan of the Cloudflare zone (free, pro, business, enterprise); "
                         "plan-gated settings are refused on a plan without them.")),
    KeySpec("cloudflareAdvancedDdos", "advanced_ddos", "boolean", False,
            description=("The zone has the Advanced DDoS Protection subscription "
                         "(Enterprise only); needed for the log DDoS action.")),
    KeySpec("cloudflareTieredCacheTopology", "tiered_cache_topology", "string", "smart",
            choices=CLOUDFLARE_TIERED_TOPOLOGIES,
            description=("Tiered cache topology: smart (free on every plan), generic "
                         "(Enterprise) or off.")),
    KeySpec("cloudflareRegionalTieredCache", "regional_tiered_cache", "boolean", False,
            description=("Regional Tiered Cache: a regional hub under the smart upper tier "
                         "(Enterprise).")),
    KeySpec("cloudflareArgoSmartRouting", "argo_smart_routing", "boolean", False,
            description=("Argo Smart Routing to the origin: a paid add-on, $5 a month per "
                         "zone plus $0.10 per GB after the first.")),
    KeySpec("cloudflareDdosSensitivity", "ddos_sensitivity", "string", "default",
            choices=CLOUDFLARE_DDOS_SENSITIVITIES,
            description=("Sensitivity of the HTTP DDoS managed ruleset (default = high, "
                         "medium, low, eoff = essentially off).")),
    KeySpec("cloudflareDdosAction", "ddos_action", "string", "default",
            choices=CLOUDFLARE_DDOS_ACTIONS,
            description=("Action of the HTTP DDoS managed ruleset (default = Cloudflare's, "
                         "block, managed_challenge, challenge, log).")),
)


EDGE = Section("edge", "edge (Cloudflare zone, CloudFront, WAF, cache purging)", "edge.md",
               EdgeConfig, (
    KeySpec("cloudflareZoneId", "cloudflare_zone_id", "string", "", pattern=CLOUDFLARE_ID_RE,
            what="a Cloudflare zone id (32 hex digits)",
            description="Id (32 hex digits) of the Cloudflare zone of domainName."),
    KeySpec("cloudflareApiToken", "cloudflare_api_token", "secret", required=True,
            description=("Secret Cloudflare API token of the provider (Zone Settings, DNS, Zone "
                         "WAF, Cache Rules, Cache Purge and HTTP DDoS Managed Ruleset edit on "
                         "the zone).")),
    KeySpec("cloudflarePurgeToken", "cloudflare_purge_token", "secret",
            description=("Secret (set it with pulumi config set --secret): Cloudflare token with "
                         "only Cache Purge on the zone, stored in Secrets Manager for the purge "
                         "function; defaults to cloudflareApiToken.")),
    KeySpec("cloudflarePolish", "polish", "string", "off", choices=CLOUDFLARE_POLISH,
            description=("Cloudflare Polish image optimization (off, lossless, lossy); needs a Pro "
                         "plan or higher.")),
    KeySpec("cloudflareWebp", "webp", "boolean", False,
            description=("Let Polish serve WebP to browsers that accept it (needs cloudflarePolish "
                         "other than off).")),
    KeySpec("cloudflareCacheReserve", "cache_reserve", "boolean", False,
            description="Cache Reserve (persistent R2-backed cache for media); a paid add-on."),
    *CLOUDFLARE_ROUTING_KEYS,
    KeySpec("cloudflareWafParanoiaLevel", "waf_paranoia_level", "integer", 1, minimum=1, maximum=4,
            description=("OWASP Core Ruleset paranoia level (1-4); higher catches more and blocks "
                         "more false positives.")),
    KeySpec("cloudflareWafAction", "waf_action", "string", "block", choices=CLOUDFLARE_WAF_ACTIONS,
            description=("Action when the OWASP anomaly score passes the threshold (block, "
                         "managed_challenge, challenge, js_challenge, log).")),
    KeySpec("cloudflareOwaspScoreThreshold", "owasp_score_threshold", "integer", 40,
            choices=CLOUDFLARE_OWASP_THRESHOLDS,
            description="OWASP anomaly score threshold (25 high, 40 medium, 60 low sensitivity)."),
    KeySpec("cloudflareWriteRateLimit", "write_rate_limit", "integer", 60, minimum=1,
            maximum=1_000_000,
            description=("Requests per client IP per period to write routes of /api (POST, PUT, "
                         "PATCH, DELETE) before blocking.")),
    KeySpec("cloudflareLoginRateLimit", "login_rate_limit", "integer", 10, minimum=1,
            maximum=1_000_000,
            description="Requests per client IP per period to the login route before blocking."),
    KeySpec("cloudflareRateLimitPeriodSeconds", "rate_limit_period_seconds", "integer", 60,
            choices=CLOUDFLARE_RATELIMIT_PERIODS,
            description=("Counting period of the rate limiting rules (10, 60, 120, 300, 600, 3600; "
                         "plan-gated).")),
    KeySpec("cloudflareRateLimitTimeoutSeconds", "rate_limit_timeout_seconds", "integer", 600,
            choices=CLOUDFLARE_RATELIMIT_TIMEOUTS,
            description=("How long a client stays blocked after passing a rate limit (0, 10, 60, "
                         "120, 300, 600, 3600, 86400; plan-gated).")),
    KeySpec("cloudflarePurgeBatchSize", "purge_batch_size", "integer", 100, minimum=1, maximum=500,
            description=("URLs or prefixes per Cloudflare purge request (1-500; 100 on "
                         "Free/Pro/Business, 500 on Enterprise).")),
    KeySpec("cloudflareAnalytics", "analytics", "boolean", False,
            description=("Collect the zone's GraphQL analytics (requests, cache, status classes, "
                         "WAF and rate-limit actions) into CloudWatch every 5 minutes, with "
                         "alarms and dashboard rows.")),
    KeySpec("cloudflareAnalyticsToken", "analytics_token", "secret",
            description=("Secret Cloudflare token with only Zone > Analytics > Read on the zone, "
                         "stored in Secrets Manager for the collector; defaults to "
                         "cloudflareApiToken.")),
    KeySpec("edgePriceClass", "price_class", "string", "PriceClass_100",
            choices=CLOUDFRONT_PRICE_CLASSES,
            description="CloudFront price class (PriceClass_100, PriceClass_200, PriceClass_All)."),
    KeySpec("edgeWafEnabled", "waf_required", "boolean", True,
            description=("Attach an AWS WAF web ACL (us-east-1) to the distribution; the policy "
                         "pack then requires it.")),
    KeySpec("edgeWafRateLimit", "waf_rate_limit", "integer", 2000, minimum=10,
            maximum=2_000_000_000,
            description=("Requests per client IP in 5 minutes before the AWS WAF rate-based rule "
                         "blocks (10 or more).")),
    KeySpec("edgeOriginShieldRegion", "origin_shield_region", "string", "us-east-1",
            choices=ORIGIN_SHIELD_REGIONS,
            description=("Region of CloudFront Origin Shield in front of the API origin (one where "
                         "Origin Shield is offered).")),
    KeySpec("edgeRealtimeLogs", "realtime_logs", "boolean", False,
            description=("Send CloudFront real-time logs to a KMS-encrypted Kinesis stream in us-"
                         "east-1.")),
    KeySpec("edgeRealtimeLogSamplingPercent", "realtime_log_sampling_percent", "integer", 100,
            minimum=1, maximum=100,
            description="Percentage (1-100) of requests sent to the real-time log stream."),
    KeySpec("edgeRealtimeLogShards", "realtime_log_shards", "integer", 1, minimum=1, maximum=100,
            description="Shards of the real-time log stream (1-100)."),
    KeySpec("edgeAccessLogDays", "access_log_days", "integer", 90, minimum=1, maximum=3653,
            description="Days CloudFront standard access logs are kept in the log bucket."),
    KeySpec("edgeImageVariants", "image_variants", "boolean", False,
            description=("Serve ?w= widths of /media images from a Lambda@Edge origin-request "
                         "function (us-east-1, x86_64) that makes each variant once.")),
    KeySpec("edgeImageWidths", "image_widths", "string", "320,640,960,1280,1920",
            pattern=IMAGE_WIDTHS_RE, what="comma-separated widths in pixels (10-9999)",
            description=("Widths served for ?w= (comma list); a request rounds up to the next, "
                         "above the largest it is clamped.")),
    KeySpec("edgeImageQuality", "image_quality", "integer", 80, minimum=1, maximum=100,
            description="Encoder quality (1-100) of AVIF, WebP and JPEG variants."),
    KeySpec("edgeImageMemoryMb", "image_memory_mb", "integer", 1024, minimum=128,
            maximum=10240,
            description="Memory (128-10240 MB) of the Lambda@Edge image function."),
))
