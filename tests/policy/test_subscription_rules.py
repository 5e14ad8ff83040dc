"""sns-filter-matches-publishers: small programs with a filtered subscription, and the stacks."""

from __future__ import annotations

import json
from collections.abc import Callable

import pulumi
import pulumi_aws as aws
import pytest

from policy.rules import evaluate_plan
from policy.rules.subscriptions import publishers_of
from tests.helpers import plan, run_program, stack_registry

RULE = "sns-filter-matches-publishers"
LOOP_GUARD = {"forwarded-by": [{"exists": False}]}
ROUTER = "arn:aws:lambda:us-east-1:123456789012:function:router:live"


def violations(publish: Callable[[aws.sns.Topic], None], filter_policy: dict | None,
               scope: str | None = None) -> list[tuple[str, str, str]]:
    """Run a topic, its publisher and one Lambda subscription; the rule's findings."""

    def program() -> None:
        topic = aws.sns.Topic("alerts")
        publish(topic)
        aws.sns.TopicSubscription(
            "router", topic=topic.arn, protocol="lambda", endpoint=ROUTER,
            filter_policy=json.dumps(filter_policy) if filter_policy is not None else None,
            filter_policy_scope=scope)

    return evaluate_plan(plan(run_program("dev", program)), only=(RULE,))


def alarm(topic: aws.sns.Topic) -> None:
    aws.cloudwatch.MetricAlarm(
        "errors", comparison_operator="GreaterThanThreshold", evaluation_periods=1,
        metric_name="Errors", namespace="AWS/Lambda", period=60, statistic="Sum",
        threshold=0, alarm_actions=[topic.arn])


def budget(topic: aws.sns.Topic) -> None:
    aws.budgets.Budget(
        "monthly", budget_type="COST", limit_amount="100", limit_unit="USD",
        time_unit="MONTHLY",
        notifications=[aws.budgets.BudgetNotificationArgs(
            comparison_operator="GREATER_THAN", threshold=80, threshold_type="PERCENTAGE",
            notification_type="ACTUAL", subscriber_sns_topic_arns=[topic.arn])])


def anomaly(topic: aws.sns.Topic) -> None:
    aws.costexplorer.AnomalySubscription(
        "anomalies", frequency="IMMEDIATE",
        monitor_arn_lists=["arn:aws:ce::123456789012:anomalymonitor/m"],
        subscribers=[aws.costexplorer.AnomalySubscriptionSubscriberArgs(
            type="SNS", address=topic.arn)])


def event_rule(topic: aws.sns.Topic) -> None:
    rule = aws.cloudwatch.EventRule("health", event_pattern=json.dumps(
        {"source": ["aws.health"]}))
    aws.cloudwatch.EventTarget("health-target", rule=rule.name, arn=topic.arn)


def nobody(_topic: aws.sns.Topic) -> None:
    """Only the application publishes (with the attributes it chooses)."""


@pytest.mark.parametrize(("publish", "service"), [
    (alarm, "CloudWatch alarm (errors)"),
    (budget, "AWS Budgets (monthly)"),
    (anomaly, "Cost Anomaly Detection (anomalies)"),
    (event_rule, "EventBridge (health-target)"),
])
def test_the_loop_guard_filter_drops_every_aws_notification(
        publish: Callable[[aws.sns.Topic], None], service: str) -> None:
    [(rule, resource, message)] = violations(publish, LOOP_GUARD)
    assert (rule, resource) == (RULE, "router")
    assert message.startswith(f"{service} publishes to this topic without message attributes")
    assert '{"forwarded-by": [{"exists": false}]}' in message
    assert ROUTER in message


def test_an_explicit_attribute_scope_is_the_same_as_the_default() -> None:
    assert len(violations(alarm, {"severity": ["critical"]}, "MessageAttributes")) == 1


def test_a_body_filter_drops_the_plain_text_budget_notifications() -> None:
    [(_rule, _resource, message)] = violations(budget, {"x": [{"exists": False}]}, "MessageBody")
    assert message.startswith("AWS Budgets (monthly) publishes a plain-text body")


def test_a_body_filter_on_json_publishers_is_left_to_its_keys() -> None:
    assert violations(alarm, {"NewStateValue": ["ALARM"]}, "MessageBody") == []


@pytest.mark.parametrize("publish", [alarm, budget, anomaly, event_rule])
def test_no_filter_hears_everything(publish: Callable[[aws.sns.Topic], None]) -> None:
    assert violations(publish, None) == []


def test_a_topic_only_the_application_publishes_to_may_filter_attributes() -> None:
    assert violations(nobody, LOOP_GUARD) == []


def test_the_rule_sees_every_publisher_of_the_router_topics() -> None:
    # Without this the stack passing would prove nothing: the rule must find the alarms,
    # budgets, anomaly alerts and EventBridge rules that publish to the router's topics.
    registry = stack_registry("prod")
    stack = plan(registry)
    services: set[str] = set()
    for subscription in stack.of_type("aws:sns/topicSubscription:TopicSubscription"):
        if subscription.props.get("protocol") == "lambda":
            services |= {row.service for _, row in publishers_of(stack, subscription)}
            assert "filterPolicy" not in subscription.props
    assert services == {"CloudWatch alarm", "AWS Budgets", "Cost Anomaly Detection",
                        "EventBridge"}


def test_publishers_match_by_dependency_when_the_arn_is_unknown() -> None:
    # In a real preview a new topic's ARN is unknown; the URN dependency still links them.
    def program() -> None:
        topic = aws.sns.Topic("alerts")
        alarm(topic)
        aws.sns.TopicSubscription("router", topic=topic.arn, protocol="lambda",
                                  endpoint=ROUTER, filter_policy=json.dumps(LOOP_GUARD),
                                  opts=pulumi.ResourceOptions())

    stack = plan(run_program("dev", program))
    stripped = type(stack)(tuple(
        type(r)(**{**r.__dict__, "props": {k: v for k, v in r.props.items()
                                           if k not in ("topic", "alarmActions")}})
        for r in stack))
    assert [name for _, name, _ in evaluate_plan(stripped, only=(RULE,))] == ["router"]
