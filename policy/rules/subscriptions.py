"""Stack rule: an SNS subscription's filter policy matches what its topic's publishers send.

AWS services that publish to a topic the stack owns (alarm actions, budget notifications,
anomaly subscriptions, EventBridge targets, trail notifications, bucket notifications) send
no message attributes, and AWS Budgets sends a plain-text body. A filter policy that reads
attributes, or one that reads a JSON body, silently drops those messages: the subscriber
(the alert router, say) never hears a single alarm, and nothing fails at deploy time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..plan import Plan, PlanResource, as_list
from . import stack_rule

TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
ATTRIBUTES = "MessageAttributes"  # SNS's default scope when a policy names none
BODY = "MessageBody"


@dataclass(frozen=True)
class Publisher:
    """What one AWS service publishes to the topics a resource type names, with its source.

    ``path`` leads from the resource's inputs to topic ARNs (``*`` walks a list);
    ``only`` keeps list items whose key equals a value (anomaly subscribers of type SNS).
    """

    type: str
    service: str
    path: tuple[str, ...]
    attributes: bool
    body: str  # "json" or "text"
    source: str
    only: tuple[str, str] | None = None


_ALARM = ("https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/"
          "Notify_Users_Alarm_Changes.html (an alarm action is only a topic ARN; the SNS "
          "record of aws/aws-lambda-go events/testdata/cloudwatch-alarm-sns-payload-single-"
          "metric.json has \"MessageAttributes\": {})")
# One row per (resource type, input that names topics).
PUBLISHERS: tuple[Publisher, ...] = (
    *(Publisher(t, "CloudWatch alarm", (key,), False, "json", _ALARM)
      for t in ("aws:cloudwatch/metricAlarm:MetricAlarm",
                "aws:cloudwatch/compositeAlarm:CompositeAlarm")
      for key in ("alarmActions", "okActions", "insufficientDataActions")),
    Publisher("aws:budgets/budget:Budget", "AWS Budgets",
              ("notifications", "*", "subscriberSnsTopicArns"), False, "text",
              "https://docs.aws.amazon.com/cost-management/latest/userguide/"
              "budgets-sns-policy.html (a notification names only topic ARNs; the body is "
              "plain text: \"AWS Budget Notification ...\")"),
    Publisher("aws:costexplorer/anomalySubscription:AnomalySubscription",
              "Cost Anomaly Detection", ("subscribers", "*", "address"), False, "json",
              "https://docs.aws.amazon.com/cost-management/latest/userguide/ad-SNS.html "
              "(a subscriber is only a topic ARN; the example message is a JSON body)",
              only=("type", "SNS")),
    Publisher("aws:cloudwatch/eventTarget:EventTarget", "EventBridge", ("arn",), False,
              "json",
              "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-targets.html and "
              "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Target.html "
              "(an SNS target takes no message attributes; the event JSON is the body)"),
    Publisher("aws:cloudtrail/trail:Trail", "CloudTrail", ("snsTopicName",), False, "json",
              "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/"
              "configure-sns-notifications-for-cloudtrail.html (JSON body naming the "
              "delivered log files)"),
    Publisher("aws:s3/bucketNotification:BucketNotification", "S3 event notifications",
              ("topics", "*", "topicArn"), False, "json",
              "https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-"
              "structure.html (the event JSON is the body)"),
)


def _walk(value: Any, path: tuple[str, ...], only: tuple[str, str] | None) -> Iterator[Any]:
    if not path:
        yield from as_list(value)
        return
    head, rest = path[0], path[1:]
    if head == "*":
        for item in as_list(value):
            if only is None or not rest or (isinstance(item, Mapping)
                                            and item.get(only[0]) == only[1]):
                yield from _walk(item, rest, only)
    elif isinstance(value, Mapping) and head in value:
        yield from _walk(value[head], rest, only)


def _topic_refs(plan: Plan, resource: PlanResource, key: str,
                values: list[Any]) -> set[str]:
    """What an input points at: the ARNs (or names) given, and the topic URNs it depends on."""
    refs = {v for v in values if isinstance(v, str) and v}
    refs |= {d.urn for d in plan.depends_on(resource, key) if d.type == TOPIC}
    return refs


def publishers_of(plan: Plan, subscription: PlanResource) -> list[tuple[PlanResource,
                                                                        Publisher]]:
    """Every (resource, publisher row) in the plan that publishes to the subscription's topic."""
    topic = _topic_refs(plan, subscription, "topic", [subscription.props.get("topic")])
    # A trail names its topic by name or ARN; the name matches the subscription's topic.
    topic |= {r.rsplit(":", 1)[-1] for r in list(topic) if r.startswith("arn:aws")}
    found = []
    for row in PUBLISHERS:
        for resource in plan.of_type(row.type):
            values = list(_walk(resource.props, row.path, row.only))
            if row.only is not None and not values:
                continue
            refs = _topic_refs(plan, resource, row.path[0], values)
            if row.only is not None:  # dependencies of the whole list are too broad
                refs = {r for r in refs if not r.startswith("urn:")}
            if refs & topic:
                found.append((resource, row))
    return found


def _filter(subscription: PlanResource) -> Mapping[str, Any]:
    return subscription.document("filterPolicy")


@stack_rule("sns-filter-matches-publishers",
            "A subscription's filter policy can match the messages its topic's publishers "
            "send: no attribute filter on a topic that AWS services publish to without "
            "message attributes, no body filter on a topic with plain-text publishers.")
def check_filter_policies(plan: Plan) -> Iterator[tuple[str, str]]:
    """Every publisher of a filtered subscription's topic can pass the filter.

    A ``MessageAttributes`` filter policy (the default scope) needs the message's
    attributes to satisfy every key; AWS documents that even ``{"exists": false}`` "only
    matches if at least one attribute is present" (SNS key matching:
    https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html; matching:
    https://docs.aws.amazon.com/sns/latest/dg/message-filtering.html; scope and its
    default: https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering-scope.html).
    A ``MessageBody`` filter "assumes that the message payload is a well-formed JSON
    object" (message-filtering.html), so a plain-text publisher never passes it.
    What each service publishes: :data:`PUBLISHERS`, one source per row.
    """
    for subscription in plan.of_type(SUBSCRIPTION):
        policy = _filter(subscription)
        if not policy:
            continue
        scope = subscription.props.get("filterPolicyScope") or ATTRIBUTES
        text = json.dumps(policy, sort_keys=True)
        endpoint = subscription.props.get("endpoint")
        # One message per publishing service: the first resource names the case.
        by_service: dict[str, list[tuple[PlanResource, Publisher]]] = {}
        for publisher, row in publishers_of(plan, subscription):
            by_service.setdefault(row.service, []).append((publisher, row))
        for service, found in by_service.items():
            first, row = found[0]
            who = f"{service} ({first.name}" + (
                f" and {len(found) - 1} more)" if len(found) > 1 else ")")
            if scope == ATTRIBUTES and not row.attributes:
                yield subscription.name, (
                    f"{who} publishes to this topic without message attributes, and the "
                    f"MessageAttributes filter policy {text} matches no message without "
                    "attributes (not even \"exists\": false): those notifications never "
                    f"reach {endpoint}; drop the filter and skip unwanted messages in the "
                    "subscriber")
            elif scope == BODY and row.body != "json":
                yield subscription.name, (
                    f"{who} publishes a plain-text body, and the MessageBody filter policy "
                    f"{text} matches only JSON bodies: those notifications never reach "
                    f"{endpoint}")
