"""The site's CSP is the base policy plus exactly the hosts of the features turned on."""

from __future__ import annotations

from components.edge.csp import SiteFeatures, content_security_policy
from tests.helpers import stack_registry

TAIL = ("frame-ancestors 'none'; base-uri 'self'; object-src 'none'; form-action 'self'; "
        "upgrade-insecure-requests")


def test_no_features_allow_only_the_own_origin() -> None:
    assert content_security_policy(SiteFeatures(region="eu-west-1")) == (
        "default-src 'self'; script-src 'self'; img-src 'self' data: https:; "
        f"connect-src 'self'; {TAIL}")


def test_rum_sign_in_and_api_open_their_hosts_in_the_stack_region() -> None:
    features = SiteFeatures(region="eu-west-1", api_hosts=("api.example.com",), rum=True,
                            user_pool=True)
    assert content_security_policy(features) == (
        "default-src 'self'; script-src 'self' https://client.rum.us-east-1.amazonaws.com; "
        "img-src 'self' data: https:; connect-src 'self' "
        "https://dataplane.rum.eu-west-1.amazonaws.com "
        "https://cognito-identity.eu-west-1.amazonaws.com "
        "https://cognito-idp.eu-west-1.amazonaws.com https://api.example.com; " + TAIL)


def test_sts_only_for_the_basic_flow_and_only_with_rum() -> None:
    sts = "https://sts.eu-west-1.amazonaws.com"
    assert sts in content_security_policy(
        SiteFeatures(region="eu-west-1", rum=True, rum_classic_flow=True))
    assert sts not in content_security_policy(SiteFeatures(region="eu-west-1", rum=True))
    assert sts not in content_security_policy(
        SiteFeatures(region="eu-west-1", rum_classic_flow=True))


def test_the_stack_sends_the_generated_policy() -> None:
    registry = stack_registry("prod")
    (policy,) = registry.by_type("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")
    csp = policy.inputs["securityHeadersConfig"]["contentSecurityPolicy"]
    assert csp["override"] is True
    assert csp["contentSecurityPolicy"] == (
        "default-src 'self'; script-src 'self' https://client.rum.us-east-1.amazonaws.com; "
        "img-src 'self' data: https:; connect-src 'self' "
        "https://dataplane.rum.us-east-1.amazonaws.com "
        "https://cognito-identity.us-east-1.amazonaws.com "
        "https://cognito-idp.us-east-1.amazonaws.com https://api.marketplace.example.com; "
        + TAIL)
