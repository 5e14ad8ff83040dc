"""Shared lookups for the alerting, security and cost component tests."""

from __future__ import annotations

from components.config import StackConfig, build
from tests.helpers import config_of
from tools.mock_runtime import Registry, Resource

TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
QUEUE = "aws:sqs/queue:Queue"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
PERMISSION = "aws:lambda/permission:Permission"


def stack_config(stack: str, **overrides: object) -> StackConfig:
    """The validated config of a stack file (with overrides)."""
    return build(config_of(stack, **overrides), project="marketplace", stack=stack)


def alert_topics(registry: Registry) -> list[Resource]:
    """The AlertTopics component's topics (other components may have topics of their own)."""
    [component] = registry.by_type("marketplace:alerting:AlertTopics")
    return [t for t in registry.children(component) if t.type == TOPIC]


def topic_arns(registry: Registry) -> dict[str, str]:
    """Severity -> ARN of the alert topics."""
    return {t.inputs["name"].rsplit("-", 1)[-1]: t.outputs["arn"]
            for t in alert_topics(registry)}


def kms_key_arn(registry: Registry) -> str:
    """The stack key's ARN."""
    [key] = [k for k in registry.by_type("aws:kms/key:Key") if k.name.endswith("-core-key")]
    return key.outputs["arn"]


def queue_by_arn(registry: Registry, arn: str) -> Resource:
    """The queue with this ARN."""
    [queue] = [q for q in registry.by_type(QUEUE) if q.outputs["arn"] == arn]
    return queue


def queue_policy_of(registry: Registry, queue: Resource) -> Resource:
    """The queue policy attached to ``queue``."""
    [policy] = [p for p in registry.by_type(QUEUE_POLICY)
                if p.inputs["queueUrl"] == queue.outputs["url"]]
    return policy
