"""The CloudFront distribution: S3 origins through OAC, the API origin, policies, function.

Cache and origin request policies, behaviours and real-time log fields are tables in
:mod:`components.edge.cdn_tables`; the distribution reads each in one loop. Everything here
is CloudFront-scoped and uses the ``us-east-1`` provider and key of the stack context.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.blocks.monitored_items import Kind, MonitoredItem
from components.blocks.service_role import service_role
from components.config import EdgeConfig
from components.edge.cdn_tables import (
    ASSETS_ORIGIN,
    CACHE_POLICIES,
    FUNCTIONS,
    MEDIA_ORIGIN,
    ORIGIN_REQUEST_POLICIES,
    REALTIME_LOG_FIELDS,
    Behavior,
    api_origin_shape,
    behavior_shape,
    behaviors_in_use,
    cache_key_parameters,
    names_config,
    security_headers,
)
from components.platform.context import StackContext


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

    The context gives the prefix, the owner, the us-east-1 provider and the key there (for
    the real-time log stream). ``assets_domain``/``media_domain`` are the private buckets'
    regional domain names; ``web_acl_arn`` is ``None`` when the stack runs without AWS WAF;
    ``api_origin`` ``None`` means no ``/api/*``; ``image_variants_arn`` is the published
    version of the media origin-request function, ``None`` when it is off.
    """

    context: StackContext
    aliases: Sequence[str]
    certificate_arn: pulumi.Input[str]
    assets_domain: pulumi.Input[str]
    media_domain: pulumi.Input[str]
    config: EdgeConfig
    content_security_policy: str
    web_acl_arn: pulumi.Input[str] | None = None
    api_origin: ApiOrigin | None = None
    image_variants_arn: pulumi.Input[str] | None = None


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
        child = pulumi.ResourceOptions(parent=self, provider=args.context.us_east_1)
        cache_policies = self._cache_policies(name, args, child)
        origin_request_policies = self._origin_request_policies(name, args, child)
        headers = aws.cloudfront.ResponseHeadersPolicy(
            f"{name}-security-headers",
            name=f"{args.context.prefix}-security-headers",
            comment="HSTS, CSP, nosniff, frame and referrer policy on every response",
            security_headers_config=security_headers(args.content_security_policy),
            opts=child,
        )
        oac = aws.cloudfront.OriginAccessControl(
            f"{name}-oac",
            name=f"{args.context.prefix}-s3",
            description="Signed (SigV4) requests from CloudFront to the private buckets",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=child,
        )
        self.realtime_stream = None
        realtime_config_arn: pulumi.Output[str] | None = None
        if args.config.realtime_logs:
            self.realtime_stream, realtime_config_arn = self._realtime_logs(name, args, child)

        origins = self._origins(args, oac)
        in_use = behaviors_in_use({o["origin_id"] for o in origins})
        functions = self._functions(name, args, in_use, child)
        shapes = {b: behavior_shape(
            b, cache_policy_ids={k: p.id for k, p in cache_policies.items()},
            origin_request_policy_ids={k: p.id for k, p in origin_request_policies.items()},
            headers_policy_id=headers.id,
            function_arns={k: f.arn for k, f in functions.items()},
            realtime_config_arn=realtime_config_arn,
            image_variants_arn=args.image_variants_arn) for b in in_use}
        self.distribution = self._distribution(name, args, origins, shapes, child)
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
        self.monitored_items = self._monitored_items(name, args)
        self.register_outputs({
            "distributionId": self.distribution_id,
            "domainName": self.domain_name,
        })

    def _cache_policies(self, name: str, args: CdnArgs, child: pulumi.ResourceOptions
                        ) -> dict[str, aws.cloudfront.CachePolicy]:
        """One cache policy per row of :data:`CACHE_POLICIES`."""
        return {
            key: aws.cloudfront.CachePolicy(
                f"{name}-cache-{key}",
                name=f"{args.context.prefix}-{key}",
                comment=spec.comment,
                min_ttl=spec.min_ttl,
                default_ttl=spec.default_ttl,
                max_ttl=spec.max_ttl,
                parameters_in_cache_key_and_forwarded_to_origin=cache_key_parameters(spec),
                opts=child,
            )
            for key, spec in CACHE_POLICIES.items()
        }

    def _origin_request_policies(self, name: str, args: CdnArgs, child: pulumi.ResourceOptions
                                 ) -> dict[str, aws.cloudfront.OriginRequestPolicy]:
        """One origin request policy per row of :data:`ORIGIN_REQUEST_POLICIES`."""
        return {
            key: aws.cloudfront.OriginRequestPolicy(
                f"{name}-origin-request-{key}",
                name=f"{args.context.prefix}-{key}",
                comment=spec.comment,
                headers_config=names_config(spec.headers, "header"),
                # Query strings the origin reads are in the cache key, which is forwarded.
                query_strings_config={"query_string_behavior": "none"},
                cookies_config={"cookie_behavior": "none"},
                opts=child,
            )
            for key, spec in ORIGIN_REQUEST_POLICIES.items()
        }

    @staticmethod
    def _origins(args: CdnArgs, oac: aws.cloudfront.OriginAccessControl
                 ) -> list[dict[str, Any]]:
        """The two S3 origins through OAC, and the API origin when there is one."""
        origins: list[dict[str, Any]] = [
            {"origin_id": ASSETS_ORIGIN, "domain_name": args.assets_domain,
             "origin_access_control_id": oac.id},
            {"origin_id": MEDIA_ORIGIN, "domain_name": args.media_domain,
             "origin_access_control_id": oac.id},
        ]
        if args.api_origin is not None:
            origins.append(api_origin_shape(
                args.api_origin.domain_name, args.api_origin.origin_path,
                args.api_origin.custom_headers, args.config.origin_shield_region))
        return origins

    def _functions(self, name: str, args: CdnArgs, in_use: Sequence[Behavior],
                   child: pulumi.ResourceOptions) -> dict[str, aws.cloudfront.Function]:
        """The CloudFront Functions some behaviour in use runs on viewer request."""
        return {
            key: aws.cloudfront.Function(
                f"{name}-{key}-request",
                name=f"{args.context.prefix}-{key}-request",
                comment=comment,
                runtime="cloudfront-js-2.0",
                code=path.read_text(),
                publish=True,
                opts=child,
            )
            for key, (path, comment) in FUNCTIONS.items()
            if any(b.function == key for b in in_use)
        }

    def _distribution(self, name: str, args: CdnArgs, origins: list[dict[str, Any]],
                      shapes: Mapping[Behavior, dict[str, Any]],
                      child: pulumi.ResourceOptions) -> aws.cloudfront.Distribution:
        """The distribution: HTTP/3, TLS 1.2 (SNI), the behaviours, WAF when there is one."""
        config = args.config
        ordered = [shape for b, shape in shapes.items() if b.path]
        (default,) = [shape for b, shape in shapes.items() if b.path is None]
        return aws.cloudfront.Distribution(
            f"{name}-distribution",
            comment=f"{args.context.prefix}: marketplace site, media and API",
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

    def _monitored_items(self, name: str, args: CdnArgs) -> tuple[MonitoredItem, ...]:
        """The distribution (global metrics, in us-east-1) and the real-time log stream."""
        items = [MonitoredItem(
            kind=Kind.CLOUDFRONT,
            name=name,
            dimensions={"DistributionId": self.distribution.id, "Region": "Global"},
            region="us-east-1",
            owner=args.context.owner,
        )]
        if self.realtime_stream is not None:
            items.append(MonitoredItem(
                kind=Kind.KINESIS_STREAM,
                name=f"{name}-realtime-logs",
                dimensions={"StreamName": self.realtime_stream.name},
                region="us-east-1",
                owner=args.context.owner,
                attributes={"shard_count": args.config.realtime_log_shards},
            ))
        return tuple(items)

    def _realtime_logs(self, name: str, args: CdnArgs, child: pulumi.ResourceOptions
                       ) -> tuple[aws.kinesis.Stream, pulumi.Output[str]]:
        """A KMS-encrypted stream, the role CloudFront writes with, and the log config."""
        config = args.config
        stream = aws.kinesis.Stream(
            f"{name}-realtime-logs",
            name=f"{args.context.prefix}-cdn-realtime-logs",
            shard_count=config.realtime_log_shards,
            stream_mode_details={"stream_mode": "PROVISIONED"},
            retention_period=24,
            encryption_type="KMS",
            kms_key_id=args.context.us_east_1_kms_key_arn,
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
                    "Resource": args.context.us_east_1_kms_key_arn,
                },
            ],
            opts=child,
        )
        log_config = aws.cloudfront.RealtimeLogConfig(
            f"{name}-realtime-log-config",
            name=f"{args.context.prefix}-realtime",
            sampling_rate=config.realtime_log_sampling_percent,
            fields=list(REALTIME_LOG_FIELDS),
            endpoint={
                "stream_type": "Kinesis",
                "kinesis_stream_config": {"role_arn": role.arn, "stream_arn": stream.arn},
            },
            opts=pulumi.ResourceOptions(parent=self, provider=args.context.us_east_1,
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
