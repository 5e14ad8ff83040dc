"""The backend under the recording mocks: both stacks, and config variations."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pytest

from components.blocks.monitored_items import Kind
from components.config import ConfigError, build
from functions.api.roles import ADMINS_GROUP
from tests.helpers import (
    API_CLIENTS_LAYER,
    config_of,
    dev_features_on,
    policy_document,
    run_program,
)
from tools.mock_runtime import Registry

TABLE = "aws:dynamodb/table:Table"
FUNCTION = "aws:lambda/function:Function"
STAGE = "aws:apigateway/stage:Stage"
METHOD = "aws:apigateway/method:Method"
INTEGRATION = "aws:apigateway/integration:Integration"
SETTINGS = "aws:apigateway/methodSettings:MethodSettings"
TARGET = "aws:appautoscaling/target:Target"
POLICY = "aws:appautoscaling/policy:Policy"
PC = "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig"
DAX = "aws:dax/cluster:Cluster"
SUBNET = "aws:ec2/subnet:Subnet"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
CACHE = "aws:elasticache/serverlessCache:ServerlessCache"


@dataclass(frozen=True)
class Expected:
    """What a stack file sets for the backend (or the Reader's default where it sets nothing)."""

    billing_mode: str
    deletion_protection: bool
    category_shards: str
    api_memory_mb: int
    provisioned_concurrency: int
    api_snapstart: bool
    throttle: tuple[float, int]  # rate, burst
    cache_size_gb: str | None  # None: no stage cache
    user_pool_deletion_protection: str
    log_retention_days: int
    dax: bool


EXPECTED = {
    "dev": Expected(billing_mode="PAY_PER_REQUEST", deletion_protection=False,
                    category_shards="2", api_memory_mb=512, provisioned_concurrency=0,
                    api_snapstart=False,
                    throttle=(20.0, 40), cache_size_gb=None,
                    user_pool_deletion_protection="INACTIVE", log_retention_days=14,
                    dax=False),
    "prod": Expected(billing_mode="PROVISIONED", deletion_protection=True,
                     category_shards="8", api_memory_mb=1024, provisioned_concurrency=0,
                     api_snapstart=True,
                     throttle=(1000.0, 2000), cache_size_gb="1.6",
                     user_pool_deletion_protection="ACTIVE", log_retention_days=365,
                     dax=True),
}
# Every route of the API: its name label -> authorization.
ROUTE_AUTHORIZATION = {
    "listings-post": "COGNITO_USER_POOLS",
    "listings-featured-get": "NONE",
    "listings-batch-get-post": "NONE",
    "listings-id-get": "NONE",
    "listings-id-put": "COGNITO_USER_POOLS",
    "listings-id-delete": "COGNITO_USER_POOLS",
    "listings-id-contact-post": "COGNITO_USER_POOLS",
    "sellers-seller_id-listings-get": "NONE",
    "categories-category-listings-get": "NONE",
    "search-get": "NONE",
    "health-get": "NONE",
}
# Prod's stage cache: MethodSettings path -> TTL (Pulumi.prod.yaml apiCacheTtlSeconds).
PROD_CACHE_TTLS = {
    "listings/featured/GET": 300,
    "listings/{id}/GET": 60,
    "sellers/{seller_id}/listings/GET": 30,
    "categories/{category}/listings/GET": 30,
    "search/GET": 30,
}
INDEX_KEYS = {"gsi1": ("gsi1pk", "gsi1sk"), "gsi2": ("gsi2pk", "gsi2sk"),
              "gsi3": ("gsi3pk", "gsi3sk")}


def only(registry: Registry, type_: str) -> Any:
    """The one resource of ``type_`` in the stack, or else the one the backend owns."""
    found = registry.by_type(type_)
    if len(found) > 1:
        (backend,) = registry.by_type("marketplace:backend:Backend")
        within = {r.urn for r in registry.descendants(backend)}
        found = [r for r in found if r.urn in within]
    (resource,) = found
    return resource


def function(registry: Registry, suffix: str) -> Any:
    (fn,) = [f for f in registry.by_type(FUNCTION) if f.inputs["name"].endswith(suffix)]
    return fn


def kms_arn(registry: Registry) -> str:
    [key] = [k for k in registry.by_type("aws:kms/key:Key") if k.name.endswith("-core-key")]
    return key.outputs["arn"]


# -- data tier ---------------------------------------------------------------------------
def test_table_is_single_table_design_with_declared_indexes(registry: Registry) -> None:
    table = only(registry, TABLE).inputs
    assert (table["hashKey"], table["rangeKey"]) == ("pk", "sk")
    assert [(a["name"], a["type"]) for a in table["attributes"]] == [
        ("pk", "S"), ("sk", "S"), ("gsi1pk", "S"), ("gsi1sk", "S"), ("gsi2pk", "S"),
        ("gsi2sk", "S"), ("gsi3pk", "S"), ("gsi3sk", "S")]
    indexes = {g["name"]: g for g in table["globalSecondaryIndexes"]}
    assert set(indexes) == set(INDEX_KEYS)
    for index, (hash_key, range_key) in INDEX_KEYS.items():
        schema = {k["keyType"]: k["attributeName"] for k in indexes[index]["keySchemas"]}
        assert schema == {"HASH": hash_key, "RANGE": range_key}
        assert indexes[index]["projectionType"] == "ALL"
    assert table["ttl"] == {"attributeName": "expires_at", "enabled": True}
    assert table["pointInTimeRecovery"]["enabled"] is True
    assert table["serverSideEncryption"] == {"enabled": True, "kmsKeyArn": kms_arn(registry)}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_billing_and_deletion_protection_follow_config(stack: str,
                                                       request: pytest.FixtureRequest) -> None:
    registry = request.getfixturevalue(stack)
    expected = EXPECTED[stack]
    table = only(registry, TABLE).inputs
    assert table["billingMode"] == expected.billing_mode
    assert table["deletionProtectionEnabled"] is expected.deletion_protection
    provisioned = stack == "prod"
    assert len(registry.by_type(TARGET)) == (8 if provisioned else 0)
    assert (table.get("readCapacity"), table.get("writeCapacity")) == (
        (20, 10) if provisioned else (None, None))


@pytest.mark.parametrize(("stack", "ignored"), [
    ("dev", ()),
    ("prod", ("readCapacity", "writeCapacity", "globalSecondaryIndexes[*].readCapacity",
              "globalSecondaryIndexes[*].writeCapacity")),
])
def test_autoscaled_capacity_of_table_and_indexes_survives_pulumi_up(
        stack: str, ignored: tuple[str, ...], request: pytest.FixtureRequest) -> None:
    # Prod's table and GSIs are autoscaled: an update must not reset what autoscaling set.
    registry = request.getfixturevalue(stack)
    table = only(registry, TABLE)
    assert table.ignore_changes == ignored
    if ignored:
        assert all("readCapacity" in g for g in table.inputs["globalSecondaryIndexes"])


def test_dev_is_on_demand_without_vpc_dax_or_warm_alias(dev: Registry) -> None:
    assert only(dev, TABLE).inputs["billingMode"] == "PAY_PER_REQUEST"
    for absent in ("aws:ec2/vpc:Vpc", SUBNET, DAX, CACHE, PC, TARGET):
        assert dev.by_type(absent) == [], absent
    assert "vpcConfig" not in function(dev, "-api").inputs


def test_prod_autoscales_reads_and_writes_of_table_and_every_gsi(prod: Registry) -> None:
    table = "table/marketplace-prod-listings"
    targets = {(t.inputs["resourceId"], t.inputs["scalableDimension"]):
               (t.inputs["minCapacity"], t.inputs["maxCapacity"]) for t in prod.by_type(TARGET)}
    # Pulumi.prod.yaml: reads 20..2000, writes 10..500, on the table and on every GSI.
    assert targets == {
        (table, "dynamodb:table:ReadCapacityUnits"): (20, 2000),
        (table, "dynamodb:table:WriteCapacityUnits"): (10, 500),
        **{key: value for index in ("gsi1", "gsi2", "gsi3") for key, value in (
            ((f"{table}/index/{index}", "dynamodb:index:ReadCapacityUnits"), (20, 2000)),
            ((f"{table}/index/{index}", "dynamodb:index:WriteCapacityUnits"), (10, 500)))},
    }
    policies = prod.by_type(POLICY)
    assert len(policies) == 8
    metrics = set()
    for policy in policies:
        tracking = policy.inputs["targetTrackingScalingPolicyConfiguration"]
        assert policy.inputs["policyType"] == "TargetTrackingScaling"
        assert tracking["targetValue"] == 70.0
        assert (tracking["scaleInCooldown"], tracking["scaleOutCooldown"]) == (60, 60)
        metrics.add(tracking["predefinedMetricSpecification"]["predefinedMetricType"])
    assert metrics == {"DynamoDBReadCapacityUtilization", "DynamoDBWriteCapacityUtilization"}


def test_contributor_insights_on_table_and_every_index_where_config_keeps_them(
        dev: Registry, prod: Registry) -> None:
    insights = prod.by_type("aws:dynamodb/contributorInsights:ContributorInsights")
    assert sorted(i.inputs.get("indexName") or "" for i in insights) == [
        "", "gsi1", "gsi2", "gsi3"]
    assert {i.inputs["mode"] for i in insights} == {"ACCESSED_AND_THROTTLED_KEYS"}
    # Each rule bills monthly; dev turns them off (tableContributorInsights).
    assert dev.by_type("aws:dynamodb/contributorInsights:ContributorInsights") == []


# -- network and DAX ---------------------------------------------------------------------
def test_prod_network_is_private_with_only_needed_endpoints(prod: Registry) -> None:
    subnets = prod.by_type(SUBNET)
    assert len(subnets) == 3  # vpcAzCount
    assert len({s.inputs["availabilityZone"] for s in subnets}) == len(subnets)
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in subnets)
    for absent in ("aws:ec2/natGateway:NatGateway", "aws:ec2/internetGateway:InternetGateway",
                   "aws:ec2/eip:Eip"):
        assert prod.by_type(absent) == []
    endpoints = {e.inputs["serviceName"].rsplit(".", 1)[-1]: e.inputs
                 for e in prod.by_type(ENDPOINT)}
    assert set(endpoints) == {"dynamodb", "events", "logs"}
    assert endpoints["dynamodb"]["vpcEndpointType"] == "Gateway"
    assert endpoints["dynamodb"]["routeTableIds"]
    gateway_policy = policy_document(endpoints["dynamodb"]["policy"])
    assert only(prod, TABLE).outputs["arn"] in gateway_policy["Statement"][0]["Resource"]
    for service in ("events", "logs"):
        assert endpoints[service]["privateDnsEnabled"] is True
    flow = only(prod, "aws:ec2/flowLog:FlowLog").inputs
    assert flow["trafficType"] == "ALL"


