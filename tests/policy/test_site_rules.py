"""csp-allows-site-features and rum-covers-site-hosts: small sites, good and bad."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws
import pytest

from policy.rules import evaluate_plan
from policy.rules.site import allows, parse_csp
from tests.helpers import plan, run_program

CSP_RULE = "csp-allows-site-features"
RUM_RULE = "rum-covers-site-hosts"
PAGES = ("example.com", "www.example.com")
ALIASES = (*PAGES, "api.example.com")
# The policy the stack wrote by hand before: own origin and the API host only.
HAND_WRITTEN = ("default-src 'self'; img-src 'self' data: https:; "
                "connect-src 'self' https://api.example.com; frame-ancestors 'none'")
# What a site with RUM (enhanced flow) and SRP sign-in in eu-west-1 needs.
COMPLETE = ("default-src 'self'; script-src 'self' https://client.rum.us-east-1.amazonaws.com; "
            "connect-src 'self' https://dataplane.rum.eu-west-1.amazonaws.com "
            "https://cognito-identity.eu-west-1.amazonaws.com "
            "https://cognito-idp.eu-west-1.amazonaws.com https://api.example.com")


def site(csp: str | None, *, rum: bool = True, classic: bool = False, sign_in: bool = False,
         domain: str | None = None, domains: Sequence[str] | None = PAGES,
         aliases: Sequence[str] = ALIASES) -> list[tuple[str, str, str]]:
    """A distribution with one headers policy, RUM and sign-in in eu-west-1; the findings."""

    def program() -> None:
        region = pulumi.ResourceOptions(provider=aws.Provider("eu", region="eu-west-1"))
        headers = aws.cloudfront.ResponseHeadersPolicy(
            "headers", name="headers",
            security_headers_config={"content_security_policy": {
                "content_security_policy": csp, "override": True}} if csp else None)
        aws.cloudfront.Distribution(
            "site", enabled=True, aliases=list(aliases),
            origins=[{"domain_name": "b.s3.eu-west-1.amazonaws.com", "origin_id": "s3"}],
            default_cache_behavior={
                "allowed_methods": ["GET", "HEAD"], "cached_methods": ["GET", "HEAD"],
                "target_origin_id": "s3", "viewer_protocol_policy": "redirect-to-https",
                "response_headers_policy_id": headers.id},
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            viewer_certificate={"cloudfront_default_certificate": True})
        if rum:
            pool = aws.cognito.IdentityPool("rum", identity_pool_name="rum",
                                            allow_unauthenticated_identities=True,
                                            allow_classic_flow=classic, opts=region)
            aws.rum.AppMonitor(
                "web", name="web", domain=domain,
                domain_lists=list(domains) if domains is not None else None,
                app_monitor_configuration={"identity_pool_id": pool.id}, opts=region)
        if sign_in:
            users = aws.cognito.UserPool("users", name="users", opts=region)
            aws.cognito.UserPoolClient(
                "web", name="web", user_pool_id=users.id, generate_secret=False,
                explicit_auth_flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                opts=region)

    return evaluate_plan(plan(run_program("dev", program)), only=(CSP_RULE, RUM_RULE))


def blocked(findings: list[tuple[str, str, str]]) -> set[tuple[str, str]]:
    """(directive, URL) of every CSP finding."""
    out = set()
    for rule, _resource, message in findings:
        assert rule == CSP_RULE, message
        found = re.search(r"blocks (\S+) in (\S+),", message)
        assert found, message
        out.add((found[2], found[1]))
    return out


def test_the_hand_written_policy_blocks_rum_and_sign_in() -> None:
    findings = site(HAND_WRITTEN, sign_in=True)
    assert {resource for _, resource, _ in findings} == {"headers"}
    assert blocked(findings) == {
        ("script-src", "https://client.rum.us-east-1.amazonaws.com"),
        ("connect-src", "https://dataplane.rum.eu-west-1.amazonaws.com"),
        ("connect-src", "https://cognito-identity.eu-west-1.amazonaws.com"),
        ("connect-src", "https://cognito-idp.eu-west-1.amazonaws.com"),
    }
    assert "AppMonitor web needs" in findings[0][2]


def test_a_complete_policy_passes() -> None:
    assert site(COMPLETE, sign_in=True) == []


def test_the_basic_flow_also_needs_sts() -> None:
    assert blocked(site(COMPLETE, classic=True)) == {
        ("connect-src", "https://sts.eu-west-1.amazonaws.com")}


def test_hosts_in_another_region_do_not_count() -> None:
    other = COMPLETE.replace("eu-west-1", "us-east-1")
    assert blocked(site(other, sign_in=True)) == {
        ("connect-src", "https://dataplane.rum.eu-west-1.amazonaws.com"),
        ("connect-src", "https://cognito-identity.eu-west-1.amazonaws.com"),
        ("connect-src", "https://cognito-idp.eu-west-1.amazonaws.com"),
    }


def test_the_api_host_must_be_reachable() -> None:
    without_api = COMPLETE.replace(" https://api.example.com", "")
    assert blocked(site(without_api)) == {("connect-src", "https://api.example.com")}


def test_no_rum_and_no_sign_in_need_only_the_api() -> None:
    assert site("default-src 'self'; connect-src 'self' https://api.example.com",
                rum=False) == []


def test_no_csp_header_blocks_nothing() -> None:
    assert site(None, sign_in=True) == []


@pytest.mark.parametrize(("csp", "directive", "url", "allowed"), [
    # default-src stands in for a missing directive; a present one replaces it.
    ("default-src 'self' https:", "connect-src", "https://sts.eu-west-1.amazonaws.com/", True),
    ("default-src *", "script-src", "https://client.rum.us-east-1.amazonaws.com/", True),
    ("default-src https:; connect-src 'self'", "connect-src", "https://x.amazonaws.com/",
     False),
    ("connect-src https://*.amazonaws.com", "connect-src",
     "https://dataplane.rum.eu-west-1.amazonaws.com/", True),
    # *.example.com is a subdomain wildcard: not the apex.
    ("connect-src https://*.example.com", "connect-src", "https://example.com/", False),
    ("connect-src http://api.example.com", "connect-src", "https://api.example.com/", True),
    ("connect-src https://api.example.com", "connect-src", "http://api.example.com/", False),
    ("connect-src api.example.com:8443", "connect-src", "https://api.example.com/", False),
    ("connect-src https://api.example.com/v1/", "connect-src", "https://api.example.com/",
     False),
    ("connect-src 'self'", "connect-src", "https://api.example.com/", False),
    ("img-src 'self'", "connect-src", "https://api.example.com/", True),
    # The first of two same-named directives wins.
    ("connect-src 'none'; connect-src *", "connect-src", "https://api.example.com/", False),
])
def test_source_matching(csp: str, directive: str, url: str, allowed: bool) -> None:
    assert allows(parse_csp(csp), directive, url) is allowed


def test_rum_must_accept_every_page_host() -> None:
    [(rule, resource, message)] = site(COMPLETE, domain="example.com", domains=None)
    assert (rule, resource) == (RUM_RULE, "web")
    assert message.startswith("www.example.com serves the site's pages but the app monitor "
                              "accepts only example.com")


def test_a_wildcard_covers_the_subdomains() -> None:
    assert site(COMPLETE, domains=("example.com", "*.example.com")) == []


def test_domain_and_domain_list_are_exclusive() -> None:
    assert site(COMPLETE, domain="example.com") == [
        (RUM_RULE, "web", "set exactly one of domain and domainList")]


def test_rum_takes_at_most_five_names() -> None:
    names = [f"s{i}.example.com" for i in range(5)]
    [(_, _, message)] = site(COMPLETE, domains=(*PAGES, *names),
                             aliases=(*PAGES, "api.example.com"))
    assert message == "domainList has 7 names; RUM takes at most 5"
