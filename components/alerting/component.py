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

import pulumi
import pulumi_aws as aws

from components.blocks.dead_letter_queue import DeadLetterQueue, DeadLetterQueueArgs
from components.blocks.lambda_function import LambdaFunction, LambdaFunctionArgs
from components.blocks.monitored_items import MonitoredItem
from components.blocks.naming import autoname, limit
from components.blocks.service_role import service_role
from components.config import AlertingConfig, LambdaDefaults
from components.platform.alert_topics import EDGE_REGION
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
SECRET_RECOVERY_DAYS = 7


@dataclass(frozen=True)
class AlertRoutingArgs:
    """Inputs of :class:`AlertRouting`.

    ``edge_topic_arns`` are the ``us-east-1`` topics CloudFront alarms notify
    (``AlertTopics.edge_arns``); when the stack lives elsewhere the router subscribes to them
    too, with the subscriptions and their DLQs in ``us-east-1`` (``us_east_1`` provider and
    key), as SNS requires.
    """

    prefix: str
    alerting: AlertingConfig
    lambdas: LambdaDefaults
    topic_arns: Mapping[str, pulumi.Input[str]]
    kms_key_arn: pulumi.Input[str]
    region: str
    owner: str
    metrics_namespace: str
    runbook_base_url: str
    edge_topic_arns: Mapping[str, pulumi.Input[str]] | None = None
    us_east_1: aws.Provider | None = None
    us_east_1_kms_key_arn: pulumi.Input[str] | None = None


