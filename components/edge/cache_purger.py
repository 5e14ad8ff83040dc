"""Cache purging: listing changes on the bus purge Cloudflare and invalidate CloudFront."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.blocks.dead_letter_queue import DeadLetterQueue
from components.blocks.lambda_function import LambdaFunction, LambdaFunctionArgs
from components.blocks.monitored_items import Kind, MonitoredItem
from components.blocks.rule_target import invoke_from_rule
from components.config import EdgeConfig
from components.platform.context import StackContext
from functions.shared.events import SOURCE

PURGE_EVENTS = ("ListingUpdated", "ListingDeleted")
TIMEOUT_SECONDS = 60


def event_pattern() -> str:
    """The rule's pattern: listing updates and deletions from the marketplace's producers."""
    return json.dumps({"source": [SOURCE], "detail-type": list(PURGE_EVENTS)})


def purge_statements(secret_arn: pulumi.Input[str],
                     distribution_arn: pulumi.Input[str]) -> list[dict[str, Any]]:
    """What the purge function does beyond logs: read its token, invalidate the distribution."""
    return [
        {
            "Sid": "ReadPurgeToken",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": secret_arn,
        },
        {
            "Sid": "InvalidateDistribution",
            "Effect": "Allow",
            "Action": ["cloudfront:CreateInvalidation"],
            "Resource": distribution_arn,
        },
    ]


def purge_environment(config: EdgeConfig, *, secret_arn: pulumi.Input[str],
                      hosts: Sequence[str], distribution_id: pulumi.Input[str]
                      ) -> dict[str, pulumi.Input[str]]:
    """The purge function's environment: the zone, where the token is, batch size, hosts."""
    return {
        "CLOUDFLARE_ZONE_ID": config.cloudflare_zone_id,
        "CLOUDFLARE_TOKEN_SECRET_ARN": secret_arn,
        "PURGE_BATCH_SIZE": str(config.purge_batch_size),
        "SITE_HOSTS": ",".join(hosts),
        "DISTRIBUTION_ID": distribution_id,
    }


@dataclass(frozen=True)
class CachePurgerArgs:
    """Inputs of :class:`CachePurger`.

    The context gives the prefix, the stack key, the region, the owner, the metrics namespace
    and the Lambda defaults. ``purge_token`` is the secret Cloudflare token stored in Secrets
    Manager (the function reads it there; it never appears in the function's environment);
    ``hosts`` are the names whose listing URLs are purged.
    """

    context: StackContext
    config: EdgeConfig
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
        context = args.context
        child = pulumi.ResourceOptions(parent=self)
        self.secret = self._token_secret(name, args)
        self.function = self._function(args)
        self.rule = aws.cloudwatch.EventRule(
            f"{name}-rule",
            name=f"{context.prefix}-cache-purge",
            description="Listing updated or deleted: purge its cached pages",
            event_bus_name=args.bus_name,
            event_pattern=event_pattern(),
            opts=child,
        )
        # Retried for as long as an asynchronous invocation would be, then kept.
        self.dead_letters = invoke_from_rule(
            name, f"{name}-dead-letters", self.rule, self.function, context,
            max_age_seconds=context.lambdas.async_max_event_age_seconds, attempts=8,
            parent=self, bus_name=args.bus_name)
        self.monitored_items = (
            *self.function.monitored_items,
            *self.dead_letters.monitored_items,
            MonitoredItem(
                kind=Kind.EVENTBRIDGE_RULE,
                name=f"{name}-rule",
                dimensions={"RuleName": self.rule.name, "EventBusName": args.bus_name},
                region=context.region,
                owner=context.owner,
            ),
        )
        self.register_outputs({"functionName": self.function.function_name,
                               "ruleName": self.rule.name})

    def _token_secret(self, name: str, args: CachePurgerArgs) -> aws.secretsmanager.Secret:
        """The Cloudflare purge token's secret, with its value when the stack sets one."""
        child = pulumi.ResourceOptions(parent=self)
        secret = aws.secretsmanager.Secret(
            f"{name}-token",
            name=f"{args.context.prefix}/cloudflare/purge-token",
            description="Cloudflare API token with Cache Purge on the zone (purge function)",
            kms_key_id=args.context.kms_key_arn,
            recovery_window_in_days=7,
            opts=child,
        )
        if args.purge_token is not None:
            aws.secretsmanager.SecretVersion(
                f"{name}-token-value",
                secret_id=secret.id,
                secret_string=pulumi.Output.secret(args.purge_token),
                opts=child,
            )
        return secret

    def _function(self, args: CachePurgerArgs) -> LambdaFunction:
        """The purge function: asynchronous, few in flight, reads the token, invalidates."""
        context = args.context
        return LambdaFunction(
            f"{context.prefix}-cache-purger",
            LambdaFunctionArgs(
                package="cache_purger",
                handler="functions.cache_purger.handler.handler",
                description="Purges a changed listing's URLs from Cloudflare and CloudFront",
                invoked_async=True,  # the purge rule's target: an asynchronous invoke
                defaults=context.lambdas,
                kms_key_arn=context.kms_key_arn,
                region=context.region,
                powertools_namespace=context.metrics_namespace,
                owner=context.owner,
                timeout_seconds=TIMEOUT_SECONDS,
                # Cloudflare allows a few purge requests per second; more in flight only
                # collect 429s (default 5 in lambdaReservedConcurrency).
                concurrency_key="cachePurger",
                statements=purge_statements(self.secret.arn, args.distribution_arn),
                environment=purge_environment(args.config, secret_arn=self.secret.arn,
                                              hosts=args.hosts,
                                              distribution_id=args.distribution_id),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
