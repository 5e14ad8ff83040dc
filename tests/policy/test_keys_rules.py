"""Key policies against the services that use each key: the table, small bad programs, stacks."""

from __future__ import annotations

import json
from collections.abc import Callable

import pulumi
import pulumi_aws as aws
import pytest

from components.platform.core import BOTH, EDGE, EDGE_LOGS, STACK, key_policy
from policy.rules import evaluate_plan
from policy.rules.keys import CALLER_USES, PATHS, SERVICE_USES, ServiceUse, uses
from tests.helpers import plan, run_program
from tools.mock_runtime import Registry

ACCOUNT = "123456789012"
ROOT = {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*", "Resource": "*"}
GRANTS = "kms-key-grants-service-uses"
UNNEEDED = "kms-key-no-unneeded-service-grants"


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def service(principal: str, actions: list[str], condition: dict | None = None,
            sid: str = "S") -> dict:
    statement = {"Sid": sid, "Effect": "Allow", "Principal": {"Service": principal},
                 "Action": actions, "Resource": "*"}
    if condition is not None:
        statement["Condition"] = condition
    return statement


def violations(build: Callable[[pulumi.ResourceOptions], None],
               rule: str = GRANTS) -> list[tuple[str, str]]:
    """Run ``build`` (given options with an explicit us-east-1 provider) and one key rule."""

    def program() -> None:
        provider = aws.Provider("p", region="us-east-1")
        build(pulumi.ResourceOptions(provider=provider))

    registry: Registry = run_program("dev", program=program)
    return [(name, message) for _, name, message in evaluate_plan(plan(registry), only=(rule,))]


LOGS = service("logs.us-east-1.amazonaws.com",
               ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                "kms:Describe*"],
               {"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                            f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:*"}}, sid="Logs")


# --- the table ------------------------------------------------------------------------------

@pytest.mark.parametrize("row", SERVICE_USES, ids=lambda r: r.id)
def test_service_use_rows_are_documented(row: ServiceUse) -> None:
    assert row.source.startswith("https://docs.aws.amazon.com/")
    assert row.actions
    assert all(a.startswith("kms:") for a in row.actions)
    assert row.principal.endswith(".amazonaws.com")
    assert all(k == k.lower() for k in row.condition_keys)
    # The narrowing key, where there is one, is a key the path's requests carry.
    assert row.narrow is None or row.narrow in row.condition_keys


def test_paths_name_known_uses_and_caller_rows_have_sources() -> None:
    ids = {r.id for r in SERVICE_USES}
    assert len(ids) == len(SERVICE_USES)
    assert {p.use for p in PATHS} <= ids | set(CALLER_USES)
    assert all(c.source.startswith("https://docs.aws.amazon.com/")
               for c in CALLER_USES.values())


def test_documented_paths_from_the_issue() -> None:
    by_id = {r.id: r for r in SERVICE_USES}
    assert by_id["logs-log-group"].narrow == "kms:encryptioncontext:aws:logs:arn"
    assert by_id["cloudfront-oac"].narrow == "aws:sourcearn"
    assert by_id["cloudfront-oac"].exact
    # EventBridge publishing to an encrypted topic or queue: AWS documents no condition key.
    assert by_id["events-target"].condition_keys == frozenset()
    assert by_id["events-bus"].condition_keys == {
        "aws:sourcearn", "aws:sourceaccount", "kms:encryptioncontext:aws:events:event-bus:arn"}


# --- the stacks -----------------------------------------------------------------------------

def test_the_stack_uses_of_each_key_are_found(registry: Registry) -> None:
    found = {u.use for u in uses(plan(registry))}
    assert {"logs-log-group", "events-bus", "events-archive", "events-target",
            "cloudwatch-alarm", "budgets", "cost-anomaly", "sns-to-sqs", "cloudtrail-logs",
            "cloudfront-oac", "log-delivery-s3", "sqs", "sns", "kinesis", "dynamodb",
            "secretsmanager", "lambda", "s3"} <= found


