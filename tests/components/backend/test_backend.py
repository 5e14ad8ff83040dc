"""The backend under the recording mocks: both stacks, and config variations."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from components.backend.rest_api import ROUTES
from components.blocks.monitored_items import Kind
from components.config import ConfigError, build
from functions.api import keys
from functions.api.roles import ADMINS_GROUP
from tests.helpers import (
    config_of,
    lambda_defaults,
    policy_document,
    run_program,
    stack_config,
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


def backend_config(stack: str):
    return build(dict(stack_config(stack)[0]), project="marketplace", stack=stack).backend


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
    assert (table["hashKey"], table["rangeKey"]) == (keys.PK, keys.SK)
    assert {a["name"] for a in table["attributes"]} == set(keys.key_attributes())
    indexes = {g["name"]: g for g in table["globalSecondaryIndexes"]}
    assert set(indexes) == {"gsi1", "gsi2", "gsi3"}
    for index in keys.INDEXES:
        schema = {k["keyType"]: k["attributeName"] for k in indexes[index.name]["keySchemas"]}
        assert schema == {"HASH": index.hash_key, "RANGE": index.range_key}
        assert indexes[index.name]["projectionType"] == "ALL"
    assert table["ttl"] == {"attributeName": keys.TTL_ATTRIBUTE, "enabled": True}
    assert table["pointInTimeRecovery"]["enabled"] is True
    assert table["serverSideEncryption"] == {"enabled": True, "kmsKeyArn": kms_arn(registry)}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_billing_and_deletion_protection_follow_config(stack: str,
                                                       request: pytest.FixtureRequest) -> None:
    registry = request.getfixturevalue(stack)
    config = backend_config(stack)
    table = only(registry, TABLE).inputs
    assert table["billingMode"] == config.billing_mode
    assert table["deletionProtectionEnabled"] is config.table_deletion_protection
    provisioned = config.billing_mode == "PROVISIONED"
    assert bool(registry.by_type(TARGET)) is provisioned
    assert ("readCapacity" in table) is provisioned


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
    config = backend_config("prod")
    table_name = only(prod, TABLE).inputs["name"]
    targets = {(t.inputs["resourceId"], t.inputs["scalableDimension"]): t.inputs
               for t in prod.by_type(TARGET)}
    expected_ids = [f"table/{table_name}"] + [f"table/{table_name}/index/{i.name}"
                                              for i in keys.INDEXES]
    for resource_id in expected_ids:
        what = "table" if "/index/" not in resource_id else "index"
        for direction, low, high in (("Read", config.read_capacity_min, config.read_capacity_max),
                                     ("Write", config.write_capacity_min,
                                      config.write_capacity_max)):
            target = targets[(resource_id, f"dynamodb:{what}:{direction}CapacityUnits")]
            assert (target["minCapacity"], target["maxCapacity"]) == (low, high)
    assert len(targets) == 2 * len(expected_ids)
    policies = prod.by_type(POLICY)
    assert len(policies) == len(targets)
    for policy in policies:
        tracking = policy.inputs["targetTrackingScalingPolicyConfiguration"]
        assert policy.inputs["policyType"] == "TargetTrackingScaling"
        assert tracking["targetValue"] == config.capacity_target_percent


def test_contributor_insights_on_table_and_every_index(registry: Registry) -> None:
    insights = registry.by_type("aws:dynamodb/contributorInsights:ContributorInsights")
    assert sorted(i.inputs.get("indexName") or "" for i in insights) == [
        "", *sorted(i.name for i in keys.INDEXES)]


# -- network and DAX ---------------------------------------------------------------------
def test_prod_network_is_private_with_only_needed_endpoints(prod: Registry) -> None:
    config = backend_config("prod")
    subnets = prod.by_type(SUBNET)
    assert len(subnets) == config.vpc_az_count >= 2
    assert len({s.inputs["availabilityZone"] for s in subnets}) == len(subnets)
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in subnets)
    for absent in ("aws:ec2/natGateway:NatGateway", "aws:ec2/internetGateway:InternetGateway",
                   "aws:ec2/eip:Eip"):
        assert prod.by_type(absent) == []
    endpoints = {e.inputs["serviceName"].rsplit(".", 1)[-1]: e.inputs
                 for e in prod.by_type(ENDPOINT)}
    assert set(endpoints) == {"dynamodb", *config.vpc_interface_endpoints}
    assert endpoints["dynamodb"]["vpcEndpointType"] == "Gateway"
    assert endpoints["dynamodb"]["routeTableIds"]
    gateway_policy = policy_document(endpoints["dynamodb"]["policy"])
    assert only(prod, TABLE).outputs["arn"] in gateway_policy["Statement"][0]["Resource"]
    for service in config.vpc_interface_endpoints:
        assert endpoints[service]["privateDnsEnabled"] is True
    flow = only(prod, "aws:ec2/flowLog:FlowLog").inputs
    assert flow["trafficType"] == "ALL"


def test_prod_dax_cluster_is_encrypted_tls_and_sized_from_config(prod: Registry) -> None:
    config = backend_config("prod")
    cluster = only(prod, DAX).inputs
    assert cluster["serverSideEncryption"] == {"enabled": True}
    assert cluster["clusterEndpointEncryptionType"] == "TLS"
    assert cluster["nodeType"] == config.dax_node_type
    assert cluster["replicationFactor"] == config.dax_node_count
    assert len(set(cluster["availabilityZones"])) >= 2
    subnet_group = only(prod, "aws:dax/subnetGroup:SubnetGroup").inputs
    assert sorted(subnet_group["subnetIds"]) == sorted(s.outputs["id"]
                                                       for s in prod.by_type(SUBNET))
    params = {p["name"]: p["value"] for p in
              only(prod, "aws:dax/parameterGroup:ParameterGroup").inputs["parameters"]}
    assert params == {"record-ttl-millis": str(config.dax_item_ttl_seconds * 1000),
                      "query-ttl-millis": str(config.dax_query_ttl_seconds * 1000)}
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
    config = backend_config("prod")
    api = function(prod, "-api").inputs
    assert sorted(api["vpcConfig"]["subnetIds"]) == sorted(s.outputs["id"]
                                                           for s in prod.by_type(SUBNET))
    env = api["environment"]["variables"]
    assert env["DAX_ENDPOINT"] == "daxs://" + only(prod, DAX).outputs["clusterAddress"]
    # No published layer is configured: the stack publishes the one `make layers` builds.
    assert config.api_clients_layer_arn is None
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
    layer = "arn:aws:lambda:us-east-1:123456789012:layer:api-clients:3"
    registry = run_program("dev", appCacheEnabled=True, apiClientsLayerArn=layer)
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
    assert env["CATEGORY_SHARDS"] == str(backend_config(stack).category_shards)
    assert api["memorySize"] == backend_config(stack).api_memory_mb
    policy = policy_document(registry.named("aws:iam/rolePolicy:RolePolicy",
                                            f"marketplace-{stack}-api-policy").inputs["policy"])
    by_sid = {s.get("Sid"): s for s in policy["Statement"]}
    if backend_config(stack).dax_enabled:
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


def test_provisioned_concurrency_only_in_prod_on_the_live_alias(registry: Registry,
                                                                stack: str) -> None:
    wanted = backend_config(stack).api_provisioned_concurrency
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
    config = backend_config(stack)
    stage = only(registry, STAGE).inputs
    assert stage["xrayTracingEnabled"] is True
    assert stage["stageName"] == config.api_stage_name
    logs = registry.named("aws:cloudwatch/logGroup:LogGroup",
                          f"marketplace-{stack}-backend-rest-access-logs")
    assert stage["accessLogSettings"]["destinationArn"] == logs.outputs["arn"]
    fields = json.loads(stage["accessLogSettings"]["format"])
    assert fields["requestId"] == "$context.requestId"
    assert fields["xrayTraceId"] == "$context.xrayTraceId"
    assert logs.inputs["retentionInDays"] == lambda_defaults(stack).log_retention_days
    assert logs.inputs["kmsKeyId"] == kms_arn(registry)
    assert stage["cacheClusterEnabled"] is config.api_cache_enabled
    assert stage.get("cacheClusterSize") == (config.api_cache_size_gb
                                             if config.api_cache_enabled else None)
    # The region's API Gateway CloudWatch role is the account baseline's (prod's).
    assert len(registry.by_type("aws:apigateway/account:Account")) == {"dev": 0, "prod": 1}[stack]


def test_method_settings_throttle_and_cache_per_route(registry: Registry, stack: str) -> None:
    config = backend_config(stack)
    settings = {s.inputs["methodPath"]: s.inputs["settings"] for s in registry.by_type(SETTINGS)}
    default = settings["*/*"]
    assert default["metricsEnabled"] is True
    assert default["throttlingRateLimit"] == config.api_throttle_rate_limit
    assert default["throttlingBurstLimit"] == config.api_throttle_burst_limit
    assert default["cachingEnabled"] is False
    cached = {r.method_path: config.api_cache_ttls[r.cache] for r in ROUTES if r.cache}
    if not config.api_cache_enabled:
        assert set(settings) == {"*/*"}
        return
    assert set(settings) == {"*/*", *cached}
    for path, ttl in cached.items():
        assert settings[path]["cachingEnabled"] is True
        assert settings[path]["cacheDataEncrypted"] is True
        assert settings[path]["cacheTtlInSeconds"] == ttl
        assert settings[path]["throttlingRateLimit"] == config.api_throttle_rate_limit


def test_write_routes_use_the_cognito_authorizer(registry: Registry) -> None:
    authorizer = only(registry, "aws:apigateway/authorizer:Authorizer")
    pool = only(registry, "aws:cognito/userPool:UserPool")
    assert authorizer.inputs["type"] == "COGNITO_USER_POOLS"
    assert authorizer.inputs["providerArns"] == [pool.outputs["arn"]]
    methods = registry.by_type(METHOD)
    assert len(methods) == len(ROUTES)
    by_label = {m.name.rsplit("-rest-", 1)[-1]: m.inputs for m in methods}
    for route in ROUTES:
        label = "-".join(p.strip("{}") for p in route.path.strip("/").split("/"))
        method = by_label[f"{label}-{route.method.lower()}"]
        if route.authorized:
            assert method["authorization"] == "COGNITO_USER_POOLS"
            assert method["authorizerId"] == authorizer.outputs["id"]
        else:
            assert method["authorization"] == "NONE"
    assert {r.method for r in ROUTES if r.authorized} == {"POST", "PUT", "DELETE"}


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
    assert permission.inputs["sourceArn"].endswith(
        f"/{backend_config(stack).api_stage_name}/*/*")


def test_user_pool_triggers_post_confirmation_alias(registry: Registry, stack: str) -> None:
    pool = only(registry, "aws:cognito/userPool:UserPool").inputs
    alias = registry.named("aws:lambda/alias:Alias", f"marketplace-{stack}-post-confirmation-live")
    assert pool["lambdaConfig"]["postConfirmation"] == alias.outputs["arn"]
    assert pool["deletionProtection"] == (
        "ACTIVE" if backend_config(stack).user_pool_deletion_protection else "INACTIVE")
    permission = registry.named("aws:lambda/permission:Permission",
                                f"marketplace-{stack}-backend-users-invokes-post-confirmation")
    assert permission.inputs["principal"] == "cognito-idp.amazonaws.com"
    assert permission.inputs["sourceArn"] == only(
        registry, "aws:cognito/userPool:UserPool").outputs["arn"]
    group = only(registry, "aws:cognito/userGroup:UserGroup").inputs
    assert group["name"] == ADMINS_GROUP  # the group the handler honours
    client = only(registry, "aws:cognito/userPoolClient:UserPoolClient").inputs
    assert client["generateSecret"] is False
    assert client["preventUserExistenceErrors"] == "ENABLED"


def test_exports(registry: Registry) -> None:
    exports = registry.exports
    stage = only(registry, STAGE).inputs["stageName"]
    api_id = only(registry, "aws:apigateway/restApi:RestApi").outputs["id"]
    assert exports["apiOriginDomain"] == f"{api_id}.execute-api.us-east-1.amazonaws.com"
    assert exports["apiUrl"] == f"https://{exports['apiOriginDomain']}/{stage}/"
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
            prefix=p.prefix, config=config.backend, lambdas=config.lambdas,
            kms_key_arn=core.kms_key_arn, region=p.region, owner=p.owner,
            metrics_namespace=p.metrics_namespace, event_bus_name=bus.name,
            event_bus_arn=bus.arn, audit_log_group_name=audit.name,
            audit_log_stream_arn=audit.stream_arn), opts)

    run_program(stack, program)
    return built["backend"]


def test_monitored_items_cover_everything_worth_watching() -> None:
    backend = _backend("prod")
    config = backend_config("prod")
    kinds = [i.kind for i in backend.monitored_items]
    assert kinds.count(Kind.LAMBDA) == 2
    # API Gateway and Cognito invoke synchronously: neither function has a failure queue.
    assert kinds.count(Kind.SQS_QUEUE) == 0
    assert kinds.count(Kind.DYNAMODB_TABLE) == 1
    assert kinds.count(Kind.DYNAMODB_GSI) == len(keys.INDEXES)
    assert kinds.count(Kind.DAX_CLUSTER) == 1
    assert kinds.count(Kind.ELASTICACHE) == 0
    (stage,) = [i for i in backend.monitored_items if i.kind is Kind.API_STAGE]
    assert set(stage.dimensions) == {"ApiName", "Stage"}
    assert stage.dimensions["Stage"] == config.api_stage_name
    assert stage.slo.availability_percent == config.slo_availability_percent
    assert (stage.slo.latency_ms, stage.slo.latency_percent) == (config.slo_latency_ms,
                                                                 config.slo_latency_percent)
    gsis = {i.dimensions["GlobalSecondaryIndexName"] for i in backend.monitored_items
            if i.kind is Kind.DYNAMODB_GSI}
    assert gsis == {i.name for i in keys.INDEXES}
    assert backend.api_stage_name == config.api_stage_name
    assert backend.api_function.monitored_items[0].kind is Kind.LAMBDA


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
