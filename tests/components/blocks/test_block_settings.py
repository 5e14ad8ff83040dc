"""What the Lambda, queue and network blocks take from a context or from explicit arguments,
and the pure parts of the Lambda block and the secure bucket (no program runs)."""

from __future__ import annotations

import dataclasses

import pytest

from components.blocks.dead_letter_queue import DeadLetterQueueArgs, QueueSettings, queue_settings
from components.blocks.lambda_function import (
    LambdaFunctionArgs,
    LambdaSettings,
    base_statements,
    powertools_layer,
    reserved_concurrency,
    settings_of,
)
from components.blocks.network import NetworkArgs, NetworkSettings, network_settings
from components.blocks.secure_bucket import bucket_policy, lifecycle_rules
from tests.components.platform.support import KEY, LAMBDAS, literal_context

FN = {"package": "alert_router", "handler": "h.handler", "description": "d"}
OTHER_KEY = "arn:aws:kms:us-east-1:123456789012:key/other"


def test_a_function_takes_everything_from_the_context() -> None:
    assert settings_of(LambdaFunctionArgs(**FN, context=literal_context())) == LambdaSettings(
        defaults=LAMBDAS, kms_key_arn=KEY, region="eu-west-1",
        powertools_namespace="marketplace/qa", owner="team-a")


def test_explicit_function_arguments_win_over_the_context() -> None:
    tuned = dataclasses.replace(LAMBDAS, memory_mb=2048)
    args = LambdaFunctionArgs(**FN, context=literal_context(), defaults=tuned,
                              kms_key_arn=OTHER_KEY, region="us-east-1",
                              powertools_namespace="Other", owner="team-b")
    assert settings_of(args) == LambdaSettings(
        defaults=tuned, kms_key_arn=OTHER_KEY, region="us-east-1",
        powertools_namespace="Other", owner="team-b")


def test_the_old_keywords_alone_still_build_a_function() -> None:
    args = LambdaFunctionArgs(**FN, defaults=LAMBDAS, kms_key_arn=KEY, region="eu-west-1",
                              powertools_namespace="marketplace/qa", owner="team-a")
    assert settings_of(args).owner == "team-a"


def test_a_function_without_context_names_what_it_lacks() -> None:
    with pytest.raises(ValueError, match="alert_router: pass a context or "
                                         "kms_key_arn, powertools_namespace, owner"):
        settings_of(LambdaFunctionArgs(**FN, defaults=LAMBDAS, region="eu-west-1"))


def test_reserved_concurrency_reads_its_row_and_refuses_unknown_rows() -> None:
    assert reserved_concurrency("alertRouter", LAMBDAS) == 5
    assert reserved_concurrency(None, LAMBDAS) is None
    with pytest.raises(ValueError, match="'api' has no reserved concurrency; "
                                         "use one of alertRouter, streamProcessor"):
        reserved_concurrency("api", LAMBDAS)


def test_powertools_layer_names_runtime_architecture_and_version() -> None:
    assert powertools_layer("eu-west-1", LAMBDAS) == (
        "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:7")


def test_base_statements_grow_with_a_failure_queue_and_a_vpc() -> None:
    plain = base_statements(log_streams_arn="arn:logs:g:*", kms_key_arn=KEY,
                            failure_queue_arn=None, in_vpc=False)
    assert [s["Sid"] for s in plain] == ["WriteOwnLogs", "WriteTraces", "UseStackKey"]
    assert plain[0]["Resource"] == "arn:logs:g:*"
    assert plain[0]["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert plain[2] == {"Sid": "UseStackKey", "Effect": "Allow",
                        "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": KEY}
    full = base_statements(log_streams_arn="arn:logs:g:*", kms_key_arn=KEY,
                           failure_queue_arn="arn:aws:sqs:eu-west-1:123456789012:f",
                           in_vpc=True)
    assert [s["Sid"] for s in full] == ["WriteOwnLogs", "WriteTraces", "UseStackKey",
                                        "KeepFailedEvents", "ManageVpcInterfaces"]
    assert full[3] == {"Sid": "KeepFailedEvents", "Effect": "Allow",
                       "Action": ["sqs:SendMessage"],
                       "Resource": "arn:aws:sqs:eu-west-1:123456789012:f"}
    assert full[4]["Action"] == ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
                                 "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses",
                                 "ec2:UnassignPrivateIpAddresses"]


def test_a_queue_takes_key_retention_region_owner_from_the_context() -> None:
    assert queue_settings(DeadLetterQueueArgs(context=literal_context())) == QueueSettings(
        kms_key_arn=KEY, retention_days=14, region="eu-west-1", owner="team-a")
    # A queue beside a us-east-1 topic keeps that region's key and region.
    edge = DeadLetterQueueArgs(context=literal_context(), kms_key_arn=OTHER_KEY,
                               region="us-east-1")
    assert queue_settings(edge) == QueueSettings(
        kms_key_arn=OTHER_KEY, retention_days=14, region="us-east-1", owner="team-a")
    with pytest.raises(ValueError, match="pass a context or retention_days, owner"):
        queue_settings(DeadLetterQueueArgs(kms_key_arn=KEY, region="eu-west-1"))


def test_a_network_takes_region_key_and_flow_log_retention_from_the_context() -> None:
    args = NetworkArgs(cidr="10.42.0.0/16", az_count=2, interface_endpoints=("xray",),
                       purpose="test", context=literal_context())
    assert network_settings(args) == NetworkSettings(region="eu-west-1", kms_key_arn=KEY,
                                                     flow_log_retention_days=30)
    explicit = dataclasses.replace(args, flow_log_retention_days=7)
    assert network_settings(explicit).flow_log_retention_days == 7
    with pytest.raises(ValueError, match="test network: pass a context or region"):
        network_settings(NetworkArgs(cidr="10.0.0.0/16", az_count=1, interface_endpoints=(),
                                     purpose="test", kms_key_arn=KEY,
                                     flow_log_retention_days=7))


def test_bucket_lifecycle_starts_with_the_noncurrent_rule_then_the_callers() -> None:
    extra = {"id": "archive", "status": "Enabled"}
    assert lifecycle_rules(45, [extra]) == [
        {"id": "expire-noncurrent-versions", "status": "Enabled", "filter": {"prefix": ""},
         "noncurrent_version_expiration": {"noncurrent_days": 45},
         "abort_incomplete_multipart_upload": {"days_after_initiation": 7}},
        {"id": "archive", "status": "Enabled"},
    ]


def test_bucket_policy_denies_plain_http_first_then_adds_the_callers() -> None:
    extra = {"Sid": "Extra", "Effect": "Allow"}
    policy = bucket_policy("arn:aws:s3:::b", [extra])
    deny, added = policy["Statement"]
    assert policy["Version"] == "2012-10-17"
    assert (deny["Sid"], deny["Effect"], deny["Principal"], deny["Action"]) == (
        "DenyInsecureTransport", "Deny", "*", "s3:*")
    assert deny["Resource"][0] == "arn:aws:s3:::b"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert added == {"Sid": "Extra", "Effect": "Allow"}
