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
from components.config import BackendConfig
from components.platform.context import StackContext

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
    """Inputs of :class:`Backend`: the stack context, the backend config, the event bus and
    the audit log the API writes to."""

    context: StackContext
    config: BackendConfig
    event_bus_name: pulumi.Input[str]
    event_bus_arn: pulumi.Input[str]
    audit_log_group_name: pulumi.Input[str]
    audit_log_stream_arn: pulumi.Input[str]


class Backend(pulumi.ComponentResource):
    """Table, optional DAX/VPC/app cache, the listings API and the user pool.

    Exposes what the edge and observability need: :attr:`api_origin_domain`,
    :attr:`api_stage_name`, :attr:`api_origin_headers`, ids of the API, table and pool, and
    :attr:`monitored_items`.
    """

    api_origin_domain: pulumi.Output[str]
    api_origin_headers: dict[str, pulumi.Output[str]]
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
        data = DataTier(f"{name}-data", DataTierArgs(
            context=args.context, table_name=f"{args.context.prefix}-listings", config=c),
            pulumi.ResourceOptions(parent=self))
        self.table_name = data.name
        self.table_arn = data.arn
        self.network = self._network(name, args, data) if c.needs_vpc else None
        self.dax = self.app_cache = None
        if self.network is not None:
            self.dax = self._dax(name, args, self.network, data) if c.dax_enabled else None
            self.app_cache = (self._app_cache(name, args, self.network)
                              if c.app_cache_enabled else None)
        self.api_function = self._api_function(name, args, data)
        self.post_confirmation_function = self._post_confirmation_function(args)
        pool = self._user_pool(name, args)
        self.user_pool_id = pool.id
        self.user_pool_client_id = pool.client_id
        api = RestApi(f"{name}-rest", RestApiArgs(
            context=args.context, api_name=f"{args.context.prefix}-listings-api", config=c,
            function_name=self.api_function.function_name,
            function_invoke_arn=self.api_function.invoke_arn,
            user_pool_arn=pool.arn), pulumi.ResourceOptions(parent=self))
        self.rest_api_id = api.rest_api_id
        self.api_stage_name = api.stage_name
        self.api_origin_headers = {}
        if c.api_require_cloudfront:
            guard = ApiOriginGuard(f"{name}-origin-guard", ApiOriginGuardArgs(
                context=args.context, acl_name=f"{args.context.prefix}-api-origin",
                stage_arn=api.stage_arn), pulumi.ResourceOptions(parent=self))
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

    def _network(self, name: str, args: BackendArgs, data: DataTier) -> Network:
        """The private VPC DAX and the app cache live in, with a gateway to the table."""
        c, context = args.config, args.context
        return Network(f"{name}-network", NetworkArgs(
            cidr=c.vpc_cidr, az_count=c.vpc_az_count,
            interface_endpoints=c.vpc_interface_endpoints, region=context.region,
            gateway_table_arns=(data.arn,), kms_key_arn=context.kms_key_arn,
            flow_log_retention_days=context.lambdas.log_retention_days, purpose="backend"),
            pulumi.ResourceOptions(parent=self))

    def _dax(self, name: str, args: BackendArgs, network: Network,
             data: DataTier) -> DaxCluster:
        """The DAX cluster in front of the table, reachable from the functions' group."""
        c = args.config
        return DaxCluster(f"{name}-dax", DaxClusterArgs(
            context=args.context,
            cluster_name=fit(f"{args.context.prefix}-dax",
                             limit("aws:dax/cluster:Cluster", "clusterName")),
            node_type=c.dax_node_type, node_count=c.dax_node_count,
            item_ttl_seconds=c.dax_item_ttl_seconds,
            query_ttl_seconds=c.dax_query_ttl_seconds,
            subnet_ids=network.subnet_ids,
            availability_zones=network.availability_zones,
            vpc_id=network.vpc_id,
            client_security_group_id=network.functions_security_group_id,
            table_arn=data.arn), pulumi.ResourceOptions(parent=self))

    def _app_cache(self, name: str, args: BackendArgs, network: Network) -> AppCache:
        """The serverless Valkey cache, reachable from the functions' group."""
        c = args.config
        return AppCache(f"{name}-cache", AppCacheArgs(
            context=args.context,
            cache_name=fit(f"{args.context.prefix}-app-cache",
                           limit("aws:elasticache/serverlessCache:ServerlessCache")),
            max_data_gb=c.app_cache_max_data_gb,
            max_ecpu_per_second=c.app_cache_max_ecpu_per_second,
            snapshot_retention_days=c.app_cache_snapshot_retention_days,
            subnet_ids=network.subnet_ids, vpc_id=network.vpc_id,
            client_security_group_id=network.functions_security_group_id),
            pulumi.ResourceOptions(parent=self))

    def _api_function(self, name: str, args: BackendArgs, data: DataTier) -> LambdaFunction:
        """The listings API handler: in the VPC when there is one, with the clients layer."""
        c, context = args.config, args.context
        return LambdaFunction(f"{context.prefix}-api", LambdaFunctionArgs(
            package="api",
            handler="functions.api.handler.lambda_handler",
            description="Marketplace listings REST API",
            defaults=context.lambdas,
            kms_key_arn=context.kms_key_arn,
            region=context.region,
            powertools_namespace=context.metrics_namespace,
            owner=context.owner,
            statements=self._api_statements(args, data),
            environment=self._api_environment(args, data),
            memory_mb=c.api_memory_mb,
            provisioned_concurrency=c.api_provisioned_concurrency,
            cold_start_key="api",
            vpc=self.network.placement if self.network is not None else None,
            layers=self._clients_layers(name, args),
            # The repository queries every category shard at once, one thread each.
            client_threads=c.category_shards,
        ), pulumi.ResourceOptions(parent=self))

    def _post_confirmation_function(self, args: BackendArgs) -> LambdaFunction:
        """The Cognito trigger that publishes ``UserRegistered`` on the bus."""
        context = args.context
        return LambdaFunction(
            f"{context.prefix}-post-confirmation", LambdaFunctionArgs(
                package="post_confirmation",
                handler="functions.post_confirmation.handler.lambda_handler",
                description="Cognito post-confirmation trigger: emits UserRegistered",
                defaults=context.lambdas,
                kms_key_arn=context.kms_key_arn,
                region=context.region,
                powertools_namespace=context.metrics_namespace,
                owner=context.owner,
                statements=[{"Sid": "PublishDomainEvents", "Effect": "Allow",
                             "Action": ["events:PutEvents"], "Resource": args.event_bus_arn}],
                environment={"EVENT_BUS_NAME": args.event_bus_name},
                memory_mb=args.config.post_confirmation_memory_mb,
                concurrency_key="postConfirmation",
            ), pulumi.ResourceOptions(parent=self))

    def _user_pool(self, name: str, args: BackendArgs) -> UserPool:
        """The user pool, triggering the post-confirmation function's ``live`` alias."""
        c = args.config
        return UserPool(f"{name}-users", UserPoolArgs(
            context=args.context,
            pool_name=f"{args.context.prefix}-users",
            deletion_protection=c.user_pool_deletion_protection,
            ses_identity=c.user_pool_ses_identity,
            email_from=c.user_pool_email_from,
            ses_configuration_set=c.user_pool_ses_configuration_set,
            post_confirmation_arn=self.post_confirmation_function.alias_arn,
            post_confirmation_function=self.post_confirmation_function.function_name),
            pulumi.ResourceOptions(parent=self))

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
            layer_name=f"{args.context.prefix}-api-clients",
            description="amazon-dax-client and redis for the listings API",
            code=pulumi.FileArchive(CLIENTS_LAYER_DIR),
            compatible_runtimes=[args.context.lambdas.runtime],
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
