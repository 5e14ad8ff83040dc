"""Stack rules for what the site's pages need in the browser: CSP hosts and RUM host names.

The needs are read from the plan, not from the code that wrote the policy: a RUM app monitor
(its region, its identity pool and that pool's flow), a public user pool client that signs
in from the browser, the distribution's ``api.`` alias. Each row of :data:`NEEDS` names the
documentation of the host.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..plan import Plan, PlanResource, as_list
from . import stack_rule

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
HEADERS_POLICY = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
APP_MONITOR = "aws:rum/appMonitor:AppMonitor"
IDENTITY_POOL = "aws:cognito/identityPool:IdentityPool"
USER_POOL_CLIENT = "aws:cognito/userPoolClient:UserPoolClient"
BROWSER_SIGN_IN = {"ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_AUTH",
                   "ALLOW_CUSTOM_AUTH"}
RUM_CSP = ("https://github.com/aws-observability/aws-rum-web/blob/main/docs/"
           "troubleshooting.md#my-csp-blocks-the-web-client")
RUM_AUTH = "https://github.com/aws-observability/aws-rum-web/blob/main/docs/concepts/auth.md"


@dataclass(frozen=True)
class Need:
    """A URL the pages load (``script-src``) or call (``connect-src``), and who needs it."""

    directive: str
    url: str
    why: str
    source: str


# (feature, directive, URL template, source): {region} is the needing resource's region.
NEEDS: tuple[tuple[str, str, str, str], ...] = (
    ("rum", "script-src", "https://client.rum.us-east-1.amazonaws.com/", RUM_CSP),
    ("rum", "connect-src", "https://dataplane.rum.{region}.amazonaws.com/", RUM_CSP),
    ("rum-identity-pool", "connect-src", "https://cognito-identity.{region}.amazonaws.com/",
     RUM_AUTH),
    ("rum-classic-flow", "connect-src", "https://sts.{region}.amazonaws.com/", RUM_AUTH),
    ("user-pool-sign-in", "connect-src", "https://cognito-idp.{region}.amazonaws.com/",
     "https://docs.aws.amazon.com/cognito/latest/developerguide/user-pools-API-operations.html"),
)


def _needs(plan: Plan) -> list[Need]:
    """Every URL some browser feature in the plan needs."""
    found: list[tuple[str, str, PlanResource]] = []
    for monitor in plan.of_type(APP_MONITOR):
        found.append(("rum", monitor.region, monitor))
        if monitor.prop("appMonitorConfiguration", "identityPoolId"):
            found.append(("rum-identity-pool", monitor.region, monitor))
            pools = [p for p in plan.depends_on(monitor, "appMonitorConfiguration")
                     if p.type == IDENTITY_POOL]
            if any(p.props.get("allowClassicFlow") for p in pools):
                found.append(("rum-classic-flow", monitor.region, monitor))
    for client in plan.of_type(USER_POOL_CLIENT):
        flows = set(as_list(client.props.get("explicitAuthFlows")))
        if not client.props.get("generateSecret") and flows & BROWSER_SIGN_IN:
            found.append(("user-pool-sign-in", client.region, client))
    needs = []
    for feature, region, resource in found:
        if not region:
            continue  # the provider's region is not known: nothing to compare
        for name, directive, template, source in NEEDS:
            if name == feature:
                needs.append(Need(directive, template.format(region=region),
                                  f"{resource.type.rsplit(':', 1)[-1]} {resource.name}", source))
    return needs


def parse_csp(text: str) -> dict[str, list[str]]:
    """Directive name -> source list; the first of two same-named directives wins (CSP3)."""
    policy: dict[str, list[str]] = {}
    for part in text.split(";"):
        tokens = part.split()
        if tokens and tokens[0].lower() not in policy:
            policy[tokens[0].lower()] = tokens[1:]
    return policy


def _scheme_ok(scheme: str, target: str) -> bool:
    # CSP3: "http" also matches "https" (an upgrade), never the other way round.
    return scheme in (target, "") or (scheme, target) == ("http", "https")


def _host_source_matches(expression: str, url: str) -> bool:
    target = urlsplit(url)
    scheme, _, rest = expression.rpartition("://")
    host, slash, path = rest.partition("/")
    host, _, port = host.lower().partition(":")
    wanted = target.hostname or ""
    host_ok = wanted.endswith(host[1:]) if host.startswith("*.") else host == wanted
    port_ok = port in ("", "*", str(target.port or 443))
    path = slash + path
    path_ok = path in ("", "/") or path == target.path or (
        path.endswith("/") and target.path.startswith(path))
    return _scheme_ok(scheme.lower(), target.scheme) and host_ok and port_ok and path_ok


def _source_matches(expression: str, url: str) -> bool:
    """CSP3 "does url match expression" for network URLs (keywords match no foreign URL)."""
    scheme = urlsplit(url).scheme
    if expression == "*":
        return scheme in ("http", "https", "ws", "wss")
    if expression.startswith("'"):
        return False  # 'self', 'none', nonces, hashes: not a host on another origin
    if expression.endswith(":") and "/" not in expression:
        return _scheme_ok(expression[:-1].lower(), scheme)
    return _host_source_matches(expression, url)


def allows(policy: Mapping[str, list[str]], directive: str, url: str) -> bool:
    """Whether the CSP lets ``directive`` reach ``url`` (absent directive: default-src)."""
    sources = policy.get(directive, policy.get("default-src"))
    if sources is None:
        return True  # neither the directive nor default-src: nothing restricts it
    return any(_source_matches(s, url) for s in sources)


def _attached_policies(plan: Plan, distribution: PlanResource) -> list[PlanResource]:
    """The response headers policies the distribution's cache behaviours use."""
    urns: set[str] = set()
    ids: set[str] = set()
    for key in ("defaultCacheBehavior", "orderedCacheBehaviors"):
        urns |= {d.urn for d in plan.depends_on(distribution, key) if d.type == HEADERS_POLICY}
        for behaviour in as_list(distribution.props.get(key)):
            if isinstance(behaviour, Mapping) and behaviour.get("responseHeadersPolicyId"):
                ids.add(str(behaviour["responseHeadersPolicyId"]))
    return [p for p in plan.of_type(HEADERS_POLICY)
            if p.urn in urns or p.props.get("name") in ids]


