"""Combinations of resources or arguments that AWS refuses, as one table read by one stack rule.

Each row of :data:`REFUSALS` is one documented refusal: a short statement, the documentation
page it comes from, and a check over the plan that names each resource breaking it. The mocks
accept all of these; AWS fails the create call (or, for Firehose, the encryption never starts).
Links between resources are read from the plan's property dependencies, so the checks work on
a preview, where the ARNs of resources still to be created are unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ..plan import Plan, PlanResource
from . import stack_rule

US_EAST_1 = "us-east-1"
Finding = tuple[str, str]


@dataclass(frozen=True)
class Refusal:
    """One combination AWS refuses: what, where it is documented, and how to find it."""

    name: str
    statement: str
    source: str
    check: Callable[[Plan], Iterable[Finding]]


def _linked(plan: Plan, resource: PlanResource, key: str, *types: str) -> list[PlanResource]:
    """What ``resource`` reads through input ``key``, of one of ``types``."""
    return [d for d in plan.depends_on(resource, key) if d.type in types]


def _discoverer_on_cmk_bus(plan: Plan) -> Iterator[Finding]:
    for discoverer in plan.of_type("aws:schemas/discoverer:Discoverer"):
        for bus in _linked(plan, discoverer, "sourceArn", "aws:cloudwatch/eventBus:EventBus"):
            if bus.props.get("kmsKeyIdentifier"):
                yield discoverer.name, (f"discovers schemas on bus {bus.name}, which is "
                                        "encrypted with a customer managed key")


def _cloudfront_acl_outside_us_east_1(plan: Plan) -> Iterator[Finding]:
    for acl in plan.of_type("aws:wafv2/webAcl:WebAcl"):
        if acl.props.get("scope") == "CLOUDFRONT" and acl.region not in ("", US_EAST_1):
            yield acl.name, f"is a CLOUDFRONT-scoped web ACL created in {acl.region}"


def _cloudfront_acl_associated(plan: Plan) -> Iterator[Finding]:
    for association in plan.of_type("aws:wafv2/webAclAssociation:WebAclAssociation"):
        for acl in _linked(plan, association, "webAclArn", "aws:wafv2/webAcl:WebAcl"):
            if acl.props.get("scope") == "CLOUDFRONT":
                yield association.name, (f"associates the CLOUDFRONT-scoped web ACL {acl.name} "
                                         "with a regional resource")


def _regional_acl_on_distribution(plan: Plan) -> Iterator[Finding]:
    for distribution in plan.of_type("aws:cloudfront/distribution:Distribution"):
        for acl in _linked(plan, distribution, "webAclId", "aws:wafv2/webAcl:WebAcl"):
            if acl.props.get("scope") != "CLOUDFRONT":
                yield distribution.name, (f"uses web ACL {acl.name} of scope "
                                          f"{acl.props.get('scope')!r}, not CLOUDFRONT")


def _distribution_certificate_outside_us_east_1(plan: Plan) -> Iterator[Finding]:
    acm = ("aws:acm/certificate:Certificate",
           "aws:acm/certificateValidation:CertificateValidation")
    for distribution in plan.of_type("aws:cloudfront/distribution:Distribution"):
        for cert in _linked(plan, distribution, "viewerCertificate", *acm):
            if cert.region not in ("", US_EAST_1):
                yield distribution.name, (f"serves certificate {cert.name} from "
                                          f"{cert.region}")


def _firehose_sse_with_kinesis_source(plan: Plan) -> Iterator[Finding]:
    for stream in plan.of_type("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"):
        if (stream.props.get("kinesisSourceConfiguration")
                and stream.prop("serverSideEncryption", "enabled") is True):
            yield stream.name, "enables server-side encryption with a Kinesis stream as source"


def _count(value: object) -> int | None:
    """A whole number input (the engine sends numbers as floats), or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _provisioned_above_reserved(plan: Plan) -> Iterator[Finding]:
    provisioned: dict[str, int] = {}
    for config in plan.of_type("aws:lambda/provisionedConcurrencyConfig:"
                               "ProvisionedConcurrencyConfig"):
        for function in _linked(plan, config, "functionName", "aws:lambda/function:Function"):
            count = _count(config.props.get("provisionedConcurrentExecutions"))
            if count is not None:
                provisioned[function.urn] = provisioned.get(function.urn, 0) + count
    for function in plan.of_type("aws:lambda/function:Function"):
        reserved = _count(function.props.get("reservedConcurrentExecutions"))
        wanted = provisioned.get(function.urn, 0)
        # -1 (or absent) is "unreserved"; 0 and up is a reservation.
        if reserved is not None and reserved >= 0 and wanted > reserved:
            yield function.name, (f"has {wanted} provisioned concurrency but only {reserved} "
                                  "reserved")