def test_prod_dax_cluster_is_encrypted_tls_and_sized_from_config(prod: Registry) -> None:
    cluster = only(prod, DAX).inputs
    assert cluster["serverSideEncryption"] == {"enabled": True}
    assert cluster["clusterEndpointEncryptionType"] == "TLS"
    assert cluster["clusterName"] == "marketplace-prod-dax"
    assert cluster["nodeType"] == "dax.r5.large"
    assert cluster["replicationFactor"] == 3
    # Three nodes round robin over the three subnets' zones: one node per zone.
    assert len(set(cluster["availabilityZones"])) == 3
    subnet_group = only(prod, "aws:dax/subnetGroup:SubnetGroup").inputs
    assert sorted(subnet_group["subnetIds"]) == sorted(s.outputs["id"]
                                                       for s in prod.by_type(SUBNET))
    params = {p["name"]: p["value"] for p in
              only(prod, "aws:dax/parameterGroup:ParameterGroup").inputs["parameters"]}
    assert params == {"record-ttl-millis": "300000", "query-ttl-millis": "60000"}
    role_policy = policy_document(prod.named("aws:iam/rolePolicy:RolePolicy",
                                             "marketplace-prod-backend-dax-policy").inputs["policy"])
    table_arn = only(prod, TABLE).outputs["arn"]
    assert role_policy["Statement"][0]["Resource"] == [table_arn, f"{table_arn}/index/*"]
    assert "dynamodb:Scan" not in role_policy["Statement"][0]["Action"]


