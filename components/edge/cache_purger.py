"""Cache purging: listing changes on the bus purge Cloudflare and invalidate CloudFront."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.blocks.dead_letter_queue import DeadLetterQueue, DeadLetterQueueArgs
from components.blocks.lambda_function import LambdaFunction, LambdaFunctionArgs
from components.blocks.monitored_items import Kind, MonitoredItem
from components.blocks.naming import autoname, limit
from components.config import EdgeConfig, LambdaDefaults
from functions.shared.events import SOURCE

PURGE_EVENTS = ("ListingUpdated", "ListingDeleted")
TIMEOUT_SECONDS = 60


def event_pattern() -> str:
    """The rule's pattern: listing updates and deletions from the marketplace's producers."""
    return json.dumps({"source": [SOURCE], "detail-type": list(PURGE_EVENTS)})


@dataclass(frozen=True)
class CachePurgerArgs:
    """Inputs of :class:`CachePurger`.

    ``purge_token`` is the secret Cloudflare token stored in Secrets Manager (the function
    reads it there; it never appears in the function's environment); ``hosts`` are the
    names whose listing URLs are purged.
    """

    prefix: str
    config: EdgeConfig
    defaults: LambdaDefaults
    kms_key_arn: pulumi.Input[str]
    region: str
    owner: str
    metrics_namespace: str
    bus_name: pulumi.Input[str]
    distribution_id: pulumi.Input[str]
    distribution_arn: pulumi.Input[str]
    purge_token: pulumi.Input[str] | None
    hosts: Sequence[str]


class CachePurger(pulumi.ComponentResource):
    """EventBridge rule (retries, DLQ) -> purge function (token from Secrets Manager)."""

    function: LambdaFunction
    secret: aws.secretsmanager.Secret
    rule: aws.cloudwatch.EventRule
    dead_letters: DeadLetterQueue
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: CachePurgerArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:edge:CachePurger", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.secret = aws.secretsmanager.Secret(
            f"{name}-token",
            name=f"{args.prefix}/cloudflare/purge-token",
            description="Cloudflare API token with Cache Purge on the zone (purge function)",
            kms_key_id=args.kms_key_arn,
            recovery_window_in_days=7,
            opts=child,
        )
        if args.purge_token is not None:
            aws.secretsmanager.SecretVersion(
                f"{name}-token-value",
                secret_id=self.secret.id,
                secret_string=pulumi.Output.secret(args.purge_token),
                opts=child,
            )
        self.function = LambdaFunction(
            f"{args.prefix}-cache-purger",
            LambdaFunctionArgs(
                package="cache_purger",
                handler="functions.cache_purger.handler.handler",
                description="Purges a changed listing's URLs from Cloudflare and CloudFront",
                invoked_async=True,  # the purge rule's target: an asynchronous invoke
                defaults=args.defaults,
                kms_key_arn=args.kms_key_arn,
                region=args.region,
                powertools_namespace=args.metrics_namespace,
                owner=args.owner,
                timeout_seconds=TIMEOUT_SECONDS,
                # Cloudflare allows a few purge requests per second; more in flight only
                # collect 429s (default 5 in lambdaReservedConcurrency).
                concurrency_key="cachePurger",
                statements=[
                    {
                        "Sid": "ReadPurgeToken",
                        "Effect": "Allow",
                        "Action": ["secretsmanager:GetSecretValue"],
                        "Resource": self.secret.arn,
                    },
                    {
                        "Sid": "InvalidateDistribution",
                        "Effect": "Allow",
                        "Action": ["cloudfront:CreateInvalidation"],
                        "Resource": args.distribution_arn,
                    },
                ],
                environment={
                    "CLOUDFLARE_ZONE_ID": args.config.cloudflare_zone_id,
                    "CLOUDFLARE_TOKEN_SECRET_ARN": self.secret.arn,
                    "PURGE_BATCH_SIZE": str(args.config.purge_batch_size),
                    "SITE_HOSTS": ",".join(args.hosts),
                    "DISTRIBUTION_ID": args.distribution_id,
                },
            ),
            opts=child,
        )
        self.rule = aws.cloudwatch.EventRule(
            f"{name}-rule",
            name=f"{args.prefix}-cache-purge",
            description="Listing updated or deleted: purge its cached pages",
            event_bus_name=args.bus_name,
            event_pattern=event_pattern(),
            opts=child,
        )
        self.dead_letters = DeadLetterQueue(
            f"{name}-dead-letters",
            DeadLetterQueueArgs(
                kms_key_arn=args.kms_key_arn,
                retention_days=args.defaults.dlq_retention_days,
                region=args.region,
                owner=args.owner,
                sender_service="events.amazonaws.com",
                sender_arns=(self.rule.arn,),
            ),
            opts=child,
        )
        aws.lambda_.Permission(
            f"{name}-invoke",
            action="lambda:InvokeFunction",
            function=self.function.function_name,
            qualifier="live",
            principal="events.amazonaws.com",
            source_arn=self.rule.arn,
            opts=child,
        )
        aws.cloudwatch.EventTarget(
            f"{name}-target",
            target_id=autoname(f"{name}-target",
                               limit("aws:cloudwatch/eventTarget:EventTarget", "targetId")),
            rule=self.rule.name,
            event_bus_name=args.bus_name,
            arn=self.function.alias_arn,
            retry_policy={
                "maximum_retry_attempts": 8,
                "maximum_event_age_in_seconds": args.defaults.async_max_event_age_seconds,
            },
            dead_letter_config={"arn": self.dead_letters.arn},
            opts=child,
        )
        self.monitored_items = (
            *self.function.monitored_items,
            *self.dead_letters.monitored_items,
            MonitoredItem(
                kind=Kind.EVENTBRIDGE_RULE,
                name=f"{name}-rule",
                dimensions={"RuleName": self.rule.name, "EventBusName": args.bus_name},
                region=args.region,
                owner=args.owner,
            ),
        )
        self.register_outputs({"functionName": self.function.function_name,
                               "ruleName": self.rule.name})
