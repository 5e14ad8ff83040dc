"""Argument rules: values and combinations the AWS APIs refuse, whatever the mocks accept.

Found by checking every resource type of both plans against its provider and API reference:
alarm periods and evaluation ranges, the fields a metric alarm may combine, canary tracing by
runtime, the regions CloudFront's dependencies must live in, alarm actions in the alarm's own
region, roles used only once their policies exist, provisioned concurrency within reserved
concurrency, and an SQS queue's visibility timeout against its consumer's timeout.

Each rule names the documentation it comes from. Values unknown at preview time (ARNs still
to be created) are skipped, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..plan import Plan, PlanResource
from . import Subject, rule, stack_rule

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
CANARY = "aws:synthetics/canary:Canary"
REST_API = "aws:apigateway/restApi:RestApi"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
DELIVERY_SOURCE = "aws:cloudwatch/logDeliverySource:LogDeliverySource"
FUNCTION = "aws:lambda/function:Function"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
QUEUE = "aws:sqs/queue:Queue"
ROLE = "aws:iam/role:Role"
ROLE_POLICIES = ("aws:iam/rolePolicy:RolePolicy",
                 "aws:iam/rolePolicyAttachment:RolePolicyAttachment")

CLOUDFRONT_REGION = "us-east-1"
# Operators of an anomaly detection band alarm; every other operator compares to a threshold.
BAND_OPERATORS = frozenset({"LessThanLowerOrGreaterThanUpperThreshold",
                            "LessThanLowerThreshold", "GreaterThanUpperThreshold"})
TREAT_MISSING = frozenset({"breaching", "notBreaching", "ignore", "missing"})
HIGH_RESOLUTION_PERIODS = frozenset({10, 20, 30})
ONE_HOUR, ONE_DAY, SEVEN_DAYS = 3600, 86400, 604800
ARN_REGION_RE = re.compile(r"^arn:aws[a-z-]*:([a-z0-9-]+):([a-z0-9-]*):")


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _arn_region(value: Any) -> tuple[str, str] | None:
    """``(service, region)`` of an ARN string; None when it is not a known ARN."""
    match = ARN_REGION_RE.match(value) if isinstance(value, str) else None
    return (match.group(1), match.group(2)) if match else None


def _period_problems(where: str, period: float, evaluation_periods: float | None) -> Iterator[str]:
    if period <= 0 or (period not in HIGH_RESOLUTION_PERIODS and period % 60):
        yield f"{where}period {period:g} is not 10, 20, 30 or a multiple of 60"
    if evaluation_periods:
        limit = ONE_DAY if period < ONE_HOUR else SEVEN_DAYS
        if period * evaluation_periods > limit:
            yield (f"{where}period {period:g} x evaluationPeriods {evaluation_periods:g} exceeds "
                   f"{limit} s (one day under a one-hour period, seven days otherwise)")


@rule("metric-alarm-arguments", "Every metric alarm combines the fields PutMetricAlarm accepts: "
      "one of statistic, extendedStatistic or metric queries; valid periods and evaluation "
      "ranges; datapointsToAlarm within evaluationPeriods; a band operator exactly when the "
      "threshold is an anomaly detection band.", types=(ALARM,))
def metric_alarm_arguments(s: Subject) -> Iterator[str]:
    """An alarm PutMetricAlarm would refuse.

    Sources: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
    (Period, EvaluationPeriods, DatapointsToAlarm, Statistic/ExtendedStatistic/Metrics,
    ThresholdMetricId, TreatMissingData) and
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Anomaly_Detection_Alarm.html
    (band alarms: ThresholdMetricId and the three band operators).
    """
    p = s.props
    queries = [q for q in (p.get("metricQueries") or []) if isinstance(q, Mapping)]
    evaluation = _number(p.get("evaluationPeriods"))
    single = [k for k in ("metricName", "namespace", "statistic", "extendedStatistic",
                          "period", "dimensions") if p.get(k) not in (None, {}, "")]
    if queries:
        if single:
            yield f"metricQueries cannot be combined with {', '.join(single)}"
        returned = [q.get("id") for q in queries if q.get("returnData")]
        wanted = 2 if p.get("thresholdMetricId") else 1
        if len(returned) != wanted:
            yield (f"{len(returned)} metric queries return data; an alarm needs exactly "
                   f"{wanted}" + (" (the series and its band)" if wanted == 2 else ""))
        for q in queries:
            period = _number((q.get("metric") or {}).get("period"))
            if period is not None:
                yield from _period_problems(f"metric query {q.get('id')}: ", period, evaluation)
    else:
        has_stat, has_ext = bool(p.get("statistic")), bool(p.get("extendedStatistic"))
        if has_stat == has_ext:
            yield "set exactly one of statistic and extendedStatistic (or use metricQueries)"
        period = _number(p.get("period"))
        if period is None:
            yield "period is required for an alarm on a single metric"
        else:
            yield from _period_problems("", period, evaluation)
    datapoints = _number(p.get("datapointsToAlarm"))
    if datapoints is not None and evaluation is not None and datapoints > evaluation:
        yield f"datapointsToAlarm {datapoints:g} exceeds evaluationPeriods {evaluation:g}"
    band = p.get("comparisonOperator") in BAND_OPERATORS
    if p.get("thresholdMetricId"):
        if not band:
            yield (f"thresholdMetricId needs a band operator, not "
                   f"{p.get('comparisonOperator')!r}")
        if p.get("threshold") is not None:
            yield "threshold cannot be set with thresholdMetricId"
        ids = {q.get("id") for q in queries}
        if p["thresholdMetricId"] not in ids:
            yield f"thresholdMetricId {p['thresholdMetricId']!r} is not a metric query id"
    elif band:
        yield f"{p.get('comparisonOperator')} needs thresholdMetricId (an anomaly band)"
    elif p.get("threshold") is None:
        yield "threshold is not set"
    missing = p.get("treatMissingData")
    if missing is not None and missing not in TREAT_MISSING:
        yield f"treatMissingData {missing!r} is not one of {sorted(TREAT_MISSING)}"
    low_sample = p.get("evaluateLowSampleCountPercentiles")
    if low_sample is not None:
        if low_sample not in ("evaluate", "ignore"):
            yield f"evaluateLowSampleCountPercentiles {low_sample!r} is not evaluate or ignore"
        if not str(p.get("extendedStatistic") or "").startswith("p"):
            yield "evaluateLowSampleCountPercentiles applies only to a percentile statistic"


@rule("alarm-actions-same-region", "A metric alarm notifies only SNS topics in its own "
      "region.", types=(ALARM, "aws:cloudwatch/compositeAlarm:CompositeAlarm"))
def alarm_actions_same_region(s: Subject) -> Iterator[str]:
    """An alarm whose action topic lives in another region.

    PutMetricAlarm refuses such an action ("Invalid region ... specified. Only <alarm region>
    is supported"); the reference only shows the action ARN with the alarm's region, so the
    deploying guide lists this among the live checks.

    Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
    (AlarmActions: ``arn:aws:sns:region:account-id:sns-topic-name``) and
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html.
    """
    region = str(s.provider_props.get("region") or "")
    if not region:
        return
    for key in ("alarmActions", "okActions", "insufficientDataActions"):
        for action in s.props.get(key) or []:
            found = _arn_region(action)
            if found and found[0] == "sns" and found[1] != region:
                yield f"{key}: {action} is in {found[1]}, the alarm in {region}"


@rule("canary-tracing-runtime", "Active X-Ray tracing is on only for canaries whose runtime "
      "supports it (syn-nodejs-2.0 and later), and memory is a multiple of 64 MB from 960.",
      types=(CANARY,))
def canary_tracing_runtime(s: Subject) -> Iterator[str]:
    """A canary CreateCanary refuses: tracing on a runtime without it, or invalid memory.

    Sources: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Synthetics_Canaries_tracing.html
    (active tracing on canaries that use syn-nodejs-2.0 or later),
    https://docs.aws.amazon.com/AmazonSynthetics/latest/APIReference/API_CanaryRunConfigInput.html
    (ActiveTracing, MemoryInMB: minimum 960, a multiple of 64).
    """
    run = s.props.get("runConfig") or {}
    runtime = str(s.props.get("runtimeVersion") or "")
    if run.get("activeTracing") and runtime and not runtime.startswith("syn-nodejs-"):
        yield f"activeTracing is true on {runtime}; only syn-nodejs-2.0 and later support it"
    memory = _number(run.get("memoryInMb"))
    if memory is not None and (memory < 960 or memory % 64):
        yield f"runConfig.memoryInMb {memory:g} is not a multiple of 64 from 960"


@rule("rest-api-compression-size", "A REST API's minimumCompressionSize is the string form of "
      "an integer from -1 to 10485760 (pulumi-aws 7 types it as a string).", types=(REST_API,))
def rest_api_compression_size(s: Subject) -> Iterator[str]:
    """A ``minimumCompressionSize`` the provider's schema or the API refuses.

    Source: https://www.pulumi.com/registry/packages/aws/api-docs/apigateway/restapi/
    (minimumCompressionSize: string containing an integer between -1 and 10485760) and
    https://docs.aws.amazon.com/apigateway/latest/api/API_CreateRestApi.html.
    """
    size = s.props.get("minimumCompressionSize")
    if size is None:
        return
    if not isinstance(size, str) or not re.fullmatch(r"-?\d+", size):
        yield f"minimumCompressionSize {size!r} is not a string holding an integer"
    elif not -1 <= int(size) <= 10485760:
        yield f"minimumCompressionSize {size} is outside -1..10485760"


@rule("cloudfront-scoped-in-us-east-1", "What CloudFront uses lives in us-east-1: a "
      "CLOUDFRONT-scoped web ACL, a distribution's certificate and web ACL, a distribution's "
      "log delivery source and alarms on AWS/CloudFront metrics.",
      types=(WEB_ACL, DISTRIBUTION, DELIVERY_SOURCE, ALARM))
def cloudfront_scoped_in_us_east_1(s: Subject) -> Iterator[str]:
    """A CloudFront dependency created (or referenced) outside us-east-1.

    Sources: https://docs.aws.amazon.com/waf/latest/developerguide/how-aws-waf-works-resources.html
    (CloudFront web ACLs in US East (N. Virginia)),
    https://docs.aws.amazon.com/acm/latest/userguide/acm-services.html (CloudFront certificates
    requested or imported in us-east-1),
    https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging.html
    (the delivery source of a distribution in us-east-1),
    https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/programming-cloudwatch-metrics.html
    (CloudFront metrics only in us-east-1).
    """
    region = str(s.provider_props.get("region") or "")
    elsewhere = bool(region) and region != CLOUDFRONT_REGION
    if s.type == WEB_ACL and s.props.get("scope") == "CLOUDFRONT" and elsewhere:
        yield f"a CLOUDFRONT web ACL is created in {region}"
    elif s.type == DELIVERY_SOURCE and elsewhere:
        found = _arn_region(s.props.get("resourceArn"))
        if found and found[0] == "cloudfront":
            yield f"the delivery source of a distribution is created in {region}"
    elif s.type == ALARM and elsewhere and s.props.get("namespace") == "AWS/CloudFront":
        yield f"an alarm on AWS/CloudFront metrics is created in {region}"
    elif s.type == DISTRIBUTION:
        certificate = (s.props.get("viewerCertificate") or {}).get("acmCertificateArn")
        found = _arn_region(certificate)
        if found and found[1] != CLOUDFRONT_REGION:
            yield f"viewerCertificate.acmCertificateArn is in {found[1]}"
        found = _arn_region(s.props.get("webAclId"))
        if found and found[1] != CLOUDFRONT_REGION:
            yield f"webAclId is a web ACL in {found[1]}"


def _role_policies(plan: Plan) -> dict[str, list[PlanResource]]:
    """Each role's URN -> the inline policies and attachments that give it its permissions."""
    found: dict[str, list[PlanResource]] = {}
    for policy in plan.of_type(*ROLE_POLICIES):
        for role in plan.depends_on(policy, "role"):
            found.setdefault(role.urn, []).append(policy)
    return found


