"""The edge under the recording mocks: Cloudflare zone, CloudFront, WAF, logs and purging."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from components.blocks.monitored_items import Kind
from components.config import ConfigError, build, load
from components.edge.component import Edge, EdgeArgs
from components.edge.distribution import ApiOrigin, Cdn, CdnArgs
from components.platform.context import StackContext, stack_context
from components.platform.core import PlatformCore, PlatformCoreArgs
from policy.rules import evaluate_plan
from tests.helpers import (
    DEV_EU_ENTERPRISE,
    config_of,
    plan,
    policy_document,
    run_program,
    stack_registry,
)
from tools.mock_runtime import Registry, Resource

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
RULESET = "cloudflare:index/ruleset:Ruleset"
DNS = "cloudflare:index/dnsRecord:DnsRecord"
SETTING = "cloudflare:index/zoneSetting:ZoneSetting"
API_DOMAIN = "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"


YEAR = 31_536_000  # 365 days, in seconds
MONTH = 2_592_000  # 30 days


@dataclass(frozen=True)
class Expected:
    """What a stack file sets for the edge (or the Reader's default where it sets nothing)."""

    hostnames: tuple[str, str, str]
    polish: str | None  # None: Polish off, so neither polish nor webp is set
    webp: str | None
    cache_reserve: bool
    disabled_paranoia_levels: frozenset[str]
    waf_action: str
    owasp_score_threshold: int
    login_rate_limit: int
    write_rate_limit: int
    price_class: str
    aws_waf: bool
    realtime_logs: bool


EXPECTED = {
    "dev": Expected(
        hostnames=("dev.marketplace.example.com", "www.dev.marketplace.example.com",
                   "api.dev.marketplace.example.com"),
        polish=None, webp=None, cache_reserve=False,
        disabled_paranoia_levels=frozenset({"paranoia-level-2", "paranoia-level-3",
                                            "paranoia-level-4"}),
        waf_action="managed_challenge", owasp_score_threshold=40, login_rate_limit=20,
        write_rate_limit=120, price_class="PriceClass_100", aws_waf=False,
        realtime_logs=False),
    "prod": Expected(
        hostnames=("marketplace.example.com", "www.marketplace.example.com",
                   "api.marketplace.example.com"),
        polish="lossy", webp="on", cache_reserve=True,
        disabled_paranoia_levels=frozenset({"paranoia-level-3", "paranoia-level-4"}),
        waf_action="block", owasp_score_threshold=40, login_rate_limit=10,
        write_rate_limit=60, price_class="PriceClass_All", aws_waf=True,
        realtime_logs=False),
}


@cache
def built(stack: str, with_api: bool) -> tuple[Registry, Edge]:
    """The edge component alone (with or without an API origin) for a stack's config."""
    holder: dict[str, Edge] = {}

    def program() -> None:
        config = load()
        core = PlatformCore("core", PlatformCoreArgs(platform=config.platform))
        context = stack_context(config.platform, config.lambdas, account_id=core.account_id,
                                kms_key_arn=core.kms_key_arn, us_east_1=core.us_east_1,
                                us_east_1_kms_key_arn=core.us_east_1_kms_key_arn)
        holder["edge"] = Edge(
            "edge",
            EdgeArgs(context=context, config=config.edge, bus_name="bus",
                     api_origin=ApiOrigin(API_DOMAIN, "/v1") if with_api else None),
            pulumi.ResourceOptions(providers=core.providers),
        )

    return run_program(stack, program), holder["edge"]


def distribution(registry: Registry) -> Resource:
    (found,) = registry.by_type(DISTRIBUTION)
    return found


def behaviors(dist: Resource) -> dict[str | None, dict[str, Any]]:
    out: dict[str | None, dict[str, Any]] = {None: dist.inputs["defaultCacheBehavior"]}
    out.update({b["pathPattern"]: b for b in dist.inputs.get("orderedCacheBehaviors", [])})
    return out


def ruleset(registry: Registry, phase: str) -> list[dict[str, Any]]:
    (found,) = [r for r in registry.by_type(RULESET) if r.inputs["phase"] == phase]
    assert found.inputs["kind"] == "zone"
    return found.inputs["rules"]


# --- Cloudflare ---------------------------------------------------------------------------

def test_one_zone_setting_per_setting_and_no_retired_ones(registry: Registry, stack: str
                                                          ) -> None:
    settings = {r.inputs["settingId"]: r.inputs["value"] for r in registry.by_type(SETTING)}
    expected = EXPECTED[stack]
    plan_gated = ({} if expected.polish is None
                  else {"polish": expected.polish, "webp": expected.webp})
    # Auto Minify and the Brotli setting were retired in 2024: neither may appear.
    assert settings == {
        "always_use_https": "on", "min_tls_version": "1.2", "tls_1_3": "on", "http3": "on",
        "0rtt": "on", "early_hints": "on", "automatic_https_rewrites": "on",
        "ssl": "strict", **plan_gated}
    names = sorted(r.name for r in registry.by_type(SETTING))
    assert names[:2] == [f"marketplace-{stack}-edge-zone-setting-0rtt",
                         f"marketplace-{stack}-edge-zone-setting-always-use-https"]


def test_cloudflare_resources_use_the_explicit_provider(registry: Registry) -> None:
    cloudflare = [r for r in registry if r.custom and r.type.startswith("cloudflare:")]
    assert cloudflare
    for r in cloudflare:
        provider = registry.provider_of(r)
        assert provider is not None, r.name
        assert provider.type == "pulumi:providers:cloudflare", r.name


def test_proxied_names_point_at_the_distribution(registry: Registry, stack: str) -> None:
    apex, www, api = EXPECTED[stack].hostnames
    records = {r.inputs["name"]: r for r in registry.by_type(DNS) if r.inputs["proxied"]}
    assert {name: r.name for name, r in records.items()} == {
        apex: f"marketplace-{stack}-edge-zone-dns-apex",
        www: f"marketplace-{stack}-edge-zone-dns-www",
        api: f"marketplace-{stack}-edge-zone-dns-api",
    }
    records = {name: r.inputs for name, r in records.items()}
    target = distribution(registry).outputs["domainName"]
    assert all(r["content"] == target and r["type"] == "CNAME" for r in records.values())


def test_certificate_validates_through_cloudflare_records(registry: Registry, stack: str
                                                          ) -> None:
    (cert,) = registry.by_type("aws:acm/certificate:Certificate")
    assert cert.region == "us-east-1"
    assert [cert.inputs["domainName"], *cert.inputs["subjectAlternativeNames"]] == list(
        EXPECTED[stack].hostnames)
    records = [r.inputs for r in registry.by_type(DNS) if not r.inputs["proxied"]]
    expected = {(o["resourceRecordName"].rstrip("."), o["resourceRecordValue"].rstrip("."))
                for o in cert.outputs["domainValidationOptions"]}
    assert {(r["name"], r["content"]) for r in records} == expected
    (validation,) = registry.by_type("aws:acm/certificateValidation:CertificateValidation")
    assert validation.region == "us-east-1"
    assert sorted(validation.inputs["validationRecordFqdns"]) == sorted(n for n, _ in expected)
    dist = distribution(registry)
    assert dist.inputs["viewerCertificate"]["acmCertificateArn"] == cert.outputs["arn"]


def test_cache_rules_cache_assets_a_year_media_a_month_and_bypass_credentials(
        registry: Registry) -> None:
    rules = {r["ref"]: r for r in ruleset(registry, "http_request_cache_settings")}
    assert list(rules) == ["static_assets", "media", "api_get", "bypass_credentials"]
    assert rules["static_assets"]["actionParameters"]["edgeTtl"]["default"] == YEAR
    assert rules["static_assets"]["actionParameters"]["browserTtl"]["default"] == YEAR
    assert rules["media"]["actionParameters"]["edgeTtl"]["default"] == MONTH
    assert rules["api_get"]["actionParameters"]["edgeTtl"]["mode"] == "respect_origin"
    assert 'http.request.method eq "GET"' in rules["api_get"]["expression"]
    bypass = list(rules)[-1]  # later cache rules win: the bypass must be last
    assert rules[bypass]["actionParameters"]["cache"] is False
    assert "authorization" in rules[bypass]["expression"]
    assert "session=" in rules[bypass]["expression"]


def test_cache_reserve_follows_config(registry: Registry, stack: str) -> None:
    reserve = EXPECTED[stack].cache_reserve
    assert bool(registry.by_type("cloudflare:index/zoneCacheReserve:ZoneCacheReserve")) is reserve
    media = {r["ref"]: r for r in ruleset(registry, "http_request_cache_settings")}["media"]
    assert media["actionParameters"].get("cacheReserve") == (
        {"eligible": True, "minimumFileSize": 0} if reserve else None)


def test_managed_waf_runs_both_rulesets_at_the_configured_paranoia(registry: Registry,
                                                                  stack: str) -> None:
    expected = EXPECTED[stack]
    rules = ruleset(registry, "http_request_firewall_managed")
    # Cloudflare's documented ids of its Managed Ruleset and of the OWASP Core Ruleset.
    assert [r["actionParameters"]["id"] for r in rules] == [
        "efb7b8c949ac4650a09736fc376e9aee", "4814384a9e5d4991b9815dcfc25d2f1f"]
    overrides = rules[1]["actionParameters"]["overrides"]
    disabled = {c["category"] for c in overrides["categories"] if c["enabled"] is False}
    assert disabled == expected.disabled_paranoia_levels
    (score,) = overrides["rules"]
    assert score == {"id": "6179ae15870a4bb7b2d480d4843b323c", "action": expected.waf_action,
                     "scoreThreshold": expected.owasp_score_threshold}


def test_custom_rules_block_probe_paths_and_odd_methods(registry: Registry) -> None:
    rules = ruleset(registry, "http_request_firewall_custom")
    assert {r["action"] for r in rules} == {"block"}
    text = " ".join(r["expression"] for r in rules)
    assert "/.env" in text
    assert "wp-login.php" in text
    assert text.count("not http.request.method in") == 1


def test_rate_limits_come_from_config(registry: Registry, stack: str) -> None:
    expected = EXPECTED[stack]
    rules = {r["ref"]: r for r in ruleset(registry, "http_ratelimit")}
    assert list(rules) == ["ratelimit_login", "ratelimit_api_writes"]  # login first
    login, writes = rules["ratelimit_login"]["ratelimit"], rules["ratelimit_api_writes"][
        "ratelimit"]
    assert login["requestsPerPeriod"] == expected.login_rate_limit
    assert writes["requestsPerPeriod"] == expected.write_rate_limit
    for limit in (login, writes):
        # Both stacks count per minute and block for ten (prod sets it, dev's default).
        assert limit["period"] == 60
        assert limit["mitigationTimeout"] == 600
        assert limit["characteristics"] == ["ip.src", "cf.colo.id"]


# --- CloudFront ---------------------------------------------------------------------------

def test_distribution_is_http3_tls12_https_only_with_config_price_class(
        registry: Registry, stack: str) -> None:
    dist = distribution(registry)
    assert dist.region == "us-east-1"
    assert dist.inputs["httpVersion"] == "http2and3"
    assert dist.inputs["priceClass"] == EXPECTED[stack].price_class
    assert dist.inputs["viewerCertificate"]["minimumProtocolVersion"] == "TLSv1.2_2021"
    assert dist.inputs["viewerCertificate"]["sslSupportMethod"] == "sni-only"
    assert dist.inputs["aliases"] == list(EXPECTED[stack].hostnames)
    assert {b["viewerProtocolPolicy"] for b in behaviors(dist).values()} == {"https-only"}


def test_waf_is_attached_exactly_when_config_requires_it(registry: Registry, stack: str
                                                         ) -> None:
    required = EXPECTED[stack].aws_waf
    acls = [a for a in registry.by_type("aws:wafv2/webAcl:WebAcl")
            if a.inputs["scope"] == "CLOUDFRONT"]
    dist = distribution(registry)
    assert dist.inputs["tags"]["waf-required"] == str(required).lower()
    if not required:
        assert acls == []
        assert not dist.inputs.get("webAclId")
        return
    (acl,) = acls
    assert acl.region == "us-east-1"
    assert acl.inputs["scope"] == "CLOUDFRONT"
    assert dist.inputs["webAclId"] == acl.outputs["arn"]
    assert [(r["priority"], r["name"]) for r in acl.inputs["rules"]] == [
        (0, "BlockedIps"),
        (10, "AWSManagedRulesAmazonIpReputationList"), (20, "AWSManagedRulesCommonRuleSet"),
        (30, "AWSManagedRulesKnownBadInputsRuleSet"), (40, "RateLimitPerIp")]
    (blocked,) = registry.by_type("aws:wafv2/ipSet:IpSet")
    assert (blocked.region, blocked.inputs["scope"], blocked.inputs["ipAddressVersion"]) == (
        "us-east-1", "CLOUDFRONT", "IPV4")
    assert acl.inputs["rules"][0]["statement"] == {
        "ipSetReferenceStatement": {"arn": blocked.outputs["arn"]}}
    rate = acl.inputs["rules"][-1]["statement"]["rateBasedStatement"]
    assert rate["limit"] == 2000
    (logging,) = [c for c in registry.by_type(
        "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
        if c.inputs["resourceArn"] == acl.outputs["arn"]]
    (group,) = [g for g in registry.by_type("aws:cloudwatch/logGroup:LogGroup")
                if g.inputs["name"].startswith("aws-waf-logs-") and g.name.startswith(
                    logging.name.removesuffix("-logging"))]
    assert logging.inputs["logDestinationConfigs"] == [group.outputs["arn"]]
    assert group.region == "us-east-1"
    assert group.inputs["kmsKeyId"]
    redacted = {f["singleHeader"]["name"] for f in logging.inputs["redactedFields"]}
    assert redacted == {"authorization", "cookie"}


def test_s3_origins_go_through_oac_and_buckets_trust_only_this_distribution(
        registry: Registry) -> None:
    dist = distribution(registry)
    (oac,) = registry.by_type("aws:cloudfront/originAccessControl:OriginAccessControl")
    assert oac.inputs["signingBehavior"] == "always"
    assert oac.inputs["signingProtocol"] == "sigv4"
    s3 = [o for o in dist.inputs["origins"] if "customOriginConfig" not in o]
    assert {o["originId"] for o in s3} == {"assets", "media"}
    assert {o["originAccessControlId"] for o in s3} == {oac.outputs["id"]}
    for key in ("assets", "media"):
        bucket = registry.named("aws:s3/bucket:Bucket", f"marketplace-{_stack(registry)}-edge-"
                                f"{key}-bucket")
        assert bucket.outputs["bucketRegionalDomainName"] in {o["domainName"] for o in s3}
        policy = policy_document(registry.named(
            "aws:s3/bucketPolicy:BucketPolicy",
            f"marketplace-{_stack(registry)}-edge-{key}-policy").inputs["policy"])
        (oac_read,) = [s for s in policy["Statement"] if s["Sid"] == "CloudFrontReadsThroughOac"]
        assert oac_read["Condition"]["StringEquals"]["AWS:SourceArn"] == dist.outputs["arn"]
        assert oac_read["Resource"] == f"{bucket.outputs['arn']}/*"


def _stack(registry: Registry) -> str:
    return "prod" if registry is stack_registry("prod") else "dev"


def test_behaviours_use_the_policy_tables_and_the_viewer_function(registry: Registry) -> None:
    dist = distribution(registry)
    by_path = behaviors(dist)
    # The stack wires the backend's stage as the /api/* origin.
    target = by_path["/api/*"]["targetOriginId"]
    (api,) = [o for o in dist.inputs["origins"] if o["originId"] == target]
    assert api["domainName"] == registry.exports["apiOriginDomain"]
    assert api["originPath"] == "/v1"
    policies = {r.outputs["id"]: r.inputs for r in
                registry.by_type("aws:cloudfront/cachePolicy:CachePolicy")}
    static = policies[by_path["/assets/*"]["cachePolicyId"]]
    assert (static["minTtl"], static["defaultTtl"], static["maxTtl"]) == (0, 86400, YEAR)
    keys = static["parametersInCacheKeyAndForwardedToOrigin"]
    assert keys["enableAcceptEncodingGzip"]
    assert keys["enableAcceptEncodingBrotli"]
    media = policies[by_path["/media/*"]["cachePolicyId"]]
    assert media["parametersInCacheKeyAndForwardedToOrigin"]["headersConfig"]["headers"][
        "items"] == ["Accept"]
    (function,) = [f for f in registry.by_type("aws:cloudfront/function:Function")
                   if f.name.endswith("-viewer-request")]
    assert function.inputs["runtime"] == "cloudfront-js-2.0"
    assert function.inputs["code"] == Path("functions/edge/viewer_request.js").read_text()
    with_function = {path for path, b in by_path.items()
                     if any(a["eventType"] == "viewer-request"
                            and a["functionArn"] == function.outputs["arn"]
                            for a in b.get("functionAssociations", []))}
    assert with_function == {None, "/media/*"}


def test_security_headers_on_every_behaviour(registry: Registry) -> None:
    (policy,) = registry.by_type("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")
    headers = policy.inputs["securityHeadersConfig"]
    hsts = headers["strictTransportSecurity"]
    assert hsts == {"accessControlMaxAgeSec": 2 * YEAR, "includeSubdomains": True,
                    "preload": True, "override": True}
    assert "frame-ancestors 'none'" in headers["contentSecurityPolicy"]["contentSecurityPolicy"]
    assert headers["frameOptions"]["frameOption"] == "DENY"
    assert headers["referrerPolicy"]["referrerPolicy"] == "strict-origin-when-cross-origin"
    assert "contentTypeOptions" in headers
    ids = {b["responseHeadersPolicyId"] for b in behaviors(distribution(registry)).values()}
    assert ids == {policy.outputs["id"]}


def test_api_origin_adds_the_api_behaviour_with_origin_shield() -> None:
    registry, _edge = built("prod", True)
    dist = distribution(registry)
    (api,) = [o for o in dist.inputs["origins"] if o["originId"] == "api"]
    assert api["domainName"] == API_DOMAIN
    assert api["originPath"] == "/v1"
    assert api["customOriginConfig"]["originProtocolPolicy"] == "https-only"
    assert api["customOriginConfig"]["originSslProtocols"] == ["TLSv1.2"]
    assert api["originShield"] == {"enabled": True, "originShieldRegion": "us-east-1"}
    behavior = behaviors(dist)["/api/*"]
    assert behavior["targetOriginId"] == "api"
    functions = {f.outputs["arn"]: f.inputs for f in
                 registry.by_type("aws:cloudfront/function:Function")}
    (association,) = behavior["functionAssociations"]
    assert functions[association["functionArn"]]["code"] == Path(
        "functions/edge/api_request.js").read_text()
    assert set(behavior["allowedMethods"]) >= {"GET", "POST", "PUT", "PATCH", "DELETE"}
    policies = {r.outputs["id"]: r.inputs for r in
                registry.by_type("aws:cloudfront/cachePolicy:CachePolicy")}
    key = policies[behavior["cachePolicyId"]]["parametersInCacheKeyAndForwardedToOrigin"]
    assert key["queryStringsConfig"]["queryStrings"]["items"] == ["q", "category", "limit",
                                                                 "cursor"]
    assert key["headersConfig"]["headers"]["items"] == ["Authorization", "Accept-Language"]
    assert key["cookiesConfig"] == {"cookieBehavior": "whitelist",
                                    "cookies": {"items": ["session"]}}
    requests = {r.outputs["id"]: r.inputs for r in
                registry.by_type("aws:cloudfront/originRequestPolicy:OriginRequestPolicy")}
    forwarded = requests[behavior["originRequestPolicyId"]]["headersConfig"]["headers"]["items"]
    assert "Host" not in forwarded  # API Gateway routes on its own host name


def test_monitoring_subscription_and_monitored_items() -> None:
    registry, edge = built("dev", False)
    dist = distribution(registry)
    (subscription,) = registry.by_type(
        "aws:cloudfront/monitoringSubscription:MonitoringSubscription")
    assert subscription.inputs["distributionId"] == dist.outputs["id"]
    assert subscription.inputs["monitoringSubscription"]["realtimeMetricsSubscriptionConfig"][
        "realtimeMetricsSubscriptionStatus"] == "Enabled"
    kinds = [i.kind for i in edge.monitored_items]
    assert {Kind.CLOUDFRONT, Kind.LAMBDA, Kind.SQS_QUEUE, Kind.EVENTBRIDGE_RULE} <= set(kinds)
    (item,) = [i for i in edge.monitored_items if i.kind is Kind.CLOUDFRONT]
    assert item.region == "us-east-1"
    assert item.dimensions["Region"] == "Global"
    assert set(item.dimensions) == {"DistributionId", "Region"}
    # the purger's failure queue and dead-letter queue are both watched
    assert kinds.count(Kind.SQS_QUEUE) == 2


def test_realtime_logs_follow_config(registry: Registry, stack: str) -> None:
    # Neither stack file turns real-time logs on (the default is off).
    assert EXPECTED[stack].realtime_logs is False
    configs = registry.by_type("aws:cloudfront/realtimeLogConfig:RealtimeLogConfig")
    arns = {b.get("realtimeLogConfigArn") for b in behaviors(distribution(registry)).values()}
    assert configs == []
    assert arns == {None}
    assert [s for s in registry.by_type("aws:kinesis/stream:Stream")
            if s.inputs["name"].endswith("cdn-realtime-logs")] == []


def test_standard_logs_v2_deliver_to_the_kms_log_bucket(registry: Registry, stack: str) -> None:
    dist = distribution(registry)
    (source,) = registry.by_type("aws:cloudwatch/logDeliverySource:LogDeliverySource")
    assert source.inputs == {**source.inputs, "logType": "ACCESS_LOGS",
                             "resourceArn": dist.outputs["arn"]}
    (destination,) = registry.by_type(
        "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination")
    (delivery,) = registry.by_type("aws:cloudwatch/logDelivery:LogDelivery")
    assert {source.region, destination.region, delivery.region} == {"us-east-1"}
    assert delivery.inputs["deliverySourceName"] == source.inputs["name"]
    assert delivery.inputs["deliveryDestinationArn"] == destination.outputs["arn"]
    bucket = registry.named("aws:s3/bucket:Bucket", f"marketplace-{stack}-edge-access-logs-"
                            "bucket-bucket")
    target = destination.inputs["deliveryDestinationConfiguration"]["destinationResourceArn"]
    assert target.startswith(bucket.outputs["arn"] + "/")
    assert "loggingConfig" not in dist.inputs  # no legacy (ACL-based) logging
    policy = policy_document(registry.named(
        "aws:s3/bucketPolicy:BucketPolicy",
        f"marketplace-{stack}-edge-access-logs-bucket-policy").inputs["policy"])
    (write,) = [s for s in policy["Statement"] if s["Sid"] == "LogDeliveryWrites"]
    assert write["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert write["Condition"]["ArnLike"]["aws:SourceArn"].endswith(":delivery-source:*")
    sse = registry.named("aws:s3/bucketServerSideEncryptionConfiguration:"
                         "BucketServerSideEncryptionConfiguration",
                         f"marketplace-{stack}-edge-access-logs-bucket-encryption")
    assert sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == (
        "aws:kms")


def test_without_waf_or_image_function_the_us_east_1_key_grants_no_logs() -> None:
    registry = run_program("dev", **{"aws:region": "eu-west-1",
                                     "marketplace:edgeImageVariants": "false"})
    keys = {k.region: k for k in registry.by_type("aws:kms/key:Key")}
    assert "delivery.logs.amazonaws.com" in keys["us-east-1"].inputs["policy"]
    assert "logs.us-east-1.amazonaws.com" not in keys["us-east-1"].inputs["policy"]


def test_outside_us_east_1_edge_logs_use_the_core_key_there() -> None:
    registry = run_program("dev", **DEV_EU_ENTERPRISE)  # edgeImageVariants, eu-west-1
    keys = {k.region: k for k in registry.by_type("aws:kms/key:Key")}
    assert set(keys) == {"eu-west-1", "us-east-1"}
    edge_key = keys["us-east-1"]
    assert edge_key.inputs["enableKeyRotation"] is True
    # Dev has no edge WAF, but the image function's log group lives there: the key grants
    # log delivery (the access-log bucket) and CloudWatch Logs.
    assert "delivery.logs.amazonaws.com" in edge_key.inputs["policy"]
    assert "logs.us-east-1.amazonaws.com" in edge_key.inputs["policy"]
    sse = registry.named("aws:s3/bucketServerSideEncryptionConfiguration:"
                         "BucketServerSideEncryptionConfiguration",
                         "marketplace-dev-edge-access-logs-bucket-encryption")
    assert sse.region == "us-east-1"
    assert sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"][
        "kmsMasterKeyId"] == edge_key.outputs["arn"]
    assets = registry.named("aws:s3/bucket:Bucket", "marketplace-dev-edge-assets-bucket")
    assert assets.region == "eu-west-1"
    # Each of the two keys grants what is used in its region, and nothing more.
    assert evaluate_plan(plan(registry), only=("kms-key-grants-service-uses",
                                               "kms-key-no-unneeded-service-grants")) == []


# --- cache purging ------------------------------------------------------------------------

def test_purge_rule_targets_the_function_with_retries_and_a_dead_letter_queue(
        registry: Registry, stack: str) -> None:
    (rule,) = [r for r in registry.by_type("aws:cloudwatch/eventRule:EventRule")
               if r.inputs["name"].endswith("cache-purge")]
    pattern = json.loads(rule.inputs["eventPattern"])
    assert pattern == {"source": ["marketplace.listings"],
                       "detail-type": ["ListingUpdated", "ListingDeleted"]}
    (target,) = [t for t in registry.by_type("aws:cloudwatch/eventTarget:EventTarget")
                 if t.inputs["rule"] == rule.outputs["name"]]
    alias = registry.named("aws:lambda/alias:Alias", f"marketplace-{stack}-cache-purger-live")
    assert target.inputs["arn"] == alias.outputs["arn"]
    assert target.inputs["retryPolicy"]["maximumRetryAttempts"] > 0
    dlq = registry.named("aws:sqs/queue:Queue", f"marketplace-{stack}-edge-purger-dead-letters-"
                         "queue")
    assert target.inputs["deadLetterConfig"]["arn"] == dlq.outputs["arn"]
    (permission,) = [p for p in registry.by_type("aws:lambda/permission:Permission")
                     if p.inputs.get("sourceArn") == rule.outputs["arn"]]
    assert permission.inputs["qualifier"] == "live"


def test_purge_function_reads_the_token_from_secrets_manager_only(registry: Registry,
                                                                  stack: str) -> None:
    fn = registry.named("aws:lambda/function:Function", f"marketplace-{stack}-cache-purger-"
                        "function")
    env = fn.inputs["environment"]["variables"]
    (purger,) = registry.by_type("marketplace:edge:CachePurger")
    within = {r.urn for r in registry.descendants(purger)}
    (secret,) = [s for s in registry.by_type("aws:secretsmanager/secret:Secret")
                 if s.urn in within]
    assert env["CLOUDFLARE_TOKEN_SECRET_ARN"] == secret.outputs["arn"]
    assert secret.inputs["kmsKeyId"].startswith("arn:aws:kms:")
    assert not any("token" in k.lower() and k != "CLOUDFLARE_TOKEN_SECRET_ARN" for k in env)
    assert "[secret]" not in json.dumps(env)  # the token value never reaches the environment
    assert env["PURGE_BATCH_SIZE"] == "100"  # the Reader's default; neither stack sets it
    assert env["SITE_HOSTS"] == ",".join(EXPECTED[stack].hostnames)
    assert env["CLOUDFLARE_ZONE_ID"] == {"dev": "0123456789abcdef0123456789abcdef",
                                         "prod": "fedcba9876543210fedcba9876543210"}[stack]
    assert env["DISTRIBUTION_ID"] == distribution(registry).outputs["id"]
    policy = policy_document(registry.named(
        "aws:iam/rolePolicy:RolePolicy", f"marketplace-{stack}-cache-purger-policy"
    ).inputs["policy"])
    grants = {s["Sid"]: s for s in policy["Statement"]}
    assert grants["ReadPurgeToken"]["Resource"] == secret.outputs["arn"]
    assert grants["InvalidateDistribution"]["Resource"] == distribution(registry).outputs["arn"]


# --- config -------------------------------------------------------------------------------

@pytest.mark.parametrize(("overrides", "keys"), [
    ({"cloudflareWebp": True, "cloudflarePolish": "off"}, ["marketplace:cloudflareWebp"]),
    ({"cloudflareZoneId": None, "cloudflareApiToken": None},
     ["marketplace:cloudflareApiToken", "marketplace:cloudflareZoneId"]),
    ({"cloudflareZoneId": "not-a-zone", "cloudflareWafParanoiaLevel": 5,
      "edgePriceClass": "PriceClass_300", "edgeOriginShieldRegion": "eu-south-1"},
     ["marketplace:cloudflareZoneId", "marketplace:cloudflareWafParanoiaLevel",
      "marketplace:edgePriceClass", "marketplace:edgeOriginShieldRegion"]),
])
def test_bad_edge_config_names_every_bad_key(overrides: dict, keys: list[str]) -> None:
    with pytest.raises(ConfigError) as error:
        build(config_of("dev", **overrides), ["marketplace:cloudflareApiToken"],
              project="marketplace", stack="dev")
    assert sorted(error.value.keys) == sorted(keys)


# --- real-time logs (off in both stacks: one small Cdn-only run) -----------------------------

def test_realtime_logs_when_on_stream_to_kinesis_with_a_scoped_role() -> None:
    holder: dict[str, Cdn] = {}

    def program() -> None:
        config = load()
        provider = aws.Provider("us-east-1", region="us-east-1")
        context = StackContext(
            platform=config.platform, lambdas=config.lambdas, account_id="123456789012",
            kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/stack", us_east_1=provider,
            us_east_1_kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/edge")
        holder["cdn"] = Cdn("cdn", CdnArgs(
            context=context, aliases=("a.example.org",), certificate_arn="arn:cert",
            assets_domain="assets.s3", media_domain="media.s3",
            config=dataclasses.replace(config.edge, realtime_logs=True, realtime_log_shards=2,
                                       realtime_log_sampling_percent=25),
            content_security_policy="default-src 'self'"))

    registry = run_program("dev", program)
    stream = registry.named("aws:kinesis/stream:Stream", "cdn-realtime-logs")
    assert stream.region == "us-east-1"
    assert {k: stream.inputs[k] for k in ("name", "shardCount", "retentionPeriod",
                                          "encryptionType", "kmsKeyId")} == {
        "name": "marketplace-dev-cdn-realtime-logs", "shardCount": 2, "retentionPeriod": 24,
        "encryptionType": "KMS", "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/edge"}
    log_config = registry.named("aws:cloudfront/realtimeLogConfig:RealtimeLogConfig",
                                "cdn-realtime-log-config")
    assert log_config.inputs["name"] == "marketplace-dev-realtime"
    assert log_config.inputs["samplingRate"] == 25
    assert len(log_config.inputs["fields"]) == 19
    role = registry.named("aws:iam/role:Role", "cdn-realtime-logs-role")
    assert log_config.inputs["endpoint"] == {"streamType": "Kinesis", "kinesisStreamConfig": {
        "roleArn": role.outputs["arn"], "streamArn": stream.outputs["arn"]}}
    grants = {s["Sid"]: s for s in policy_document(registry.named(
        "aws:iam/rolePolicy:RolePolicy", "cdn-realtime-logs-policy").inputs["policy"]
    )["Statement"]}
    assert grants["PutRealtimeLogs"]["Resource"] == stream.outputs["arn"]
    assert grants["EncryptRealtimeLogs"] == {
        "Sid": "EncryptRealtimeLogs", "Effect": "Allow", "Action": ["kms:GenerateDataKey"],
        "Resource": "arn:aws:kms:us-east-1:123456789012:key/edge"}
    arns = {b.get("realtimeLogConfigArn") for b in behaviors(distribution(registry)).values()}
    assert arns == {log_config.outputs["arn"]}
    (item,) = [i for i in holder["cdn"].monitored_items if i.kind is Kind.KINESIS_STREAM]
    assert (item.region, item.attributes) == ("us-east-1", {"shard_count": 2})
