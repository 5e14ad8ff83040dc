"""Alerting rules: encrypted topics and queues, redrive on subscriptions, account-only
topic and queue policies, a multi-region trail with log file validation, and an alert-path
topic that skips the router."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from ..plan import Plan, PlanResource, as_document, as_list, statements
from . import Subject, rule, stack_rule

TOPIC = "aws:sns/topic:Topic"
QUEUE = "aws:sqs/queue:Queue"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
POLICY_TYPES = ("aws:sns/topicPolicy:TopicPolicy", "aws:sqs/queuePolicy:QueuePolicy")
TRAIL = "aws:cloudtrail/trail:Trail"
KEY_ARN_RE = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[\w-]+$")
ACCOUNT_RE = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):")
# Condition keys that pin a request to one account (or one resource in it).
ACCOUNT_KEYS = ("aws:sourceaccount", "aws:sourcearn", "aws:sourceowner",
                "aws:principalaccount", "aws:principalorgid")


@rule("sns-sqs-stack-key", "Every SNS topic and SQS queue is encrypted with a customer "
      "managed KMS key (the stack key), not the AWS managed alias or SSE-SQS.",
      types=(TOPIC, QUEUE))
def encrypted_with_stack_key(s: Subject) -> Iterator[str]:
    """A topic or queue without ``kmsMasterKeyId`` or with an alias/managed key."""
    key = s.props.get("kmsMasterKeyId")
    if not key:
        yield "kmsMasterKeyId is not set"
    elif not KEY_ARN_RE.match(str(key)):
        yield f"kmsMasterKeyId {key!r} is not a customer managed key ARN"


@rule("sns-subscription-redrive", "Every SNS subscription has a redrive policy to a DLQ.",
      types=(SUBSCRIPTION,))
def subscription_redrive(s: Subject) -> Iterator[str]:
    """A subscription whose ``redrivePolicy`` names no dead-letter queue."""
    redrive = as_document(s.props.get("redrivePolicy"))
    if not str(redrive.get("deadLetterTargetArn", "")).startswith("arn:"):
        yield "redrivePolicy has no deadLetterTargetArn"


def foreign_principals(document: Any) -> list[str]:
    """Allow statements of a topic/queue policy that let someone outside the account in."""
    found: list[str] = []
    for statement in statements(document):
        if statement.get("Effect") != "Allow":
            continue
        resources = [str(r) for r in as_list(statement.get("Resource", []))]
        owners = {m.group(1) for r in resources if (m := ACCOUNT_RE.match(r))}
        conditions = statement.get("Condition") or {}
        keys = {k.lower() for operator in conditions.values() if isinstance(operator, dict)
                for k in operator}
        pinned = bool(keys & set(ACCOUNT_KEYS))
        principal = statement.get("Principal")
        sid = statement.get("Sid", "statement")
        if principal == "*" or (isinstance(principal, dict) and "*" in as_list(
                principal.get("AWS", []))):
            if not pinned:
                found.append(f"{sid}: principal '*' without an account condition")
            continue
        if not isinstance(principal, dict):
            continue
        for arn in as_list(principal.get("AWS", [])):
            account = str(arn) if re.fullmatch(r"\d{12}", str(arn)) else (
                m.group(1) if (m := re.match(r"^arn:aws[a-z-]*:iam::(\d{12}):", str(arn)))
                else None)
            if owners and account not in owners:
                found.append(f"{sid}: principal {arn} is outside account "
                             f"{', '.join(sorted(owners))}")
        if principal.get("Service") and not pinned:
            found.append(f"{sid}: service principal without aws:SourceAccount/aws:SourceArn")
    return found


@rule("topic-queue-policy-account-only", "No SNS topic or SQS queue policy lets a principal "
      "outside the account in ('*' or a service only with an account condition).",
      types=(*POLICY_TYPES, TOPIC, QUEUE))
def account_only(s: Subject) -> Iterator[str]:
    """Statements of the resource's policy that admit someone outside the account."""
    yield from foreign_principals(s.props.get("policy"))


@rule("cloudtrail-multi-region-validated", "Every CloudTrail trail is multi-region with log "
      "file validation.", types=(TRAIL,))
def trail_shape(s: Subject) -> Iterator[str]:
    """A trail that is single-region or does not validate its log files."""
    if s.props.get("isMultiRegionTrail") is not True:
        yield "isMultiRegionTrail is not true"
    if s.props.get("enableLogFileValidation") is not True:
        yield "enableLogFileValidation is not true"


ALERT_PATH_RE = re.compile(r"-alert-path(-[a-z]{2}(-[a-z]+)+-\d)?$")


def _topic_name(plan: Plan, subscription: PlanResource) -> str:
    """The name of the topic a subscription is on: its dependency's, else its ARN's tail."""
    for topic in plan.depends_on(subscription, "topic"):
        if topic.type == TOPIC and topic.props.get("name"):
            return str(topic.props["name"])
    return str(subscription.props.get("topic") or "").rsplit(":", 1)[-1]


@stack_rule("alert-path-topic-skips-the-router",
            "The alert-path topic (<prefix>-alert-path[-<region>]) has no Lambda subscription: "
            "its alarms report a broken alert router and must not depend on it.")
def alert_path_skips_the_router(plan: Plan) -> Iterable[tuple[str, str]]:
    """No ``lambda`` subscription on a topic named ``*-alert-path`` (or its regional twin).

    The alert-path topic (``components/alerting/alert_path.py``) carries the alarms about
    the alert path itself: a severity topic's ``NumberOfNotificationsFailed``, the router's
    errors and queues, the missing heartbeat. Delivered through the router, they would be
    lost exactly when the router is what broke, so the topic notifies people directly
    (email). Nothing in AWS refuses such a subscription; this is the project's rule
    (issue 12, "the alert path watches itself"). SNS protocols:
    https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html
    """
    for subscription in plan.of_type(SUBSCRIPTION):
        if subscription.props.get("protocol") != "lambda":
            continue
        name = _topic_name(plan, subscription)
        if ALERT_PATH_RE.search(name):
            yield (subscription.name,
                   f"subscribes a Lambda function to the alert-path topic {name}; it must "
                   "reach people without the router (email)")
