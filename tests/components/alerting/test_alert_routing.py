"""Subscriptions, the alert router and its state, escalation schedule, Health rules, Chatbot."""

from __future__ import annotations

import json

import pulumi
import pytest

from components.alerting.component import HEALTH_ROUTES, AlertRouting, AlertRoutingArgs
from components.blocks.monitored_items import Kind
from components.platform.alert_topics import AlertTopics, AlertTopicsArgs
from components.platform.core import PlatformCore, PlatformCoreArgs
from tests.components.alerting.helpers import (
    PERMISSION,
    RULE,
    SUBSCRIPTION,
    TARGET,
    kms_key_arn,
    queue_by_arn,
    queue_policy_of,
    stack_config,
    topic_arns,
)
from tests.components.platform.support import context_for
from tests.helpers import dev_features_off, dev_features_on, policy_document, run_program
from tools.mock_runtime import Registry, Resource

ROUTER = "aws:lambda/function:Function"
SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"


def state_table(registry: Registry, stack: str) -> Resource:
    """The router's state table (other components have tables of their own)."""
    return registry.named("aws:dynamodb/table:Table", f"marketplace-{stack}-alert-routing-state")


def routing_secrets(registry: Registry, stack: str) -> list:
    """The alert routing component's secrets (other components have their own)."""
    return [s for s in registry.by_type(SECRET)
            if s.name.startswith(f"marketplace-{stack}-alert-routing-")]


def routing_versions(registry: Registry, stack: str) -> list:
    """Versions of the alert routing component's secrets."""
    return [v for v in registry.by_type(VERSION)
            if v.name.startswith(f"marketplace-{stack}-alert-routing-")]


def router(registry: Registry, stack: str) -> dict:
    return registry.named(ROUTER, f"marketplace-{stack}-alert-router-function").inputs


def test_every_topic_feeds_the_router_alias_with_a_redrive_to_its_own_dlq(
        registry: Registry, stack: str) -> None:
    [alias] = [a for a in registry.by_type("aws:lambda/alias:Alias")
               if a.name == f"marketplace-{stack}-alert-router-live"]
    for severity, arn in topic_arns(registry).items():
        [sub] = [s for s in registry.by_type(SUBSCRIPTION)
                 if s.inputs["topic"] == arn and s.inputs["protocol"] == "lambda"]
        assert sub.inputs["endpoint"] == alias.outputs["arn"]
        dlq_arn = json.loads(sub.inputs["redrivePolicy"])["deadLetterTargetArn"]
        queue = queue_by_arn(registry, dlq_arn)
        assert queue.inputs["kmsMasterKeyId"] == kms_key_arn(registry)
        [statement] = policy_document(
            queue_policy_of(registry, queue).inputs["policy"])["Statement"]
        assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
        assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": [arn]}}
        [permission] = [p for p in registry.by_type(PERMISSION)
                        if p.inputs.get("sourceArn") == arn]
        assert permission.inputs["principal"] == "sns.amazonaws.com"
        assert permission.inputs["qualifier"] == "live"
        assert severity in sub.name
        # Alarms carry no message attributes: any attribute filter would drop every one.
        assert "filterPolicy" not in sub.inputs
        assert "filterPolicyScope" not in sub.inputs


def test_email_subscriptions_follow_config(registry: Registry, stack: str) -> None:
    emails = stack_config(stack).alerting.emails
    arns = topic_arns(registry)
    for severity, addresses in emails.items():
        subs = [s for s in registry.by_type(SUBSCRIPTION)
                if s.inputs["topic"] == arns[severity] and s.inputs["protocol"] == "email"]
        assert sorted(s.inputs["endpoint"] for s in subs) == sorted(addresses)
        assert all("deadLetterTargetArn" in s.inputs["redrivePolicy"] for s in subs)
    assert any(emails.values())