class AlertRouting(pulumi.ComponentResource):
    """Subscriptions with DLQs, the alert router and its state, Chatbot, Health event rules."""

    router: LambdaFunction
    state_table: aws.dynamodb.Table
    pagerduty_secret: aws.secretsmanager.Secret
    slack_secret: aws.secretsmanager.Secret
    dead_letter_queues: dict[str, DeadLetterQueue]
    subscriptions: list[aws.sns.TopicSubscription]
    chatbot: aws.chatbot.SlackChannelConfiguration | None
    router_function_name: pulumi.Output[str]
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: AlertRoutingArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:alerting:AlertRouting", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        cfg = args.alerting

        self.pagerduty_secret = self._secret(
            f"{name}-pagerduty", "PagerDuty Events API v2 routing key of the alert router",
            args.kms_key_arn, cfg.pagerduty_routing_key)
        self.slack_secret = self._secret(
            f"{name}-slack", 'Slack incoming webhooks of the alert router: {"<channel>": "<url>"}',
            args.kms_key_arn, cfg.slack_webhooks)
        self.state_table = aws.dynamodb.Table(
            f"{name}-state",
            name=f"{args.prefix}-alert-state",
            billing_mode="PAY_PER_REQUEST",
            hash_key="alert_key",
            attributes=[aws.dynamodb.TableAttributeArgs(name="alert_key", type="S")],
            ttl=aws.dynamodb.TableTtlArgs(attribute_name="expires_at", enabled=True),
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(
                enabled=True, kms_key_arn=args.kms_key_arn),
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            opts=child,
        )
        self.router = LambdaFunction(
            f"{args.prefix}-alert-router",
            LambdaFunctionArgs(
                package="alert_router",
                handler="functions.alert_router.handler.handler",
                description="Routes alert topic notifications to Slack and PagerDuty",
                defaults=args.lambdas,
                kms_key_arn=args.kms_key_arn,
                region=args.region,
                powertools_namespace=args.metrics_namespace,
                owner=args.owner,
                timeout_seconds=cfg.router_timeout_seconds,
                # SNS subscriptions and the escalation rule invoke it asynchronously.
                invoked_async=True,
                concurrency_key="alertRouter",
                statements=[
                    *publish_statements(args),
                    {"Sid": "AlertState", "Effect": "Allow",
                     # Conditional updates and the escalation scan; nothing reads one item.
                     "Action": ["dynamodb:UpdateItem", "dynamodb:Scan"],
                     "Resource": self.state_table.arn},
                    {"Sid": "AlertSecrets", "Effect": "Allow",
                     "Action": ["secretsmanager:GetSecretValue"],
                     "Resource": [self.pagerduty_secret.arn, self.slack_secret.arn]},
                ],
                environment=router_environment(args, self.state_table.name,
                                               self.pagerduty_secret.arn,
                                               self.slack_secret.arn),
            ),
            opts=child,
        )
        self.router_function_name = self.router.function_name

        self.dead_letter_queues = {}
        self.subscriptions = []
        # (suffix, topics, options, key, region): the stack region's topics, and the
        # us-east-1 ones for CloudFront alarms when the stack lives elsewhere.
        placements: list[tuple[str, Mapping[str, pulumi.Input[str]], pulumi.ResourceOptions,
                               pulumi.Input[str], str]] = [
            ("", args.topic_arns, child, args.kms_key_arn, args.region)]
        if args.region != EDGE_REGION and args.edge_topic_arns is not None \
                and args.us_east_1 is not None and args.us_east_1_kms_key_arn is not None:
            placements.append((f"-{EDGE_REGION}", args.edge_topic_arns,
                               pulumi.ResourceOptions(parent=self, provider=args.us_east_1),
                               args.us_east_1_kms_key_arn, EDGE_REGION))
        for suffix, topics, placed, key, region in placements:
            for severity, topic_arn in topics.items():
                self._subscribe(name, f"{severity}{suffix}", topic_arn, placed, key, region,
                                cfg.emails.get(severity, ()), args)

        schedule = aws.cloudwatch.EventRule(
            f"{name}-escalation",
            name=f"{args.prefix}-alert-escalation",
            description="Runs the alert router's escalation sweep",
            schedule_expression=f"rate({cfg.escalation_check_minutes} minute"
                                f"{'s' if cfg.escalation_check_minutes != 1 else ''})",
            opts=child,
        )
        schedule_dlq = DeadLetterQueue(
            f"{name}-escalation-dlq",
            DeadLetterQueueArgs(kms_key_arn=args.kms_key_arn,
                                retention_days=args.lambdas.dlq_retention_days,
                                region=args.region, owner=args.owner,
                                sender_service="events.amazonaws.com",
                                sender_arns=(schedule.arn,)),
            opts=child,
        )
        aws.lambda_.Permission(
            f"{name}-escalation-invoke",
            action="lambda:InvokeFunction",
            function=self.router.function.name,
            qualifier=self.router.alias.name,
            principal="events.amazonaws.com",
            source_arn=schedule.arn,
            opts=child,
        )
        aws.cloudwatch.EventTarget(
            f"{name}-escalation-target",
            target_id=autoname(f"{name}-escalation-target",
                               limit("aws:cloudwatch/eventTarget:EventTarget", "targetId")),
            rule=schedule.name,
            arn=self.router.alias_arn,
            dead_letter_config=aws.cloudwatch.EventTargetDeadLetterConfigArgs(
                arn=schedule_dlq.arn),
            retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(
                # A missed sweep is replaced by the next one: do not pile them up.
                maximum_event_age_in_seconds=cfg.escalation_check_minutes * 60,
                maximum_retry_attempts=2),
            opts=child,
        )
        health = route_events(f"{args.prefix}-alerts", HEALTH_ROUTES, args.topic_arns,
                              args.kms_key_arn, args.lambdas.dlq_retention_days, args.region,
                              args.owner, self)

        self.chatbot = None
        if cfg.chatbot_slack_team_id and cfg.chatbot_slack_channel_id:
            self.chatbot = self._chatbot(name, args)

        self.monitored_items = (
            *self.router.monitored_items,
            *(item for dlq in self.dead_letter_queues.values() for item in dlq.monitored_items),
            *schedule_dlq.monitored_items,
            *health.monitored_items,
        )
        self.register_outputs({
            "routerFunctionName": self.router_function_name,
            "stateTableName": self.state_table.name,
            "pagerDutySecretArn": self.pagerduty_secret.arn,
            "slackSecretArn": self.slack_secret.arn,
        })

    def _subscribe(self, name: str, label: str, topic_arn: pulumi.Input[str],
                   placed: pulumi.ResourceOptions, key: pulumi.Input[str], region: str,
                   emails: Sequence[str], args: AlertRoutingArgs) -> None:
        """The router and the emails on one topic, with a DLQ in the topic's region."""
        dlq = DeadLetterQueue(
            f"{name}-{label}-dlq",
            DeadLetterQueueArgs(kms_key_arn=key,
                                retention_days=args.lambdas.dlq_retention_days,
                                region=region, owner=args.owner,
                                sender_service="sns.amazonaws.com", sender_arns=(topic_arn,)),
            opts=placed,
        )
        self.dead_letter_queues[label] = dlq
        redrive = pulumi.Output.json_dumps({"deadLetterTargetArn": dlq.arn})
        # The permission lives with the function; the subscription with its topic.
        aws.lambda_.Permission(
            f"{name}-{label}-invoke",
            action="lambda:InvokeFunction",
            function=self.router.function.name,
            qualifier=self.router.alias.name,
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
            # No filter policy: CloudWatch alarms, Budgets, Cost Anomaly Detection and
            # EventBridge publish without message attributes, and SNS matches no attribute
            # filter (not even {"exists": false}) on such a message. The router skips its
            # own email copies in code instead (functions/alert_router/email.py).
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

    def _chatbot(self, name: str,
                 args: AlertRoutingArgs) -> aws.chatbot.SlackChannelConfiguration:
        """Amazon Q Developer in chat applications posting the chosen topics to Slack."""
        cfg = args.alerting
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
            configuration_name=f"{args.prefix}-alerts",
            iam_role_arn=role.arn,
            slack_team_id=cfg.chatbot_slack_team_id or "",
            slack_channel_id=cfg.chatbot_slack_channel_id or "",
            sns_topic_arns=[args.topic_arns[s] for s in cfg.chatbot_severities],
            guardrail_policy_arns=[CHATBOT_GUARDRAIL],
            logging_level="ERROR",
            user_authorization_required=True,
            opts=pulumi.ResourceOptions(parent=self),
        )