def test_dax_port_is_open_only_to_the_api_functions_group(prod: Registry) -> None:
    api = function(prod, "-api").inputs
    function_groups = api["vpcConfig"]["securityGroupIds"]
    dax_sg = prod.named("aws:ec2/securityGroup:SecurityGroup", "marketplace-prod-backend-dax-sg")
    rules = [r.inputs for r in prod.by_type(INGRESS)
             if r.inputs["securityGroupId"] == dax_sg.outputs["id"]]
    assert [(r["fromPort"], r["toPort"]) for r in rules] == [(9111, 9111)]
    assert rules[0]["referencedSecurityGroupId"] in function_groups
    assert "cidrIpv4" not in rules[0]


def test_prod_api_function_runs_in_vpc_with_dax_client(prod: Registry) -> None:
    api = function(prod, "-api").inputs
    assert sorted(api["vpcConfig"]["subnetIds"]) == sorted(s.outputs["id"]
                                                           for s in prod.by_type(SUBNET))
    env = api["environment"]["variables"]
    assert env["DAX_ENDPOINT"] == "daxs://" + only(prod, DAX).outputs["clusterAddress"]
    # No published layer is configured: the stack publishes the one `make layers` builds.
    layer = only(prod, "aws:lambda/layerVersion:LayerVersion")
    assert layer.inputs["code"]["path"].endswith("build/api-clients")
    assert layer.inputs["compatibleArchitectures"] == ["arm64"]
    assert layer.inputs["compatibleRuntimes"] == [api["runtime"]]
    assert api["layers"][1:] == [layer.outputs["arn"]]
    policy = policy_document(prod.named("aws:iam/rolePolicy:RolePolicy",
                                        "marketplace-prod-api-policy").inputs["policy"])
    dax_statement = next(s for s in policy["Statement"] if s.get("Sid") == "ListingsCache")
    assert dax_statement["Resource"] == only(prod, DAX).outputs["arn"]


