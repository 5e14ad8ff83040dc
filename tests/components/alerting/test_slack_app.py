"""slackDelivery app: the two secrets, the router's settings, the interactions function URL."""

from __future__ import annotations

import pytest

from tests.components.alerting.helpers import PERMISSION, kms_key_arn, stack_config
from tests.helpers import dev_features_on, policy_document
from tools.mock_runtime import Registry, Resource

SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
FUNCTION = "aws:lambda/function:Function"
URL = "aws:lambda/functionUrl:FunctionUrl"


def secret(registry: Registry, stack: str, kind: str) -> Resource:
    return registry.named(SECRET, f"marketplace-{stack}-alert-routing-{kind}")


def function(registry: Registry, name: str) -> Resource:
    [fn] = [f for f in registry.by_type(FUNCTION) if f.inputs["name"] == name]
    return fn


@pytest.fixture(scope="module")
def dev_app() -> Registry:
    """Dev with the Slack app on and its two secrets' values in config."""
    return dev_features_on()


def test_the_stacks_deliver_as_their_files_say() -> None:
    assert stack_config("prod").alerting.slack_delivery == "app"
    assert stack_config("dev").alerting.slack_delivery == "webhook"


def test_webhook_mode_has_no_app_parts(dev: Registry) -> None:
    assert dev.by_type(URL) == []
    assert [s.name for s in dev.by_type(SECRET) if "slack-" in s.name] == []
    env = function(dev, "marketplace-dev-alert-router").inputs["environment"]["variables"]
    assert "SLACK_DELIVERY" not in env
    assert "SLACK_BOT_TOKEN_SECRET_ARN" not in env


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_app_secrets_are_encrypted_and_recoverable(stack: str, prod: Registry,
                                                  dev_app: Registry) -> None:
    registry = prod if stack == "prod" else dev_app
    for kind in ("slack-bot-token", "slack-signing"):
        found = secret(registry, stack, kind)
        assert found.inputs["kmsKeyId"] == kms_key_arn(registry)
        assert found.inputs["recoveryWindowInDays"] == 7
        assert found.inputs["namePrefix"] == f"marketplace-{stack}-alert-routing-{kind}-"


def test_secret_values_come_from_config_when_given(dev_app: Registry) -> None:
    registry = dev_app
    by_secret = {v.inputs["secretId"]: v.inputs["secretStringWo"]
                 if "secretStringWo" in v.inputs else v.inputs.get("secretString")
                 for v in registry.by_type(VERSION)}
    assert by_secret[secret(registry, "dev", "slack-bot-token").outputs["id"]] is not None
    assert by_secret[secret(registry, "dev", "slack-signing").outputs["id"]] is not None


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_router_posts_with_the_bot_token(stack: str, prod: Registry,
                                             dev_app: Registry) -> None:
    registry = prod if stack == "prod" else dev_app
    env = function(registry, f"marketplace-{stack}-alert-router").inputs["environment"][
        "variables"]
    assert env["SLACK_DELIVERY"] == "app"
    assert env["SLACK_BOT_TOKEN_SECRET_ARN"] == secret(registry, stack,
                                                       "slack-bot-token").outputs["arn"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_interactions_endpoint_is_a_public_function_url_slack_signs(
        stack: str, prod: Registry, dev_app: Registry) -> None:
    registry = prod if stack == "prod" else dev_app
    fn = function(registry, f"marketplace-{stack}-slack-interactions")
    assert fn.inputs["handler"] == "functions.slack_interactions.handler.handler"
    assert fn.inputs["architectures"] == ["arm64"]
    assert fn.inputs["timeout"] == 10
    assert fn.inputs["reservedConcurrentExecutions"] == 5
    [url] = registry.by_type(URL)
    assert url.inputs["authorizationType"] == "NONE"
    assert url.inputs["qualifier"] == "live"
    assert url.inputs["functionName"] == fn.outputs["name"]
    permissions = {p.inputs["action"]: p.inputs for p in registry.by_type(PERMISSION)
                   if p.inputs["function"] == fn.outputs["name"]}
    assert permissions["lambda:InvokeFunctionUrl"]["functionUrlAuthType"] == "NONE"
    assert permissions["lambda:InvokeFunctionUrl"]["principal"] == "*"
    assert permissions["lambda:InvokeFunction"]["invokedViaFunctionUrl"] is True
    assert permissions["lambda:InvokeFunction"]["principal"] == "*"
    assert {p["qualifier"] for p in permissions.values()} == {"live"}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_interactions_role_and_environment(stack: str, prod: Registry,
                                           dev_app: Registry) -> None:
    registry = prod if stack == "prod" else dev_app
    fn = function(registry, f"marketplace-{stack}-slack-interactions")
    env = fn.inputs["environment"]["variables"]
    table = registry.named("aws:dynamodb/table:Table", f"marketplace-{stack}-alert-routing-state")
    arns = {k: secret(registry, stack, k).outputs["arn"]
            for k in ("slack-signing", "slack-bot-token", "pagerduty")}
    assert env["DEDUP_TABLE"] == table.outputs["name"]
    assert env["SLACK_SIGNING_SECRET_ARN"] == arns["slack-signing"]
    assert env["SLACK_BOT_TOKEN_SECRET_ARN"] == arns["slack-bot-token"]
    assert env["PAGERDUTY_SECRET_ARN"] == arns["pagerduty"]
    policy = registry.named("aws:iam/rolePolicy:RolePolicy",
                            f"marketplace-{stack}-slack-interactions-policy")
    statements = {s.get("Sid"): s for s in policy_document(policy.inputs["policy"])["Statement"]}
    assert statements["AlertState"] == {
        "Sid": "AlertState", "Effect": "Allow",
        "Action": ["dynamodb:UpdateItem", "dynamodb:GetItem"], "Resource": table.outputs["arn"]}
    assert statements["SlackAppSecrets"]["Action"] == ["secretsmanager:GetSecretValue"]
    assert sorted(statements["SlackAppSecrets"]["Resource"]) == sorted(arns.values())
    assert statements["UseStackKey"]["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    bus = registry.named("aws:cloudwatch/eventBus:EventBus", f"marketplace-{stack}-events-bus")
    assert statements["IncidentRecords"] == {
        "Sid": "IncidentRecords", "Effect": "Allow", "Action": ["events:PutEvents"],
        "Resource": bus.outputs["arn"]}
    assert env["EVENT_BUS_NAME"] == f"marketplace-{stack}-events"
    log_group = registry.named("aws:cloudwatch/logGroup:LogGroup",
                               f"marketplace-{stack}-slack-interactions-logs")
    assert log_group.inputs["retentionInDays"] == stack_config(stack).lambdas.log_retention_days


def test_the_interactivity_url_is_a_stack_output(prod: Registry) -> None:
    [url] = prod.by_type(URL)
    assert prod.exports["slackInteractivityUrl"] == url.outputs["functionUrl"]
    assert prod.exports["slackInteractivityUrl"].endswith(".lambda-url.us-east-1.on.aws/")
