"""Analytics rules: fault-tolerant stream consumers, Firehose error output, encrypted streams."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from . import ADVISORY, Subject, rule

ESM = "aws:lambda/eventSourceMapping:EventSourceMapping"
KINESIS_STREAM = "aws:kinesis/stream:Stream"
FIREHOSE = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
ERROR_OUTPUT_TYPE = "!{firehose:error-output-type}"
# Firehose destinations that write objects to S3 and take an error output prefix.
S3_DESTINATIONS = ("extendedS3Configuration",)


def is_stream_source(arn: Any) -> bool:
    """Whether an event source ARN is a Kinesis stream (or its consumer) or a DynamoDB stream."""
    text = str(arn or "")
    return ":kinesis:" in text or (":dynamodb:" in text and "/stream/" in text)


def _finite(value: Any) -> bool:
    # -1 is the API's "forever"; unset means the default, which is also forever for streams.
    return value is not None and int(value) >= 0


@rule("stream-mapping-fault-tolerant",
      "Every event source mapping from a Kinesis or DynamoDB stream reports batch item "
      "failures, retries a finite number of times up to a finite record age, and sends what "
      "still fails to an on-failure destination.", types=(ESM,))
def stream_mapping(s: Subject) -> Iterator[str]:
    if not is_stream_source(s.props.get("eventSourceArn")):
        return
    if "ReportBatchItemFailures" not in (s.props.get("functionResponseTypes") or []):
        yield "functionResponseTypes lacks ReportBatchItemFailures"
    if not _finite(s.props.get("maximumRetryAttempts")):
        yield "maximumRetryAttempts is not set to a finite number"
    if not _finite(s.props.get("maximumRecordAgeInSeconds")):
        yield "maximumRecordAgeInSeconds is not set to a finite age"
    destination = ((s.props.get("destinationConfig") or {}).get("onFailure") or {})
    if not destination.get("destinationArn"):
        yield "destinationConfig.onFailure.destinationArn is not set"


@rule("firehose-error-output-prefix",
      "Every Firehose stream writing to S3 has an error output prefix that separates failures "
      f"by {ERROR_OUTPUT_TYPE}.", types=(FIREHOSE,),
      # Without the prefix failures still land in the bucket, only unsorted: advice.
      enforcement=ADVISORY)
def firehose_error_prefix(s: Subject) -> Iterator[str]:
    for key in S3_DESTINATIONS:
        config: Mapping[str, Any] | None = s.props.get(key)
        if not config:
            continue
        prefix = str(config.get("errorOutputPrefix") or "")
        if not prefix:
            yield f"{key}.errorOutputPrefix is not set"
        elif ERROR_OUTPUT_TYPE not in prefix:
            yield f"{key}.errorOutputPrefix does not contain {ERROR_OUTPUT_TYPE}"


@rule("kinesis-stream-encrypted", "Every Kinesis data stream is encrypted with KMS.",
      types=(KINESIS_STREAM,))
def kinesis_encrypted(s: Subject) -> Iterator[str]:
    if s.props.get("encryptionType") != "KMS":
        yield "encryptionType is not KMS"
    elif not s.props.get("kmsKeyId"):
        yield "kmsKeyId is not set"


@rule("firehose-encrypted",
      "Every Firehose stream is encrypted: server-side encryption on the delivery stream, or "
      "(when a KMS-encrypted Kinesis stream is the source, where Firehose refuses its own) KMS "
      "on the S3 objects it writes.", types=(FIREHOSE,))
def firehose_encrypted(s: Subject) -> Iterator[str]:
    sse = s.props.get("serverSideEncryption") or {}
    s3 = s.props.get("extendedS3Configuration") or {}
    if s3 and not s3.get("kmsKeyArn"):
        yield "extendedS3Configuration.kmsKeyArn is not set (objects not KMS-encrypted)"
    if s.props.get("kinesisSourceConfiguration"):
        return
    if not sse.get("enabled"):
        yield "serverSideEncryption is not enabled"