def test_app_cache_is_valkey_serverless_in_the_vpc_when_enabled() -> None:
    layer = API_CLIENTS_LAYER
    registry = dev_features_on()  # appCacheEnabled: true, apiClientsLayerArn: layer
    cache = only(registry, CACHE)
    assert cache.inputs["engine"] == "valkey"
    assert cache.inputs["kmsKeyId"] == kms_arn(registry)
    assert sorted(cache.inputs["subnetIds"]) == sorted(s.outputs["id"]
                                                       for s in registry.by_type(SUBNET))
    assert registry.by_type(DAX) == []  # the VPC exists for the cache alone
    env = function(registry, "-api").inputs["environment"]["variables"]
    assert env["APP_CACHE_ENDPOINT"] == cache.outputs["endpoints"][0]["address"]
    assert env["APP_CACHE_PORT"] == str(cache.outputs["endpoints"][0]["port"])
    assert layer in function(registry, "-api").inputs["layers"]
    ports = sorted(r.inputs["fromPort"] for r in registry.by_type(INGRESS)
                   if r.name.startswith("marketplace-dev-backend-cache-from-functions"))
    assert ports == [6379, 6380]


# -- functions ---------------------------------------------------------------------------
def test_api_function_env_and_least_privilege(registry: Registry, stack: str) -> None:
    api = function(registry, "-api").inputs
    env = api["environment"]["variables"]
    table = only(registry, TABLE)
    bus = only(registry, "aws:cloudwatch/eventBus:EventBus")
    assert env["TABLE_NAME"] == table.inputs["name"]
    assert env["EVENT_BUS_NAME"] == bus.outputs["name"]
    assert env["AUDIT_LOG_GROUP"] == f"/marketplace-{stack}/audit"
    assert env["CATEGORY_SHARDS"] == EXPECTED[stack].category_shards
    assert env["LISTING_TTL_DAYS"] == "0"  # the Reader's default: listings never expire
    assert api["memorySize"] == EXPECTED[stack].api_memory_mb
    policy = policy_document(registry.named("aws:iam/rolePolicy:RolePolicy",
                                            f"marketplace-{stack}-api-policy").inputs["policy"])
    by_sid = {s.get("Sid"): s for s in policy["Statement"]}
    if EXPECTED[stack].dax:
        # Every table call goes through DAX; DAX's own role reads the table.
        assert "ListingsTable" not in by_sid
        assert "ListingsIndexes" not in by_sid
        assert by_sid["ListingsCache"]["Action"] == [
            "dax:GetItem", "dax:BatchGetItem", "dax:Query", "dax:TransactWriteItems",
            "dax:PutItem", "dax:DeleteItem"]
    else:
        assert by_sid["ListingsTable"]["Action"] == [
            "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem",
            "dynamodb:DeleteItem"]
        assert by_sid["ListingsTable"]["Resource"] == table.outputs["arn"]
        assert by_sid["ListingsIndexes"] == {
            "Sid": "ListingsIndexes", "Effect": "Allow", "Action": ["dynamodb:Query"],
            "Resource": f"{table.outputs['arn']}/index/*"}
    assert by_sid["PublishDomainEvents"]["Resource"] == bus.outputs["arn"]
    assert by_sid["WriteAuditEvents"]["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert by_sid["WriteAuditEvents"]["Resource"].endswith(f"/marketplace-{stack}/audit"
                                                           ":log-stream:*")