def test_router_environment_carries_the_config(registry: Registry, stack: str) -> None:
    cfg = stack_config(stack).alerting
    env = router(registry, stack)["environment"]["variables"]
    assert json.loads(env["ROUTES"]) == [r.as_dict() for r in cfg.routes]
    assert env["DEDUP_WINDOW_SECONDS"] == str(cfg.dedup_window_minutes * 60)
    assert env["ESCALATE_AFTER_SECONDS"] == str(cfg.escalate_after_minutes * 60)
    assert env["STATE_TTL_SECONDS"] == str(cfg.state_ttl_days * 86400)
    assert json.loads(env["MAINTENANCE_WINDOWS"]) == list(cfg.maintenance_windows)
    table = state_table(registry, stack)
    assert env["DEDUP_TABLE"] == table.outputs["name"]
    secrets = {s.name.rsplit("-", 1)[-1]: s.outputs["arn"]
               for s in routing_secrets(registry, stack)}
    assert env["PAGERDUTY_SECRET_ARN"] == secrets["pagerduty"]
    assert env["SLACK_SECRET_ARN"] == secrets["slack"]
    assert router(registry, stack)["timeout"] == cfg.router_timeout_seconds
    assert router(registry, stack)["handler"] == "functions.alert_router.handler.handler"


def test_router_role_reaches_only_its_table_and_secrets(registry: Registry, stack: str) -> None:
    policy = registry.named("aws:iam/rolePolicy:RolePolicy",
                            f"marketplace-{stack}-alert-router-policy")
    statements = {s.get("Sid"): s for s in policy_document(policy.inputs["policy"])["Statement"]}
    table = state_table(registry, stack)
    assert statements["AlertState"]["Resource"] == table.outputs["arn"]
    app = stack == "prod"  # Pulumi.prod.yaml: slackDelivery app; dev keeps the webhooks
    assert sorted(statements["AlertState"]["Action"]) == (
        ["dynamodb:GetItem", "dynamodb:Scan", "dynamodb:UpdateItem"] if app
        else ["dynamodb:Scan", "dynamodb:UpdateItem"])
    secrets = {s.name.removeprefix(f"marketplace-{stack}-alert-routing-"): s.outputs["arn"]
               for s in routing_secrets(registry, stack)}
    read = ["pagerduty", "slack-bot-token"] if app else ["pagerduty", "slack"]
    assert sorted(statements["AlertSecrets"]["Resource"]) == sorted(secrets[n] for n in read)
    assert statements["AlertSecrets"]["Action"] == ["secretsmanager:GetSecretValue"]
    # Publish only to the topics email targets name, and only when some route has one.
    wanted = sorted({t.partition(":")[2] for r in stack_config(stack).alerting.routes
                     for t in r.targets if t.startswith("email:")})
    arns = topic_arns(registry)
    if wanted:
        assert statements["EmailCopies"]["Resource"] == [arns[s] for s in wanted]
        assert statements["EmailCopies"]["Action"] == ["sns:Publish"]
    else:
        assert "EmailCopies" not in statements
    env = router(registry, stack)["environment"]["variables"]
    assert json.loads(env["TOPIC_ARNS"]) == arns
    # Incident records: PutEvents on exactly the stack's bus, which the environment names.
    bus = registry.named("aws:cloudwatch/eventBus:EventBus", f"marketplace-{stack}-events-bus")
    assert statements["IncidentRecords"] == {
        "Sid": "IncidentRecords", "Effect": "Allow", "Action": ["events:PutEvents"],
        "Resource": bus.outputs["arn"]}
    assert env["EVENT_BUS_NAME"] == f"marketplace-{stack}-events"


def test_state_table_has_ttl_and_the_stack_key(registry: Registry, stack: str) -> None:
    table = state_table(registry, stack)
    assert table.inputs["hashKey"] == "alert_key"
    assert table.inputs["billingMode"] == "PAY_PER_REQUEST"
    assert table.inputs["ttl"] == {"attributeName": "expires_at", "enabled": True}
    assert table.inputs["serverSideEncryption"]["kmsKeyArn"] == kms_key_arn(registry)


