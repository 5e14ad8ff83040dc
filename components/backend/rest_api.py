"""The listings REST API: explicit routes, Lambda proxy to the API alias, a traced, cached stage.

REST (not HTTP) APIs because X-Ray tracing and stage caching exist only there. The routes,
the access log format and the gateway's error template are tables in
:mod:`components.backend.routes`, each read by one loop here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.backend.routes import (
    ACCESS_LOG_FORMAT,
    GATEWAY_ERROR_TEMPLATE,
    GATEWAY_RESPONSES,
    ROUTES,
    deployment_trigger,
    route_label,
    slug,
)
from components.blocks.monitored_items import Kind, MonitoredItem, Slo
from components.blocks.naming import autoname, limit
from components.config import BackendConfig
from components.platform.context import StackContext

# AWS's managed policy for API Gateway's CloudWatch role (the actions it needs, on "*": the
# Describe actions take no resource ARN):
# https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonAPIGatewayPushToCloudWatchLogs.html
PUSH_TO_CLOUDWATCH_LOGS = ("arn:aws:iam::aws:policy/service-role/"
                           "AmazonAPIGatewayPushToCloudWatchLogs")


@dataclass(frozen=True)
class RestApiArgs:
    """Inputs of :class:`RestApi`.

    The context gives the key and retention of the access logs, the region, the owner and
    whether this stack owns the region's API Gateway account settings (the CloudWatch role is
    a per-account singleton: only the stack that owns the account baseline sets it).
    """

    context: StackContext
    api_name: str
    config: BackendConfig
    function_name: pulumi.Input[str]
    function_invoke_arn: pulumi.Input[str]
    user_pool_arn: pulumi.Input[str]


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
    stage_arn: pulumi.Output[str]
    origin_domain: pulumi.Output[str]
    url: pulumi.Output[str]
    access_log_group: aws.cloudwatch.LogGroup
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: RestApiArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:backend:RestApi", name, None, opts)
        c = args.config
        self.stage_name = c.api_stage_name
        self.api = self._api(name, args)
        authorizer = self._authorizer(name, args)
        methods = self._routes(name, args, authorizer, self._resources(name))
        methods += self._gateway_responses(name)
        deployment = aws.apigateway.Deployment(
            f"{name}-deployment",
            rest_api=self.api.id,
            description="Listings API routes",
            # A new deployment whenever the route table changes.
            triggers={"routes": deployment_trigger()},
            opts=pulumi.ResourceOptions(parent=self, depends_on=methods),
        )
        self.access_log_group = self._access_log_group(name, args)
        self.stage = self._stage(name, args, deployment)
        self._method_settings(name, c)
        self._invoke_permission(name, args)
        self.rest_api_id = self.api.id
        self.stage_arn = self.stage.arn
        self.origin_domain = pulumi.Output.concat(self.api.id, ".execute-api.",
                                                  args.context.region, ".amazonaws.com")
        self.url = pulumi.Output.concat("https://", self.origin_domain, "/",
                                        c.api_stage_name, "/")
        self.monitored_items = (self._stage_item(name, args),)
        self.register_outputs({"restApiId": self.rest_api_id, "url": self.url})

    def _api(self, name: str, args: RestApiArgs) -> aws.apigateway.RestApi:
        """The regional REST API (CloudFront in front of it is the edge)."""
        return aws.apigateway.RestApi(
            f"{name}-api",
            name=args.api_name,
            description="Marketplace listings API",
            endpoint_configuration=aws.apigateway.RestApiEndpointConfigurationArgs(
                types="REGIONAL"),  # CloudFront in front of it is the edge
            minimum_compression_size="1024",
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _authorizer(self, name: str, args: RestApiArgs) -> aws.apigateway.Authorizer:
        """The Cognito user-pool authorizer of the write routes."""
        return aws.apigateway.Authorizer(
            f"{name}-cognito",
            name=f"{args.api_name}-cognito",
            rest_api=self.api.id,
            type="COGNITO_USER_POOLS",
            provider_arns=[args.user_pool_arn],
            identity_source="method.request.header.Authorization",
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _routes(self, name: str, args: RestApiArgs, authorizer: aws.apigateway.Authorizer,
                resources: dict[str, aws.apigateway.Resource]) -> list[pulumi.Resource]:
        """A method and its Lambda proxy integration per row of :data:`ROUTES`."""
        child = pulumi.ResourceOptions(parent=self)
        made: list[pulumi.Resource] = []
        for route in ROUTES:
            label = route_label(route)
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
            made += [method, integration]
        return made

    def _gateway_responses(self, name: str) -> list[pulumi.Resource]:
        """API Gateway's own 4XX/5XX in the handler's JSON error shape."""
        return [
            aws.apigateway.Response(
                f"{name}-{response_type.lower().replace('_', '-')}",
                rest_api_id=self.api.id,
                response_type=response_type,
                response_templates={"application/json": GATEWAY_ERROR_TEMPLATE},
                opts=pulumi.ResourceOptions(parent=self),
            )
            for response_type in GATEWAY_RESPONSES
        ]

    def _access_log_group(self, name: str, args: RestApiArgs) -> aws.cloudwatch.LogGroup:
        """The stage's JSON access log group, KMS-encrypted, with the Lambda log retention."""
        return aws.cloudwatch.LogGroup(
            f"{name}-access-logs",
            name=f"/aws/apigateway/{args.api_name}/access",
            retention_in_days=args.context.lambdas.log_retention_days,
            kms_key_id=args.context.kms_key_arn,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _stage(self, name: str, args: RestApiArgs,
               deployment: aws.apigateway.Deployment) -> aws.apigateway.Stage:
        """The traced stage with access logs and the optional cache cluster."""
        c = args.config
        account = self._cloudwatch_role(name) if args.context.owns_account_baseline else None
        return aws.apigateway.Stage(
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

    def _invoke_permission(self, name: str, args: RestApiArgs) -> None:
        """API Gateway may invoke the function's ``live`` alias from this stage only."""
        aws.lambda_.Permission(
            f"{name}-invokes-function",
            action="lambda:InvokeFunction",
            function=args.function_name,
            qualifier="live",
            principal="apigateway.amazonaws.com",
            source_arn=pulumi.Output.concat(self.api.execution_arn, "/",
                                            args.config.api_stage_name, "/*/*"),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _stage_item(self, name: str, args: RestApiArgs) -> MonitoredItem:
        """The stage as watched: SLO from config, cache flag and access log group."""
        c = args.config
        return MonitoredItem(
            kind=Kind.API_STAGE,
            name=f"{name}-stage",
            dimensions={"ApiName": self.api.name, "Stage": c.api_stage_name},
            region=args.context.region,
            owner=args.context.owner,
            slo=Slo(availability_percent=c.slo_availability_percent,
                    latency_ms=c.slo_latency_ms,
                    latency_percent=c.slo_latency_percent),
            attributes={"cache_enabled": c.api_cache_enabled,
                        "access_log_group": self.access_log_group.name},
        )

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
