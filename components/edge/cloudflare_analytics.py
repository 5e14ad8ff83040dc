"""Cloudflare's own analytics in CloudWatch: a schedule runs the zone's analytics collector.

Every ``WINDOW_MINUTES`` an EventBridge schedule invokes the collector
(``functions/cloudflare_analytics``), which reads one past window of the zone's GraphQL
analytics and writes them as custom metrics in the stack namespace. The zone then becomes a
monitored item of kind ``cloudflare-zone``: the catalog gives it its edge 5xx rate and cache
hit ratio alarms, the anomaly support its WAF-blocks alarm, and the operations dashboard its
rows beside CloudFront's. The token lives in Secrets Manager and needs only
Zone > Analytics > Read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.blocks.dead_letter_queue import DeadLetterQueue
from components.blocks.lambda_function import LambdaFunction, LambdaFunctionArgs
from components.blocks.monitored_items import Kind, MonitoredItem
from components.blocks.rule_target import invoke_from_rule
from components.platform.context import StackContext
from functions.cloudflare_analytics.graphql import SERVICE

WINDOW_MINUTES = 5
# Cloudflare's adaptive datasets are complete a few minutes after the fact.
LAG_MINUTES = 5
TIMEOUT_SECONDS = 120


def schedule_expression(minutes: int) -> str:
    """A cron on the minute grid, so each tick's time floors to its own window."""
    return f"cron(0/{minutes} * * * ? *)"


def collector_statements(secret_arn: pulumi.Input[str], namespace: str) -> list[dict[str, Any]]:
    """What the collector does beyond logs: read its token, put metrics in the namespace."""
    return [
        {"Sid": "ReadAnalyticsToken", "Effect": "Allow",
         "Action": ["secretsmanager:GetSecretValue"], "Resource": secret_arn},
        {
            # PutMetricData has no resource-level permissions; scope by namespace.
            "Sid": "PutZoneMetrics", "Effect": "Allow",
            "Action": ["cloudwatch:PutMetricData"], "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": namespace}},
        },
    ]


@dataclass(frozen=True)
class CloudflareAnalyticsArgs:
    """Inputs of :class:`CloudflareAnalytics`.

    ``zone_id`` is the Cloudflare zone's id; ``token`` the secret token stored in Secrets
    Manager for the collector (``None`` leaves the secret empty for an operator to fill).
    """

    context: StackContext
    zone_id: str
    token: pulumi.Input[str] | None


class CloudflareAnalytics(pulumi.ComponentResource):
    """Schedule (retries, DLQ) -> collector (token from Secrets Manager) -> CloudWatch."""

    function: LambdaFunction
    secret: aws.secretsmanager.Secret
    rule: aws.cloudwatch.EventRule
    dead_letters: DeadLetterQueue
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: CloudflareAnalyticsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:edge:CloudflareAnalytics", name, None, opts)
        context = args.context
        child = pulumi.ResourceOptions(parent=self)
        self.secret = self._token_secret(name, args)
        self.function = self._function(args)
        self.rule = aws.cloudwatch.EventRule(
            f"{name}-schedule",
            name=f"{context.prefix}-cloudflare-analytics",
            description="Collects the Cloudflare zone's analytics into CloudWatch",
            schedule_expression=schedule_expression(WINDOW_MINUTES),
            opts=child,
        )
        # A tick older than a window is still collected: its window stays the same.
        self.dead_letters = invoke_from_rule(
            name, f"{name}-dead-letters", self.rule, self.function, context,
            max_age_seconds=3600, attempts=4, parent=self)
        self.monitored_items = (
            *self.function.monitored_items,
            *self.dead_letters.monitored_items,
            MonitoredItem(kind=Kind.EVENTBRIDGE_RULE, name=f"{name}-schedule",
                          dimensions={"RuleName": self.rule.name}, region=context.region,
                          owner=context.owner),
            MonitoredItem(kind=Kind.CLOUDFLARE_ZONE, name=f"{name}-zone",
                          dimensions={"service": SERVICE, "ZoneId": args.zone_id},
                          region=context.region, owner=context.owner,
                          attributes={"namespace": context.metrics_namespace}),
        )
        self.register_outputs({"functionName": self.function.function_name,
                               "ruleName": self.rule.name})

    def _token_secret(self, name: str, args: CloudflareAnalyticsArgs
                      ) -> aws.secretsmanager.Secret:
        """The analytics token's secret, with its value when the stack sets one."""
        child = pulumi.ResourceOptions(parent=self)
        secret = aws.secretsmanager.Secret(
            f"{name}-token",
            name=f"{args.context.prefix}/cloudflare/analytics-token",
            description="Cloudflare API token with Zone Analytics Read (analytics collector)",
            kms_key_id=args.context.kms_key_arn,
            recovery_window_in_days=7,
            opts=child,
        )
        if args.token is not None:
            aws.secretsmanager.SecretVersion(
                f"{name}-token-value", secret_id=secret.id,
                secret_string=pulumi.Output.secret(args.token), opts=child)
        return secret

    def _function(self, args: CloudflareAnalyticsArgs) -> LambdaFunction:
        """The collector: asynchronous, at most two in flight, reads the token, puts metrics."""
        context = args.context
        return LambdaFunction(
            f"{context.prefix}-cloudflare-analytics",
            LambdaFunctionArgs(
                package="cloudflare_analytics",
                handler="functions.cloudflare_analytics.handler.handler",
                description="Writes the Cloudflare zone's analytics as CloudWatch metrics",
                context=context,
                invoked_async=True,  # the schedule's target: an asynchronous invoke
                timeout_seconds=TIMEOUT_SECONDS,
                concurrency_key="cloudflareAnalytics",
                statements=collector_statements(self.secret.arn, context.metrics_namespace),
                environment={
                    "CLOUDFLARE_ZONE_ID": args.zone_id,
                    "CLOUDFLARE_TOKEN_SECRET_ARN": self.secret.arn,
                    "ANALYTICS_WINDOW_MINUTES": str(WINDOW_MINUTES),
                    "ANALYTICS_LAG_MINUTES": str(LAG_MINUTES),
                },
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
