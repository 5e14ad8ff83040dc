"""The CloudFront distribution: S3 origins through OAC, the API origin, policies, function.

Cache and origin request policies, behaviours and real-time log fields are tables; the
distribution reads them in one loop. Everything here is CloudFront-scoped and uses the
``us-east-1`` provider.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from components.blocks.monitored_items import Kind, MonitoredItem
from components.blocks.service_role import service_role
from components.config import EdgeConfig

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
    # Accept is in the key: the viewer function normalises it to the image format served.
    "media": CachePolicySpec("Listing media: long TTL, keyed on the negotiated image format",
                             0, MONTH, YEAR, headers=("Accept",)),
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


BEHAVIORS: tuple[Behavior, ...] = (
    Behavior("/api/*", API_ORIGIN, "api", "api", tuple(ALL_METHODS), "api"),
    Behavior("/assets/*", ASSETS_ORIGIN, "static", "s3", tuple(READ_METHODS), None),
    Behavior("/media/*", MEDIA_ORIGIN, "media", "s3", tuple(READ_METHODS), "viewer"),
    Behavior(None, ASSETS_ORIGIN, "static", "s3", tuple(READ_METHODS), "viewer"),
)

REALTIME_LOG_FIELDS = (
    "timestamp", "c-ip", "cs-method", "cs-uri-stem", "sc-status", "sc-bytes", "time-taken",
    "time-to-first-byte", "x-edge-location", "x-edge-request-id", "x-host-header",
    "cs-protocol", "ssl-protocol", "x-edge-result-type", "x-edge-response-result-type",
    "cache-behavior-path-pattern", "origin-fbl", "origin-lbl", "cs-user-agent",
)


@dataclass(frozen=True)
class ApiOrigin:
    """The API Gateway stage behind ``/api/*``: ``<id>.execute-api.<region>.amazonaws.com``."""

    domain_name: pulumi.Input[str]
    origin_path: str  # "/<stage>"
    # Headers CloudFront adds for the origin to recognise it (e.g. the origin guard's secret).
    custom_headers: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class CdnArgs:
    """Inputs of :class:`Cdn`.

    ``assets_domain``/``media_domain`` are the private buckets' regional domain names;
    ``kms_key_arn`` is a key in us-east-1 (for the real-time log stream); ``web_acl_arn`` is
    ``None`` when the stack runs without AWS WAF; ``api_origin`` ``None`` means no ``/api/*``.
    """

    prefix: str
    aliases: Sequence[str]
    certificate_arn: pulumi.Input[str]
    assets_domain: pulumi.Input[str]
    media_domain: pulumi.Input[str]
    config: EdgeConfig
    us_east_1: aws.Provider
    kms_key_arn: pulumi.Input[str]
    content_security_policy: str
    owner: str
    web_acl_arn: pulumi.Input[str] | None = None
    api_origin: ApiOrigin | None = None


def _names_config(names: Sequence[str], key: str) -> dict[str, Any]:
    if not names:
        return {f"{key}_behavior": "none"}
    return {f"{key}_behavior": "whitelist", f"{key}s": {"items": list(names)}}


class Cdn(pulumi.ComponentResource):
    """CloudFront distribution with OAC S3 origins, optional API origin, WAF and logging."""

    distribution: aws.cloudfront.Distribution
    distribution_id: pulumi.Output[str]
    distribution_arn: pulumi.Output[str]
    domain_name: pulumi.Output[str]
    realtime_stream: aws.kinesis.Stream | None
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: CdnArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:edge:Cdn", name, None, opts)
        config = args.config
        child = pulumi.ResourceOptions(parent=self, provider=args.us_east_1)

        cache_policies = {
            key: aws.cloudfront.CachePolicy(
                f"{name}-cache-{key}",
                name=f"{args.prefix}-{key}",
                comment=spec.comment,
                min_ttl=spec.min_ttl,
                default_ttl=spec.default_ttl,
                max_ttl=spec.max_ttl,
                parameters_in_cache_key_and_forwarded_to_origin={
                    "enable_accept_encoding_gzip": True,
                    "enable_accept_encoding_brotli": True,
                    "headers_config": _names_config(spec.headers, "header"),
                    "query_strings_config": _names_config(spec.query_strings, "query_string"),
                    "cookies_config": _names_config(spec.cookies, "cookie"),
                },
                opts=child,
            )
            for key, spec in CACHE_POLICIES.items()
        }
        origin_request_policies = {
            key: aws.cloudfront.OriginRequestPolicy(
                f"{name}-origin-request-{key}",
                name=f"{args.prefix}-{key}",
                comment=spec.comment,
                headers_config=_names_config(spec.headers, "header"),
                # Query strings the origin reads are in the cache key, which is forwarded.
                query_strings_config={"query_string_behavior": "none"},
                cookies_config={"cookie_behavior": "none"},
                opts=child,
            )
            for key, spec in ORIGIN_REQUEST_POLICIES.items()
        }
        headers = aws.cloudfront.ResponseHeadersPolicy(
            f"{name}-security-headers",
            name=f"{args.prefix}-security-headers",
            comment="HSTS, CSP, nosniff, frame and referrer policy on every response",
            security_headers_config={
                "strict_transport_security": {
                    "access_control_max_age_sec": 2 * YEAR,
                    "include_subdomains": True,
                    "preload": True,
                    "override": True,
                },
                "content_security_policy": {
                    "content_security_policy": args.content_security_policy,
                    "override": True,
                },
                "content_type_options": {"override": True},
                "frame_options": {"frame_option": "DENY", "override": True},
                "referrer_policy": {"referrer_policy": "strict-origin-when-cross-origin",
                                    "override": True},
            },
            opts=child,
        )
        oac = aws.cloudfront.OriginAccessControl(
            f"{name}-oac",
            name=f"{args.prefix}-s3",
            description="Signed (SigV4) requests from CloudFront to the private buckets",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=child,
        )
        self.realtime_stream = None
        realtime_config_arn: pulumi.Output[str] | None = None
        if config.realtime_logs:
            self.realtime_stream, realtime_config_arn = self._realtime_logs(name, args, child)

        origins: list[dict[str, Any]] = [
            {"origin_id": ASSETS_ORIGIN, "domain_name": args.assets_domain,
             "origin_access_control_id": oac.id},
            {"origin_id": MEDIA_ORIGIN, "domain_name": args.media_domain,
             "origin_access_control_id": oac.id},
        ]
        if args.api_origin is not None:
            origins.append({
                "origin_id": API_ORIGIN,
                "domain_name": args.api_origin.domain_name,
                "origin_path": args.api_origin.origin_path,
                "custom_headers": [{"name": k, "value": v}
                                   for k, v in args.api_origin.custom_headers.items()],
                "custom_origin_config": {
                    "http_port": 80,
                    "https_port": 443,
                    "origin_protocol_policy": "https-only",
                    "origin_ssl_protocols": ["TLSv1.2"],
                    "origin_read_timeout": 30,
                    "origin_keepalive_timeout": 5,
                },
                "origin_shield": {"enabled": True,
                                  "origin_shield_region": config.origin_shield_region},
            })
        origin_ids = {o["origin_id"] for o in origins}
        in_use = [b for b in BEHAVIORS if b.origin in origin_ids]
        functions = {
            key: aws.cloudfront.Function(
                f"{name}-{key}-request",
                name=f"{args.prefix}-{key}-request",
                comment=comment,
                runtime="cloudfront-js-2.0",
                code=path.read_text(),
                publish=True,
                opts=child,
            )
            for key, (path, comment) in FUNCTIONS.items()
            if any(b.function == key for b in in_use)
        }

        def behavior(b: Behavior) -> dict[str, Any]:
            shape: dict[str, Any] = {
                "target_origin_id": b.origin,
                "viewer_protocol_policy": "https-only",
                "allowed_methods": list(b.methods),
                "cached_methods": ["GET", "HEAD"],
                "compress": True,
                "cache_policy_id": cache_policies[b.cache_policy].id,
                "origin_request_policy_id": origin_request_policies[b.origin_request_policy].id,
                "response_headers_policy_id": headers.id,
                "function_associations": (
                    [{"event_type": "viewer-request", "function_arn": functions[b.function].arn}]
                    if b.function else []
                ),
            }
            if realtime_config_arn is not None:
                shape["realtime_log_config_arn"] = realtime_config_arn
            if b.path is not None:
                shape["path_pattern"] = b.path
            return shape

        ordered = [behavior(b) for b in in_use if b.path]
        (default,) = [behavior(b) for b in in_use if b.path is None]
        self.distribution = aws.cloudfront.Distribution(
            f"{name}-distribution",
            comment=f"{args.prefix}: marketplace site, media and API",
            enabled=True,
            is_ipv6_enabled=True,
            http_version="http2and3",
            price_class=config.price_class,
            aliases=list(args.aliases),
            default_root_object="index.html",
            origins=origins,
            default_cache_behavior=default,
            ordered_cache_behaviors=ordered,
            viewer_certificate={
                "acm_certificate_arn": args.certificate_arn,
                "ssl_support_method": "sni-only",
                "minimum_protocol_version": "TLSv1.2_2021",
            },
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            web_acl_id=args.web_acl_arn,
            # Read by the policy pack: a stack whose config requires WAF must attach one.
            tags={"waf-required": "true" if config.waf_required else "false"},
            opts=child,
        )
        aws.cloudfront.MonitoringSubscription(
            f"{name}-monitoring",
            distribution_id=self.distribution.id,
            monitoring_subscription={
                "realtime_metrics_subscription_config": {
                    "realtime_metrics_subscription_status": "Enabled"},
            },
            opts=child,
        )
        self.distribution_id = self.distribution.id
        self.distribution_arn = self.distribution.arn
        self.domain_name = self.distribution.domain_name
        items = [MonitoredItem(
            kind=Kind.CLOUDFRONT,
            name=name,
            dimensions={"DistributionId": self.distribution.id, "Region": "Global"},
            region="us-east-1",
            owner=args.owner,
        )]
        if self.realtime_stream is not None:
            items.append(MonitoredItem(
                kind=Kind.KINESIS_STREAM,
                name=f"{name}-realtime-logs",
                dimensions={"StreamName": self.realtime_stream.name},
                region="us-east-1",
                owner=args.owner,
                attributes={"shard_count": config.realtime_log_shards},
            ))
        self.monitored_items = tuple(items)
        self.register_outputs({
            "distributionId": self.distribution_id,
            "domainName": self.domain_name,
        })

    def _realtime_logs(self, name: str, args: CdnArgs, child: pulumi.ResourceOptions
                       ) -> tuple[aws.kinesis.Stream, pulumi.Output[str]]:
        """A KMS-encrypted stream, the role CloudFront writes with, and the log config."""
        config = args.config
        stream = aws.kinesis.Stream(
            f"{name}-realtime-logs",
            name=f"{args.prefix}-cdn-realtime-logs",
            shard_count=config.realtime_log_shards,
            stream_mode_details={"stream_mode": "PROVISIONED"},
            retention_period=24,
            encryption_type="KMS",
            kms_key_id=args.kms_key_arn,
            opts=child,
        )
        role, policy = service_role(
            f"{name}-realtime-logs",
            service="cloudfront.amazonaws.com",
            description="CloudFront writes real-time logs to the stream",
            statements=[
                {
                    "Sid": "PutRealtimeLogs",
                    "Effect": "Allow",
                    "Action": ["kinesis:DescribeStreamSummary", "kinesis:DescribeStream",
                               "kinesis:PutRecord", "kinesis:PutRecords"],
                    "Resource": stream.arn,
                },
                {
                    "Sid": "EncryptRealtimeLogs",
                    "Effect": "Allow",
                    "Action": ["kms:GenerateDataKey"],
                    "Resource": args.kms_key_arn,
                },
            ],
            opts=child,
        )
        log_config = aws.cloudfront.RealtimeLogConfig(
            f"{name}-realtime-log-config",
            name=f"{args.prefix}-realtime",
            sampling_rate=config.realtime_log_sampling_percent,
            fields=list(REALTIME_LOG_FIELDS),
            endpoint={
                "stream_type": "Kinesis",
                "kinesis_stream_config": {"role_arn": role.arn, "stream_arn": stream.arn},
            },
            opts=pulumi.ResourceOptions(parent=self, provider=args.us_east_1,
                                        depends_on=[policy]),
        )
        return stream, log_config.arn


def oac_read_statement(bucket_arn: pulumi.Input[str],
                       distribution_arn: pulumi.Input[str]) -> Mapping[str, Any]:
    """Bucket policy statement: only this distribution, through OAC, reads the objects."""
    return {
        "Sid": "CloudFrontReadsThroughOac",
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": pulumi.Output.concat(bucket_arn, "/*"),
        "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
    }