def test_secrets_are_encrypted_and_get_a_value_only_from_config(dev: Registry) -> None:
    secrets = routing_secrets(dev, "dev")
    assert sorted(s.name.rsplit("-", 1)[-1] for s in secrets) == ["pagerduty", "slack"]
    assert all(s.inputs["kmsKeyId"] == kms_key_arn(dev) for s in secrets)
    unset = dev_features_off()  # no pagerDutyRoutingKey, no slackWebhookUrls
    # Left for operators to fill with put-secret-value: no version in the program.
    assert routing_versions(unset, "dev") == []
    configured = dev_features_on()
    versions = routing_versions(configured, "dev")
    secret_ids = {s.outputs["id"] for s in routing_secrets(configured, "dev")}
    assert {v.inputs["secretId"] for v in versions} == secret_ids


def test_escalation_schedule_invokes_the_router(registry: Registry, stack: str) -> None:
    minutes = stack_config(stack).alerting.escalation_check_minutes
    rule = registry.named(RULE, f"marketplace-{stack}-alert-routing-escalation")
    assert rule.inputs["scheduleExpression"] == f"rate({minutes} minutes)"
    [target] = [t for t in registry.by_type(TARGET) if t.inputs["rule"] == rule.outputs["name"]]
    assert target.inputs["arn"].endswith(f"function:marketplace-{stack}-alert-router:live")
    assert target.inputs["deadLetterConfig"]["arn"].startswith("arn:aws:sqs:")
    [permission] = [p for p in registry.by_type(PERMISSION)
                    if p.inputs.get("sourceArn") == rule.outputs["arn"]]
    assert permission.inputs["principal"] == "events.amazonaws.com"


def test_health_events_reach_the_topics_by_category(registry: Registry, stack: str) -> None:
    arns = topic_arns(registry)
    for route in HEALTH_ROUTES:
        rule = registry.named(RULE, f"marketplace-{stack}-alerts-{route.name}")
        assert json.loads(rule.inputs["eventPattern"]) == route.pattern
        [target] = [t for t in registry.by_type(TARGET)
                    if t.inputs["rule"] == rule.outputs["name"]]
        assert target.inputs["arn"] == arns[route.severity]
        assert target.inputs["retryPolicy"]["maximumEventAgeInSeconds"] > 0


def test_chatbot_only_when_configured(dev: Registry) -> None:
    assert dev.by_type("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration") == []
    reg = dev_features_on()
    [chatbot] = reg.by_type("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration")
    assert chatbot.inputs["slackTeamId"] == "T0123ABCDE"
    assert chatbot.inputs["snsTopicArns"] == [topic_arns(reg)["critical"]]
    assert chatbot.inputs["guardrailPolicyArns"] == [
        "arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"]
    assert chatbot.inputs["iamRoleArn"].startswith("arn:aws:iam::")


def test_dead_letter_queues_are_monitored_items() -> None:
    built: dict[str, AlertRouting] = {}

    def program() -> None:
        cfg = stack_config("dev")
        p = cfg.platform
        core = PlatformCore("core", PlatformCoreArgs(platform=p))
        opts = pulumi.ResourceOptions(providers=core.providers)
        context = context_for(core, platform_config=p, lambdas=cfg.lambdas)
        topics = AlertTopics("alerts", AlertTopicsArgs(context=context), opts)
        context = context.with_topics(topics.arns, topics.edge_arns)
        built["routing"] = AlertRouting("routing", AlertRoutingArgs(
            context=context, alerting=cfg.alerting), opts)

    run_program("dev", program)
    items = built["routing"].monitored_items
    queues = {i.name for i in items if i.kind is Kind.SQS_QUEUE}
    assert {f"routing-{s}-dlq" for s in ("critical", "warning", "info", "maintenance")} <= queues
    assert "routing-escalation-dlq" in queues
    assert "marketplace-dev-alert-router-failures" in queues
    assert [i.name for i in items if i.kind is Kind.LAMBDA] == ["marketplace-dev-alert-router"]


