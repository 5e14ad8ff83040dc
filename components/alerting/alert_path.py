"""The alert path watches itself: a topic that emails past the router, and a heartbeat.

Alarms on the alert path (a severity topic failing to deliver, the router's errors and
queues, a missing heartbeat) must not travel the path they report on. They notify the
alert-path topic: KMS-encrypted with the stack key (whose policy lets CloudWatch use it),
publishable only from this account, with email subscriptions from ``alertPathEmails`` and no
Lambda subscriber (the policy pack's ``alert-path-topic-skips-the-router``). Outside
``us-east-1`` a twin there takes the alarms on the us-east-1 topics, since an alarm notifies
only topics of its own region.

The heartbeat: an EventBridge Scheduler schedule publishes a heartbeat message to the
``info`` topic every ``alertHeartbeatHours``; the router recognises it
(``functions/alert_router/heartbeat.py``), delivers it to ``alertHeartbeatTarget`` if set and
then emits ``HeartbeatDelivered``. An alarm on that metric over a rolling day, missing data
breaching, tells the alert-path topic when no heartbeat made it through topic, router and
delivery.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.alerting.component import TopicPlacement, topic_placements
from components.blocks.dead_letter_queue import DeadLetterQueue, DeadLetterQueueArgs
from components.blocks.monitored_items import MonitoredItem, on_alert_path
from components.blocks.service_role import service_role
from components.config import AlertingConfig
from components.observability import alarm_factory
from components.platform.alert_topics import EDGE_REGION, topic_policy
from components.platform.context import StackContext

HEARTBEAT_SEVERITY = "info"  # the topic the heartbeat travels through
HEARTBEAT_KIND = "alert-path-heartbeat"  # functions/alert_router/heartbeat.py KIND
HEARTBEAT_METRIC = "HeartbeatDelivered"  # functions/alert_router/heartbeat.py METRIC
HEARTBEAT_WINDOW_SECONDS = 86400  # the alarm's rolling window: one day
# A heartbeat the router could not take within this long is replaced by the next one.
HEARTBEAT_MAX_AGE_SECONDS = 3600
SCHEDULER = "scheduler.amazonaws.com"


def heartbeat_expression(hours: int) -> str:
    """Scheduler's rate expression for every ``hours`` (singular unit for 1)."""
    return f"rate({hours} hour{'s' if hours != 1 else ''})"


def heartbeat_message(prefix: str) -> str:
    """The heartbeat the schedule publishes; Scheduler fills in its context attributes."""
    return json.dumps({"kind": HEARTBEAT_KIND, "stack": prefix,
                       "scheduled_time": "<aws.scheduler.scheduled-time>",
                       "execution_id": "<aws.scheduler.execution-id>"})


@dataclass(frozen=True)
class AlertPathWatchArgs:
    """Inputs of :class:`AlertPathWatch`: the context (with the severity topics), the
    alerting config and the router's Powertools service name (the heartbeat's dimension)."""

    context: StackContext
    alerting: AlertingConfig
    router_service_name: str