def test_api_cold_start_strategy_from_the_stack_file(registry: Registry, stack: str) -> None:
    # prod: api=snapstart on published versions; the live alias names the published version.
    api = function(registry, "-api")
    snap = api.inputs.get("snapStart")
    if EXPECTED[stack].api_snapstart:
        assert snap == {"applyOn": "PublishedVersions"}
        assert api.inputs["publish"] is True
        alias = [a for a in registry.by_type("aws:lambda/alias:Alias")
                 if a.inputs["functionName"] == api.outputs["name"]]
        assert [a.inputs["functionVersion"] for a in alias] == [api.outputs["version"]]
    else:
        assert snap is None
    others = [f for f in registry.by_type(FUNCTION) if f is not api]
    assert others
    assert all(f.inputs.get("snapStart") is None for f in others)


def test_provisioned_concurrency_only_when_configured_on_the_live_alias(registry: Registry,
                                                                        stack: str) -> None:
    wanted = EXPECTED[stack].provisioned_concurrency
    configs = [c.inputs for c in registry.by_type(PC)]
    if wanted == 0:
        assert configs == []
        return
    (config,) = configs
    assert config["qualifier"] == "live"
    assert config["provisionedConcurrentExecutions"] == wanted
    assert config["functionName"] == function(registry, "-api").outputs["name"]


# -- API ---------------------------------------------------------------------------------
def test_stage_has_tracing_json_access_logs_and_cache_from_config(registry: Registry,
                                                                  stack: str) -> None:
    expected = EXPECTED[stack]
    stage = only(registry, STAGE).inputs
    assert stage["xrayTracingEnabled"] is True
    assert stage["stageName"] == "v1"
    logs = registry.named("aws:cloudwatch/logGroup:LogGroup",
                          f"marketplace-{stack}-backend-rest-access-logs")
    assert stage["accessLogSettings"]["destinationArn"] == logs.outputs["arn"]
    fields = json.loads(stage["accessLogSettings"]["format"])
    assert fields["requestId"] == "$context.requestId"
    assert fields["xrayTraceId"] == "$context.xrayTraceId"
    assert logs.inputs["name"] == f"/aws/apigateway/marketplace-{stack}-listings-api/access"
    assert logs.inputs["retentionInDays"] == expected.log_retention_days
    assert logs.inputs["kmsKeyId"] == kms_arn(registry)
    assert stage["cacheClusterEnabled"] is (expected.cache_size_gb is not None)
    assert stage.get("cacheClusterSize") == expected.cache_size_gb
    # The region's API Gateway CloudWatch role is the account baseline's (prod's).
    assert len(registry.by_type("aws:apigateway/account:Account")) == {"dev": 0, "prod": 1}[stack]


def test_method_settings_throttle_and_cache_per_route(registry: Registry, stack: str) -> None:
    rate, burst = EXPECTED[stack].throttle
    settings = {s.inputs["methodPath"]: s.inputs["settings"] for s in registry.by_type(SETTINGS)}
    default = settings["*/*"]
    assert default["metricsEnabled"] is True
    assert default["loggingLevel"] == "ERROR"
    assert default["dataTraceEnabled"] is False
    assert default["throttlingRateLimit"] == rate
    assert default["throttlingBurstLimit"] == burst
    assert default["cachingEnabled"] is False
    if stack == "dev":  # no stage cache
        assert set(settings) == {"*/*"}
        return
    assert set(settings) == {"*/*", *PROD_CACHE_TTLS}
    for path, ttl in PROD_CACHE_TTLS.items():
        assert settings[path]["cachingEnabled"] is True
        assert settings[path]["cacheDataEncrypted"] is True
        assert settings[path]["cacheTtlInSeconds"] == ttl
        assert settings[path]["throttlingRateLimit"] == rate


