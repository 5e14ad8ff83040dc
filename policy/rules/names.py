"""Names the stack chooses, checked against AWS's length and character limits for their type.

One table, :data:`NAME_LIMITS`: per resource type and name input, the length AWS accepts, the
characters (and case) it allows, whether Pulumi autonames the input when it is unset, the
prefix input the provider completes with a unique suffix, and the page each limit comes from.
Limits and patterns are the "Length Constraints" and "Pattern" lines of each AWS API
reference (the same service models botocore ships); where the API reference states the rule
only in prose, the row quotes that prose's page.

How the provider completes a name that the program does not spell out:

- autonaming: Pulumi appends ``-`` and seven random characters to the logical name and refuses
  the preview when the result exceeds the provider's maximum
  (https://www.pulumi.com/docs/iac/concepts/resources/names/);
- ``namePrefix``/``bucketPrefix``: the Terraform provider appends a 26-character unique id
  (``id.PrefixedUniqueId``), which is why pulumi-aws documents ``bucketPrefix`` as at most 37
  characters (https://www.pulumi.com/registry/packages/aws/api-docs/s3/bucket/) and IAM's
  ``namePrefix`` as at most 38.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..plan import Plan, PlanResource
from . import stack_rule

AUTONAME_SUFFIX = 8  # "-" and 7 random characters
PREFIX_SUFFIX = 26  # the Terraform provider's id.UniqueIDSuffixLength

LAMBDA = "https://docs.aws.amazon.com/lambda/latest/api/"
IAM = "https://docs.aws.amazon.com/IAM/latest/APIReference/"
EVENTS = "https://docs.aws.amazon.com/eventbridge/latest/APIReference/"
LOGS = "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/"
CLOUDWATCH = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/"
CLOUDFRONT = "https://docs.aws.amazon.com/cloudfront/latest/APIReference/"
COGNITO = "https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/"
WAF = "https://docs.aws.amazon.com/waf/latest/APIReference/"
XRAY = "https://docs.aws.amazon.com/xray/latest/api/"

# Character classes the API references give, as whole-name patterns.
LAMBDA_NAME = r"[A-Za-z0-9_-]+"
IAM_NAME = r"[\w+=,.@-]+"
EVENTS_NAME = r"[.\-_A-Za-z0-9]+"
KINESIS_NAME = r"[A-Za-z0-9_.-]+"
COGNITO_NAME = r"[\w\s+=,.@-]+"
WAF_NAME = r"[\w-]+"
WAF_METRIC = r"[\w#:.\-/]+"
ATHENA_NAME = r"[a-z0-9_]+"  # lowercase, digits, underscore: what Athena queries can name
ANY = r"[^\x00-\x1f]+"  # no control characters; the API reference sets no narrower class


@dataclass(frozen=True)
class NameLimit:
    """One name input of one resource type and what AWS accepts there.

    ``prop`` is a dotted path into the Pulumi inputs; ``[]`` after a key walks a list.
    ``autoname``: Pulumi names the input from the logical name when it is unset.
    ``prefix``: the input the provider completes with a 26-character unique suffix.
    """

    type: str
    prop: str
    max: int
    pattern: str
    source: str
    min: int = 1
    autoname: bool = False
    prefix: str = ""


NAME_LIMITS: tuple[NameLimit, ...] = (
    # Lambda
    NameLimit("aws:lambda/function:Function", "name", 64, LAMBDA_NAME,
              LAMBDA + "API_CreateFunction.html", autoname=True),
    NameLimit("aws:lambda/alias:Alias", "name", 128, r"(?![0-9]+$)[A-Za-z0-9_-]+",
              LAMBDA + "API_CreateAlias.html"),
    NameLimit("aws:lambda/layerVersion:LayerVersion", "layerName", 140, LAMBDA_NAME,
              LAMBDA + "API_PublishLayerVersion.html"),
    NameLimit("aws:lambda/permission:Permission", "statementId", 100, LAMBDA_NAME,
              LAMBDA + "API_AddPermission.html", autoname=True),
    # IAM
    NameLimit("aws:iam/role:Role", "name", 64, IAM_NAME, IAM + "API_CreateRole.html",
              autoname=True, prefix="namePrefix"),
    NameLimit("aws:iam/rolePolicy:RolePolicy", "name", 128, IAM_NAME,
              IAM + "API_PutRolePolicy.html", autoname=True, prefix="namePrefix"),
    NameLimit("aws:iam/policy:Policy", "name", 128, IAM_NAME, IAM + "API_CreatePolicy.html",
              autoname=True, prefix="namePrefix"),
    # Messaging
    NameLimit("aws:sqs/queue:Queue", "name", 80, r"[A-Za-z0-9_-]+(\.fifo)?",
              "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/"
              "API_CreateQueue.html", autoname=True, prefix="namePrefix"),
    NameLimit("aws:sns/topic:Topic", "name", 256, r"[A-Za-z0-9_-]+(\.fifo)?",
              "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html",
              autoname=True, prefix="namePrefix"),
    # Storage and data
    NameLimit("aws:s3/bucket:Bucket", "bucket", 63, r"[a-z0-9][a-z0-9.-]*[a-z0-9]",
              "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
              min=3, autoname=True, prefix="bucketPrefix"),
    NameLimit("aws:dynamodb/table:Table", "name", 255, r"[A-Za-z0-9_.-]+",
              "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"
              "HowItWorks.NamingRulesDataTypes.html", min=3, autoname=True),
    NameLimit("aws:dax/cluster:Cluster", "clusterName", 20, r"[a-z][a-z0-9]*(-[a-z0-9]+)*",
              "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/"
              "API_dax_CreateCluster.html"),
    NameLimit("aws:timestreaminfluxdb/dbInstance:DbInstance", "name", 40,
              r"[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*",
              "https://docs.aws.amazon.com/ts-influxdb/latest/ts-influxdb-api/"
              "API_CreateDbInstance.html", min=3),
    # The API reference sets no length; 40 comes from ElastiCache's naming rules outside it
    # and is not verified offline (docs/deploying.md lists the live check).
    NameLimit("aws:elasticache/serverlessCache:ServerlessCache", "name", 40,
              r"[a-z][a-z0-9]*(-[a-z0-9]+)*",
              "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/"
              "API_CreateServerlessCache.html"),
    NameLimit("aws:secretsmanager/secret:Secret", "name", 512, r"[A-Za-z0-9/_+=.@-]+",
              "https://docs.aws.amazon.com/secretsmanager/latest/apireference/"
              "API_CreateSecret.html", autoname=True, prefix="namePrefix"),
    NameLimit("aws:kms/alias:Alias", "name", 256, r"alias/(?!aws/)[A-Za-z0-9:/_-]+",
              "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html",
              prefix="namePrefix"),
    # CloudWatch: alarms, dashboards, logs
    NameLimit("aws:cloudwatch/metricAlarm:MetricAlarm", "name", 255, ANY,
              CLOUDWATCH + "API_PutMetricAlarm.html", autoname=True),
    NameLimit("aws:cloudwatch/compositeAlarm:CompositeAlarm", "alarmName", 255, ANY,
              CLOUDWATCH + "API_PutCompositeAlarm.html"),
    NameLimit("aws:cloudwatch/dashboard:Dashboard", "dashboardName", 255, r"[A-Za-z0-9_-]+",
              CLOUDWATCH + "API_PutDashboard.html"),
    NameLimit("aws:cloudwatch/logGroup:LogGroup", "name", 512, r"[.\-_/#A-Za-z0-9]+",
              LOGS + "API_CreateLogGroup.html", autoname=True, prefix="namePrefix"),
    NameLimit("aws:cloudwatch/logStream:LogStream", "name", 512, r"[^:*]+",
              LOGS + "API_CreateLogStream.html"),
    NameLimit("aws:cloudwatch/logMetricFilter:LogMetricFilter", "name", 512, r"[^:*]+",
              LOGS + "API_PutMetricFilter.html"),
    NameLimit("aws:cloudwatch/queryDefinition:QueryDefinition", "name", 255, ANY,
              LOGS + "API_PutQueryDefinition.html"),
    NameLimit("aws:cloudwatch/logDeliverySource:LogDeliverySource", "name", 60, r"[\w-]+",
              LOGS + "API_PutDeliverySource.html"),
    NameLimit("aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination", "name", 60,
              r"[\w-]+", LOGS + "API_PutDeliveryDestination.html"),
    # EventBridge
    NameLimit("aws:schemas/registry:Registry", "name", 64, r"[.\-_A-Za-z0-9@]+",
              "https://www.pulumi.com/registry/packages/aws/api-docs/schemas/registry/"),
    NameLimit("aws:schemas/schema:Schema", "name", 385, r"[.\-_A-Za-z0-9@]+",
              "https://www.pulumi.com/registry/packages/aws/api-docs/schemas/schema/"),
    NameLimit("aws:cloudwatch/eventBus:EventBus", "name", 256, r"[/.\-_A-Za-z0-9]+",
              EVENTS + "API_CreateEventBus.html"),
    NameLimit("aws:cloudwatch/eventRule:EventRule", "name", 64, EVENTS_NAME,
              EVENTS + "API_PutRule.html", autoname=True, prefix="namePrefix"),
    NameLimit("aws:cloudwatch/eventArchive:EventArchive", "name", 48, EVENTS_NAME,
              EVENTS + "API_CreateArchive.html"),
    # pulumi-aws autonames targetId up to 255 characters, but PutTargets takes 64.
    NameLimit("aws:cloudwatch/eventTarget:EventTarget", "targetId", 64, EVENTS_NAME,
              EVENTS + "API_Target.html", autoname=True),
    # Streams and the lake
    NameLimit("aws:kinesis/stream:Stream", "name", 128, KINESIS_NAME,
              "https://docs.aws.amazon.com/kinesis/latest/APIReference/API_CreateStream.html"),
    NameLimit("aws:kinesis/streamConsumer:StreamConsumer", "name", 128, KINESIS_NAME,
              "https://docs.aws.amazon.com/kinesis/latest/APIReference/"
              "API_RegisterStreamConsumer.html"),
    NameLimit("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", "name", 64,
              KINESIS_NAME,
              "https://docs.aws.amazon.com/firehose/latest/APIReference/"
              "API_CreateDeliveryStream.html"),
    # Glue takes 255 characters and folds them to lowercase; Athena's SQL names only
    # lowercase letters, digits and underscores without quoting.
    NameLimit("aws:glue/catalogDatabase:CatalogDatabase", "name", 255, ATHENA_NAME,
              "https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html"),
    NameLimit("aws:glue/catalogTable:CatalogTable", "name", 255, ATHENA_NAME,
              "https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html"),
    NameLimit("aws:athena/workgroup:Workgroup", "name", 128, r"[A-Za-z0-9._-]+",
              "https://docs.aws.amazon.com/athena/latest/APIReference/API_CreateWorkGroup.html"),
    NameLimit("aws:athena/namedQuery:NamedQuery", "name", 128, ANY,
              "https://docs.aws.amazon.com/athena/latest/APIReference/API_CreateNamedQuery.html"),
    NameLimit("aws:quicksight/dataSet:DataSet", "name", 128, ANY,
              "https://docs.aws.amazon.com/quicksight/latest/APIReference/API_CreateDataSet.html"),
    NameLimit("aws:quicksight/dataSource:DataSource", "name", 128, ANY,
              "https://docs.aws.amazon.com/quicksight/latest/APIReference/"
              "API_CreateDataSource.html"),
    # Edge
    NameLimit("aws:wafv2/webAcl:WebAcl", "name", 128, WAF_NAME, WAF + "API_CreateWebACL.html"),
    NameLimit("aws:wafv2/ipSet:IpSet", "name", 128, WAF_NAME, WAF + "API_CreateIPSet.html"),
    NameLimit("aws:wafv2/webAcl:WebAcl", "visibilityConfig.metricName", 255, WAF_METRIC,
              WAF + "API_VisibilityConfig.html"),
    NameLimit("aws:wafv2/webAcl:WebAcl", "rules[].name", 128, WAF_NAME,
              WAF + "API_Rule.html"),
    NameLimit("aws:wafv2/webAcl:WebAcl", "rules[].visibilityConfig.metricName", 255,
              WAF_METRIC, WAF + "API_VisibilityConfig.html"),
    NameLimit("aws:cloudfront/function:Function", "name", 64, LAMBDA_NAME,
              CLOUDFRONT + "API_CreateFunction.html"),
    NameLimit("aws:cloudfront/originAccessControl:OriginAccessControl", "name", 64, ANY,
              CLOUDFRONT + "API_OriginAccessControlConfig.html"),
    # CloudFront's API reference gives no length for these; CloudFormation's resource
    # reference for each policy's Name does (128).
    NameLimit("aws:cloudfront/cachePolicy:CachePolicy", "name", 128, ANY,
              "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/"
              "aws-properties-cloudfront-cachepolicy-cachepolicyconfig.html"),
    NameLimit("aws:cloudfront/originRequestPolicy:OriginRequestPolicy", "name", 128, ANY,
              "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/"
              "aws-properties-cloudfront-originrequestpolicy-originrequestpolicyconfig.html"),
    NameLimit("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", "name", 128, ANY,
              "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/"
              "aws-properties-cloudfront-responseheaderspolicy-responseheaderspolicyconfig.html"),
    # Identity
    NameLimit("aws:cognito/userPool:UserPool", "name", 128, COGNITO_NAME,
              COGNITO + "API_CreateUserPool.html"),
    NameLimit("aws:cognito/userPoolClient:UserPoolClient", "name", 128, COGNITO_NAME,
              COGNITO + "API_CreateUserPoolClient.html"),
    NameLimit("aws:cognito/userGroup:UserGroup", "name", 128, r"\S+",
              COGNITO + "API_CreateGroup.html"),
    NameLimit("aws:cognito/identityPool:IdentityPool", "identityPoolName", 128, COGNITO_NAME,
              "https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/"
              "API_CreateIdentityPool.html"),
    # Observability
    NameLimit("aws:xray/group:Group", "groupName", 32, ANY, XRAY + "API_CreateGroup.html"),
    NameLimit("aws:xray/samplingRule:SamplingRule", "ruleName", 32, ANY,
              XRAY + "API_SamplingRule.html"),
    NameLimit("aws:xray/samplingRule:SamplingRule", "serviceName", 64, ANY,
              XRAY + "API_SamplingRule.html"),
    # The API takes 255 characters today (it once took 21); lowercase only.
    NameLimit("aws:synthetics/canary:Canary", "name", 255, r"[0-9a-z_-]+",
              "https://docs.aws.amazon.com/AmazonSynthetics/latest/APIReference/"
              "API_CreateCanary.html"),
    NameLimit("aws:rum/appMonitor:AppMonitor", "name", 255, r"(?!\.)[.\-_#A-Za-z0-9]+",
              "https://docs.aws.amazon.com/cloudwatchrum/latest/APIReference/"
              "API_CreateAppMonitor.html"),
    NameLimit("aws:cloudtrail/trail:Trail", "name", 128,
              r"[A-Za-z0-9](?:[._-]?[A-Za-z0-9])*",
              "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/"
              "API_CreateTrail.html", min=3),
    # Cost
    NameLimit("aws:budgets/budget:Budget", "name", 100, r"[^:\\]+",
              "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/"
              "API_budgets_Budget.html", prefix="namePrefix"),
    NameLimit("aws:costexplorer/anomalyMonitor:AnomalyMonitor", "name", 1024, r"[\S\s]+",
              "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/"
              "API_AnomalyMonitor.html"),
    NameLimit("aws:costexplorer/anomalySubscription:AnomalySubscription", "name", 1024,
              r"[\S\s]+",
              "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/"
              "API_AnomalySubscription.html"),
    # Other services the stack may grow into
    NameLimit("aws:sfn/stateMachine:StateMachine", "name", 80, ANY,
              "https://docs.aws.amazon.com/step-functions/latest/apireference/"
              "API_CreateStateMachine.html", autoname=True),
    NameLimit("aws:ssm/document:Document", "name", 128, r"[A-Za-z0-9_.-]+",
              "https://docs.aws.amazon.com/systems-manager/latest/APIReference/"
              "API_CreateDocument.html", min=3),
    NameLimit("aws:ssm/parameter:Parameter", "name", 2048, ANY,
              "https://docs.aws.amazon.com/systems-manager/latest/APIReference/"
              "API_PutParameter.html", autoname=True),
    NameLimit("aws:scheduler/schedule:Schedule", "name", 64, r"[0-9A-Za-z_.-]+",
              "https://docs.aws.amazon.com/scheduler/latest/APIReference/"
              "API_CreateSchedule.html", autoname=True, prefix="namePrefix"),
    NameLimit("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration",
              "configurationName", 128, r"[A-Za-z0-9_-]+",
              "https://docs.aws.amazon.com/chatbot/latest/APIReference/"
              "API_CreateSlackChannelConfiguration.html"),
    NameLimit("aws:sesv2/configurationSet:ConfigurationSet", "configurationSetName", 64,
              r"[A-Za-z0-9_-]+",
              "https://docs.aws.amazon.com/ses/latest/APIReference-V2/"
              "API_CreateConfigurationSet.html"),
    NameLimit("aws:ec2/securityGroup:SecurityGroup", "name", 255,
              r"(?!sg-)[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]+",
              "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/"
              "API_CreateSecurityGroup.html", autoname=True, prefix="namePrefix"),
)


# Name inputs the plans set that the table leaves out on purpose, and why.
UNCHECKED: dict[tuple[str, str], str] = {
    ("aws:apigateway/restApi:RestApi", "name"): "the API reference sets no length or pattern",
    ("aws:apigateway/authorizer:Authorizer", "name"): "the API reference sets no length",
    ("aws:cloudfront/realtimeLogConfig:RealtimeLogConfig", "name"):
        "the API reference sets no length",
    ("aws:cloudwatch/logResourcePolicy:LogResourcePolicy", "policyName"):
        "the API reference sets no length",
    ("aws:dax/subnetGroup:SubnetGroup", "name"): "the API reference sets no length",
    ("aws:dax/parameterGroup:ParameterGroup", "name"): "the API reference sets no length",
    ("aws:quicksight/dataSet:DataSet", "dataSetId"): "the API reference sets no length",
    ("aws:quicksight/dataSource:DataSource", "dataSourceId"): "the API reference sets no length",
    ("aws:quicksight/refreshSchedule:RefreshSchedule", "scheduleId"):
        "the API reference sets no length",
    ("aws:guardduty/detectorFeature:DetectorFeature", "name"):
        "one of GuardDuty's feature names, not a name the stack makes",
    ("cloudflare:index/dnsRecord:DnsRecord", "name"):
        "a DNS name under the zone, validated as a domain by the config",
    ("cloudflare:index/ruleset:Ruleset", "name"): "Cloudflare, not AWS",
}


def _values(props: Any, path: list[str]) -> Iterator[tuple[str, Any]]:
    """``(dotted path, value)`` of every value at ``path``; ``key[]`` walks a list."""
    if not path:
        yield "", props
        return
    head, rest = path[0], path[1:]
    key = head.removesuffix("[]")
    if not isinstance(props, Mapping) or key not in props:
        return
    value = props[key]
    items = (list(enumerate(value)) if head.endswith("[]") and isinstance(value, list)
             else [(None, value)] if not head.endswith("[]") else [])
    for index, item in items:
        here = key if index is None else f"{key}[{index}]"
        for sub, found in _values(item, rest):
            yield (f"{here}.{sub}" if sub else here), found


def _check(limit: NameLimit, label: str, name: str, length: int) -> Iterator[str]:
    if not limit.min <= length <= limit.max:
        yield (f"{label} {name!r} has {length} characters; AWS accepts {limit.min}-{limit.max} "
               f"for {limit.type} (source: {limit.source})")
    if not re.fullmatch(limit.pattern, name):
        yield (f"{label} {name!r} does not match {limit.pattern!r}, the characters AWS accepts "
               f"for {limit.type} (source: {limit.source})")


def violations(resource: PlanResource, limit: NameLimit) -> Iterator[str]:
    """Every way ``resource``'s name at ``limit.prop`` breaks ``limit`` (unknowns skipped)."""
    found = list(_values(resource.props, limit.prop.split(".")))
    for path, value in found:
        if isinstance(value, str):
            yield from _check(limit, path, value, len(value))
    if found or "." in limit.prop:
        return
    prefix = resource.props.get(limit.prefix) if limit.prefix else None
    if isinstance(prefix, str):
        # The provider appends its unique id, which only has characters every pattern takes.
        yield from _check(limit, f"{limit.prefix} (+{PREFIX_SUFFIX} characters)",
                          prefix + "0" * PREFIX_SUFFIX, len(prefix) + PREFIX_SUFFIX)
    elif limit.autoname and prefix is None:
        yield from _check(limit, f"{limit.prop} (autonamed: logical name +{AUTONAME_SUFFIX})",
                          f"{resource.name}-{'0' * (AUTONAME_SUFFIX - 1)}",
                          len(resource.name) + AUTONAME_SUFFIX)


@stack_rule("names", "Every name the stack chooses (or Pulumi makes from a logical name) is "
            "within AWS's length and character limits for its resource type.")
def names(plan: Plan) -> Iterator[tuple[str, str]]:
    """Names within AWS's limits: the NAME_LIMITS table, one source per row.

    Sources: the API reference of each service (its "Length Constraints" and "Pattern" lines,
    for example https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html and
    https://docs.aws.amazon.com/xray/latest/api/API_CreateGroup.html), Pulumi's autonaming
    (https://www.pulumi.com/docs/iac/concepts/resources/names/) and pulumi-aws's prefix
    inputs (https://www.pulumi.com/registry/packages/aws/api-docs/s3/bucket/).
    """
    by_type: dict[str, list[NameLimit]] = {}
    for limit in NAME_LIMITS:
        by_type.setdefault(limit.type, []).append(limit)
    for resource in plan:
        for limit in by_type.get(resource.type, ()):
            for message in violations(resource, limit):
                yield resource.name, message
