"""Each analytics rule catches what it is for and passes what is right."""

from __future__ import annotations

from typing import Any

import pytest

from policy.rules import Subject, all_rules
from policy.rules.analytics import ESM, FIREHOSE, KINESIS_STREAM, is_stream_source

RULES = {r.name: r for r in all_rules()}
KINESIS_ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/s"
GOOD_MAPPING: dict[str, Any] = {
    "eventSourceArn": KINESIS_ARN,
    "functionResponseTypes": ["ReportBatchItemFailures"],
    "maximumRetryAttempts": 3,
    "maximumRecordAgeInSeconds": 3600,
    "destinationConfig": {"onFailure": {"destinationArn": "arn:aws:sqs:us-east-1:1:q"}},
}
GOOD_FIREHOSE: dict[str, Any] = {
    "kinesisSourceConfiguration": {"kinesisStreamArn": KINESIS_ARN},
    "extendedS3Configuration": {"errorOutputPrefix": "errors/!{firehose:error-output-type}/",
                                "kmsKeyArn": "arn:aws:kms:us-east-1:1:key/k"},
}


def check(rule: str, type_: str, props: dict[str, Any]) -> list[str]:
    return RULES[rule].violations(Subject(type_, "r", props))


def test_good_mapping_passes() -> None:
    assert check("stream-mapping-fault-tolerant", ESM, GOOD_MAPPING) == []


@pytest.mark.parametrize(("change", "message"), [
    ({"functionResponseTypes": []}, "ReportBatchItemFailures"),
    ({"maximumRetryAttempts": None}, "maximumRetryAttempts"),
    ({"maximumRetryAttempts": -1}, "maximumRetryAttempts"),
    ({"maximumRecordAgeInSeconds": -1}, "maximumRecordAgeInSeconds"),
    ({"destinationConfig": None}, "onFailure"),
])
def test_bad_mapping_is_caught(change: dict[str, Any], message: str) -> None:
    (violation,) = check("stream-mapping-fault-tolerant", ESM, {**GOOD_MAPPING, **change})
    assert message in violation


def test_queue_mappings_are_not_stream_mappings() -> None:
    sqs = {"eventSourceArn": "arn:aws:sqs:us-east-1:1:q"}
    assert check("stream-mapping-fault-tolerant", ESM, sqs) == []
    assert is_stream_source("arn:aws:dynamodb:us-east-1:1:table/t/stream/2026-01-01T00:00:00")
    assert is_stream_source(f"{KINESIS_ARN}/consumer/c:1")
    assert not is_stream_source("arn:aws:dynamodb:us-east-1:1:table/t")


def test_firehose_error_prefix() -> None:
    assert check("firehose-error-output-prefix", FIREHOSE, GOOD_FIREHOSE) == []
    missing = {**GOOD_FIREHOSE, "extendedS3Configuration": {"kmsKeyArn": "k"}}
    assert check("firehose-error-output-prefix", FIREHOSE, missing) == [
        "extendedS3Configuration.errorOutputPrefix is not set"]
    untyped = {**GOOD_FIREHOSE, "extendedS3Configuration": {"errorOutputPrefix": "errors/"}}
    (violation,) = check("firehose-error-output-prefix", FIREHOSE, untyped)
    assert "error-output-type" in violation


def test_kinesis_stream_encryption() -> None:
    good = {"encryptionType": "KMS", "kmsKeyId": "arn:aws:kms:us-east-1:1:key/k"}
    assert check("kinesis-stream-encrypted", KINESIS_STREAM, good) == []
    assert check("kinesis-stream-encrypted", KINESIS_STREAM, {"encryptionType": "NONE"})
    assert check("kinesis-stream-encrypted", KINESIS_STREAM, {"encryptionType": "KMS"})


def test_firehose_encryption() -> None:
    assert check("firehose-encrypted", FIREHOSE, GOOD_FIREHOSE) == []
    no_kms = {**GOOD_FIREHOSE, "extendedS3Configuration": {"errorOutputPrefix": "e/"}}
    assert check("firehose-encrypted", FIREHOSE, no_kms)
    direct_put = {"extendedS3Configuration": GOOD_FIREHOSE["extendedS3Configuration"]}
    assert check("firehose-encrypted", FIREHOSE, direct_put) == [
        "serverSideEncryption is not enabled"]
    direct_put_sse = {**direct_put, "serverSideEncryption": {"enabled": True,
                                                             "keyType": "CUSTOMER_MANAGED_CMK"}}
    assert check("firehose-encrypted", FIREHOSE, direct_put_sse) == []


def test_rules_are_registered() -> None:
    assert {"stream-mapping-fault-tolerant", "firehose-error-output-prefix",
            "kinesis-stream-encrypted", "firehose-encrypted"} <= set(RULES)
