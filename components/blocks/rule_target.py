"""An EventBridge rule that invokes a function's ``live`` alias: retried, then kept in a DLQ.

The cache purger's rule on the bus and the escalation, compliance and Cloudflare schedules
all deliver the same way: a resource policy lets this one rule invoke the alias, the target
retries within a bounded age, and what still fails lands in a dead-letter queue that only
this rule may send to, so no invocation is silently dropped.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.blocks.dead_letter_queue import DeadLetterQueue, DeadLetterQueueArgs
from components.blocks.lambda_function import LambdaFunction
from components.blocks.naming import autoname, limit
from components.platform.context import StackContext


def invoke_from_rule(name: str, dlq_name: str, rule: aws.cloudwatch.EventRule,
                     function: LambdaFunction, context: StackContext, *,
                     max_age_seconds: int, attempts: int, parent: pulumi.Resource,
                     bus_name: pulumi.Input[str] | None = None) -> DeadLetterQueue:
    """``<name>-invoke`` and ``<name>-target`` for ``rule``; returns its ``dlq_name`` queue."""
    child = pulumi.ResourceOptions(parent=parent)
    dead_letters = DeadLetterQueue(
        dlq_name,
        DeadLetterQueueArgs(context=context, sender_service="events.amazonaws.com",
                            sender_arns=(rule.arn,), replays_into_lambda=True),
        opts=child,
    )
    aws.lambda_.Permission(
        f"{name}-invoke",
        action="lambda:InvokeFunction",
        function=function.function_name,
        qualifier=function.alias_name,
        principal="events.amazonaws.com",
        source_arn=rule.arn,
        opts=child,
    )
    aws.cloudwatch.EventTarget(
        f"{name}-target",
        target_id=autoname(f"{name}-target",
                           limit("aws:cloudwatch/eventTarget:EventTarget", "targetId")),
        rule=rule.name,
        event_bus_name=bus_name,
        arn=function.alias_arn,
        retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(
            maximum_event_age_in_seconds=max_age_seconds, maximum_retry_attempts=attempts),
        dead_letter_config=aws.cloudwatch.EventTargetDeadLetterConfigArgs(arn=dead_letters.arn),
        opts=child,
    )
    return dead_letters