def test_write_routes_use_the_cognito_authorizer(registry: Registry) -> None:
    authorizer = only(registry, "aws:apigateway/authorizer:Authorizer")
    pool = only(registry, "aws:cognito/userPool:UserPool")
    assert authorizer.inputs["type"] == "COGNITO_USER_POOLS"
    assert authorizer.inputs["providerArns"] == [pool.outputs["arn"]]
    by_label = {m.name.rsplit("-rest-", 1)[-1]: m.inputs for m in registry.by_type(METHOD)}
    assert {label: m["authorization"] for label, m in by_label.items()} == ROUTE_AUTHORIZATION
    for label, authorization in ROUTE_AUTHORIZATION.items():
        assert by_label[label].get("authorizerId") == (
            authorizer.outputs["id"] if authorization == "COGNITO_USER_POOLS" else None)


def test_gateway_errors_are_json_like_the_handlers(registry: Registry) -> None:
    responses = {r.inputs["responseType"]: r.inputs
                 for r in registry.by_type("aws:apigateway/response:Response")}
    assert set(responses) == {"DEFAULT_4XX", "DEFAULT_5XX"}
    for response in responses.values():
        template = response["responseTemplates"]["application/json"]
        assert '"message":$context.error.messageString' in template


def test_integrations_invoke_the_live_alias_with_cache_keys(registry: Registry, stack: str) -> None:
    alias = registry.named("aws:lambda/alias:Alias", f"marketplace-{stack}-api-live")
    for integration in registry.by_type(INTEGRATION):
        assert integration.inputs["type"] == "AWS_PROXY"
        assert integration.inputs["uri"] == alias.outputs["invokeArn"]
    get_one = next(i for i in registry.by_type(INTEGRATION)
                   if i.name.endswith("listings-id-get-lambda"))
    assert get_one.inputs["cacheKeyParameters"] == ["method.request.path.id"]
    permission = registry.named("aws:lambda/permission:Permission",
                                f"marketplace-{stack}-backend-rest-invokes-function")
    assert permission.inputs["qualifier"] == "live"
    assert permission.inputs["principal"] == "apigateway.amazonaws.com"
    assert permission.inputs["sourceArn"].endswith("/v1/*/*")


def test_user_pool_triggers_post_confirmation_alias(registry: Registry, stack: str) -> None:
    pool = only(registry, "aws:cognito/userPool:UserPool").inputs
    alias = registry.named("aws:lambda/alias:Alias", f"marketplace-{stack}-post-confirmation-live")
    assert pool["lambdaConfig"]["postConfirmation"] == alias.outputs["arn"]
    assert pool["deletionProtection"] == EXPECTED[stack].user_pool_deletion_protection
    permission = registry.named("aws:lambda/permission:Permission",
                                f"marketplace-{stack}-backend-users-invokes-post-confirmation")
    assert permission.inputs["principal"] == "cognito-idp.amazonaws.com"
    assert permission.inputs["sourceArn"] == only(
        registry, "aws:cognito/userPool:UserPool").outputs["arn"]
    group = only(registry, "aws:cognito/userGroup:UserGroup").inputs
    assert group["name"] == "admins"
    assert group["name"] == ADMINS_GROUP  # the group the handler honours
    client = only(registry, "aws:cognito/userPoolClient:UserPoolClient").inputs
    assert client["generateSecret"] is False
    assert client["preventUserExistenceErrors"] == "ENABLED"


def test_exports(registry: Registry) -> None:
    exports = registry.exports
    api_id = only(registry, "aws:apigateway/restApi:RestApi").outputs["id"]
    assert exports["apiOriginDomain"] == f"{api_id}.execute-api.us-east-1.amazonaws.com"
    assert exports["apiUrl"] == f"https://{api_id}.execute-api.us-east-1.amazonaws.com/v1/"
    assert exports["listingsTableName"] == only(registry, TABLE).inputs["name"]
    assert exports["userPoolId"] == only(registry, "aws:cognito/userPool:UserPool").outputs["id"]
    assert exports["userPoolClientId"]


