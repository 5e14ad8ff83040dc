"""The Slack app's interactivity endpoint: a Lambda function URL Slack posts button clicks to.

Chosen over a route on the stack's API: the API is the listings' hot path behind CloudFront
and a Cognito authorizer, while Slack calls from the internet with no AWS credentials and
signs every request itself. A function URL with ``AuthType NONE`` costs nothing fixed, keeps
the API's authorizer and WAF rules out of it, and the function refuses (401) any request
whose Slack signature is missing, wrong or older than five minutes.

Since October 2025 a new function URL needs both ``lambda:InvokeFunctionUrl`` and
``lambda:InvokeFunction`` in the function's resource policy
(docs.aws.amazon.com/lambda/latest/dg/urls-auth.html): two permissions, the second limited
to invocations through the URL (``lambda:InvokedViaFunctionUrl``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.blocks.lambda_function import LambdaFunction, LambdaFunctionArgs
from components.blocks.monitored_items import MonitoredItem
from components.platform.context import StackContext


@dataclass(frozen=True)
class SlackInteractionsArgs:
    """The state table and the three secrets the endpoint reads, and the router's settings."""

    context: StackContext
    table_name: pulumi.Input[str]
    table_arn: pulumi.Input[str]
    signing_secret_arn: pulumi.Input[str]
    bot_token_secret_arn: pulumi.Input[str]
    pagerduty_secret_arn: pulumi.Input[str]
    # The incident records' PutEvents grant and EVENT_BUS_NAME (router_settings.py).
    records: tuple[list[dict[str, object]], dict[str, pulumi.Input[str]]] = ([], {})


class SlackInteractions(pulumi.ComponentResource):
    """The endpoint function, its public URL and the two permissions the URL needs.

    Others read :attr:`url` (the app's interactivity request URL) and
    :attr:`function_name`.
    """

    function: LambdaFunction
    function_url: aws.lambda_.FunctionUrl
    url: pulumi.Output[str]
    function_name: pulumi.Output[str]
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: SlackInteractionsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:alerting:SlackInteractions", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ctx = args.context
        self.function = LambdaFunction(
            f"{ctx.prefix}-slack-interactions",
            LambdaFunctionArgs(
                package="slack_interactions",
                handler="functions.slack_interactions.handler.handler",
                description="Slack app buttons on alerts: acknowledge, resolve, silence",
                context=ctx,
                # Slack waits 3 s for the answer; the handler's own deadline is 2.5 s.
                timeout_seconds=10,
                concurrency_key="slackInteractions",
                statements=[
                    {"Sid": "AlertState", "Effect": "Allow",
                     # The buttons' conditional writes, and reading the item a write lost to.
                     "Action": ["dynamodb:UpdateItem", "dynamodb:GetItem"],
                     "Resource": args.table_arn},
                    {"Sid": "SlackAppSecrets", "Effect": "Allow",
                     "Action": ["secretsmanager:GetSecretValue"],
                     "Resource": [args.signing_secret_arn, args.bot_token_secret_arn,
                                  args.pagerduty_secret_arn]},
                    *args.records[0],
                ],
                environment={
                    "DEDUP_TABLE": args.table_name,
                    "SLACK_SIGNING_SECRET_ARN": args.signing_secret_arn,
                    "SLACK_BOT_TOKEN_SECRET_ARN": args.bot_token_secret_arn,
                    "PAGERDUTY_SECRET_ARN": args.pagerduty_secret_arn,
                    **args.records[1],
                },
            ),
            opts=child,
        )
        self.function_url = aws.lambda_.FunctionUrl(
            f"{name}-url",
            function_name=self.function.function_name,
            qualifier=self.function.alias_name,
            # Slack cannot sign with AWS credentials; the handler verifies Slack's signature.
            authorization_type="NONE",
            opts=child,
        )
        for action, extra in (("lambda:InvokeFunctionUrl", {"function_url_auth_type": "NONE"}),
                              ("lambda:InvokeFunction", {"invoked_via_function_url": True})):
            aws.lambda_.Permission(
                f"{name}-{action.split(':')[1].lower()}",
                action=action,
                function=self.function.function_name,
                qualifier=self.function.alias_name,
                principal="*",
                opts=child,
                **extra,
            )
        self.url = self.function_url.function_url
        self.function_name = self.function.function_name
        self.monitored_items = self.function.monitored_items
        self.register_outputs({"url": self.url, "functionName": self.function_name})
