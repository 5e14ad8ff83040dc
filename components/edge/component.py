"""The edge: browser -> Cloudflare (proxied DNS) -> CloudFront -> S3 or API Gateway.

Composes the pieces, each in its own module: private asset and media buckets (stack region,
SSE-KMS with a key only this distribution may decrypt with, read through OAC), the us-east-1
certificate and WAF, the distribution, its standard logs, the Cloudflare zone, the cache
purger, and (``cloudflareAnalytics``) the collector of the zone's analytics.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pulumi
import pulumi_aws as aws
import pulumi_cloudflare as cloudflare

from components.blocks.monitored_items import MonitoredItem
from components.blocks.secure_bucket import SecureBucket, SecureBucketArgs
from components.config import EdgeConfig
from components.edge.access_logs import CdnAccessLogs, CdnAccessLogsArgs
from components.edge.cache_purger import CachePurger, CachePurgerArgs
from components.edge.certificate import EdgeCertificate, EdgeCertificateArgs
from components.edge.cloudflare_analytics import CloudflareAnalytics, CloudflareAnalyticsArgs
from components.edge.cloudflare_zone import CloudflareZone, CloudflareZoneArgs
from components.edge.csp import SiteFeatures, content_security_policy
from components.edge.distribution import ApiOrigin, Cdn, CdnArgs, oac_read_statement
from components.edge.image_variants import ImageVariants, ImageVariantsArgs
from components.edge.waf import BlockList, EdgeWaf, EdgeWafArgs
from components.platform.context import StackContext
from components.platform.core import customer_key, distribution_key_policy

CLOUDFRONT_REGION = "us-east-1"
MEDIA_NONCURRENT_DAYS = 30
# The origin buckets and how long each keeps noncurrent versions.
ORIGIN_BUCKETS = (("assets", 90), ("media", MEDIA_NONCURRENT_DAYS))


@dataclass(frozen=True)
class EdgeArgs:
    """Inputs of :class:`Edge`.

    The context gives the domain, the stack key (stack region), the us-east-1 provider for
    everything CloudFront-scoped and the key there, the Lambda defaults and the access log
    target of the buckets. ``api_origin`` ``None`` leaves out the ``/api/*`` behaviour.
    ``site_features`` are the browser features the pages use (RUM, sign-in); the CSP opens
    their hosts, and the API host when there is an API origin.
    """

    context: StackContext
    config: EdgeConfig
    bus_name: pulumi.Input[str]
    api_origin: ApiOrigin | None = None
    site_features: SiteFeatures | None = None


def page_hostnames(domain: str) -> tuple[str, str]:
    """The names that serve the site's pages: apex and ``www`` (RUM watches both)."""
    return (domain, f"www.{domain}")


def hostnames(domain: str) -> tuple[str, str, str]:
    """The names the distribution answers: apex, ``www`` and ``api``."""
    return (*page_hostnames(domain), f"api.{domain}")


class Edge(pulumi.ComponentResource):
    """Cloudflare zone in front of a CloudFront distribution, with buckets, WAF and purging."""

    distribution_id: pulumi.Output[str]
    distribution_domain: pulumi.Output[str]
    distribution_arn: pulumi.Output[str]
    assets_bucket_name: pulumi.Output[str]
    media_bucket_name: pulumi.Output[str]
    access_log_bucket_name: pulumi.Output[str]
    web_acl_arn: pulumi.Output[str] | None
    block_list: BlockList | None
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: EdgeArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:edge:Edge", name, None, opts)
        context, config = args.context, args.config
        names = hostnames(context.platform.domain)
        child = pulumi.ResourceOptions(parent=self)
        cloudflare_provider = cloudflare.Provider(
            f"{name}-cloudflare", api_token=config.cloudflare_api_token, opts=child)
        # The origin buckets have their own key: CloudFront may decrypt with it only for this
        # distribution (AWS:SourceArn), and the distribution needs the buckets first, so the
        # key's policy is a KeyPolicy made after the distribution.
        origin_key = customer_key(
            f"{name}-origin-key", f"alias/{context.prefix}-origin",
            f"{context.prefix}: the site's asset and media buckets, read by CloudFront",
            context.platform.kms_deletion_window_days, child)
        # The bucket policies name the distribution, which needs the buckets first.
        distribution_arn, resolve_distribution_arn = pulumi.deferred_output()
        buckets = self._origin_buckets(name, args, origin_key.arn, distribution_arn)
        certificate = EdgeCertificate(
            f"{name}-certificate",
            EdgeCertificateArgs(context=context, names=names, cloudflare=cloudflare_provider,
                                zone_id=config.cloudflare_zone_id),
            opts=child,
        )
        waf = (EdgeWaf(f"{name}-waf", EdgeWafArgs(context=context,
                                                  rate_limit=config.waf_rate_limit),
                       opts=child)
               if config.waf_required else None)
        cdn = self._cdn(name, args, names, certificate.arn, buckets,
                        waf.arn if waf is not None else None, origin_key.arn)
        resolve_distribution_arn(cdn.distribution_arn)
        aws.kms.KeyPolicy(
            f"{name}-origin-key-policy",
            key_id=origin_key.key_id,
            policy=pulumi.Output.all(context.account_id, cdn.distribution_arn).apply(
                lambda v: distribution_key_policy(v[0], v[1])),
            opts=child,
        )
        logs = CdnAccessLogs(
            f"{name}-access-logs",
            CdnAccessLogsArgs(context=context, distribution_arn=cdn.distribution_arn,
                              retention_days=config.access_log_days),
            opts=child,
        )
        CloudflareZone(
            f"{name}-zone",
            CloudflareZoneArgs(context=context, config=config, origin_domain=cdn.domain_name,
                               provider=cloudflare_provider, hostnames=names),
            opts=child,
        )
        purger = CachePurger(
            f"{name}-purger",
            CachePurgerArgs(
                context=context, config=config, bus_name=args.bus_name,
                distribution_id=cdn.distribution_id, distribution_arn=cdn.distribution_arn,
                purge_token=config.cloudflare_purge_token or config.cloudflare_api_token,
                hosts=names),
            opts=child,
        )
        analytics = self._analytics(name, args) if config.analytics else None
        self.distribution_id = cdn.distribution_id
        self.distribution_domain = cdn.domain_name
        self.distribution_arn = cdn.distribution_arn
        self.assets_bucket_name = buckets["assets"].name
        self.media_bucket_name = buckets["media"].name
        self.access_log_bucket_name = logs.bucket_name
        self.web_acl_arn = waf.arn if waf is not None else None
        self.block_list = waf.block_list if waf is not None else None
        self.monitored_items = (*cdn.monitored_items, *purger.monitored_items, *(
            (self._variants.monitored_item(f"{name}-image-variants", context.owner,
                                           cdn.distribution_id),)
            if self._variants is not None else ()),
            *(analytics.monitored_items if analytics else ()))
        self.register_outputs({
            "distributionId": self.distribution_id,
            "distributionDomain": self.distribution_domain,
            "assetsBucket": self.assets_bucket_name,
            "mediaBucket": self.media_bucket_name,
        })

    def _analytics(self, name: str, args: EdgeArgs) -> CloudflareAnalytics:
        """The collector of the zone's own analytics (``cloudflareAnalytics``)."""
        config = args.config
        return CloudflareAnalytics(
            f"{name}-cloudflare-analytics",
            CloudflareAnalyticsArgs(context=args.context, zone_id=config.cloudflare_zone_id,
                                    token=config.analytics_token or config.cloudflare_api_token),
            opts=pulumi.ResourceOptions(parent=self))

    def _cdn(self, name: str, args: EdgeArgs, names: tuple[str, ...],
             certificate_arn: pulumi.Input[str], buckets: dict[str, SecureBucket],
             web_acl_arn: pulumi.Input[str] | None, key_arn: pulumi.Input[str]) -> Cdn:
        """The distribution over the buckets (and the API), with the pages' CSP."""
        config = args.config
        variants = (ImageVariants(
            f"{name}-image-variants",
            ImageVariantsArgs(context=args.context, bucket_name=buckets["media"].name,
                              bucket_arn=buckets["media"].arn, bucket_key_arn=key_arn,
                              widths=config.image_width_list, quality=config.image_quality,
                              memory_mb=config.image_memory_mb),
            opts=pulumi.ResourceOptions(parent=self))
            if config.image_variants else None)
        self._variants = variants
        return Cdn(
            f"{name}-cdn",
            CdnArgs(
                context=args.context,
                aliases=names,
                certificate_arn=certificate_arn,
                assets_domain=buckets["assets"].regional_domain_name,
                media_domain=buckets["media"].regional_domain_name,
                config=args.config,
                content_security_policy=content_security_policy(self._site(args, names)),
                web_acl_arn=web_acl_arn,
                api_origin=args.api_origin,
                image_variants_arn=variants.qualified_arn if variants is not None else None,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _origin_buckets(self, name: str, args: EdgeArgs, key_arn: pulumi.Input[str],
                        distribution_arn: pulumi.Input[str]) -> dict[str, SecureBucket]:
        """The private asset and media buckets, readable only by the distribution via OAC."""
        buckets: dict[str, SecureBucket] = {}
        for key, noncurrent_days in ORIGIN_BUCKETS:
            bucket_arn, resolve_bucket_arn = pulumi.deferred_output()
            buckets[key] = SecureBucket(
                f"{name}-{key}",
                SecureBucketArgs(
                    kms_key_arn=key_arn,
                    noncurrent_days=noncurrent_days,
                    policy_statements=[oac_read_statement(bucket_arn, distribution_arn)],
                    access_log_bucket=args.context.access_log_bucket,
                    access_log_prefix=f"{key}/",
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            resolve_bucket_arn(buckets[key].arn)
        return buckets

    @staticmethod
    def _site(args: EdgeArgs, names: tuple[str, ...]) -> SiteFeatures:
        """The pages' browser features, with the API host when the distribution serves it."""
        features = args.site_features or SiteFeatures(region=args.context.region)
        if args.api_origin is None:
            return features
        return replace(features, api_hosts=tuple(n for n in names if n.startswith("api.")))
