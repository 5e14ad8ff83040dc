"""Realistic outputs for mocked resources and provider calls.

The engine fills in computed properties (ARNs, ids, endpoints, auto-names); these functions do
the same deterministically so a preview is stable from run to run. Resource types not in
:data:`ARN_FORMATS` get an ARN built from their type token, which is right for most services.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

Outputs = dict[str, Any]

# type token -> ARN template; {p}=partition, {r}=region, {a}=account, {n}=physical name.
ARN_FORMATS: dict[str, str] = {
    "aws:iam/role:Role": "arn:{p}:iam::{a}:role/{n}",
    # A hierarchical name ("/a/b") follows "parameter" directly; the stack's all are.
    "aws:ssm/parameter:Parameter": "arn:{p}:ssm:{r}:{a}:parameter{n}",
    "aws:iam/policy:Policy": "arn:{p}:iam::{a}:policy/{n}",
    "aws:iam/user:User": "arn:{p}:iam::{a}:user/{n}",
    "aws:lambda/function:Function": "arn:{p}:lambda:{r}:{a}:function:{n}",
    "aws:cloudwatch/logGroup:LogGroup": "arn:{p}:logs:{r}:{a}:log-group:{n}",
    "aws:sqs/queue:Queue": "arn:{p}:sqs:{r}:{a}:{n}",
    "aws:sns/topic:Topic": "arn:{p}:sns:{r}:{a}:{n}",
    "aws:s3/bucket:Bucket": "arn:{p}:s3:::{n}",
    "aws:dynamodb/table:Table": "arn:{p}:dynamodb:{r}:{a}:table/{n}",
    "aws:kinesis/stream:Stream": "arn:{p}:kinesis:{r}:{a}:stream/{n}",
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream":
        "arn:{p}:firehose:{r}:{a}:deliverystream/{n}",
    "aws:cloudwatch/eventBus:EventBus": "arn:{p}:events:{r}:{a}:event-bus/{n}",
    "aws:cloudwatch/eventRule:EventRule": "arn:{p}:events:{r}:{a}:rule/{n}",
    "aws:cloudwatch/eventArchive:EventArchive": "arn:{p}:events:{r}:{a}:archive/{n}",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "arn:{p}:cloudwatch:{r}:{a}:alarm:{n}",
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": "arn:{p}:cloudwatch:{r}:{a}:alarm:{n}",
    "aws:cloudwatch/dashboard:Dashboard": "arn:{p}:cloudwatch::{a}:dashboard/{n}",
    "aws:secretsmanager/secret:Secret": "arn:{p}:secretsmanager:{r}:{a}:secret:{n}-AbCdEf",
    "aws:cloudfront/distribution:Distribution": "arn:{p}:cloudfront::{a}:distribution/{i}",
    "aws:wafv2/webAcl:WebAcl": "arn:{p}:wafv2:{r}:{a}:{scope}/webacl/{n}/{i}",
    "aws:acm/certificate:Certificate": "arn:{p}:acm:{r}:{a}:certificate/{i}",
    "aws:kms/key:Key": "arn:{p}:kms:{r}:{a}:key/{i}",
    "aws:kms/alias:Alias": "arn:{p}:kms:{r}:{a}:{n}",
    "aws:glue/catalogDatabase:CatalogDatabase": "arn:{p}:glue:{r}:{a}:database/{n}",
    "aws:athena/workgroup:Workgroup": "arn:{p}:athena:{r}:{a}:workgroup/{n}",
    "aws:cognito/userPool:UserPool": "arn:{p}:cognito-idp:{r}:{a}:userpool/{i}",
    "aws:cloudtrail/trail:Trail": "arn:{p}:cloudtrail:{r}:{a}:trail/{n}",
    "aws:dax/cluster:Cluster": "arn:{p}:dax:{r}:{a}:cache/{n}",
    "aws:apigateway/restApi:RestApi": "arn:{p}:apigateway:{r}::/restapis/{i}",
    "aws:apigateway/stage:Stage": "arn:{p}:apigateway:{r}::/restapis/{api}/stages/{n}",
    "aws:cloudfront/function:Function": "arn:{p}:cloudfront::{a}:function/{n}",
    "aws:cloudfront/realtimeLogConfig:RealtimeLogConfig":
        "arn:{p}:cloudfront::{a}:realtime-log-config/{n}",
    "aws:cloudwatch/logDeliverySource:LogDeliverySource":
        "arn:{p}:logs:{r}:{a}:delivery-source:{n}",
    "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination":
        "arn:{p}:logs:{r}:{a}:delivery-destination:{n}",
    "aws:cloudwatch/logDelivery:LogDelivery": "arn:{p}:logs:{r}:{a}:delivery:{i}",
    # analytics
    "aws:timestreamwrite/database:Database": "arn:{p}:timestream:{r}:{a}:database/{n}",
    "aws:quicksight/dataSource:DataSource": "arn:{p}:quicksight:{r}:{a}:datasource/{n}",
    "aws:quicksight/dataSet:DataSet": "arn:{p}:quicksight:{r}:{a}:dataset/{n}",
    "aws:timestreaminfluxdb/dbInstance:DbInstance":
        "arn:{p}:timestream-influxdb:{r}:{a}:db-instance/{i}",
    "aws:elasticache/serverlessCache:ServerlessCache":
        "arn:{p}:elasticache:{r}:{a}:serverlesscache:{n}",
    "aws:guardduty/detector:Detector": "arn:{p}:guardduty:{r}:{a}:detector/{i}",
    "aws:costexplorer/anomalyMonitor:AnomalyMonitor": "arn:{p}:ce::{a}:anomalymonitor/{i}",
    "aws:costexplorer/anomalySubscription:AnomalySubscription":
        "arn:{p}:ce::{a}:anomalysubscription/{i}",
    "aws:budgets/budget:Budget": "arn:{p}:budgets::{a}:budget/{n}",
    "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration":
        "arn:{p}:chatbot::{a}:chat-configuration/slack-channel/{n}",
    "aws:rum/appMonitor:AppMonitor": "arn:{p}:rum:{r}:{a}:appmonitor/{n}",
    "aws:cognito/identityPool:IdentityPool": "arn:{p}:cognito-identity:{r}:{a}:identitypool/{i}",
    "aws:synthetics/canary:Canary": "arn:{p}:synthetics:{r}:{a}:canary:{n}",
    "aws:xray/group:Group": "arn:{p}:xray:{r}:{a}:group/{n}/{i}",
    "aws:xray/samplingRule:SamplingRule": "arn:{p}:xray:{r}:{a}:sampling-rule/{n}",
}

# Which input holds the physical name, when it is not ``name``.
NAME_INPUTS: dict[str, str] = {
    "aws:s3/bucket:Bucket": "bucket",
    "aws:dax/cluster:Cluster": "clusterName",
    "aws:lambda/alias:Alias": "name",
    "aws:apigateway/stage:Stage": "stageName",
    # analytics
    "aws:timestreamwrite/database:Database": "databaseName",
    "aws:timestreamwrite/table:Table": "tableName",
    "aws:quicksight/dataSource:DataSource": "dataSourceId",
    "aws:quicksight/dataSet:DataSet": "dataSetId",
    "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": "configurationName",
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": "alarmName",
    "aws:cloudwatch/dashboard:Dashboard": "dashboardName",
    "aws:xray/group:Group": "groupName",
    "aws:xray/samplingRule:SamplingRule": "ruleName",
}


def _digest(*parts: str, length: int = 8) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def _physical_name(type_: str, name: str, inputs: dict[str, Any]) -> str:
    key = NAME_INPUTS.get(type_, "name")
    given = inputs.get(key)
    if isinstance(given, str) and given:
        return given
    prefix = inputs.get("namePrefix") or inputs.get("bucketPrefix")
    if isinstance(prefix, str) and prefix:
        return f"{prefix}{_digest(type_, name, length=12)}"
    # Pulumi auto-naming: logical name plus a random suffix (deterministic here).
    return f"{name}-{_digest(type_, name, length=7)}"


def _generic_arn(type_: str, physical: str, region: str, account: str) -> str:
    _package, module, kind = ([*type_.split(":"), "", ""])[:3]
    service = module.split("/")[0].lower()
    resource = kind[:1].lower() + kind[1:]
    return f"arn:aws:{service}:{region}:{account}:{resource}/{physical}"


def _function_extras(o: Outputs, region: str, account: str) -> None:
    arn = o["arn"]
    o["version"] = "1"
    o["qualifiedArn"] = f"{arn}:1"
    o["invokeArn"] = (f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/"
                      f"{arn}/invocations")
    o["qualifiedInvokeArn"] = (f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/"
                               f"{arn}:1/invocations")


def _alias_extras(o: Outputs, region: str, account: str) -> None:
    function = o.get("functionName", "function")
    arn = f"arn:aws:lambda:{region}:{account}:function:{function}:{o['name']}"
    o["arn"] = arn
    o["invokeArn"] = (f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/"
                      f"{arn}/invocations")


def _function_url_extras(o: Outputs, region: str, account: str) -> None:
    # Lambda draws the URL id; a stable stand-in of the documented form.
    url_id = _digest(o["id"], "url", length=32)
    o["urlId"] = url_id
    o["functionUrl"] = f"https://{url_id}.lambda-url.{region}.on.aws/"


def _queue_extras(o: Outputs, region: str, account: str) -> None:
    o["url"] = f"https://sqs.{region}.amazonaws.com/{account}/{o['name']}"


def _bucket_extras(o: Outputs, region: str, account: str) -> None:
    o["bucket"] = o["name"]
    o["bucketDomainName"] = f"{o['name']}.s3.amazonaws.com"
    o["bucketRegionalDomainName"] = f"{o['name']}.s3.{region}.amazonaws.com"
    o["region"] = region


def _key_extras(o: Outputs, region: str, account: str) -> None:
    o["keyId"] = o["id"]


def _app_monitor_extras(o: Outputs, region: str, account: str) -> None:
    digest = _digest(o["name"], "appmonitor", length=32)
    o["appMonitorId"] = "-".join((digest[:8], digest[8:12], digest[12:16], digest[16:20],
                                  digest[20:32]))
    o["cwLogGroup"] = f"/aws/vendedlogs/RUMService_{o['name']}{digest[:8]}"


def _object_extras(o: Outputs, region: str, account: str) -> None:
    o["versionId"] = _digest(str(o.get("key")), "version", length=32)
    o["etag"] = _digest(str(o.get("key")), "etag", length=32)


def _distribution_extras(o: Outputs, region: str, account: str) -> None:
    o["domainName"] = f"d{o['id'].lower()}.cloudfront.net"
    o["hostedZoneId"] = "Z2FDTNDATAQYW2"
    o["status"] = "Deployed"


def _dax_extras(o: Outputs, region: str, account: str) -> None:
    host = f"{o['name']}.{_digest(o['name'], length=6)}.dax-clusters.{region}.amazonaws.com"
    o["clusterAddress"] = host
    o["configurationEndpoint"] = f"dax://{host}"
    o["port"] = 9111


def _rest_api_extras(o: Outputs, region: str, account: str) -> None:
    o["rootResourceId"] = _digest(o["id"], "root", length=10)
    o["executionArn"] = f"arn:aws:execute-api:{region}:{account}:{o['id']}"


def _stage_extras(o: Outputs, region: str, account: str) -> None:
    api = o.get("restApi", "api")
    o["invokeUrl"] = f"https://{api}.execute-api.{region}.amazonaws.com/{o['name']}"
    o["executionArn"] = f"arn:aws:execute-api:{region}:{account}:{api}/{o['name']}"


def _certificate_extras(o: Outputs, region: str, account: str) -> None:
    # ACM answers one CNAME per name: _<hash>.<name>. -> _<hash>.<random>.acm-validations.aws.
    names = [o.get("domainName", ""), *(o.get("subjectAlternativeNames") or [])]
    o["domainValidationOptions"] = [
        {
            "domainName": name,
            "resourceRecordName": f"_{_digest(name, 'name', length=32)}.{name}.",
            "resourceRecordType": "CNAME",
            "resourceRecordValue": f"_{_digest(name, 'value', length=32)}.acm-validations.aws.",
        }
        for name in names if name
    ]
    o["status"] = "PENDING_VALIDATION"


def _web_acl_extras(o: Outputs, region: str, account: str) -> None:
    # CloudFront-scoped web ACLs live in the "global" namespace of us-east-1.
    if str(o.get("scope", "")).upper() == "CLOUDFRONT":
        o["arn"] = f"arn:aws:wafv2:us-east-1:{account}:global/webacl/{o['name']}/{o['id']}"


def _timestream_table_extras(o: Outputs, region: str, account: str) -> None:
    o["arn"] = (f"arn:aws:timestream:{region}:{account}:database/{o.get('databaseName')}"
                f"/table/{o['tableName']}")


def _stream_consumer_extras(o: Outputs, region: str, account: str) -> None:
    o["arn"] = f"{o.get('streamArn', 'stream')}/consumer/{o['name']}:1700000000"


def _influxdb_extras(o: Outputs, region: str, account: str) -> None:
    o["endpoint"] = (f"{o['id'].lower()}-{_digest(o['name'], length=10)}.{region}"
                     ".timestream-influxdb.amazonaws.com")
    o["influxAuthParametersSecretArn"] = (
        f"arn:aws:secretsmanager:{region}:{account}:secret:READONLY-InfluxDB-auth-parameters-"
        f"{o['id'].lower()}-AbCdEf")


def _serverless_cache_extras(o: Outputs, region: str, account: str) -> None:
    host = f"{o['name']}-{_digest(o['name'], length=6)}.serverless.use1.cache.amazonaws.com"
    o["endpoints"] = [{"address": host, "port": 6379}]
    o["readerEndpoints"] = [{"address": host, "port": 6380}]


def _vpc_endpoint_extras(o: Outputs, region: str, account: str) -> None:
    if o.get("vpcEndpointType") == "Gateway":
        o["prefixListId"] = f"pl-{_digest(o['id'], length=8)}"


def _random_password_extras(o: Outputs, region: str, account: str) -> None:
    # A stable stand-in; the engine would generate and keep a secret value.
    o["result"] = _digest(o["id"], "password", length=int(o.get("length", 32)))


EXTRAS: dict[str, Callable[[Outputs, str, str], None]] = {
    "random:index/randomPassword:RandomPassword": _random_password_extras,
    "aws:acm/certificate:Certificate": _certificate_extras,
    "aws:wafv2/webAcl:WebAcl": _web_acl_extras,
    "aws:lambda/function:Function": _function_extras,
    "aws:lambda/alias:Alias": _alias_extras,
    "aws:lambda/functionUrl:FunctionUrl": _function_url_extras,
    "aws:sqs/queue:Queue": _queue_extras,
    "aws:s3/bucket:Bucket": _bucket_extras,
    "aws:kms/key:Key": _key_extras,
    "aws:cloudfront/distribution:Distribution": _distribution_extras,
    "aws:dax/cluster:Cluster": _dax_extras,
    "aws:apigateway/restApi:RestApi": _rest_api_extras,
    "aws:apigateway/stage:Stage": _stage_extras,
    "aws:timestreamwrite/table:Table": _timestream_table_extras,
    "aws:kinesis/streamConsumer:StreamConsumer": _stream_consumer_extras,
    "aws:timestreaminfluxdb/dbInstance:DbInstance": _influxdb_extras,
    "aws:elasticache/serverlessCache:ServerlessCache": _serverless_cache_extras,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint_extras,
    "aws:rum/appMonitor:AppMonitor": _app_monitor_extras,
    "aws:s3/bucketObjectv2:BucketObjectv2": _object_extras,
}


def fake_outputs(type_: str, name: str, inputs: dict[str, Any], region: str,
                 account: str) -> tuple[str, Outputs]:
    """The id and output state the engine would report for a new resource."""
    if type_.startswith("pulumi:providers:"):
        return f"{name}-provider-id", dict(inputs)
    physical = _physical_name(type_, name, inputs)
    resource_id = physical if type_ in NAME_INPUTS or "name" in inputs else (
        _digest(type_, name, length=14).upper()
    )
    outputs: Outputs = dict(inputs)
    outputs.setdefault("name", physical)
    outputs["id"] = resource_id
    if type_.startswith("aws:"):
        template = ARN_FORMATS.get(type_)
        if template:
            outputs["arn"] = template.format(
                p="aws", r=region, a=account, n=physical, i=resource_id,
                scope=str(inputs.get("scope", "regional")).lower(),
                api=inputs.get("restApi", "api"),
            )
        else:
            outputs.setdefault("arn", _generic_arn(type_, physical, region, account))
        outputs["tagsAll"] = dict(inputs.get("tags") or {})
    extra = EXTRAS.get(type_)
    if extra:
        extra(outputs, region, account)
    return resource_id, outputs


def fake_call(token: str, args: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    """Results of provider functions (data sources) the program calls."""
    if token == "aws:index/getCallerIdentity:getCallerIdentity":
        return {"accountId": account, "arn": f"arn:aws:iam::{account}:user/preview",
                "userId": "AIDAPREVIEW", "id": account}
    if token == "aws:index/getPartition:getPartition":
        return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws",
                "reverseDnsPrefix": "com.amazonaws"}
    if token == "aws:index/getRegion:getRegion":
        return {"name": region, "region": region, "id": region,
                "endpoint": f"ec2.{region}.amazonaws.com"}
    if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
        names = [f"{region}{suffix}" for suffix in "abc"]
        return {"names": names, "zoneIds": [f"use1-az{i}" for i in (1, 2, 4)], "id": region}
    return {}