# -- monitored items ---------------------------------------------------------------------
def _backend(stack: str) -> Any:
    from components.backend.component import Backend, BackendArgs
    from components.config import load
    from components.platform.audit_log import AuditLog, AuditLogArgs
    from components.platform.core import PlatformCore, PlatformCoreArgs
    from components.platform.event_bus import EventBus, EventBusArgs
    from tests.components.platform.support import context_for

    built: dict[str, Any] = {}

    def program() -> None:
        config = load()
        p = config.platform
        core = PlatformCore("core", PlatformCoreArgs(platform=p))
        opts = pulumi.ResourceOptions(providers=core.providers)
        context = context_for(core, stack, platform_config=p, lambdas=config.lambdas)
        bus = EventBus("bus", EventBusArgs(context=context, archive_retention_days=1), opts)
        audit = AuditLog("audit", AuditLogArgs(context=context), opts)
        built["backend"] = Backend("be", BackendArgs(
            context=context, config=config.backend, event_bus_name=bus.name,
            event_bus_arn=bus.arn, audit_log_group_name=audit.name,
            audit_log_stream_arn=audit.stream_arn), opts)

    run_program(stack, program)
    return built["backend"]


def test_monitored_items_cover_everything_worth_watching() -> None:
    backend = _backend("prod")
    kinds = [i.kind for i in backend.monitored_items]
    assert kinds.count(Kind.LAMBDA) == 2
    # API Gateway and Cognito invoke synchronously: neither function has a failure queue.
    assert kinds.count(Kind.SQS_QUEUE) == 0
    assert kinds.count(Kind.DYNAMODB_TABLE) == 1
    assert kinds.count(Kind.DYNAMODB_GSI) == 3
    assert kinds.count(Kind.DAX_CLUSTER) == 1
    assert kinds.count(Kind.ELASTICACHE) == 0
    (stage,) = [i for i in backend.monitored_items if i.kind is Kind.API_STAGE]
    assert set(stage.dimensions) == {"ApiName", "Stage"}
    assert stage.dimensions["Stage"] == "v1"
    # Pulumi.prod.yaml: 99.9 % available, 99 % of requests within 400 ms.
    assert stage.slo.availability_percent == 99.9
    assert (stage.slo.latency_ms, stage.slo.latency_percent) == (400, 99.0)
    gsis = {i.dimensions["GlobalSecondaryIndexName"] for i in backend.monitored_items
            if i.kind is Kind.DYNAMODB_GSI}
    assert gsis == {"gsi1", "gsi2", "gsi3"}
    assert backend.api_stage_name == "v1"
    (dax,) = [i for i in backend.monitored_items if i.kind is Kind.DAX_CLUSTER]
    assert dax.attributes == {"node_count": 3}


# -- config ------------------------------------------------------------------------------
@pytest.mark.parametrize(("overrides", "key"), [
    ({"apiClientsLayerArn": "arn:aws:s3:::bucket"}, "marketplace:apiClientsLayerArn"),
    ({"tableBillingMode": "ON_DEMAND"}, "marketplace:tableBillingMode"),
    ({"tableReadCapacityMin": 50, "tableReadCapacityMax": 10},
     "marketplace:tableReadCapacityMax"),
    ({"apiCacheSizeGb": "2"}, "marketplace:apiCacheSizeGb"),
    ({"apiCacheTtlSeconds": ["getListing=4000"]}, "marketplace:apiCacheTtlSeconds[0]"),
    ({"apiCacheTtlSeconds": ["getListings=10"]}, "marketplace:apiCacheTtlSeconds[0]"),
    ({"vpcCidr": "10.0.0.0/8"}, "marketplace:vpcCidr"),
    ({"vpcInterfaceEndpoints": ["s3"]}, "marketplace:vpcInterfaceEndpoints[0]"),
    ({"daxNodeType": "dax.m5.large"}, "marketplace:daxNodeType"),
    ({"categoryShards": 0}, "marketplace:categoryShards"),
])
def test_bad_backend_config_names_the_key(overrides: dict, key: str) -> None:
    with pytest.raises(ConfigError) as error:
        build(config_of("dev", **overrides), project="marketplace", stack="dev")
    assert key in error.value.keys


