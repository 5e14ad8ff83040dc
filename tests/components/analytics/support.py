"""Shared look-ups for the analytics infrastructure tests."""

from __future__ import annotations

from functools import cache

from components.config import AnalyticsConfig, build
from tests.helpers import stack_config

STREAM = "aws:kinesis/stream:Stream"
CONSUMER = "aws:kinesis/streamConsumer:StreamConsumer"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
QUEUE = "aws:sqs/queue:Queue"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
BUCKET = "aws:s3/bucket:Bucket"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
FIREHOSE = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
GLUE_DB = "aws:glue/catalogDatabase:CatalogDatabase"
GLUE_TABLE = "aws:glue/catalogTable:CatalogTable"
WORKGROUP = "aws:athena/workgroup:Workgroup"
NAMED_QUERY = "aws:athena/namedQuery:NamedQuery"
ESM = "aws:lambda/eventSourceMapping:EventSourceMapping"
FUNCTION = "aws:lambda/function:Function"
KEY = "aws:kms/key:Key"
BUS = "aws:cloudwatch/eventBus:EventBus"


@cache
def analytics_config(stack: str) -> AnalyticsConfig:
    """The validated analytics section of a stack file."""
    return build(dict(stack_config(stack)[0]), project="marketplace", stack=stack).analytics


def prefix(stack: str) -> str:
    """``marketplace-<stack>``."""
    return f"marketplace-{stack}"
