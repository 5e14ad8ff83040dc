"""Monitored items: what a component records about the things it creates that are worth watching.

Components never build alarms themselves. Each exposes ``monitored_items`` (a tuple of
:class:`MonitoredItem`); the observability component turns every item into alarms and
dashboard widgets through its catalog, keyed by :class:`Kind`. Adding a function, a queue or
a table therefore gives it alarms with no edit to the observability code.

Dimensions per kind (the CloudWatch dimension names of the service's metrics) and the
attributes the catalog may read:

============== ============================================ ====================================
kind           dimensions                                   attributes
============== ============================================ ====================================
lambda         FunctionName                                 timeout_ms, reserved_concurrency,
                                                            provisioned_concurrency,
                                                            consumes_stream,
                                                            log_group (name, Output)
api-stage      ApiName, Stage                               cache_enabled,
                                                            access_log_group (name, Output)
dynamodb-table TableName                                    billing_mode, read_capacity,
                                                            write_capacity, operations (the
                                                            DynamoDB operations its handler
                                                            calls, for per-operation alarms)
dynamodb-gsi   TableName, GlobalSecondaryIndexName          billing_mode, read_capacity,
                                                            write_capacity
dax-cluster    ClusterId                                    node_count
cloudfront     DistributionId, Region (= "Global")          (region is us-east-1)
lambda-edge    DistributionId, Region (= "Global")          function_name, log_group (name,
                                                            Output; the us-east-1 one); region
                                                            is us-east-1
kinesis-stream StreamName                                   shard_count (None when on-demand)
firehose       DeliveryStreamName                           buffer_seconds
sqs-queue      QueueName                                    dead_letter
eventbridge-   RuleName (default bus), RuleName +            event_source (the one source a
rule           EventBusName (custom bus)                     routed rule matches), severity
elasticache    clusterId                                    serverless
cloudflare-    service (= "cloudflare"), ZoneId: the        namespace (the stack's, where the
zone           collector's custom metrics                   analytics collector writes them)
sns-topic      TopicName                                    (none)
============== ============================================ ====================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

import pulumi


class Kind(StrEnum):
    """The kinds of monitored item; each has an entry in the observability catalog."""

    LAMBDA = "lambda"
    API_STAGE = "api-stage"
    DYNAMODB_TABLE = "dynamodb-table"
    DYNAMODB_GSI = "dynamodb-gsi"
    DAX_CLUSTER = "dax-cluster"
    CLOUDFRONT = "cloudfront"
    # A Lambda@Edge function, watched through the errors CloudFront counts for it per
    # distribution (AWS/CloudFront, us-east-1): its own AWS/Lambda metrics are scattered
    # over the regions its replicas ran in.
    LAMBDA_EDGE = "lambda-edge"
    KINESIS_STREAM = "kinesis-stream"
    FIREHOSE = "firehose"
    SQS_QUEUE = "sqs-queue"
    EVENTBRIDGE_RULE = "eventbridge-rule"
    ELASTICACHE = "elasticache"
    CLOUDFLARE_ZONE = "cloudflare-zone"
    SNS_TOPIC = "sns-topic"


# Kinds whose metrics exist only in us-east-1, whatever the stack's region: their alarms
# live there with the us-east-1 topics, and stack-region composites leave them out.
GLOBAL_KINDS = frozenset({Kind.CLOUDFRONT, Kind.LAMBDA_EDGE})


@dataclass(frozen=True)
class Slo:
    """A service level objective attached to an item (availability or latency)."""

    availability_percent: float | None = None
    latency_ms: float | None = None
    latency_percent: float | None = None


@dataclass(frozen=True)
class MonitoredItem:
    """One deployed thing to watch.

    ``name`` is the stable logical name used in alarm names (``<project>-<stack>-<name>-...``);
    ``dimensions`` are the CloudWatch dimensions of its metrics (values may be Outputs);
    ``region`` is where its metrics live (``us-east-1`` for CloudFront); ``attributes`` carry
    kind-specific facts the catalog needs, such as a function's timeout or reserved concurrency.
    Any item may carry ``alert_path`` = True: it is part of the alert path (the router, its
    queues), so its alarms also notify the alert-path topic, which skips the router.
    """

    kind: Kind
    name: str
    dimensions: Mapping[str, pulumi.Input[str]]
    region: str
    owner: str
    slo: Slo | None = None
    attributes: Mapping[str, object] = field(default_factory=dict)


def on_alert_path(items: tuple[MonitoredItem, ...], watched: bool) -> tuple[MonitoredItem, ...]:
    """``items`` marked ``alert_path`` when the alert path is watched.

    Everything here carries alerts (the router, its failure queue, the subscription and
    schedule DLQs, the Health rules): their alarms still go to their severity's topic, so a
    working router posts them as usual, and also to the alert-path topic, which emails
    without the router, so a broken router cannot swallow the news of its own failure.
    """
    if not watched:
        return items
    return tuple(replace(i, attributes={**i.attributes, "alert_path": True})
                 for i in items)