def test_the_origin_buckets_key_names_the_distribution(registry: Registry, stack: str) -> None:
    [key_policy_resource] = registry.by_type("aws:kms/keyPolicy:KeyPolicy")
    [distribution] = registry.by_type("aws:cloudfront/distribution:Distribution")
    document = json.loads(key_policy_resource.inputs["policy"])
    [cloudfront] = [s for s in document["Statement"]
                    if s["Principal"] == {"Service": "cloudfront.amazonaws.com"}]
    assert cloudfront["Action"] == ["kms:Decrypt"]
    assert cloudfront["Condition"] == {
        "StringEquals": {"AWS:SourceArn": distribution.outputs["arn"]}}


# --- missing grants ---------------------------------------------------------------------------

def test_log_group_on_a_key_without_a_logs_grant() -> None:
    def build(opts: pulumi.ResourceOptions) -> None:
        key = aws.kms.Key("k", policy=policy(ROOT), opts=opts)
        aws.cloudwatch.LogGroup("lg", name="/app", kms_key_id=key.arn, opts=opts)

    found = violations(build)
    assert len(found) == 5  # one per documented action
    assert found[0][0] == "lg"
    assert found[0][1].startswith("key k: log group encryption needs "
                                  "logs.us-east-1.amazonaws.com to have kms:Encrypt*; "
                                  "no statement grants it")


def test_alarm_publishing_to_an_encrypted_topic_without_a_cloudwatch_grant() -> None:
    def build(opts: pulumi.ResourceOptions) -> None:
        key = aws.kms.Key("k", policy=policy(ROOT), opts=opts)
        topic = aws.sns.Topic("t", kms_master_key_id=key.arn, opts=opts)
        aws.cloudwatch.MetricAlarm(
            "a", comparison_operator="GreaterThanThreshold", evaluation_periods=1,
            metric_name="Errors", namespace="AWS/Lambda", period=60, statistic="Sum",
            threshold=1, alarm_actions=[topic.arn], opts=opts)

    found = violations(build)
    assert [name for name, _ in found] == ["a", "a"]
    assert "CloudWatch alarm actions publishing to an encrypted topic needs " \
           "cloudwatch.amazonaws.com to have kms:Decrypt" in found[0][1]


def test_caller_uses_need_the_account_statement() -> None:
    def build(opts: pulumi.ResourceOptions) -> None:
        key = aws.kms.Key("k", policy=policy(LOGS), opts=opts)
        aws.sqs.Queue("q", kms_master_key_id=key.arn, opts=opts)

    [(name, message)] = violations(build)
    assert name == "q"
    assert "SQS uses the key with its caller's credentials" in message


def test_a_key_without_a_policy_has_the_default_one() -> None:
    def build(opts: pulumi.ResourceOptions) -> None:
        key = aws.kms.Key("k", opts=opts)
        aws.sqs.Queue("q", kms_master_key_id=key.arn, opts=opts)

    assert violations(build) == []


# --- conditions on keys the request does not carry -------------------------------------------

def test_eventbridge_to_an_encrypted_topic_under_a_source_account_condition() -> None:
    def build(opts: pulumi.ResourceOptions) -> None:
        key = aws.kms.Key("k", policy=policy(ROOT, service(
            "events.amazonaws.com", ["kms:Decrypt", "kms:GenerateDataKey"],
            {"StringEquals": {"aws:SourceAccount": ACCOUNT}})), opts=opts)
        topic = aws.sns.Topic("t", kms_master_key_id=key.arn, opts=opts)
        rule = aws.cloudwatch.EventRule("r", event_pattern='{"source": ["aws.health"]}',
                                        opts=opts)
        aws.cloudwatch.EventTarget("target", rule=rule.name, arn=topic.arn, opts=opts)

    found = violations(build)
    assert [name for name, _ in found] == ["target", "target"]
    assert ("to have kms:Decrypt, granted only under condition keys aws:sourceaccount that "
            "this path's requests are not documented to carry (documented: none); a request "
            "without them is denied every time") in found[0][1]


