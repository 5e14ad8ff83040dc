"""The serverless listings backend, composed from its parts.

``DataTier`` (table) -> ``Network`` (only when DAX or the app cache needs a VPC) ->
``DaxCluster`` / ``AppCache`` (config) -> the API and post-confirmation functions
(``LambdaFunction``) -> ``UserPool`` -> ``RestApi``. Environments differ only in
:class:`~components.config.BackendConfig` values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.backend.api_origin_guard import ApiOriginGuard, ApiOriginGuardArgs
from components.backend.app_cache import AppCache, AppCacheArgs
from components.backend.data_tier import DataTier, DataTierArgs
from components.backend.dax_cluster import DAX_CLIENT_ACTIONS, DaxCluster, DaxClusterArgs
from components.backend.rest_api import RestApi, RestApiArgs
from components.backend.user_pool import UserPool, UserPoolArgs
from components.blocks.lambda_function import LambdaFunction, LambdaFunctionArgs
from components.blocks.monitored_items import MonitoredItem
from components.blocks.naming import fit, limit
from components.blocks.network import Network, NetworkArgs
from components.config import BackendConfig, LambdaDefaults

# Built by `make layers` from functions/api/requirements.txt (relative to the project).
CLIENTS_LAYER_DIR = "build/api-clients"
# What the API's repository does to the table: reads, and transactions of Put and Delete
# items, which IAM authorizes as PutItem and DeleteItem. Only queries read an index.
# tests/functions/test_roles_match_calls.py proves these against the handler's calls.
API_TABLE_ACTIONS = (
    "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem",
    "dynamodb:DeleteItem",
)
API_INDEX_ACTIONS = ("dynamodb:Query",)


@dataclass(frozen=True)
class BackendArgs:
    """Inputs of :class:`Backend`."""

    prefix: str
    config: BackendConfig
    lambdas: LambdaDefaults
    kms_key_arn: pulumi.Input[str]
    region: str
    owner: str
    metrics_namespace: str
    event_bus_name: pulumi.Input[str]
    event_bus_arn: pulumi.Input[str]
    audit_log_group_name: pulumi.Input[str]
    audit_log_stream_arn: pulumi.Input[str]
    # Whether the REST API sets the region's API Gateway account settings (a singleton).
    owns_account_baseline: bool = False


class Backend(pulumi.ComponentResource):
    """Table, optional DAX/VPC/app cache, the listings API and the user pool.

    Exposes what the edge and observability need: :attr:`api_origin_domain`,
    :attr:`api_stage_name`, ids of the API, table and pool, :attr:`api_function` and
    :attr:`monitored_items`.
    """

    api_origin_domain: pulumi.Output[str]
    api_stage_name: str
    api_url: pulumi.Output[str]
    rest_api_id: pulumi.Output[str]
    table_name: pulumi.Output[str]
    table_arn: pulumi.Output[str]
    user_pool_id: pulumi.Output[str]
    user_pool_client_id: pulumi.Output[str]
    api_function: LambdaFunction
    post_confirmation_function: LambdaFunction
    network: Network | None
    dax: DaxCluster | None
    app_cache: AppCache | None
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: BackendArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:backend:Backend", name, None, opts)
        c = args.config
        child = pulumi.ResourceOptions(parent=self)
        data = DataTier(f"{name}-data", DataTierArgs(
            table_name=f"{args.prefix}-listings", config=c, kms_key_arn=args.kms_key_arn,
            region=args.region, owner=args.owner), child)
        self.table_name = data.name
        self.table_arn = data.arn

        self.network = self.dax = self.app_cache = None
        if c.needs_vpc:
            self.network = Network(f"{name}-network", NetworkArgs(
                cidr=c.vpc_cidr, az_count=c.vpc_az_count,
                interface_endpoints=c.vpc_interface_endpoints, region=args.region,
                gateway_table_arns=(data.arn,), kms_key_arn=args.kms_key_arn,
                flow_log_retention_days=args.lambdas.log_retention_days, purpose="backend"),
                child)
        if c.dax_enabled and self.network is not None:
            self.dax = DaxCluster(f"{name}-dax", DaxClusterArgs(
                cluster_name=fit(f"{args.prefix}-dax", limit("aws:dax/cluster:Cluster",
                                                             "clusterName")),
                node_type=c.dax_node_type, node_count=c.dax_node_count,
                item_ttl_seconds=c.dax_item_ttl_seconds,
                query_ttl_seconds=c.dax_query_ttl_seconds,
                subnet_ids=self.network.subnet_ids,
                availability_zones=self.network.availability_zones,
                vpc_id=self.network.vpc.id,
                client_security_group_id=self.network.functions_security_group.id,
                table_arn=data.arn, region=args.region, owner=args.owner), child)
        if c.app_cache_enabled and self.network is not None:
            self.app_cache = AppCache(f"{name}-cache", AppCacheArgs(
                cache_name=fit(f"{args.prefix}-app-cache",
                               limit("aws:elasticache/serverlessCache:ServerlessCache")),
                max_data_gb=c.app_cache_max_data_gb,
                max_ecpu_per_second=c.app_cache_max_ecpu_per_second,
                snapshot_retention_days=c.app_cache_snapshot_retention_days,
                subnet_ids=self.network.subnet_ids, vpc_id=self.network.vpc.id,
                client_security_group_id=self.network.functions_security_group.id,
                kms_key_arn=args.kms_key_arn, region=args.region, owner=args.owner), child)

        self.api_function = LambdaFunction(f"{args.prefix}-api", LambdaFunctionArgs(
            package="api",
            handler="functions.api.handler.lambda_handler",
            description="Marketplace listings REST API",
            defaults=args.lambdas,
            kms_key_arn=args.kms_key_arn,
            region=args.region,
            powertools_namespace=args.metrics_namespace,
            owner=args.owner,
            statements=self._api_statements(args, data),
            environment=self._api_environment(args, data),
            memory_mb=c.api_memory_mb,
            provisioned_concurrency=c.api_provisioned_concurrency,
            vpc=self.network.placement if self.network is not None else None,
            layers=self._clients_layers(name, args),
        ), child)
        self.post_confirmation_function = LambdaFunction(
            f"{args.prefix}-post-confirmation", LambdaFunctionArgs(
                package="post_confirmation",
                handler="functions.post_confirmation.handler.lambda_handler",
                description="Cognito post-confirmation trigger: emits UserRegistered",
                defaults=args.lambdas,
                kms_key_arn=args.kms_key_arn,
                region=args.region,
                powertools_namespace=args.metrics_namespace,
                owner=args.owner,
                statements=[{"Sid": "PublishDomainEvents", "Effect": "Allow",
                             "Action": ["events:PutEvents"], "Resource": args.event_bus_arn}],
                environment={"EVENT_BUS_NAME": args.event_bus_name},
                memory_mb=c.post_confirmation_memory_mb,
                concurrency_key="postConfirmation",
            ), child)
        pool = UserPool(f"{name}-users", UserPoolArgs(
            pool_name=f"{args.prefix}-users",
            deletion_protection=c.user_pool_deletion_protection,
            region=args.region,
            ses_identity=c.user_pool_ses_identity,
            email_from=c.user_pool_email_from,
            ses_configuration_set=c.user_pool_ses_configuration_set,
            post_confirmation_arn=self.post_confirmation_function.alias_arn,
            post_confirmation_function=self.post_confirmation_function.function_name), child)
        self.user_pool_id = pool.id
        self.user_pool_client_id = pool.client_id

        api = RestApi(f"{name}-rest", RestApiArgs(
            api_name=f"{args.prefix}-listings-api", config=c,
            function_name=self.api_function.function_name,
            function_invoke_arn=self.api_function.invoke_arn,
            user_pool_arn=pool.arn, kms_key_arn=args.kms_key_arn,
            log_retention_days=args.lambdas.log_retention_days,
            region=args.region, owner=args.owner,
            owns_account_baseline=args.owns_account_baseline), child)
        self.rest_api_id = api.rest_api_id
        self.api_stage_name = api.stage_name
        self.api_origin_headers: dict[str, pulumi.Output[str]] = {}
        if c.api_require_cloudfront:
            guard = ApiOriginGuard(f"{name}-origin-guard", ApiOriginGuardArgs(
                acl_name=f"{args.prefix}-api-origin", stage_arn=api.stage.arn,
                kms_key_arn=args.kms_key_arn,
                log_retention_days=args.lambdas.log_retention_days), child)
            self.api_origin_headers = guard.headers
        self.api_origin_domain = api.origin_domain
        self.api_url = api.url

        self.monitored_items = (
            *self.api_function.monitored_items,
            *self.post_confirmation_function.monitored_items,
            *api.monitored_items,
            *data.monitored_items,
            *(self.dax.monitored_items if self.dax else ()),
            *(self.app_cache.monitored_items if self.app_cache else ()),
        )
        self.register_outputs({
            "apiUrl": self.api_url, "restApiId": self.rest_api_id,
            "tableName": self.table_name, "userPoolId": self.user_pool_id,
            "userPoolClientId": self.user_pool_client_id,
        })

    def _clients_layers(self, name: str, args: BackendArgs) -> tuple[pulumi.Input[str], ...]:
        """The layer with the API's optional clients (DAX, Valkey), when the stack uses them.

        amazon-dax-client and redis are not in the Lambda runtime. ``apiClientsLayerArn``
        names a published layer; otherwise the stack publishes ``build/api-clients``, which
        ``make layers`` builds from ``functions/api/requirements.txt`` (pure Python, so the
        same files serve arm64).
        """
        c = args.config
        if self.dax is None and self.app_cache is None:
            return ()
        if c.api_clients_layer_arn:
            return (c.api_clients_layer_arn,)
        layer = aws.lambda_.LayerVersion(
            f"{name}-api-clients",
            layer_name=f"{args.prefix}-api-clients",
            description="amazon-dax-client and redis for the listings API",
            code=pulumi.FileArchive(CLIENTS_LAYER_DIR),
            compatible_runtimes=[args.lambdas.runtime],
            compatible_architectures=["arm64"],
            opts=pulumi.ResourceOptions(parent=self),
        )
        return (layer.arn,)

    def _api_statements(self, args: BackendArgs, data: DataTier) -> list[dict[str, Any]]:
        # With DAX on, the repository sends every table call to the cluster (the DAX client
        # replaces the DynamoDB one) and DAX's own role reads the table: the function needs
        # dax: actions on the cluster and nothing on the table.
        if self.dax is not None:
            table: list[dict[str, Any]] = [
                {"Sid": "ListingsCache", "Effect": "Allow",
                 "Action": list(DAX_CLIENT_ACTIONS), "Resource": self.dax.arn}]
        else:
            table = [
                {"Sid": "ListingsTable", "Effect": "Allow", "Action": list(API_TABLE_ACTIONS),
                 "Resource": data.arn},
                {"Sid": "ListingsIndexes", "Effect": "Allow", "Action": list(API_INDEX_ACTIONS),
                 "Resource": pulumi.Output.concat(data.arn, "/index/*")},
            ]
        return [
            *table,
            {"Sid": "PublishDomainEvents", "Effect": "Allow", "Action": ["events:PutEvents"],
             "Resource": args.event_bus_arn},
            {"Sid": "WriteAuditEvents", "Effect": "Allow",
             "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": args.audit_log_stream_arn},
        ]

    def _api_environment(self, args: BackendArgs,
                         data: DataTier) -> dict[str, pulumi.Input[str]]:
        c = args.config
        environment: dict[str, pulumi.Input[str]] = {
            "TABLE_NAME": data.name,
            "CATEGORY_SHARDS": str(c.category_shards),
            "LISTING_TTL_DAYS": str(c.listing_ttl_days),
            "EVENT_BUS_NAME": args.event_bus_name,
            "AUDIT_LOG_GROUP": args.audit_log_group_name,
        }
        if self.dax is not None:
            environment["DAX_ENDPOINT"] = self.dax.endpoint
        if self.app_cache is not None:
            environment["APP_CACHE_ENDPOINT"] = self.app_cache.endpoint
            environment["APP_CACHE_PORT"] = self.app_cache.port.apply(str)
            environment["APP_CACHE_TTL_SECONDS"] = str(c.app_cache_ttl_seconds)
        return environment