@pytest.mark.parametrize("overrides", [
    {"alertRoutes": ["critical|*|slack:nowhere"]},
    {"alertRoutes": ["urgent|*|pagerduty"]},
    {"alertRoutes": ["critical|*"]},
    {"alertRoutes": ["critical|*|email:everyone"]},
])
def test_bad_routes_are_config_errors(overrides: dict) -> None:
    from components.config import ConfigError
    with pytest.raises(ConfigError) as error:
        stack_config("dev", **overrides)
    assert error.value.keys == ("marketplace:alertRoutes[0]",)


def test_router_handler_path_is_importable(dev: Registry,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    # Lambda sets the region; the handler creates its clients at import.
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    module, _, function = router(dev, "dev")["handler"].rpartition(".")
    assert callable(getattr(importlib.import_module(module), function))


def test_outside_us_east_1_cloudfront_alarms_reach_the_router() -> None:
    # CloudFront alarms live in us-east-1 and can only notify topics there; the router must
    # listen to those topics too, with each subscription and its DLQ in the topic's region.
    registry = run_program("dev", **{"aws:region": "eu-west-1"})
    (topics,) = registry.by_type("marketplace:alerting:AlertTopics")
    edge_topics = {t.outputs["arn"]: t for t in registry.descendants(topics)
                   if t.type == "aws:sns/topic:Topic" and t.region == "us-east-1"}
    assert len(edge_topics) == 4
    router_subscriptions = {s.inputs["topic"]: s for s in registry.by_type(SUBSCRIPTION)
                            if s.inputs["protocol"] == "lambda"}
    for arn in edge_topics:
        subscription = router_subscriptions[arn]
        assert subscription.region == "us-east-1"
        dlq = json.loads(subscription.inputs["redrivePolicy"])["deadLetterTargetArn"]
        assert dlq.split(":")[3] == "us-east-1"
    cloudfront_alarms = [a for a in registry.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")
                         if a.inputs.get("namespace") == "AWS/CloudFront"]
    assert cloudfront_alarms
    for alarm in cloudfront_alarms:
        assert alarm.region == "us-east-1"
        assert set(alarm.inputs["alarmActions"]) <= set(edge_topics)


def test_stack_exports_read_the_routing_components_named_outputs(registry: Registry,
                                                                 stack: str) -> None:
    exports = registry.exports
    assert exports["alertStateTableName"] == f"marketplace-{stack}-alert-state"
    assert exports["budgetName"] == f"marketplace-{stack}-monthly"
    secrets = {s.name: s.outputs["arn"] for s in registry.by_type(SECRET)}
    assert exports["pagerDutySecretArn"] == secrets[f"marketplace-{stack}-alert-routing-pagerduty"]
    assert exports["slackWebhooksSecretArn"] == secrets[f"marketplace-{stack}-alert-routing-slack"]


def test_the_router_knows_each_layers_composite_and_may_read_their_states(
        registry: Registry, stack: str) -> None:
    p = f"marketplace-{stack}"
    assert json.loads(router(registry, stack)["environment"]["variables"]["INHIBITION"]) == {
        "composites": {f"{p}-api-degraded-critical": "api",
                       f"{p}-data-tier-degraded-critical": "dynamodb",
                       f"{p}-pipeline-stalled-critical": "kinesis"}}
    policy = registry.named("aws:iam/rolePolicy:RolePolicy", f"{p}-alert-router-policy")
    statements = {s.get("Sid"): s for s in policy_document(policy.inputs["policy"])["Statement"]}
    # Composite alarms answer DescribeAlarms only on "*" (policy: iam-describe-alarms-on-star).
    assert statements["UpstreamAlarmStates"] == {
        "Sid": "UpstreamAlarmStates", "Effect": "Allow",
        "Action": ["cloudwatch:DescribeAlarms"], "Resource": "*"}