def test_log_group_grant_on_a_condition_key_logs_does_not_send() -> None:
    def build(opts: pulumi.ResourceOptions) -> None:
        logs = dict(LOGS, Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}})
        key = aws.kms.Key("k", policy=policy(ROOT, logs), opts=opts)
        aws.cloudwatch.LogGroup("lg", name="/app", kms_key_id=key.arn, opts=opts)

    found = violations(build)
    assert len(found) == 5
    assert "granted only under condition keys aws:sourceaccount" in found[0][1]


# --- narrowing ---------------------------------------------------------------------------------

def _oac_program(cloudfront_condition: Callable[[pulumi.Output[str]], object] | None,
                 as_key_policy: bool) -> Callable[[pulumi.ResourceOptions], None]:
    def build(opts: pulumi.ResourceOptions) -> None:
        key = aws.kms.Key("k", policy=None if as_key_policy else policy(ROOT, service(
            "cloudfront.amazonaws.com", ["kms:Decrypt"], {"ArnLike": {
                "AWS:SourceArn": f"arn:aws:cloudfront::{ACCOUNT}:distribution/*"}})), opts=opts)
        bucket = aws.s3.Bucket("b", opts=opts)
        aws.s3.BucketServerSideEncryptionConfiguration(
            "b-sse", bucket=bucket.id, rules=[{"apply_server_side_encryption_by_default": {
                "sse_algorithm": "aws:kms", "kms_master_key_id": key.arn}}], opts=opts)
        distribution = aws.cloudfront.Distribution(
            "d", enabled=True,
            origins=[{"origin_id": "s3", "domain_name": bucket.bucket_regional_domain_name}],
            default_cache_behavior={"target_origin_id": "s3", "viewer_protocol_policy":
                                    "https-only", "allowed_methods": ["GET", "HEAD"],
                                    "cached_methods": ["GET", "HEAD"]},
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            viewer_certificate={"cloudfront_default_certificate": True}, opts=opts)
        if as_key_policy and cloudfront_condition is not None:
            aws.kms.KeyPolicy("kp", key_id=key.key_id, policy=distribution.arn.apply(
                lambda arn: policy(ROOT, service("cloudfront.amazonaws.com", ["kms:Decrypt"],
                                                 cloudfront_condition(arn)))), opts=opts)

    return build


def test_cloudfront_grant_for_every_distribution_is_not_narrow_enough() -> None:
    [(name, message)] = violations(_oac_program(None, as_key_policy=False))
    assert name == "d"
    assert message.startswith(
        "key k: CloudFront reading SSE-KMS objects through origin access control needs "
        "cloudfront.amazonaws.com scoped by aws:sourcearn to the resource's exact ARN")


def test_cloudfront_grant_naming_this_distribution_in_a_key_policy_passes() -> None:
    program = _oac_program(lambda arn: {"StringEquals": {"AWS:SourceArn": arn}},
                           as_key_policy=True)
    assert violations(program) == []
    assert violations(program, UNNEEDED) == []


def test_cloudtrail_grant_scoped_to_another_trail() -> None:
    def build(opts: pulumi.ResourceOptions) -> None:
        other = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/someone-else"
        key = aws.kms.Key("k", policy=policy(
            ROOT,
            service("cloudtrail.amazonaws.com", ["kms:GenerateDataKey*", "kms:DescribeKey"],
                    {"StringEquals": {"aws:SourceArn": other}})), opts=opts)
        aws.cloudtrail.Trail("trail", name="audit", s3_bucket_name="logs",
                             kms_key_id=key.arn, opts=opts)

    [(name, message)] = violations(build)
    assert name == "trail"
    assert "scoped by aws:sourcearn to this resource" in message


# --- grants nothing needs -----------------------------------------------------------------------

