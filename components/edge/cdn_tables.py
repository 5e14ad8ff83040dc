"""The CloudFront distribution's tables: functions, cache and origin request policies,
behaviours, real-time log fields, and the pure shapes built from them.

:class:`~components.edge.distribution.Cdn` reads each table in one loop; the shape builders
here take plain values (ids, ARNs) so that they can be tested without a program run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# CloudFront Functions (viewer request), by key: SPA routing and image negotiation for the
# site and media; the /api prefix stripped for the REST API.
FUNCTIONS: dict[str, tuple[Path, str]] = {
    "viewer": (Path("functions") / "edge" / "viewer_request.js",
               "SPA routing and WebP/AVIF negotiation"),
    "api": (Path("functions") / "edge" / "api_request.js",
            "Strips /api before the request reaches the REST API"),
}
YEAR = 365 * 86400
DAY = 86400
MONTH = 30 * DAY
ASSETS_ORIGIN = "assets"
MEDIA_ORIGIN = "media"
API_ORIGIN = "api"
READ_METHODS = ["GET", "HEAD", "OPTIONS"]
ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]
SESSION_COOKIE = "session"
# Query strings the API reads; anything else is dropped from the key and the origin request.
API_QUERY_STRINGS = ("q", "category", "limit", "cursor")


@dataclass(frozen=True)
class CachePolicySpec:
    """One cache policy: TTLs and what goes into the cache key (and so to the origin)."""

    comment: str
    min_ttl: int
    default_ttl: int
    max_ttl: int
    headers: tuple[str, ...] = ()
    query_strings: tuple[str, ...] = ()
    cookies: tuple[str, ...] = ()


CACHE_POLICIES: dict[str, CachePolicySpec] = {
    "static": CachePolicySpec("Site and hashed static assets: long TTL, compressed",
                              0, DAY, YEAR),
    # Accept is in the key: the viewer function normalises it to the image format served;
    # w is the only query string, the width the image-variant function serves.
    "media": CachePolicySpec("Listing media: long TTL, keyed on image format and width",
                             0, MONTH, YEAR, headers=("Accept",), query_strings=("w",)),
    # Credentials are in the key so a response is never served to another user.
    "api": CachePolicySpec("API: short TTL, only the query strings and headers the API reads",
                           0, 0, 300, headers=("Authorization", "Accept-Language"),
                           query_strings=API_QUERY_STRINGS, cookies=(SESSION_COOKIE,)),
}


@dataclass(frozen=True)
class OriginRequestSpec:
    """One origin request policy: what reaches the origin beyond the cache key."""

    comment: str
    headers: tuple[str, ...]


ORIGIN_REQUEST_POLICIES: dict[str, OriginRequestSpec] = {
    # CORS preflight headers, so S3 CORS rules answer for fonts and media.
    "s3": OriginRequestSpec("S3 origins: CORS request headers only",
                            ("Origin", "Access-Control-Request-Method",
                             "Access-Control-Request-Headers")),
    # Never Host: API Gateway routes on its own host name.
    "api": OriginRequestSpec("API origin: content negotiation, tracing and viewer country",
                             ("Accept", "Content-Type", "Origin", "Referer", "User-Agent",
                              "X-Request-Id", "CloudFront-Viewer-Country")),
}


@dataclass(frozen=True)
class Behavior:
    """A cache behaviour: path, origin, policies, methods, and whether the function runs."""

    path: str | None  # None is the default behaviour
    origin: str
    cache_policy: str
    origin_request_policy: str
    methods: tuple[str, ...]
    function: str | None  # key in FUNCTIONS run on viewer request, or None
    image_variants: bool = False  # the Lambda@Edge image function runs on origin request


BEHAVIORS: tuple[Behavior, ...] = (
    Behavior("/api/*", API_ORIGIN, "api", "api", tuple(ALL_METHODS), "api"),
    Behavior("/assets/*", ASSETS_ORIGIN, "static", "s3", tuple(READ_METHODS), None),
    Behavior("/media/*", MEDIA_ORIGIN, "media", "s3", tuple(READ_METHODS), "viewer",
             image_variants=True),
    Behavior(None, ASSETS_ORIGIN, "static", "s3", tuple(READ_METHODS), "viewer"),
)

REALTIME_LOG_FIELDS = (
    "timestamp", "c-ip", "cs-method", "cs-uri-stem", "sc-status", "sc-bytes", "time-taken",
    "time-to-first-byte", "x-edge-location", "x-edge-request-id", "x-host-header",
    "cs-protocol", "ssl-protocol", "x-edge-result-type", "x-edge-response-result-type",
    "cache-behavior-path-pattern", "origin-fbl", "origin-lbl", "cs-user-agent",
)


def names_config(names: Sequence[str], key: str) -> dict[str, Any]:
    """A CloudFront headers/query strings/cookies config: ``none`` or a whitelist of names."""
    if not names:
        return {f"{key}_behavior": "none"}
    return {f"{key}_behavior": "whitelist", f"{key}s": {"items": list(names)}}


def cache_key_parameters(spec: CachePolicySpec) -> dict[str, Any]:
    """What a cache policy puts in the key (and so forwards): compression, headers, etc."""
    return {
        "enable_accept_encoding_gzip": True,
        "enable_accept_encoding_brotli": True,
        "headers_config": names_config(spec.headers, "header"),
        "query_strings_config": names_config(spec.query_strings, "query_string"),
        "cookies_config": names_config(spec.cookies, "cookie"),
    }


def security_headers(content_security_policy: str) -> dict[str, Any]:
    """The response headers policy's security headers: HSTS, CSP, nosniff, frame, referrer."""
    return {
        "strict_transport_security": {
            "access_control_max_age_sec": 2 * YEAR,
            "include_subdomains": True,
            "preload": True,
            "override": True,
        },
        "content_security_policy": {
            "content_security_policy": content_security_policy,
            "override": True,
        },
        "content_type_options": {"override": True},
        "frame_options": {"frame_option": "DENY", "override": True},
        "referrer_policy": {"referrer_policy": "strict-origin-when-cross-origin",
                            "override": True},
    }


