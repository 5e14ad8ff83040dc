"""The listings REST API: explicit routes, Lambda proxy to the API alias, a traced, cached stage.

REST (not HTTP) APIs because X-Ray tracing and stage caching exist only there. Routes are a
table (:data:`ROUTES`) read by one loop: each row says whether the Cognito authorizer guards
it and, for cacheable GETs, which TTL key applies and which request parameters make the
cache key (without them every listing would share one cache entry).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.blocks.monitored_items import Kind, MonitoredItem, Slo
from components.blocks.naming import autoname, limit
from components.config import BackendConfig

# AWS's managed policy for API Gateway's CloudWatch role (the actions it needs, on "*": the
# Describe actions take no resource ARN):
# https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonAPIGatewayPushToCloudWatchLogs.html
PUSH_TO_CLOUDWATCH_LOGS = ("arn:aws:iam::aws:policy/service-role/"
                           "AmazonAPIGatewayPushToCloudWatchLogs")


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


@dataclass(frozen=True)
class RestApiArgs:
    """Inputs of :class:`RestApi`."""

    api_name: str
    config: BackendConfig
    function_name: pulumi.Input[str]
    function_invoke_arn: pulumi.Input[str]
    user_pool_arn: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    log_retention_days: int
    region: str
    owner: str
    # The region's API Gateway account settings (the CloudWatch role) are a per-account
    # singleton: only the stack that owns the account baseline sets them.
    owns_account_baseline: bool = False


class RestApi(pulumi.ComponentResource):
    """REST API + stage: X-Ray, JSON access logs, detailed metrics, throttling, encrypted cache.

    Write routes use the Cognito user-pool authorizer; cacheable GETs get their own TTL from
    ``apiCacheTtlSeconds`` when the stage cache is on. API Gateway invokes the function's
    ``live`` alias (the one with provisioned concurrency).
    """

    api: aws.apigateway.RestApi
    stage: aws.apigateway.Stage
    rest_api_id: pulumi.Output[str]
    stage_name: str
    origin_domain: pulumi.Output[str]
    url: pulumi.Output[str]
    access_log_group: aws.cloudwatch.LogGroup
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: RestApiArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:backend:RestApi", name, None, opts)
        c = args.config
        child = pulumi.ResourceOptions(parent=self)
        self.stage_name = c.api_stage_name
        self.api = aws.apigateway.RestApi(
            f"{name}-api",
            name=args.api_name,
            description="Marketplace listings API",
            endpoint_configuration=aws.apigateway.RestApiEndpointConfigurationArgs(
                types="REGIONAL"),  # CloudFront in front of it is the edge
            minimum_compression_size="1024",
            opts=child,
        )
        authorizer = aws.apigateway.Authorizer(
            f"{name}-cognito",
            name=f"{args.api_name}-cognito",
            rest_api=self.api.id,
            type="COGNITO_USER_POOLS",
            provider_arns=[args.user_pool_arn],
            identity_source="method.request.header.Authorization",
            opts=child,
        )
        resources = self._resources(name)
        methods: list[pulumi.Resource] = []
        for route in ROUTES:
            label = f"{slug(route.path)}-{route.method.lower()}"
            method = aws.apigateway.Method(
                f"{name}-{label}",
                rest_api=self.api.id,
                resource_id=resources[route.path].id,
                http_method=route.method,
                authorization="COGNITO_USER_POOLS" if route.authorized else "NONE",
                authorizer_id=authorizer.id if route.authorized else None,
                request_parameters=route.request_parameters or None,
                opts=child,
            )
            integration = aws.apigateway.Integration(
                f"{name}-{label}-lambda",
                rest_api=self.api.id,
                resource_id=resources[route.path].id,
                http_method=method.http_method,
                type="AWS_PROXY",
                integration_http_method="POST",
                uri=args.function_invoke_arn,
                cache_key_parameters=list(route.request_parameters) if route.cache else None,
                cache_namespace=resources[route.path].id if route.cache else None,
                timeout_milliseconds=29000,
                opts=child,
            )
            methods += [method, integration]
        for response_type in GATEWAY_RESPONSES:
            methods.append(aws.apigateway.Response(
                f"{name}-{response_type.lower().replace('_', '-')}",
                rest_api_id=self.api.id,
                response_type=response_type,
                response_templates={"application/json": GATEWAY_ERROR_TEMPLATE},
                opts=child,
            ))

        deployment = aws.apigateway.Deployment(
            f"{name}-deployment",
            rest_api=self.api.id,
            description="Listings API routes",
            # A new deployment whenever the route table changes.
            triggers={"routes": hashlib.sha256(
                repr((ROUTES, GATEWAY_ERROR_TEMPLATE)).encode()).hexdigest()},
            opts=pulumi.ResourceOptions(parent=self, depends_on=methods),
        )
        self.access_log_group = aws.cloudwatch.LogGroup(
            f"{name}-access-logs",
            name=f"/aws/apigateway/{args.api_name}/access",
            retention_in_days=args.log_retention_days,
            kms_key_id=args.kms_key_arn,
            opts=child,
        )
        account = self._cloudwatch_role(name) if args.owns_account_baseline else None
        self.stage = aws.apigateway.Stage(
            f"{name}-stage",
            rest_api=self.api.id,
            deployment=deployment.id,
            stage_name=c.api_stage_name,
            description="Listings API stage",
            xray_tracing_enabled=True,
            access_log_settings=aws.apigateway.StageAccessLogSettingsArgs(
                destination_arn=self.access_log_group.arn,
                format=json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":")),
            ),
            cache_cluster_enabled=c.api_cache_enabled,
            cache_cluster_size=c.api_cache_size_gb if c.api_cache_enabled else None,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[account] if account else []),
        )
        self._method_settings(name, c)

        aws.lambda_.Permission(
            f"{name}-invokes-function",
            action="lambda:InvokeFunction",
            function=args.function_name,
            qualifier="live",
            principal="apigateway.amazonaws.com",
            source_arn=pulumi.Output.concat(self.api.execution_arn, "/", c.api_stage_name,
                                            "/*/*"),
            opts=child,
        )
        self.rest_api_id = self.api.id
        self.origin_domain = pulumi.Output.concat(self.api.id, ".execute-api.", args.region,
                                                  ".amazonaws.com")
        self.url = pulumi.Output.concat("https://", self.origin_domain, "/",
                                        c.api_stage_name, "/")
        self.monitored_items = (
            MonitoredItem(
                kind=Kind.API_STAGE,
                name=f"{name}-stage",
                dimensions={"ApiName": self.api.name, "Stage": c.api_stage_name},
                region=args.region,
                owner=args.owner,
                slo=Slo(availability_percent=c.slo_availability_percent,
                        latency_ms=c.slo_latency_ms,
                        latency_percent=c.slo_latency_percent),
                attributes={"cache_enabled": c.api_cache_enabled,
                            "access_log_group": self.access_log_group.name},
            ),
        )
        self.register_outputs({"restApiId": self.rest_api_id, "url": self.url})

    def _resources(self, name: str) -> dict[str, aws.apigateway.Resource]:
        """One API resource per path segment prefix, parented like the path."""
        child = pulumi.ResourceOptions(parent=self)
        made: dict[str, aws.apigateway.Resource] = {}
        for route in ROUTES:
            parts = route.path.strip("/").split("/")
            for depth in range(1, len(parts) + 1):
                path = "/" + "/".join(parts[:depth])
                if path in made:
                    continue
                parent_path = "/" + "/".join(parts[:depth - 1])
                made[path] = aws.apigateway.Resource(
                    f"{name}-{slug(path)}",
                    rest_api=self.api.id,
                    parent_id=(made[parent_path].id if depth > 1
                               else self.api.root_resource_id),
                    path_part=parts[depth - 1],
                    opts=child,
                )
        return made

    def _method_settings(self, name: str, c: BackendConfig) -> None:
        """Stage-wide metrics, logging and throttling; per-method cache TTLs for cached GETs."""
        child = pulumi.ResourceOptions(parent=self)
        common = {
            "metrics_enabled": True,
            "logging_level": "ERROR",
            "data_trace_enabled": False,  # never log request bodies
            "throttling_rate_limit": float(c.api_throttle_rate_limit),
            "throttling_burst_limit": c.api_throttle_burst_limit,
            "cache_data_encrypted": True,
            "require_authorization_for_cache_control": True,
            "unauthorized_cache_control_header_strategy": "FAIL_WITH_403",
        }
        aws.apigateway.MethodSettings(
            f"{name}-all-methods",
            rest_api=self.api.id,
            stage_name=self.stage.stage_name,
            method_path="*/*",
            settings=aws.apigateway.MethodSettingsSettingsArgs(caching_enabled=False, **common),
            opts=child,
        )
        if not c.api_cache_enabled:
            return
        for route in ROUTES:
            if route.cache is None:
                continue
            aws.apigateway.MethodSettings(
                f"{name}-{slug(route.path)}-cache",
                rest_api=self.api.id,
                stage_name=self.stage.stage_name,
                method_path=route.method_path,
                settings=aws.apigateway.MethodSettingsSettingsArgs(
                    caching_enabled=True,
                    cache_ttl_in_seconds=c.api_cache_ttls[route.cache],
                    **common,
                ),
                opts=child,
            )

    def _cloudwatch_role(self, name: str) -> aws.apigateway.Account:
        """The region's API Gateway CloudWatch role, without which access logs are refused.

        The role carries AWS's managed policy for it, as API Gateway's logging guide
        prescribes: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
        """
        role = aws.iam.Role(
            f"{name}-cloudwatch-role",
            name=autoname(f"{name}-cloudwatch-role", limit("aws:iam/role:Role")),
            description="API Gateway writes execution and access logs",
            assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": "apigateway.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }]}),
            opts=pulumi.ResourceOptions(parent=self),
        )
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-cloudwatch-logs",
            role=role.name,
            policy_arn=PUSH_TO_CLOUDWATCH_LOGS,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return aws.apigateway.Account(
            f"{name}-account",
            cloudwatch_role_arn=role.arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[attachment]),
        )
