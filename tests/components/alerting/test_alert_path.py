"""The alert path watches itself: the alert-path topic, its emails, the heartbeat and its alarm."""

from __future__ import annotations

import json

import pulumi_aws as aws
import pytest

from components.alerting.alert_path import heartbeat_expression
from policy.rules import evaluate_plan
from tests.components.alerting.helpers import kms_key_arn, topic_arns
from tests.helpers import dev_features_off, plan, policy_document, run_program, stack_registry
from tools.mock_runtime import Registry, Resource

TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
SCHEDULE = "aws:scheduler/schedule:Schedule"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
QUEUE = "aws:sqs/queue:Queue"
ACCOUNT = "123456789012"


def watchdog(registry: Registry, stack: str, suffix: str = "") -> Resource:
    return registry.named(TOPIC, f"marketplace-{stack}-alert-path{suffix}-topic")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_alert_path_topic_is_encrypted_and_only_emails(stack: str) -> None:
    registry = stack_registry(stack)
    topic = watchdog(registry, stack)
    assert topic.inputs["name"] == f"marketplace-{stack}-alert-path"
    assert topic.inputs["kmsMasterKeyId"] == kms_key_arn(registry)
    subs = [s for s in registry.by_type(SUBSCRIPTION)
            if s.inputs["topic"] == topic.outputs["arn"]]
    # Pulumi.<stack>.yaml alertPathEmails: one address, by email, never the router.
    assert [(s.inputs["protocol"], s.inputs["endpoint"]) for s in subs] == [
        ("email", "platform-oncall@example.com")]
    (dlq,) = [q for q in registry.by_type(QUEUE)
              if q.name == f"marketplace-{stack}-alert-path-email-dlq-queue"]
    assert json.loads(subs[0].inputs["redrivePolicy"]) == {
        "deadLetterTargetArn": dlq.outputs["arn"]}
    statements = policy_document(registry.named(
        "aws:sns/topicPolicy:TopicPolicy",
        f"marketplace-{stack}-alert-path-topic-policy").inputs["policy"])["Statement"]
    services = next(s for s in statements if s["Sid"] == "ServicesPublish")
    assert "cloudwatch.amazonaws.com" in services["Principal"]["Service"]
    assert services["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


@pytest.mark.parametrize(("stack", "target"), [("dev", ""), ("prod", "slack:alerts")])
def test_the_heartbeat_schedule_publishes_to_the_info_topic(stack: str, target: str) -> None:
    registry = stack_registry(stack)
    schedule = registry.named(SCHEDULE, f"marketplace-{stack}-alert-path-heartbeat")
    info = topic_arns(registry)["info"]
    assert schedule.inputs["name"] == f"marketplace-{stack}-alert-path-heartbeat"
    assert schedule.inputs["scheduleExpression"] == "rate(12 hours)"
    assert schedule.inputs["flexibleTimeWindow"] == {"mode": "OFF"}
    target_args = schedule.inputs["target"]
    assert target_args["arn"] == info  # a templated SNS target: the topic's ARN
    assert json.loads(target_args["input"]) == {
        "kind": "alert-path-heartbeat", "stack": f"marketplace-{stack}",
        "scheduled_time": "<aws.scheduler.scheduled-time>",
        "execution_id": "<aws.scheduler.execution-id>"}
    assert target_args["retryPolicy"] == {"maximumEventAgeInSeconds": 3600,
                                          "maximumRetryAttempts": 3}
    dlq = registry.named(QUEUE, f"marketplace-{stack}-alert-path-heartbeat-dlq-queue")
    assert target_args["deadLetterConfig"] == {"arn": dlq.outputs["arn"]}
    role = registry.named(ROLE, f"marketplace-{stack}-alert-path-heartbeat-role")
    assert target_args["roleArn"] == role.outputs["arn"]
    trust = policy_document(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    statements = policy_document(registry.named(
        ROLE_POLICY, f"marketplace-{stack}-alert-path-heartbeat-policy").inputs["policy"])[
            "Statement"]
    assert [(s["Action"], s["Resource"]) for s in statements] == [
        (["sns:Publish"], info),
        (["kms:GenerateDataKey", "kms:Decrypt"], kms_key_arn(registry)),
        (["sqs:SendMessage"], dlq.outputs["arn"]),
    ]
    (router,) = [f for f in registry.by_type("aws:lambda/function:Function")
                 if f.inputs["name"] == f"marketplace-{stack}-alert-router"]
    assert router.inputs["environment"]["variables"]["HEARTBEAT_TARGET"] == target


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_a_day_without_a_delivered_heartbeat_alarms_to_the_alert_path(stack: str) -> None:
    registry = stack_registry(stack)
    alarm = registry.named(ALARM, f"marketplace-{stack}-alert-path-heartbeat-alarm")
    inputs = alarm.inputs
    assert inputs["name"] == f"marketplace-{stack}-alert-path-heartbeat-critical"
    assert inputs["alarmActions"] == inputs["okActions"] == [
        watchdog(registry, stack).outputs["arn"]]
    assert (inputs["comparisonOperator"], inputs["threshold"], inputs["treatMissingData"]) == (
        "LessThanThreshold", 1, "breaching")
    assert (inputs["evaluationPeriods"], inputs["datapointsToAlarm"]) == (1, 1)
    beats, result = inputs["metricQueries"]
    assert beats["metric"] == {
        "namespace": f"marketplace/{stack}", "metricName": "HeartbeatDelivered", "stat": "Sum",
        "period": 86400, "dimensions": {"service": f"marketplace-{stack}-alert-router"}}
    assert beats["returnData"] is False
    assert (result["expression"], result["returnData"]) == ("FILL(beats, 0)", True)
    assert inputs["alarmDescription"].endswith("runbooks.md#alert-path-heartbeat")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_router_alarms_also_reach_the_alert_path(stack: str) -> None:
    registry = stack_registry(stack)
    alarms = {a.inputs["name"]: a.inputs for a in registry.by_type(ALARM)}
    path = watchdog(registry, stack).outputs["arn"]
    critical = topic_arns(registry)["critical"]
    for name in (f"marketplace-{stack}-alert-router-error-rate-critical",
                 f"marketplace-{stack}-alert-router-failures-depth-critical",
                 f"marketplace-{stack}-alert-routing-info-dlq-depth-critical"):
        assert alarms[name]["alarmActions"] == [critical, path], name
    # Alarms off the alert path keep to their severity's topic.
    assert alarms[f"marketplace-{stack}-api-error-rate-critical"]["alarmActions"] == [critical]


def test_outside_us_east_1_each_region_has_its_alert_path_topic() -> None:
    registry = run_program("dev", **{"aws:region": "eu-west-1"})
    here, there = watchdog(registry, "dev"), watchdog(registry, "dev", "-us-east-1")
    assert there.inputs["name"] == "marketplace-dev-alert-path-us-east-1"
    assert registry.provider_of(there).inputs["region"] == "us-east-1"
    assert there.inputs["kmsMasterKeyId"].split(":")[3] == "us-east-1"
    assert registry.provider_of(here).inputs["region"] == "eu-west-1"
    emails = [s for s in registry.by_type(SUBSCRIPTION)
              if s.inputs["topic"] == there.outputs["arn"]]
    assert [s.inputs["protocol"] for s in emails] == ["email"]
    failed = {a.inputs["dimensions"]["TopicName"]: a for a in registry.by_type(ALARM)
              if a.inputs.get("metricName") == "NumberOfNotificationsFailed"}
    # Every severity topic in every region, alarmed in its own region to that region's topic.
    assert sorted(failed) == sorted(f"marketplace-dev-{s}{r}"
                                    for s in ("critical", "warning", "info", "maintenance")
                                    for r in ("", "-us-east-1"))
    for name, alarm in failed.items():
        region = "us-east-1" if name.endswith("-us-east-1") else "eu-west-1"
        assert registry.provider_of(alarm).inputs["region"] == region, name
        assert alarm.inputs["alarmActions"] == [
            (there if region == "us-east-1" else here).outputs["arn"]], name
    # The edge twins of the routing DLQs live in us-east-1: their depth alarms reach the twin.
    edge_dlq = {a.inputs["name"]: a for a in registry.by_type(ALARM)}[
        "marketplace-dev-alert-routing-critical-us-east-1-dlq-depth-critical"]
    assert edge_dlq.inputs["alarmActions"][1] == there.outputs["arn"]


def test_off_by_config_there_is_no_alert_path() -> None:
    registry = dev_features_off()  # alertPathWatch: false, no alertPathEmails
    names = {t.inputs["name"] for t in registry.by_type(TOPIC)}
    assert not any("alert-path" in n for n in names)
    assert registry.by_type(SCHEDULE) == []
    alarms = registry.by_type(ALARM)
    assert not any(a.inputs.get("metricName") == "NumberOfNotificationsFailed" for a in alarms)
    # The router's alarms go to their severity's topic only.
    by_name = {a.inputs["name"]: a for a in alarms}
    router = by_name["marketplace-dev-alert-router-error-rate-critical"]
    assert router.inputs["alarmActions"] == [topic_arns(registry)["critical"]]


def test_heartbeat_expression_takes_the_singular_for_one_hour() -> None:
    assert heartbeat_expression(1) == "rate(1 hour)"
    assert heartbeat_expression(12) == "rate(12 hours)"


def test_a_lambda_on_the_alert_path_topic_breaks_the_policy() -> None:
    def program() -> None:
        topic = aws.sns.Topic("watch", name="marketplace-dev-alert-path")
        twin = aws.sns.Topic("twin", name="marketplace-dev-alert-path-us-east-1")
        other = aws.sns.Topic("info", name="marketplace-dev-info")
        for label, t in (("watch", topic), ("twin", twin), ("info", other)):
            aws.sns.TopicSubscription(
                f"{label}-router", topic=t.arn, protocol="lambda",
                endpoint="arn:aws:lambda:us-east-1:123456789012:function:router:live")
        aws.sns.TopicSubscription("watch-mail", topic=topic.arn, protocol="email",
                                  endpoint="oncall@example.com")

    found = evaluate_plan(plan(run_program("dev", program)),
                          only=("alert-path-topic-skips-the-router",))
    assert sorted(resource for _rule, resource, _message in found) == [
        "twin-router", "watch-router"]


def test_the_stack_and_the_router_agree_on_the_heartbeat() -> None:
    # The component cannot import the handler package (nor the other way): held here.
    from components.alerting import alert_path
    from functions.alert_router import heartbeat

    assert (alert_path.HEARTBEAT_KIND, alert_path.HEARTBEAT_METRIC) == (
        heartbeat.KIND, heartbeat.METRIC) == ("alert-path-heartbeat", "HeartbeatDelivered")
    message = {"Sns": {"Message": alert_path.heartbeat_message("marketplace-dev")}}
    assert heartbeat.parse(message) == heartbeat.Heartbeat(
        "marketplace-dev", "<aws.scheduler.scheduled-time>", "<aws.scheduler.execution-id>")
