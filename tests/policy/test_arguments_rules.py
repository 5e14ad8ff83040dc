"""Each argument rule catches the value or combination AWS refuses and passes what is right."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from policy.rules import Subject, all_rules, evaluate_plan
from tests.helpers import plan, run_program

RULES = {r.name: r for r in all_rules()}
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC_EAST = "arn:aws:sns:us-east-1:123456789012:alerts"
TOPIC_WEST = "arn:aws:sns:eu-west-1:123456789012:alerts"


def check(rule: str, type_: str, props: dict[str, Any], region: str = "") -> list[str]:
    provider = {"region": region} if region else {}
    return RULES[rule].violations(Subject(type_, "r", props, provider_props=provider))


def single(**changes: Any) -> dict[str, Any]:
    """A valid alarm on one metric, with ``changes`` (None removes a key)."""
    props: dict[str, Any] = {
        "namespace": "AWS/Lambda", "metricName": "Errors", "statistic": "Sum",
        "dimensions": {"FunctionName": "f"}, "period": 60, "evaluationPeriods": 5,
        "datapointsToAlarm": 3, "threshold": 1, "comparisonOperator": "GreaterThanThreshold",
        "treatMissingData": "notBreaching"}
    props.update(changes)
    return {k: v for k, v in props.items() if v is not None}


BAND_QUERIES = [
    {"id": "m", "returnData": True,
     "metric": {"namespace": "n", "metricName": "Registrations", "stat": "Sum", "period": 300}},
    {"id": "band", "expression": "ANOMALY_DETECTION_BAND(m, 2)", "returnData": True},
]


def band(**changes: Any) -> dict[str, Any]:
    props: dict[str, Any] = {"metricQueries": BAND_QUERIES, "thresholdMetricId": "band",
                             "comparisonOperator": "LessThanLowerThreshold",
                             "evaluationPeriods": 3, "datapointsToAlarm": 3}
    props.update(changes)
    return {k: v for k, v in props.items() if v is not None}


@pytest.mark.parametrize(("props", "expected"), [
    (single(), []),
    (single(period=30), []),
    (single(period=90), ["period 90 is not 10, 20, 30 or a multiple of 60"]),
    # 300 s x 300 = 25 h: over the one-day limit of a period under an hour.
    (single(period=300, evaluationPeriods=300, datapointsToAlarm=1),
     ["period 300 x evaluationPeriods 300 exceeds 86400 s (one day under a one-hour period, "
      "seven days otherwise)"]),
    # A three-day period once is within the seven days allowed from one hour up.
    (single(period=259200, evaluationPeriods=1, datapointsToAlarm=1), []),
    (single(period=86400, evaluationPeriods=8, datapointsToAlarm=1),
     ["period 86400 x evaluationPeriods 8 exceeds 604800 s (one day under a one-hour period, "
      "seven days otherwise)"]),
    (single(datapointsToAlarm=6), ["datapointsToAlarm 6 exceeds evaluationPeriods 5"]),
    (single(extendedStatistic="p99"),
     ["set exactly one of statistic and extendedStatistic (or use metricQueries)"]),
    (single(period=None), ["period is required for an alarm on a single metric"]),
    (single(threshold=None), ["threshold is not set"]),
    (single(comparisonOperator="LessThanLowerThreshold"),
     ["LessThanLowerThreshold needs thresholdMetricId (an anomaly band)"]),
    (single(treatMissingData="zero"),
     ["treatMissingData 'zero' is not one of ['breaching', 'ignore', 'missing', "
      "'notBreaching']"]),
    (single(evaluateLowSampleCountPercentiles="evaluate"),
     ["evaluateLowSampleCountPercentiles applies only to a percentile statistic"]),
    (single(statistic=None, extendedStatistic="p99",
            evaluateLowSampleCountPercentiles="ignore"), []),
    (band(), []),
    (band(comparisonOperator="GreaterThanThreshold"),
     ["thresholdMetricId needs a band operator, not 'GreaterThanThreshold'"]),
    (band(threshold=5), ["threshold cannot be set with thresholdMetricId"]),
    (band(thresholdMetricId="nope"), ["thresholdMetricId 'nope' is not a metric query id"]),
    (band(thresholdMetricId=None, comparisonOperator="GreaterThanThreshold", threshold=1),
     ["2 metric queries return data; an alarm needs exactly 1"]),
    (band(period=60), ["metricQueries cannot be combined with period"]),
])
def test_metric_alarm_arguments(props: dict[str, Any], expected: list[str]) -> None:
    assert check("metric-alarm-arguments", ALARM, props) == expected


def test_metric_query_periods_are_checked_too() -> None:
    queries = [{"id": "m", "returnData": True,
                "metric": {"namespace": "n", "metricName": "x", "stat": "Sum", "period": 45}}]
    props = {"metricQueries": queries, "evaluationPeriods": 1, "threshold": 1,
             "comparisonOperator": "GreaterThanThreshold"}
    assert check("metric-alarm-arguments", ALARM, props) == [
        "metric query m: period 45 is not 10, 20, 30 or a multiple of 60"]


def test_alarm_actions_stay_in_the_alarm_region() -> None:
    props = single(alarmActions=[TOPIC_WEST], okActions=[TOPIC_EAST])
    assert check("alarm-actions-same-region", ALARM, props, region="us-east-1") == [
        f"alarmActions: {TOPIC_WEST} is in eu-west-1, the alarm in us-east-1"]
    assert check("alarm-actions-same-region", ALARM, single(alarmActions=[TOPIC_EAST]),
                 region="us-east-1") == []
    # Without a known region the rule does not guess.
    assert check("alarm-actions-same-region", ALARM, props) == []


def test_canary_tracing_only_on_nodejs_runtimes() -> None:
    type_ = "aws:synthetics/canary:Canary"
    python = {"runtimeVersion": "syn-python-selenium-8.0",
              "runConfig": {"activeTracing": True, "memoryInMb": 960}}
    assert check("canary-tracing-runtime", type_, python) == [
        "activeTracing is true on syn-python-selenium-8.0; only syn-nodejs-2.0 and later "
        "support it"]
    node = {"runtimeVersion": "syn-nodejs-puppeteer-9.1",
            "runConfig": {"activeTracing": True, "memoryInMb": 1024}}
    assert check("canary-tracing-runtime", type_, node) == []
    assert check("canary-tracing-runtime", type_, {
        "runtimeVersion": "syn-python-selenium-8.0",
        "runConfig": {"activeTracing": False, "memoryInMb": 1000}}) == [
        "runConfig.memoryInMb 1000 is not a multiple of 64 from 960"]


@pytest.mark.parametrize(("size", "expected"), [
    ("1024", []),
    ("-1", []),
    (1024, ["minimumCompressionSize 1024 is not a string holding an integer"]),
    ("10485761", ["minimumCompressionSize 10485761 is outside -1..10485760"]),
])
def test_rest_api_compression_size_is_a_string(size: Any, expected: list[str]) -> None:
    assert check("rest-api-compression-size", "aws:apigateway/restApi:RestApi",
                 {"minimumCompressionSize": size}) == expected


def test_cloudfront_dependencies_live_in_us_east_1() -> None:
    rule = "cloudfront-scoped-in-us-east-1"
    acl = {"scope": "CLOUDFRONT"}
    assert check(rule, "aws:wafv2/webAcl:WebAcl", acl, region="eu-west-1") == [
        "a CLOUDFRONT web ACL is created in eu-west-1"]
    assert check(rule, "aws:wafv2/webAcl:WebAcl", acl, region="us-east-1") == []
    assert check(rule, "aws:wafv2/webAcl:WebAcl", {"scope": "REGIONAL"},
                 region="eu-west-1") == []
    source = {"resourceArn": "arn:aws:cloudfront::123456789012:distribution/E1",
              "logType": "ACCESS_LOGS"}
    assert check(rule, "aws:cloudwatch/logDeliverySource:LogDeliverySource", source,
                 region="eu-west-1") == [
        "the delivery source of a distribution is created in eu-west-1"]
    assert check(rule, ALARM, single(namespace="AWS/CloudFront"), region="eu-west-1") == [
        "an alarm on AWS/CloudFront metrics is created in eu-west-1"]
    assert check(rule, ALARM, single(), region="eu-west-1") == []
    distribution = {
        "viewerCertificate": {
            "acmCertificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/c"},
        "webAclId": "arn:aws:wafv2:eu-west-1:123456789012:global/webacl/a/1"}
    assert check(rule, "aws:cloudfront/distribution:Distribution", distribution) == [
        "viewerCertificate.acmCertificateArn is in eu-west-1",
        "webAclId is a web ACL in eu-west-1"]


FLOW_LOGS_TRUST = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": '
                  '{"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole"}]}')


def _flow_log_program(wait: bool) -> None:
    role = aws.iam.Role("logs-role", assume_role_policy=FLOW_LOGS_TRUST)
    policy = aws.iam.RolePolicy("logs-policy", role=role.id, policy=(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Action": "logs:PutLogEvents", "Resource": "*"}]}'))
    aws.ec2.FlowLog("flow-log", vpc_id="vpc-1", traffic_type="ALL",
                    log_destination="arn:aws:logs:us-east-1:123456789012:log-group:g",
                    iam_role_arn=role.arn,
                    opts=pulumi.ResourceOptions(depends_on=[policy] if wait else []))


def test_a_role_is_handed_over_only_after_its_policy() -> None:
    only = ("role-policies-before-use",)
    bad = run_program("dev", lambda: _flow_log_program(wait=False))
    assert evaluate_plan(plan(bad), only=only) == [(
        "role-policies-before-use", "flow-log",
        "iamRoleArn hand AWS a role before its policy logs-policy exists: add the policy to "
        "depends_on")]
    good = run_program("dev", lambda: _flow_log_program(wait=True))
    assert evaluate_plan(plan(good), only=only) == []


def _function(name: str, **extra: Any) -> aws.lambda_.Function:
    return aws.lambda_.Function(name, name=name, role="arn:aws:iam::123456789012:role/r",
                                runtime="python3.13", handler="h.handler",
                                code=pulumi.AssetArchive({}), **extra)


def test_sqs_visibility_timeout_covers_the_function_timeout() -> None:
    def program() -> None:
        function = _function("consumer", timeout=60)
        # 10 s and the SQS default of 30 s are below the 60 s timeout; 360 s covers it.
        for name, visibility in (("short", 10), ("default", None), ("long", 360)):
            queue = aws.sqs.Queue(name, visibility_timeout_seconds=visibility)
            aws.lambda_.EventSourceMapping(
                f"{name}-mapping", event_source_arn=queue.arn,
                function_name=function.arn, batch_size=10)

    registry = run_program("dev", program)
    # The mocks register resources in the order their inputs resolve: compare as sets.
    assert set(evaluate_plan(plan(registry), only=("sqs-visibility-covers-timeout",))) == {
        ("sqs-visibility-covers-timeout", "short-mapping",
         "queue short visibility timeout 10 s is below consumer's timeout 60 s"),
        ("sqs-visibility-covers-timeout", "default-mapping",
         "queue default visibility timeout 30 s is below consumer's timeout 60 s"),
    }


@pytest.mark.parametrize(("rules", "expected"), [
    ([{"id": "all", "filter": {"prefix": ""}}, {"id": "raw", "filter": {"prefix": "raw/"}}], []),
    ([{"id": "all", "filter": {}}],
     ['rule all: filter has no condition; give exactly one (prefix "" for every object)']),
    ([{"id": "bare"}],
     ['rule bare: filter has no condition; give exactly one (prefix "" for every object)']),
    ([{"id": "two", "filter": {"prefix": "a/", "objectSizeGreaterThan": 10}}],
     ['rule two: filter has prefix, objectSizeGreaterThan; give exactly one '
      '(prefix "" for every object)']),
    ([{"id": "and", "filter": {"and": {"prefix": "a/", "objectSizeGreaterThan": 10}}}], []),
])
def test_lifecycle_rules_filter_on_exactly_one_condition(rules: list[Any],
                                                         expected: list[str]) -> None:
    assert check("s3-lifecycle-rule-filter",
                 "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                 {"rules": rules}) == expected