def _subscription_before_hub(plan: Plan) -> Iterator[Finding]:
    hubs = {hub.region: hub.urn for hub in plan.of_type("aws:securityhub/account:Account")}
    for subscription in plan.of_type(
            "aws:securityhub/standardsSubscription:StandardsSubscription"):
        # A plan without the hub relies on one another stack enabled: nothing to order.
        hub = hubs.get(subscription.region)
        if hub is not None and hub not in subscription.dependencies:
            yield subscription.name, ("subscribes to a standard without depending on the "
                                      "plan's Security Hub account, so it may be created first")


REFUSALS: tuple[Refusal, ...] = (
    Refusal("schema-discoverer-on-cmk-bus",
            "Schema discovery is not supported for event buses encrypted using a customer "
            "managed key (CreateDiscoverer returns an error)",
            "https://docs.aws.amazon.com/eventbridge/latest/userguide/"
            "eb-encryption-event-bus-cmkey.html",
            _discoverer_on_cmk_bus),
    Refusal("cloudfront-web-acl-region",
            "A web ACL of scope CLOUDFRONT must be created in US East (N. Virginia)",
            "https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html",
            _cloudfront_acl_outside_us_east_1),
    Refusal("cloudfront-web-acl-association",
            "AssociateWebACL is for regional resources; a CloudFront distribution takes its "
            "web ACL in its own configuration",
            "https://docs.aws.amazon.com/waf/latest/APIReference/API_AssociateWebACL.html",
            _cloudfront_acl_associated),
    Refusal("distribution-web-acl-scope",
            "A CloudFront distribution's WebACLId must be a web ACL of scope CLOUDFRONT",
            "https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html",
            _regional_acl_on_distribution),
    Refusal("distribution-certificate-region",
            "CloudFront uses ACM certificates requested or imported in US East (N. Virginia)",
            "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/"
            "cnames-and-https-requirements.html",
            _distribution_certificate_outside_us_east_1),
    Refusal("firehose-sse-with-kinesis-source",
            "Server-side encryption should not be enabled when a Kinesis stream is the "
            "source of the Firehose stream (the stream's own encryption applies)",
            "https://www.pulumi.com/registry/packages/aws/api-docs/kinesis/"
            "firehosedeliverystream/",
            _firehose_sse_with_kinesis_source),
    Refusal("provisioned-above-reserved-concurrency",
            "You can't allocate more provisioned concurrency than reserved concurrency for a "
            "function",
            "https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html",
            _provisioned_above_reserved),
    Refusal("securityhub-subscription-before-hub",
            "BatchEnableStandards fails (InvalidAccessException: the account is not subscribed "
            "to Security Hub) until EnableSecurityHub has run; the provider's example orders "
            "the subscription after the hub with depends_on",
            "https://docs.aws.amazon.com/securityhub/1.0/APIReference/"
            "API_BatchEnableStandards.html",
            _subscription_before_hub),
)


@stack_rule("refused-combinations", "No combination of resources that AWS refuses")
def refused_combinations(plan: Plan) -> Iterator[Finding]:
    """Every row of :data:`REFUSALS`, each from its own page:

    - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-encryption-event-bus-cmkey.html
    - https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html
    - https://docs.aws.amazon.com/waf/latest/APIReference/API_AssociateWebACL.html
    - https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html
    - https://www.pulumi.com/registry/packages/aws/api-docs/kinesis/firehosedeliverystream/
    - https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html
    - https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchEnableStandards.html
      and https://www.pulumi.com/registry/packages/aws/api-docs/securityhub/standardssubscription/
    """
    for refusal in REFUSALS:
        for resource, detail in refusal.check(plan):
            yield resource, (f"{detail}: AWS refuses this ({refusal.name}: "
                             f"{refusal.statement}; {refusal.source})")