def test_grants_no_use_needs_are_reported() -> None:
    def build(opts: pulumi.ResourceOptions) -> None:
        logs = dict(LOGS, Action=[*LOGS["Action"], "kms:CreateGrant"])
        key = aws.kms.Key("k", policy=policy(
            ROOT, logs, service("sqs.amazonaws.com", ["kms:Decrypt"], sid="Sqs"),
            service("cloudtrail.amazonaws.com", ["kms:GenerateDataKey*"], sid="Trail")),
            opts=opts)
        aws.cloudwatch.LogGroup("lg", name="/app", kms_key_id=key.arn, opts=opts)
        aws.sqs.Queue("q", kms_master_key_id=key.arn, opts=opts)
        aws.cloudtrail.Trail("trail", name="audit", s3_bucket_name="logs",
                             kms_key_id=key.arn, opts=opts)

    found = violations(build, UNNEEDED)
    assert found == [
        ("k", "statement Logs grants kms:CreateGrant to logs.us-east-1.amazonaws.com, beyond "
              "what log group encryption need (kms:Decrypt*, kms:Describe*, kms:Encrypt*, "
              "kms:GenerateDataKey*, kms:ReEncrypt*)"),
        ("k", "statement Sqs grants sqs.amazonaws.com, which no resource in the plan needs on "
              "this key (services using their caller's credentials need no grant)"),
        ("k", "statement Trail grants cloudtrail.amazonaws.com with no condition although "
              "every use of it here supports aws:sourcearn"),
    ]


def test_a_resource_using_a_key_through_an_unknown_path() -> None:
    def build(opts: pulumi.ResourceOptions) -> None:
        key = aws.kms.Key("k", policy=policy(ROOT), opts=opts)
        aws.ebs.Volume("v", availability_zone="us-east-1a", size=1, encrypted=True,
                       kms_key_id=key.arn, opts=opts)

    [(name, message)] = violations(build)
    assert name == "v"
    assert "through 'kmsKeyId', a path the key-use table" in message


# --- the core's policies -----------------------------------------------------------------

def _services(document: str) -> set[str]:
    return {s["Principal"]["Service"] for s in json.loads(document)["Statement"]
            if "Service" in s["Principal"]}


def test_core_policies_per_key_role() -> None:
    stack = key_policy(ACCOUNT, "eu-west-1", "aws", "mp", frozenset({STACK}))
    edge = key_policy(ACCOUNT, "us-east-1", "aws", "mp", frozenset({EDGE, EDGE_LOGS}))
    edge_without_logs = key_policy(ACCOUNT, "us-east-1", "aws", "mp", frozenset({EDGE}))
    both = key_policy(ACCOUNT, "us-east-1", "aws", "mp", BOTH)
    assert _services(stack) == {
        "logs.eu-west-1.amazonaws.com", "events.amazonaws.com", "cloudwatch.amazonaws.com",
        "budgets.amazonaws.com", "costalerts.amazonaws.com", "sns.amazonaws.com",
        "cloudtrail.amazonaws.com"}
    assert _services(edge) == {"logs.us-east-1.amazonaws.com", "cloudwatch.amazonaws.com",
                               "sns.amazonaws.com", "delivery.logs.amazonaws.com"}
    assert _services(edge_without_logs) == _services(edge) - {"logs.us-east-1.amazonaws.com"}
    assert _services(both) == _services(stack) - {"logs.eu-west-1.amazonaws.com"} | {
        "logs.us-east-1.amazonaws.com", "delivery.logs.amazonaws.com"}
    [bus] = [s for s in json.loads(stack)["Statement"]
             if s["Sid"] == "EventBridgeEncryptsBusAndArchive"]
    assert bus["Condition"] == {"ArnLike": {"aws:SourceArn": [
        f"arn:aws:events:eu-west-1:{ACCOUNT}:event-bus/mp-*",
        f"arn:aws:events:eu-west-1:{ACCOUNT}:archive/mp-*"]}}
    [targets] = [s for s in json.loads(stack)["Statement"]
                 if s["Sid"] == "EventBridgeDeliversToEncryptedTargets"]
    assert "Condition" not in targets


