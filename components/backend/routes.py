"""The listings API's tables: routes, the access log format and the gateway's error shape.

:class:`~components.backend.rest_api.RestApi` reads them in one loop each. Each route row says
whether the Cognito authorizer guards it and, for cacheable GETs, which TTL key applies and
which request parameters make the cache key (without them every listing would share one cache
entry).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    """One API route: method, path, authorizer, stage-cache TTL key, request parameters."""

    method: str
    path: str
    authorized: bool = False
    cache: str | None = None
    query: tuple[str, ...] = ()

    @property
    def path_params(self) -> tuple[str, ...]:
        """The ``{name}`` segments of the path."""
        return tuple(p[1:-1] for p in self.path.strip("/").split("/") if p.startswith("{"))

    @property
    def request_parameters(self) -> dict[str, bool]:
        """Method request parameters (path ones required) that feed the cache key."""
        params = {f"method.request.path.{p}": True for p in self.path_params}
        params.update({f"method.request.querystring.{q}": False for q in self.query})
        return params

    @property
    def method_path(self) -> str:
        """The ``MethodSettings`` path of this method: resource path without ``/``, method."""
        return f"{self.path.strip('/')}/{self.method}"


ROUTES: tuple[Route, ...] = (
    Route("POST", "/listings", authorized=True),
    Route("GET", "/listings/featured", cache="featured", query=("limit",)),
    Route("POST", "/listings/batch-get"),
    Route("GET", "/listings/{id}", cache="getListing"),
    Route("PUT", "/listings/{id}", authorized=True),
    Route("DELETE", "/listings/{id}", authorized=True),
    Route("POST", "/listings/{id}/contact", authorized=True),
    Route("GET", "/sellers/{seller_id}/listings", cache="sellerListings",
          query=("limit", "cursor")),
    Route("GET", "/categories/{category}/listings", cache="categoryListings",
          query=("limit", "cursor")),
    Route("GET", "/search", cache="search", query=("q", "category", "limit")),
    Route("GET", "/health"),  # never cached: the canary must reach the table
)

# One JSON object per request; field names follow AWS's documented $context variables.
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "ip": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "user": "$context.authorizer.claims.sub",
    "requestTime": "$context.requestTimeEpoch",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "path": "$context.path",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integration.latency",
    "integrationStatus": "$context.integration.status",
    "xrayTraceId": "$context.xrayTraceId",
    "errorMessage": "$context.error.message",
    "authorizerError": "$context.authorizer.error",
    "wafStatus": "$context.waf.status",
}


# API Gateway's own errors (authorizer 401, throttling 429, unknown route 403, integration
# failures) in the same JSON shape as the handler's, with the request id to quote.
GATEWAY_ERROR_TEMPLATE = (
    '{"statusCode":"$context.error.responseType","message":$context.error.messageString,'
    '"requestId":"$context.requestId"}'
)
GATEWAY_RESPONSES = ("DEFAULT_4XX", "DEFAULT_5XX")


def slug(path: str) -> str:
    """A resource-name-safe form of a path: ``/listings/{id}`` -> ``listings-id``."""
    return "-".join(p.strip("{}") for p in path.strip("/").split("/")) or "root"


def deployment_trigger() -> str:
    """A digest of the route table and the error template: a new deployment when they change."""
    return hashlib.sha256(repr((ROUTES, GATEWAY_ERROR_TEMPLATE)).encode()).hexdigest()


def route_label(route: Route) -> str:
    """The name part of a route's method and integration: ``listings-id-get``."""
    return f"{slug(route.path)}-{route.method.lower()}"