@stack_rule("role-policies-before-use", "A resource that hands AWS one of the stack's roles "
            "is created after that role's policies, so the service never runs (or validates) "
            "the role without its permissions.")
def role_policies_before_use(plan: Plan) -> Iterator[tuple[str, str]]:
    """Resources that take a role's ARN but not a dependency on the role's policies.

    Pulumi creates a role's inline policy (a separate resource) in parallel with anything
    that only references the role, so a service can receive the role before it has any
    permission. Services that check the role at creation then fail the create (QuickSight
    tests the data source's connection, Firehose and CloudTrail check their roles, Lambda
    checks the ENI permissions of a function in a VPC); the others run without permissions
    until IAM catches up. A policy that itself names the resource (a RUM guest policy on its
    app monitor) cannot come first and is skipped.

    Sources: https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency
    (IAM changes are eventually consistent; do not use them in a critical path right away),
    https://docs.aws.amazon.com/quicksight/latest/APIReference/API_CreateDataSource.html
    (the data source's creation status reports a failed connection),
    https://www.pulumi.com/docs/iac/concepts/options/dependson/ (ordering beyond data flow).
    """
    policies = _role_policies(plan)
    for resource in plan:
        if resource.type.startswith("aws:iam/"):
            continue
        waited = set(resource.dependencies)
        early: dict[str, list[str]] = {}  # policy name -> the inputs that carry its role
        for key, urns in sorted(resource.property_dependencies.items()):
            for urn in urns:
                for policy in policies.get(urn, ()):
                    if policy.urn not in waited and resource.urn not in policy.dependencies:
                        early.setdefault(policy.name, []).append(key)
        for policy_name, keys in sorted(early.items()):
            yield (resource.name, f"{', '.join(keys)} hand AWS a role before its policy "
                   f"{policy_name} exists: add the policy to depends_on")


