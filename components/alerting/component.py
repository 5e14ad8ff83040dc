"""Who hears about an alert: email and router subscriptions, the alert router, Chatbot, Health.

Every topic gets the alert router Lambda and the configured email addresses as subscribers,
each subscription with a redrive policy to the topic's encrypted dead-letter queue. The
router (``functions/alert_router``) deduplicates and routes to Slack and PagerDuty with its
state in a DynamoDB table and its secrets in Secrets Manager; an EventBridge schedule runs
its escalation sweep. AWS Health events reach the topics through EventBridge rules.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alerting.last_deployment import last_deployment_parameter
from components.alerting.router_settings import (
    incident_record_grants,
    inhibition_statements,
    publish_statements,
    router_environment,
)
from components.alerting.slack_app import SlackInteractions, SlackInteractionsArgs
from components.blocks.dead_letter_queue import DeadLetterQueue, DeadLetterQueueArgs
from components.blocks.lambda_function import LambdaFunction, LambdaFunctionArgs
from components.blocks.monitored_items import MonitoredItem, on_alert_path
from components.blocks.rule_target import invoke_from_rule
from components.blocks.service_role import service_role
from components.config import AlertingConfig
from components.platform.alert_topics import EDGE_REGION
from components.platform.context import StackContext
from components.platform.event_routes import EventRoute, route_events

# AWS Health event categories and the topic each goes to: scheduled changes are maintenance.
HEALTH_ROUTES = (
    EventRoute("health-issue", "AWS Health: service issues affecting the account",
               {"source": ["aws.health"], "detail-type": ["AWS Health Event"],
                "detail": {"eventTypeCategory": ["issue"]}}, "warning"),
    EventRoute("health-scheduled", "AWS Health: scheduled changes (maintenance)",
               {"source": ["aws.health"], "detail-type": ["AWS Health Event"],
                "detail": {"eventTypeCategory": ["scheduledChange"]}}, "maintenance"),
    EventRoute("health-account", "AWS Health: account notifications",
               {"source": ["aws.health"], "detail-type": ["AWS Health Event"],
                "detail": {"eventTypeCategory": ["accountNotification"]}}, "info"),
)
# SNS retries Lambda deliveries itself; the redrive policy takes what still fails.
CHATBOT_GUARDRAIL = "arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"
# The router subscriptions' filter policy and its scope: none. CloudWatch alarms, Budgets,
# Cost Anomaly Detection and EventBridge publish without message attributes, and SNS matches
# no attribute filter (not even {"exists": false}) on such a message; the router skips its
# own email copies in code instead (functions/alert_router/email.py). The offline simulator
# (tools/alerts.py) evaluates these same values before it routes a notification.
ROUTER_FILTER_POLICY: Mapping[str, Any] | None = None
ROUTER_FILTER_POLICY_SCOPE = "MessageAttributes"
SECRET_RECOVERY_DAYS = 7


@dataclass(frozen=True)
class AlertRoutingArgs:
    """Inputs of :class:`AlertRouting`: the stack context and the alerting config section.

    The context's severity topics (``topic_arns``) get the router and the emails as
    subscribers; when the stack lives outside ``us-east-1`` the router also subscribes to its
    ``edge_topic_arns`` (where CloudFront alarms notify), with those subscriptions and their
    DLQs in ``us-east-1`` (the context's provider and key there), as SNS requires.
    """

    context: StackContext
    alerting: AlertingConfig
    # The stack's bus: the router and the Slack endpoint publish incident records there.
    event_bus_name: pulumi.Input[str] | None = None
    event_bus_arn: pulumi.Input[str] | None = None


@dataclass(frozen=True)
class TopicPlacement:
    """Topics to subscribe to and where their subscriptions and DLQs live."""

    suffix: str
    topic_arns: Mapping[str, pulumi.Input[str]]
    provider: aws.Provider | None
    kms_key_arn: pulumi.Input[str]
    region: str


def topic_placements(context: StackContext) -> tuple[TopicPlacement, ...]:
    """The stack region's topics, and the us-east-1 ones when the stack lives elsewhere."""
    here = TopicPlacement("", context.topic_arns, None, context.kms_key_arn, context.region)
    if context.region == EDGE_REGION or not context.edge_topic_arns:
        return (here,)
    return (here, TopicPlacement(f"-{EDGE_REGION}", context.edge_topic_arns,
                                 context.us_east_1, context.us_east_1_kms_key_arn,
                                 EDGE_REGION))


def schedule_expression(minutes: int) -> str:
    """EventBridge's rate expression for every ``minutes`` (singular unit for 1)."""
    return f"rate({minutes} minute{'s' if minutes != 1 else ''})"


class AlertRouting(pulumi.ComponentResource):
    """Subscriptions with DLQs, the alert router and its state, Chatbot, Health event rules.

    Others read :attr:`router_function_name`, :attr:`state_table_name`,
    :attr:`pagerduty_secret_arn` and :attr:`slack_secret_arn`; with ``slackDelivery: app``
    also :attr:`slack_interactivity_url` (the Slack app's interactivity request URL),
    :attr:`slack_bot_token_secret_arn` and :attr:`slack_signing_secret_arn` (else None).
    """

    router: LambdaFunction
    state_table: aws.dynamodb.Table
    last_deployment: aws.ssm.Parameter
    pagerduty_secret: aws.secretsmanager.Secret
    slack_secret: aws.secretsmanager.Secret
    dead_letter_queues: dict[str, DeadLetterQueue]
    subscriptions: list[aws.sns.TopicSubscription]
    chatbot: aws.chatbot.SlackChannelConfiguration | None
    router_function_name: pulumi.Output[str]
    state_table_name: pulumi.Output[str]
    pagerduty_secret_arn: pulumi.Output[str]
    slack_secret_arn: pulumi.Output[str]
    router_service_name: str
    slack_bot_token_secret: aws.secretsmanager.Secret | None
    slack_signing_secret: aws.secretsmanager.Secret | None
    slack_interactions: SlackInteractions | None
    slack_interactivity_url: pulumi.Output[str] | None
    slack_bot_token_secret_arn: pulumi.Output[str] | None
    slack_signing_secret_arn: pulumi.Output[str] | None
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: AlertRoutingArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:alerting:AlertRouting", name, None, opts)
        ctx, cfg = args.context, args.alerting
        self.pagerduty_secret = self._secret(
            f"{name}-pagerduty", "PagerDuty Events API v2 routing key of the alert router",
            ctx.kms_key_arn, cfg.pagerduty_routing_key)
        self.slack_secret = self._secret(
            f"{name}-slack", 'Slack incoming webhooks of the alert router: {"<channel>": "<url>"}',
            ctx.kms_key_arn, cfg.slack_webhooks)
        self._slack_app_secrets(name, ctx, cfg)
        self.state_table = self._state_table(name, ctx)
        self.last_deployment = last_deployment_parameter(
            name, ctx.prefix, pulumi.ResourceOptions(parent=self))
        self._records = incident_record_grants(args.event_bus_name, args.event_bus_arn)
        self.router = self._router(ctx, cfg)
        self.router_function_name = self.router.function_name
        self.slack_interactions = self._interactions(name, ctx)

        self.dead_letter_queues = {}
        self.subscriptions = []
        for placement in topic_placements(ctx):
            for severity, topic_arn in placement.topic_arns.items():
                self._subscribe(name, f"{severity}{placement.suffix}", topic_arn, placement,
                                cfg.emails.get(severity, ()), ctx)
        schedule_dlq = self._escalation(name, ctx, cfg)
        health = route_events(f"{ctx.prefix}-alerts", HEALTH_ROUTES, ctx.topic_arns,
                              ctx.kms_key_arn, ctx.lambdas.dlq_retention_days, ctx.region,
                              ctx.owner, self)
        self.chatbot = None
        if cfg.chatbot_slack_team_id and cfg.chatbot_slack_channel_id:
            self.chatbot = self._chatbot(name, ctx, cfg)

        self.state_table_name = self.state_table.name
        self.pagerduty_secret_arn = self.pagerduty_secret.arn
        self.slack_secret_arn = self.slack_secret.arn
        self.router_service_name = f"{ctx.prefix}-alert-router"  # its Powertools service
        self.monitored_items = on_alert_path((
            *self.router.monitored_items,
            *(item for dlq in self.dead_letter_queues.values() for item in dlq.monitored_items),
            *schedule_dlq.monitored_items,
            *health.monitored_items,
            *(self.slack_interactions.monitored_items if self.slack_interactions else ()),
        ), cfg.alert_path_watch)
        self.register_outputs({
            "routerFunctionName": self.router_function_name,
            "stateTableName": self.state_table_name,
            "pagerDutySecretArn": self.pagerduty_secret_arn,
            "slackSecretArn": self.slack_secret_arn,
            "slackInteractivityUrl": self.slack_interactivity_url,
        })

    def _slack_app_secrets(self, name: str, ctx: StackContext, cfg: AlertingConfig) -> None:
        """The Slack app's bot token and signing secret, only when the stack uses the app."""
        self.slack_bot_token_secret = self.slack_signing_secret = None
        self.slack_bot_token_secret_arn = self.slack_signing_secret_arn = None
        if cfg.slack_delivery != "app":
            return
        self.slack_bot_token_secret = self._secret(
            f"{name}-slack-bot-token", "Slack app bot token (xoxb-..., chat:write) of the router",
            ctx.kms_key_arn, cfg.slack_bot_token)
        self.slack_signing_secret = self._secret(
            f"{name}-slack-signing", "Slack app signing secret: verifies button clicks",
            ctx.kms_key_arn, cfg.slack_signing_secret)
        self.slack_bot_token_secret_arn = self.slack_bot_token_secret.arn
        self.slack_signing_secret_arn = self.slack_signing_secret.arn

    def _interactions(self, name: str, ctx: StackContext) -> SlackInteractions | None:
        """The Slack app's button endpoint (with ``slackDelivery: app``)."""
        self.slack_interactivity_url = None
        if self.slack_bot_token_secret is None or self.slack_signing_secret is None:
            return None
        endpoint = SlackInteractions(f"{name}-slack-interactions", SlackInteractionsArgs(
            context=ctx, table_name=self.state_table.name, table_arn=self.state_table.arn,
            signing_secret_arn=self.slack_signing_secret.arn,
            bot_token_secret_arn=self.slack_bot_token_secret.arn,
            pagerduty_secret_arn=self.pagerduty_secret.arn, records=self._records),
            opts=pulumi.ResourceOptions(parent=self))
        self.slack_interactivity_url = endpoint.url
        return endpoint

    def _state_table(self, name: str, ctx: StackContext) -> aws.dynamodb.Table:
        """The router's deduplication and escalation state: encrypted, recoverable, expiring."""
        return aws.dynamodb.Table(
            f"{name}-state",
            name=f"{ctx.prefix}-alert-state",
            billing_mode="PAY_PER_REQUEST",
            hash_key="alert_key",
            attributes=[aws.dynamodb.TableAttributeArgs(name="alert_key", type="S")],
            ttl=aws.dynamodb.TableTtlArgs(attribute_name="expires_at", enabled=True),
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(
                enabled=True, kms_key_arn=ctx.kms_key_arn),
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _router(self, ctx: StackContext, cfg: AlertingConfig) -> LambdaFunction:
        """The alert router function, with access to its state, secrets and email topics."""
        bot_token = self.slack_bot_token_secret_arn
        return LambdaFunction(
            f"{ctx.prefix}-alert-router",
            LambdaFunctionArgs(
                package="alert_router",
                handler="functions.alert_router.handler.handler",
                description="Routes alert topic notifications to Slack and PagerDuty",
                context=ctx,
                timeout_seconds=cfg.router_timeout_seconds,
                # SNS subscriptions and the escalation rule invoke it asynchronously.
                invoked_async=True,
                concurrency_key="alertRouter",
                statements=[
                    *publish_statements(cfg, ctx.topic_arns),
                    *inhibition_statements(cfg),
                    {"Sid": "AlertState", "Effect": "Allow",
                     # Conditional updates and the escalation scan; the Slack app also reads
                     # the item for its message.
                     "Action": ["dynamodb:UpdateItem", "dynamodb:Scan",
                                *(["dynamodb:GetItem"] if bot_token else [])],
                     "Resource": self.state_table.arn},
                    {"Sid": "AlertSecrets", "Effect": "Allow",
                     "Action": ["secretsmanager:GetSecretValue"],
                     "Resource": [self.pagerduty_secret.arn,
                                  bot_token if bot_token else self.slack_secret.arn]},
                    # Change failures: the deploy workflow's record of the last deployment.
                    {"Sid": "LastDeployment", "Effect": "Allow", "Action": ["ssm:GetParameter"],
                     "Resource": self.last_deployment.arn},
                    *self._records[0],
                ],
                environment={**router_environment(
                    cfg, ctx.prefix, ctx.runbook_base_url, ctx.topic_arns, self.state_table.name,
                    self.pagerduty_secret.arn, self.slack_secret.arn, bot_token),
                    "LAST_DEPLOYMENT_PARAMETER": self.last_deployment.name,
                    "CHANGE_FAILURE_WINDOW_SECONDS": str(cfg.change_failure_window_minutes * 60),
                    **self._records[1]},
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _escalation(self, name: str, ctx: StackContext,
                    cfg: AlertingConfig) -> DeadLetterQueue:
        """The schedule that runs the router's escalation sweep; returns the target's DLQ."""
        child = pulumi.ResourceOptions(parent=self)
        schedule = aws.cloudwatch.EventRule(
            f"{name}-escalation",
            name=f"{ctx.prefix}-alert-escalation",
            description="Runs the alert router's escalation sweep",
            schedule_expression=schedule_expression(cfg.escalation_check_minutes),
            opts=child,
        )
        # A missed sweep is replaced by the next one: do not pile them up.
        return invoke_from_rule(
            f"{name}-escalation", f"{name}-escalation-dlq", schedule, self.router, ctx,
            max_age_seconds=cfg.escalation_check_minutes * 60, attempts=2, parent=self)

    def _subscribe(self, name: str, label: str, topic_arn: pulumi.Input[str],
                   placement: TopicPlacement, emails: Sequence[str],
                   ctx: StackContext) -> None:
        """The router and the emails on one topic, with a DLQ in the topic's region."""
        placed = (pulumi.ResourceOptions(parent=self, provider=placement.provider)
                  if placement.provider is not None else pulumi.ResourceOptions(parent=self))
        dlq = DeadLetterQueue(
            f"{name}-{label}-dlq",
            DeadLetterQueueArgs(context=ctx, kms_key_arn=placement.kms_key_arn,
                                region=placement.region,
                                sender_service="sns.amazonaws.com", sender_arns=(topic_arn,)),
            opts=placed,
        )
        self.dead_letter_queues[label] = dlq
        redrive = pulumi.Output.json_dumps({"deadLetterTargetArn": dlq.arn})
        # The permission lives with the function; the subscription with its topic.
        aws.lambda_.Permission(
            f"{name}-{label}-invoke",
            action="lambda:InvokeFunction",
            function=self.router.function_name,
            qualifier=self.router.alias_name,
            principal="sns.amazonaws.com",
            source_arn=topic_arn,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.subscriptions.append(aws.sns.TopicSubscription(
            f"{name}-{label}-router",
            topic=topic_arn,
            protocol="lambda",
            endpoint=self.router.alias_arn,
            redrive_policy=redrive,
            # ROUTER_FILTER_POLICY says why there is none; None leaves both inputs unset.
            filter_policy=(json.dumps(ROUTER_FILTER_POLICY, sort_keys=True)
                           if ROUTER_FILTER_POLICY else None),
            filter_policy_scope=ROUTER_FILTER_POLICY_SCOPE if ROUTER_FILTER_POLICY else None,
            opts=placed,
        ))
        for index, address in enumerate(emails):
            self.subscriptions.append(aws.sns.TopicSubscription(
                f"{name}-{label}-email-{index}",
                topic=topic_arn,
                protocol="email",
                endpoint=address,
                redrive_policy=redrive,
                opts=placed,
            ))

    def _secret(self, name: str, description: str, kms_key_arn: pulumi.Input[str],
                value: pulumi.Output[str] | None) -> aws.secretsmanager.Secret:
        """A KMS-encrypted secret; its value from config when given, else put by operators."""
        secret = aws.secretsmanager.Secret(
            name,
            name_prefix=f"{name}-",
            description=description,
            kms_key_id=kms_key_arn,
            recovery_window_in_days=SECRET_RECOVERY_DAYS,
            opts=pulumi.ResourceOptions(parent=self),
        )
        if value is not None:
            aws.secretsmanager.SecretVersion(
                f"{name}-value",
                secret_id=secret.id,
                secret_string=value,
                opts=pulumi.ResourceOptions(parent=self),
            )
        return secret

    def _chatbot(self, name: str, ctx: StackContext,
                 cfg: AlertingConfig) -> aws.chatbot.SlackChannelConfiguration:
        """Amazon Q Developer in chat applications posting the chosen topics to Slack."""
        role, _policy = service_role(
            f"{name}-chatbot",
            service="chatbot.amazonaws.com",
            description="Amazon Q Developer in chat applications: read alarms for Slack",
            statements=[{
                # Chatbot renders alarm details and graphs; these have no resource scope.
                "Effect": "Allow",
                "Action": ["cloudwatch:DescribeAlarms", "cloudwatch:GetMetricData",
                           "cloudwatch:GetMetricWidgetImage"],
                "Resource": "*",
            }],
            opts=pulumi.ResourceOptions(parent=self),
        )
        return aws.chatbot.SlackChannelConfiguration(
            f"{name}-chatbot",
            configuration_name=f"{ctx.prefix}-alerts",
            iam_role_arn=role.arn,
            slack_team_id=cfg.chatbot_slack_team_id or "",
            slack_channel_id=cfg.chatbot_slack_channel_id or "",
            sns_topic_arns=[ctx.topic_arns[s] for s in cfg.chatbot_severities],
            guardrail_policy_arns=[CHATBOT_GUARDRAIL],
            logging_level="ERROR",
            user_authorization_required=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
