"""Audit-logging stack rules: tiny bad programs fail them with a clear message."""

from __future__ import annotations

from collections.abc import Callable

import pulumi_aws as aws

from policy.rules import evaluate_plan
from tests.helpers import plan, run_program

VISIBILITY = {"cloudwatch_metrics_enabled": True, "metric_name": "m",
              "sampled_requests_enabled": True}


def _violations(program: Callable[[], None], rule: str) -> list[tuple[str, str]]:
    return [(name, message) for _rule, name, message
            in evaluate_plan(plan(run_program("dev", program)), only=(rule,))]


def _acl(name: str) -> aws.wafv2.WebAcl:
    return aws.wafv2.WebAcl(
        name, name=name, scope="REGIONAL", default_action={"block": {}},
        rules=[{"name": "FromCloudFront", "priority": 0, "action": {"allow": {}},
                "statement": {"byte_match_statement": {
                    "search_string": "s3cret",
                    "field_to_match": {"single_header": {"name": "x-origin-verify"}},
                    "positional_constraint": "EXACTLY",
                    "text_transformations": [{"priority": 0, "type": "NONE"}]}},
                "visibility_config": VISIBILITY}],
        visibility_config=VISIBILITY)


def test_web_acl_without_logging_fails() -> None:
    assert _violations(lambda: _acl("quiet") and None, "waf-web-acl-logging") == [
        ("quiet", "web ACL has no WebAclLoggingConfiguration: requests it allows or blocks "
                  "leave no trace")]


def test_badly_named_group_and_unredacted_secret_header_fail() -> None:
    def program() -> None:
        acl = _acl("leaky")
        group = aws.cloudwatch.LogGroup("waf", name="waf-logs", retention_in_days=30)
        aws.wafv2.WebAclLoggingConfiguration(
            "leaky-logging", resource_arn=acl.arn, log_destination_configs=[group.arn],
            redacted_fields=[{"single_header": {"name": "authorization"}}])

    assert _violations(program, "waf-web-acl-logging") == [
        ("leaky-logging", "log group 'waf-logs' does not start with 'aws-waf-logs-'; WAF "
                          "refuses it as a destination"),
        ("leaky-logging", "header 'x-origin-verify' carries the value the web ACL matches "
                          "exactly (a secret) but is not in redactedFields: the logs would "
                          "leak it"),
    ]


def test_well_named_group_with_the_secret_redacted_passes() -> None:
    def program() -> None:
        acl = _acl("good")
        group = aws.cloudwatch.LogGroup("waf", name="aws-waf-logs-good", retention_in_days=30)
        aws.wafv2.WebAclLoggingConfiguration(
            "good-logging", resource_arn=acl.arn, log_destination_configs=[group.arn],
            redacted_fields=[{"single_header": {"name": "x-origin-verify"}}])

    assert _violations(program, "waf-web-acl-logging") == []


def test_bucket_without_access_logs_and_a_kms_target_fail() -> None:
    def program() -> None:
        aws.s3.Bucket("quiet", bucket="quiet")
        data = aws.s3.Bucket("data", bucket="data")
        logs = aws.s3.Bucket("logs", bucket="logs")
        aws.s3.BucketServerSideEncryptionConfiguration(
            "logs-sse", bucket=logs.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms"}}])
        aws.s3.BucketLogging("data-logging", bucket=data.id, target_bucket=logs.bucket,
                             target_prefix="data/")
        aws.s3.Bucket("cf-logs", bucket="cf-logs", tags={"log-bucket": "cloudfront"})

    assert _violations(program, "s3-access-logging") == [
        ("data-logging", "target bucket logs encrypts with aws:kms; S3 log delivery writes only "
                         "to SSE-S3 (AES256) targets"),
        ("quiet", "bucket holds data but has no BucketLogging (S3 server access logs); log it, "
                  "or tag it 'log-bucket' if it only receives logs"),
    ]


def test_bucket_logging_to_itself_fails() -> None:
    def program() -> None:
        loop = aws.s3.Bucket("loop", bucket="loop")
        aws.s3.BucketLogging("loop-logging", bucket=loop.id, target_bucket=loop.bucket,
                             target_prefix="loop/")

    assert _violations(program, "s3-access-logging") == [
        ("loop-logging", "a bucket logs access to itself: every log write is logged again, "
                         "without end")]