def behaviors_in_use(origin_ids: set[str] | frozenset[str]) -> list[Behavior]:
    """The rows of :data:`BEHAVIORS` whose origin the distribution has, in table order."""
    return [b for b in BEHAVIORS if b.origin in origin_ids]


def behavior_shape(b: Behavior, *, cache_policy_ids: Mapping[str, Any],
                   origin_request_policy_ids: Mapping[str, Any], headers_policy_id: Any,
                   function_arns: Mapping[str, Any],
                   realtime_config_arn: Any | None,
                   image_variants_arn: Any | None = None) -> dict[str, Any]:
    """One cache behaviour as the distribution takes it (the default one has no path)."""
    shape: dict[str, Any] = {
        "target_origin_id": b.origin,
        "viewer_protocol_policy": "https-only",
        "allowed_methods": list(b.methods),
        "cached_methods": ["GET", "HEAD"],
        "compress": True,
        "cache_policy_id": cache_policy_ids[b.cache_policy],
        "origin_request_policy_id": origin_request_policy_ids[b.origin_request_policy],
        "response_headers_policy_id": headers_policy_id,
        "function_associations": (
            [{"event_type": "viewer-request", "function_arn": function_arns[b.function]}]
            if b.function else []
        ),
    }
    if b.image_variants and image_variants_arn is not None:
        # A numbered version's ARN: Lambda@Edge refuses $LATEST and aliases.
        shape["lambda_function_associations"] = [
            {"event_type": "origin-request", "lambda_arn": image_variants_arn,
             "include_body": False}]
    if realtime_config_arn is not None:
        shape["realtime_log_config_arn"] = realtime_config_arn
    if b.path is not None:
        shape["path_pattern"] = b.path
    return shape


def api_origin_shape(domain_name: Any, origin_path: str, custom_headers: Mapping[str, Any],
                     shield_region: str) -> dict[str, Any]:
    """The API Gateway origin: HTTPS only, TLS 1.2, Origin Shield, the guard's headers."""
    return {
        "origin_id": API_ORIGIN,
        "domain_name": domain_name,
        "origin_path": origin_path,
        "custom_headers": [{"name": k, "value": v} for k, v in custom_headers.items()],
        "custom_origin_config": {
            "http_port": 80,
            "https_port": 443,
            "origin_protocol_policy": "https-only",
            "origin_ssl_protocols": ["TLSv1.2"],
            "origin_read_timeout": 30,
            "origin_keepalive_timeout": 5,
        },
        "origin_shield": {"enabled": True, "origin_shield_region": shield_region},
    }