def _aliases(distribution: PlanResource) -> list[str]:
    return [str(a) for a in as_list(distribution.props.get("aliases"))]


@stack_rule("csp-allows-site-features",
            "The Content-Security-Policy of every response headers policy on a distribution "
            "lets the pages load and call what the stack's browser features need: the RUM "
            "web client and data plane, Cognito identity (and STS for the basic flow), the "
            "user pool's sign-in endpoint and the API host.")
def check_csp(plan: Plan) -> Iterator[tuple[str, str]]:
    """A CSP that blocks a feature's host makes the feature silently do nothing.

    Hosts: the RUM web client's complete CSP (``script-src``
    https://client.rum.us-east-1.amazonaws.com; ``connect-src`` dataplane.rum, cognito-
    identity and sts in the monitor's region):
    https://github.com/aws-observability/aws-rum-web/blob/main/docs/troubleshooting.md ;
    STS only in Cognito's basic flow, which the identity pool's ``AllowClassicFlow`` allows:
    https://github.com/aws-observability/aws-rum-web/blob/main/docs/concepts/auth.md and
    https://docs.aws.amazon.com/cognito/latest/developerguide/authentication-flow.html ;
    user pool sign-in (SRP) calls cognito-idp.<region>.amazonaws.com:
    https://docs.aws.amazon.com/cognito/latest/developerguide/user-pools-API-operations.html ;
    the ``api.`` alias of the distribution is the API host the pages call. Matching follows
    CSP Level 3 (https://www.w3.org/TR/CSP3/#match-url-to-source-expression; a missing
    directive falls back to ``default-src``: https://www.w3.org/TR/CSP3/#directive-fallback-list).
    """
    needs = _needs(plan)
    for distribution in plan.of_type(DISTRIBUTION):
        api = [Need("connect-src", f"https://{a}/", f"the API host of {distribution.name}",
                    "distribution aliases") for a in _aliases(distribution)
               if a.startswith("api.")]
        for headers in _attached_policies(plan, distribution):
            text = headers.prop("securityHeadersConfig", "contentSecurityPolicy",
                                "contentSecurityPolicy")
            if not isinstance(text, str):
                continue  # no CSP header: nothing is blocked
            policy = parse_csp(text)
            for need in (*needs, *api):
                if not allows(policy, need.directive, need.url):
                    yield headers.name, (
                        f"the Content-Security-Policy on {distribution.name} blocks "
                        f"{need.url.rstrip('/')} in {need.directive}, which {need.why} needs "
                        f"({need.source})")


def _host_covered(host: str, patterns: list[str]) -> bool:
    lowered = (p.lower() for p in patterns)
    return any(p == host or (p.startswith("*.") and host.endswith(p[1:])) for p in lowered)


@stack_rule("rum-covers-site-hosts",
            "Every RUM app monitor sets exactly one of domain and domainList, and accepts "
            "every host name that serves the site's pages.")
def check_rum_hosts(plan: Plan) -> Iterator[tuple[str, str]]:
    """RUM accepts events only from the app monitor's domain or domain list.

    ``Domain`` or ``DomainList`` (exactly one; up to five names, ``*.`` wildcards allowed):
    https://docs.aws.amazon.com/cloudwatchrum/latest/APIReference/API_CreateAppMonitor.html
    and the pulumi-aws ``rum.AppMonitor`` arguments ("Exactly one of domain or domain_list
    must be specified"): https://www.pulumi.com/registry/packages/aws/api-docs/rum/appmonitor/ .
    Page hosts are the distributions' aliases except the ``api.`` one.
    """
    pages = sorted({a.lower() for d in plan.of_type(DISTRIBUTION) for a in _aliases(d)
                    if not a.startswith("api.")})
    for monitor in plan.of_type(APP_MONITOR):
        domain = monitor.props.get("domain")
        listed = [str(d) for d in as_list(monitor.props.get("domainLists"))]
        if bool(domain) == bool(listed):
            yield monitor.name, "set exactly one of domain and domainList"
            continue
        patterns: list[Any] = [str(domain)] if domain else listed
        if len(patterns) > 5:
            yield monitor.name, f"domainList has {len(patterns)} names; RUM takes at most 5"
        for host in pages:
            if not _host_covered(host, patterns):
                yield monitor.name, (
                    f"{host} serves the site's pages but the app monitor accepts only "
                    f"{', '.join(patterns)}: RUM drops the events of its visitors")