def _queue_by_arn(plan: Plan, mapping: PlanResource) -> PlanResource | None:
    for queue in plan.depends_on(mapping, "eventSourceArn"):
        if queue.type == QUEUE:
            return queue
    return None


def _function_of(plan: Plan, mapping: PlanResource) -> PlanResource | None:
    for dependency in plan.depends_on(mapping, "functionName"):
        if dependency.type == FUNCTION:
            return dependency
        for target in plan.depends_on(dependency, "functionName"):
            if target.type == FUNCTION:  # through an alias
                return target
    return None


@stack_rule("sqs-visibility-covers-timeout", "An SQS queue a function consumes keeps a "
            "message invisible at least as long as the function may run.")
def sqs_visibility_covers_timeout(plan: Plan) -> Iterator[tuple[str, str]]:
    """An SQS event source mapping whose queue's visibility timeout is below the timeout.

    Source: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
    (CreateEventSourceMapping fails when the queue's visibility timeout is less than the
    function's timeout; AWS recommends six times the timeout).
    """
    for mapping in plan.of_type(MAPPING):
        queue = _queue_by_arn(plan, mapping)
        function = _function_of(plan, mapping)
        if queue is None or function is None:
            continue
        visibility = _number(queue.props.get("visibilityTimeoutSeconds"))
        visibility = 30.0 if visibility is None else visibility  # the SQS default
        timeout = _number(function.props.get("timeout"))
        timeout = 3.0 if timeout is None else timeout  # the Lambda default
        if visibility < timeout:
            yield (mapping.name, f"queue {queue.name} visibility timeout {visibility:g} s is "
                   f"below {function.name}'s timeout {timeout:g} s")


LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
FILTER_KEYS = ("prefix", "tag", "objectSizeGreaterThan", "objectSizeLessThan", "and")


@rule("s3-lifecycle-rule-filter", "Every S3 lifecycle rule has a filter with exactly one of "
      "prefix, tag, object size bounds or and (prefix \"\" for the whole bucket).",
      types=(LIFECYCLE,))
def lifecycle_rule_filter(s: Subject) -> Iterator[str]:
    """A lifecycle rule with no filter, an empty filter or two conditions side by side.

    The provider warns on ``filter {}`` (and on a rule with neither filter nor prefix) that
    it will become an error; S3 wants exactly one condition per filter, several under ``and``.

    Sources: https://www.pulumi.com/registry/packages/aws/api-docs/s3/bucketlifecycleconfiguration/
    (filter: exactly one of prefix, tag, objectSizeGreaterThan, objectSizeLessThan, and),
    https://github.com/hashicorp/terraform-provider-aws/issues/42714 (the empty filter
    warning), https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRuleFilter.html.
    """
    for position, lifecycle_rule in enumerate(s.props.get("rules") or []):
        if not isinstance(lifecycle_rule, Mapping):
            continue
        where = f"rule {lifecycle_rule.get('id') or position}"
        found = [k for k in FILTER_KEYS
                 if (lifecycle_rule.get("filter") or {}).get(k) is not None]
        if len(found) != 1:
            yield (f"{where}: filter has {', '.join(found) or 'no condition'}; give exactly "
                   "one (prefix \"\" for every object)")