def test_subnets_are_carved_from_the_vpc_cidr() -> None:
    from components.blocks.network import subnet_cidrs

    assert subnet_cidrs("10.40.0.0/16", 3) == ["10.40.0.0/20", "10.40.16.0/20", "10.40.32.0/20"]
    assert subnet_cidrs("10.40.0.0/24", 2) == ["10.40.0.0/28", "10.40.0.16/28"]
    with pytest.raises(ValueError, match="too small"):
        subnet_cidrs("10.40.0.0/28", 2)


def test_prod_api_accepts_only_requests_that_carry_cloudfronts_secret(prod: Registry) -> None:
    (guard,) = prod.by_type("marketplace:backend:ApiOriginGuard")
    within = {r.urn for r in prod.descendants(guard)}
    (secret,) = [r for r in prod.by_type("random:index/randomPassword:RandomPassword")
                 if r.urn in within]
    acl = next(r for r in prod.by_type("aws:wafv2/webAcl:WebAcl") if r.urn in within)
    assert acl.inputs["scope"] == "REGIONAL"
    assert acl.inputs["defaultAction"] == {"block": {}}
    (rule,) = acl.inputs["rules"]
    match = rule["statement"]["byteMatchStatement"]
    assert rule["action"] == {"allow": {}}
    assert match["fieldToMatch"] == {"singleHeader": {"name": "x-origin-verify"}}
    assert match["positionalConstraint"] == "EXACTLY"
    value = secret.outputs["result"]
    assert match["searchString"] == value
    (association,) = prod.by_type("aws:wafv2/webAclAssociation:WebAclAssociation")
    assert association.inputs["resourceArn"] == only(prod, "aws:apigateway/stage:Stage"
                                                      ).outputs["arn"]
    assert association.inputs["webAclArn"] == acl.outputs["arn"]
    # CloudFront sends the same secret to the API origin, and only there.
    dist = only(prod, "aws:cloudfront/distribution:Distribution")
    with_headers = {o["originId"]: o["customHeaders"] for o in dist.inputs["origins"]
                    if o.get("customHeaders")}
    assert with_headers == {"api": [{"name": "x-origin-verify", "value": value}]}


def test_prod_origin_guard_logs_with_its_secret_redacted(prod: Registry) -> None:
    (guard,) = prod.by_type("marketplace:backend:ApiOriginGuard")
    within = {r.urn for r in prod.descendants(guard)}
    acl = next(r for r in prod.by_type("aws:wafv2/webAcl:WebAcl") if r.urn in within)
    (logging,) = [r for r in prod.by_type(
        "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration") if r.urn in within]
    (group,) = [r for r in prod.by_type("aws:cloudwatch/logGroup:LogGroup") if r.urn in within]
    assert logging.inputs["resourceArn"] == acl.outputs["arn"]
    assert logging.inputs["logDestinationConfigs"] == [group.outputs["arn"]]
    assert group.inputs["name"] == "aws-waf-logs-marketplace-prod-api-origin"
    assert group.inputs["retentionInDays"] == 365
    assert group.inputs["kmsKeyId"] == kms_arn(prod)
    redacted = [f["singleHeader"]["name"] for f in logging.inputs["redactedFields"]]
    assert redacted == ["x-origin-verify", "authorization", "cookie"]


def test_dev_api_has_no_origin_guard(dev: Registry) -> None:
    assert not dev.by_type("marketplace:backend:ApiOriginGuard")
    dist = only(dev, "aws:cloudfront/distribution:Distribution")
    assert all(not o.get("customHeaders") for o in dist.inputs["origins"])


@pytest.mark.parametrize(("stack", "email"), [
    ("dev", {"emailSendingAccount": "COGNITO_DEFAULT"}),
    ("prod", {"emailSendingAccount": "DEVELOPER",
              "sourceArn": "arn:aws:ses:us-east-1:123456789012:identity/marketplace.example.com",
              "fromEmailAddress": "Marketplace <no-reply@marketplace.example.com>"}),
])
def test_prod_user_pool_sends_through_ses_and_dev_through_cognito(
        stack: str, email: dict, request: pytest.FixtureRequest) -> None:
    registry = request.getfixturevalue(stack)
    assert only(registry, "aws:cognito/userPool:UserPool").inputs["emailConfiguration"] == email