def router_environment(args: AlertRoutingArgs, table_name: pulumi.Input[str],
                       pagerduty_secret_arn: pulumi.Input[str],
                       slack_secret_arn: pulumi.Input[str]) -> dict[str, pulumi.Input[str]]:
    """The router's settings (``functions/alert_router/settings.py`` reads them)."""
    cfg = args.alerting
    return {
        "DEDUP_TABLE": table_name,
        "ROUTES": json.dumps([route.as_dict() for route in cfg.routes]),
        "DEDUP_WINDOW_SECONDS": str(cfg.dedup_window_minutes * 60),
        "STATE_TTL_SECONDS": str(cfg.state_ttl_days * 86400),
        "ESCALATE_AFTER_SECONDS": str(cfg.escalate_after_minutes * 60),
        "LEASE_SECONDS": str(cfg.router_timeout_seconds),
        "MAINTENANCE_WINDOWS": json.dumps(list(cfg.maintenance_windows)),
        "MAINTENANCE_SUPPRESSES": json.dumps(list(cfg.maintenance_suppresses)),
        "PAGERDUTY_SECRET_ARN": pagerduty_secret_arn,
        "SLACK_SECRET_ARN": slack_secret_arn,
        "HTTP_TIMEOUT_SECONDS": str(cfg.http_timeout_seconds),
        "RUNBOOK_BASE_URL": args.runbook_base_url,
        "TOPIC_ARNS": pulumi.Output.json_dumps(dict(args.topic_arns)),
    }


def email_severities(args: AlertRoutingArgs) -> list[str]:
    """Severities whose topics the routes send email copies to (``email:<severity>``)."""
    found = {t.partition(":")[2] for r in args.alerting.routes for t in r.targets
             if t.startswith("email:")}
    return sorted(found)


def publish_statements(args: AlertRoutingArgs) -> list[dict[str, object]]:
    """sns:Publish on exactly the topics the email targets name (none when unused)."""
    severities = email_severities(args)
    if not severities:
        return []
    return [{"Sid": "EmailCopies", "Effect": "Allow", "Action": ["sns:Publish"],
             "Resource": [args.topic_arns[s] for s in severities]}]