def test_core_policies_outside_us_east_1_pass_the_rules() -> None:
    """A stack in eu-west-1: its key and the us-east-1 key, each with the uses it serves."""

    def build(opts: pulumi.ResourceOptions) -> None:
        edge_opts = opts
        stack_opts = pulumi.ResourceOptions(provider=aws.Provider("eu", region="eu-west-1"))
        stack_key = aws.kms.Key("stack-key", policy=key_policy(
            ACCOUNT, "eu-west-1", "aws", "mp", frozenset({STACK})), opts=stack_opts)
        edge_key = aws.kms.Key("edge-key", policy=key_policy(
            ACCOUNT, "us-east-1", "aws", "mp", frozenset({EDGE, EDGE_LOGS})), opts=edge_opts)
        topics: dict[str, aws.sns.Topic] = {}
        for key, o, where in ((stack_key, stack_opts, "eu"), (edge_key, edge_opts, "us")):
            aws.cloudwatch.LogGroup(f"lg-{where}", name=f"/mp/{where}", kms_key_id=key.arn,
                                    opts=o)
            topic = aws.sns.Topic(f"t-{where}", kms_master_key_id=key.arn, opts=o)
            aws.cloudwatch.MetricAlarm(
                f"a-{where}", comparison_operator="GreaterThanThreshold",
                evaluation_periods=1, metric_name="Errors", namespace="AWS/Lambda",
                period=60, statistic="Sum", threshold=1, alarm_actions=[topic.arn], opts=o)
            dlq = aws.sqs.Queue(f"q-{where}", kms_master_key_id=key.arn, opts=o)
            aws.sns.TopicSubscription(
                f"s-{where}", topic=topic.arn, protocol="email", endpoint="x@example.com",
                redrive_policy=dlq.arn.apply(lambda a: json.dumps({"deadLetterTargetArn": a})),
                opts=o)
            topics[where] = topic
        rule = aws.cloudwatch.EventRule("r", event_pattern='{"source": ["aws.health"]}',
                                        opts=stack_opts)
        aws.cloudwatch.EventTarget("target", rule=rule.name, arn=topics["eu"].arn,
                                   opts=stack_opts)
        aws.budgets.Budget("budget", budget_type="COST", limit_amount="10", limit_unit="USD",
                           time_unit="MONTHLY", notifications=[{
                               "comparison_operator": "GREATER_THAN", "threshold": 80,
                               "threshold_type": "PERCENTAGE", "notification_type": "ACTUAL",
                               "subscriber_sns_topic_arns": [topics["eu"].arn]}],
                           opts=stack_opts)
        aws.costexplorer.AnomalySubscription(
            "anomalies", name="mp", frequency="IMMEDIATE", monitor_arn_lists=["arn:aws:ce::1:m"],
            subscribers=[{"type": "SNS", "address": topics["eu"].arn}], opts=stack_opts)
        bus = aws.cloudwatch.EventBus("bus", name="mp-events", kms_key_identifier=stack_key.arn,
                                      opts=stack_opts)
        aws.cloudwatch.EventArchive("archive", name="mp-events-archive",
                                    event_source_arn=bus.arn, kms_key_identifier=stack_key.arn,
                                    opts=stack_opts)
        aws.cloudtrail.Trail("trail", name="mp-trail", s3_bucket_name="logs",
                             kms_key_id=stack_key.arn, opts=stack_opts)
        bucket = aws.s3.Bucket("logs", opts=edge_opts)
        aws.s3.BucketServerSideEncryptionConfiguration(
            "logs-sse", bucket=bucket.id, rules=[{"apply_server_side_encryption_by_default": {
                "sse_algorithm": "aws:kms", "kms_master_key_id": edge_key.arn}}],
            opts=edge_opts)
        aws.cloudwatch.LogDeliverySource("source", name="mp-cdn", log_type="ACCESS_LOGS",
                                         resource_arn="arn:aws:cloudfront::1:distribution/X",
                                         opts=edge_opts)
        aws.cloudwatch.LogDeliveryDestination(
            "destination", name="mp-cdn-s3",
            delivery_destination_configuration={"destination_resource_arn": bucket.arn},
            opts=edge_opts)

    assert violations(build) == []
    assert violations(build, UNNEEDED) == []