class AlertPathWatch(pulumi.ComponentResource):
    """The alert-path topics and their email subscriptions, the heartbeat and its alarm.

    :attr:`arn` / :attr:`edge_arn` are the topics alert-path alarms notify in the stack
    region and in us-east-1 (the same topic in a ``us-east-1`` stack).
    """

    topics: dict[str, aws.sns.Topic]
    arn: pulumi.Output[str]
    edge_arn: pulumi.Output[str]
    schedule: aws.scheduler.Schedule
    heartbeat_alarm: aws.cloudwatch.MetricAlarm
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: AlertPathWatchArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:alerting:AlertPathWatch", name, None, opts)
        ctx, cfg = args.context, args.alerting
        items: list[MonitoredItem] = []
        self.topics = {}
        for placement in topic_placements(ctx):
            self.topics[placement.suffix] = self._topic(name, ctx, cfg, placement, items)
        self.arn = self.topics[""].arn
        self.edge_arn = self.topics.get(f"-{EDGE_REGION}", self.topics[""]).arn
        self.schedule, schedule_dlq = self._heartbeat(name, ctx, cfg)
        items.extend(schedule_dlq.monitored_items)
        self.heartbeat_alarm = alarm_factory.create(
            alarm_factory.heartbeat_plan(
                resource_name=f"{name}-heartbeat-alarm", prefix=ctx.prefix,
                namespace=ctx.metrics_namespace, metric_name=HEARTBEAT_METRIC,
                dimensions={"service": args.router_service_name},
                window_seconds=HEARTBEAT_WINDOW_SECONDS,
                runbook_url=alarm_factory.runbook(ctx.runbook_base_url,
                                                  "alert-path-heartbeat")),
            {alarm_factory.ALERT_PATH: self.arn}, pulumi.ResourceOptions(parent=self))
        # Their own queues alarm to their severity's topic and to the alert path as well.
        self.monitored_items = on_alert_path(tuple(items), True)
        self.register_outputs({"topicArn": self.arn, "edgeTopicArn": self.edge_arn,
                               "heartbeatSchedule": self.schedule.name})

    def _topic(self, name: str, ctx: StackContext, cfg: AlertingConfig,
               placement: TopicPlacement, items: list[MonitoredItem]) -> aws.sns.Topic:
        """The alert-path topic of one region, its policy, its emails and their DLQ."""
        placed = (pulumi.ResourceOptions(parent=self, provider=placement.provider)
                  if placement.provider is not None else pulumi.ResourceOptions(parent=self))
        label = f"{name}{placement.suffix}"
        topic = aws.sns.Topic(
            f"{label}-topic",
            name=f"{ctx.prefix}-alert-path{placement.suffix}",
            display_name=f"{ctx.prefix} alert path",
            kms_master_key_id=placement.kms_key_arn,
            opts=placed,
        )
        aws.sns.TopicPolicy(f"{label}-topic-policy", arn=topic.arn,
                            policy=topic_policy(topic.arn, ctx.account_id), opts=placed)
        dlq = DeadLetterQueue(
            f"{label}-email-dlq",
            DeadLetterQueueArgs(context=ctx, kms_key_arn=placement.kms_key_arn,
                                region=placement.region, sender_service="sns.amazonaws.com",
                                sender_arns=(topic.arn,)),
            opts=placed,
        )
        items.extend(dlq.monitored_items)
        redrive = pulumi.Output.json_dumps({"deadLetterTargetArn": dlq.arn})
        for index, address in enumerate(cfg.alert_path_emails):
            # Email only: the router never hears these (each address confirms by mail).
            aws.sns.TopicSubscription(f"{label}-email-{index}", topic=topic.arn,
                                      protocol="email", endpoint=address,
                                      redrive_policy=redrive, opts=placed)
        return topic

    def _heartbeat(self, name: str, ctx: StackContext,
                   cfg: AlertingConfig) -> tuple[aws.scheduler.Schedule, DeadLetterQueue]:
        """The schedule publishing the heartbeat to the info topic, its role and DLQ."""
        child = pulumi.ResourceOptions(parent=self)
        topic_arn = ctx.topic_arns[HEARTBEAT_SEVERITY]
        dlq = DeadLetterQueue(f"{name}-heartbeat-dlq", DeadLetterQueueArgs(context=ctx),
                              opts=child)
        role, policy = service_role(
            f"{name}-heartbeat",
            service=SCHEDULER,
            description="Lets EventBridge Scheduler publish the alert-path heartbeat",
            condition={"StringEquals": {"aws:SourceAccount": ctx.account_id}},
            statements=[
                {"Sid": "PublishHeartbeat", "Effect": "Allow", "Action": ["sns:Publish"],
                 "Resource": topic_arn},
                # The topic is encrypted: publishing needs a data key of the topic's key.
                {"Sid": "TopicKey", "Effect": "Allow",
                 "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": ctx.kms_key_arn},
                # Scheduler sends what it could not deliver to the DLQ with this role.
                {"Sid": "DeadLetters", "Effect": "Allow", "Action": ["sqs:SendMessage"],
                 "Resource": dlq.arn},
            ],
            opts=child,
        )
        schedule = aws.scheduler.Schedule(
            f"{name}-heartbeat",
            name=f"{ctx.prefix}-alert-path-heartbeat",
            description="Publishes the alert-path heartbeat to the info topic",
            schedule_expression=heartbeat_expression(cfg.heartbeat_hours),
            flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF"),
            target=aws.scheduler.ScheduleTargetArgs(
                arn=topic_arn,
                role_arn=role.arn,
                input=heartbeat_message(ctx.prefix),
                dead_letter_config=aws.scheduler.ScheduleTargetDeadLetterConfigArgs(
                    arn=dlq.arn),
                retry_policy=aws.scheduler.ScheduleTargetRetryPolicyArgs(
                    maximum_event_age_in_seconds=HEARTBEAT_MAX_AGE_SECONDS,
                    maximum_retry_attempts=3),
            ),
            # Scheduler checks the role when the schedule is created.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        return schedule, dlq

