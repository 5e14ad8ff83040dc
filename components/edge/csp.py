"""The site's Content-Security-Policy, generated from the features the stack turns on.

A browser feature (the RUM web client, Cognito sign-in, the API on its own host name) needs
the hosts its code loads from or calls; each is a row of :data:`FEATURE_SOURCES` with the
documentation that names the host. The policy is the fixed base below plus the rows of the
features in :class:`SiteFeatures`, so turning a feature on in config opens exactly its hosts,
and the stack rule ``csp-allows-site-features`` checks the result against the plan.
"""

from __future__ import annotations

from dataclasses import dataclass

# Directive order of the header; the base allows only the site's own origin.
BASE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("default-src", ("'self'",)),
    ("script-src", ("'self'",)),
    ("img-src", ("'self'", "data:", "https:")),
    ("connect-src", ("'self'",)),
    ("frame-ancestors", ("'none'",)),
    ("base-uri", ("'self'",)),
    ("object-src", ("'none'",)),
    ("form-action", ("'self'",)),
)
FLAGS = ("upgrade-insecure-requests",)

_RUM_CSP = ("https://github.com/aws-observability/aws-rum-web/blob/main/docs/"
            "troubleshooting.md#my-csp-blocks-the-web-client")
_RUM_AUTH = "https://github.com/aws-observability/aws-rum-web/blob/main/docs/concepts/auth.md"


@dataclass(frozen=True)
class FeatureSource:
    """One host a browser feature needs, in one directive; ``{region}`` is the stack's."""

    feature: str
    directive: str
    source: str
    doc: str


FEATURE_SOURCES: tuple[FeatureSource, ...] = (
    # The CDN build of the web client is served from us-east-1 whatever the monitor's region.
    FeatureSource("rum", "script-src", "https://client.rum.us-east-1.amazonaws.com", _RUM_CSP),
    FeatureSource("rum", "connect-src", "https://dataplane.rum.{region}.amazonaws.com",
                  _RUM_CSP),
    # GetId and GetCredentialsForIdentity (enhanced flow) or GetOpenIdToken (basic flow).
    FeatureSource("rum", "connect-src", "https://cognito-identity.{region}.amazonaws.com",
                  _RUM_AUTH),
    # Only the basic (classic) flow calls STS AssumeRoleWithWebIdentity.
    FeatureSource("rum-classic-flow", "connect-src", "https://sts.{region}.amazonaws.com",
                  _RUM_AUTH),
    # SRP sign-in from the browser calls the user pool's regional endpoint.
    FeatureSource("user-pool", "connect-src", "https://cognito-idp.{region}.amazonaws.com",
                  "https://docs.aws.amazon.com/cognito/latest/developerguide/"
                  "user-pools-API-operations.html"),
)


@dataclass(frozen=True)
class SiteFeatures:
    """What the site's pages use: the stack region, API host names, RUM and sign-in."""

    region: str
    api_hosts: tuple[str, ...] = ()
    rum: bool = False
    rum_classic_flow: bool = False
    user_pool: bool = False

    @property
    def enabled(self) -> frozenset[str]:
        """The feature names of :data:`FEATURE_SOURCES` this site turns on."""
        on = {"rum": self.rum, "rum-classic-flow": self.rum and self.rum_classic_flow,
              "user-pool": self.user_pool}
        return frozenset(name for name, value in on.items() if value)


def content_security_policy(features: SiteFeatures) -> str:
    """The header value: the base directives plus every host the features need."""
    extra: dict[str, list[str]] = {}
    for row in FEATURE_SOURCES:
        if row.feature in features.enabled:
            extra.setdefault(row.directive, []).append(row.source.format(region=features.region))
    extra.setdefault("connect-src", []).extend(f"https://{h}" for h in features.api_hosts)
    directives = [" ".join((name, *sources, *extra.get(name, ()))) for name, sources in BASE]
    return "; ".join((*directives, *FLAGS))
