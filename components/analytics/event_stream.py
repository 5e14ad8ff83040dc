"""EventBridge rules that copy every domain event into the analytics Kinesis stream."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.blocks.dead_letter_queue import DeadLetterQueue, DeadLetterQueueArgs
from components.blocks.monitored_items import Kind, MonitoredItem
from components.blocks.naming import fit, limit
from components.blocks.service_role import service_role
from components.config import AnalyticsConfig
from components.platform.context import StackContext
from functions.shared.events import SOURCE


@dataclass(frozen=True)
class Route:
    """One rule: the event types it forwards and the JSONPath of their partition key."""

    name: str
    event_types: tuple[str, ...]
    partition_key_path: str


# Events of one listing (or one user) land on one shard, in order. A partition key path must
# resolve in every event a rule matches, so each rule holds the types sharing a key field;
# searches (user optional), deployments and alert records spread by their own event id.
# Together the routes cover every event type exactly once (tested).
ROUTES: tuple[Route, ...] = (
    Route("listing", ("ListingCreated", "ListingUpdated", "ListingDeleted", "ListingViewed",
                      "ContactRequested"), "$.detail.listing_id"),
    Route("user", ("UserRegistered", "PaymentCompleted", "SubscriptionStarted", "TrialConverted",
                   "SubscriptionCancelled", "OnboardingStepCompleted", "FeatureUsed",
                   "SupportTicketOpened", "SupportTicketResolved", "SurveyAnswered"),
          "$.detail.user_id"),
    # Deployments and incident records ride with searches: a few a day need no rule (and
    # alarms) of their own; the queries order an episode's events by their time, not shard.
    Route("search", ("SearchPerformed", "DeploymentCompleted", "AlertRaised",
                     "AlertAcknowledged", "AlertResolved", "AlertSilenced"), "$.detail.event_id"),
)
# EventBridge retries a failing PutRecord for up to a day; after that the DLQ keeps the event.
TARGET_MAX_RETRIES = 185
TARGET_MAX_EVENT_AGE_SECONDS = 86400


@dataclass(frozen=True)
class EventStreamArgs:
    """Inputs of :class:`EventStream`: the stack context, the bus to read, the config."""

    context: StackContext
    bus_name: pulumi.Input[str]
    config: AnalyticsConfig


# Per-shard metrics of a provisioned stream (on-demand streams have no shards to watch).
SHARD_METRICS = ("IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
                 "IteratorAgeMilliseconds", "ReadProvisionedThroughputExceeded",
                 "WriteProvisionedThroughputExceeded")


def route_pattern(route: Route) -> dict[str, list[str]]:
    """The event pattern of one route's rule: the domain source and the route's types."""
    return {"source": [SOURCE], "detail-type": list(route.event_types)}


class EventStream(pulumi.ComponentResource):
    """The KMS-encrypted events stream and the bus rules that feed it.

    On-demand or provisioned from config (no code path per stack); retention from config; an
    enhanced fan-out consumer for the stream processor when ``enhanced_fan_out`` is set. The
    rule's target has a retry policy and a dead-letter queue the rule alone may write to.
    """

    stream: aws.kinesis.Stream
    rules: dict[str, aws.cloudwatch.EventRule]
    dead_letters: DeadLetterQueue
    consumer: aws.kinesis.StreamConsumer | None
    stream_name: pulumi.Output[str]
    stream_arn: pulumi.Output[str]
    fan_out_consumer_arn: pulumi.Output[str] | None
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: EventStreamArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:analytics:EventStream", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ctx, c = args.context, args.config
        provisioned = c.stream_mode == "PROVISIONED"
        self.stream = aws.kinesis.Stream(
            f"{name}-stream",
            name=name,
            stream_mode_details=aws.kinesis.StreamStreamModeDetailsArgs(stream_mode=c.stream_mode),
            shard_count=c.stream_shards if provisioned else None,
            retention_period=c.stream_retention_hours,
            encryption_type="KMS",
            kms_key_id=ctx.kms_key_arn,
            shard_level_metrics=list(SHARD_METRICS) if provisioned else [],
            opts=child,
        )
        self.consumer = (
            aws.kinesis.StreamConsumer(
                f"{name}-processor-consumer",
                name=f"{name}-processor",
                stream_arn=self.stream.arn,
                opts=child,
            )
            if c.enhanced_fan_out
            else None
        )
        self.rules = {
            route.name: aws.cloudwatch.EventRule(
                f"{name}-{route.name}-rule",
                name=fit(f"{name}-{route.name}-to-kinesis",
                         limit("aws:cloudwatch/eventRule:EventRule")),
                description=f"{', '.join(route.event_types)} events to the analytics stream",
                event_bus_name=args.bus_name,
                event_pattern=pulumi.Output.json_dumps(route_pattern(route)),
                state="ENABLED",
                opts=child,
            )
            for route in ROUTES
        }
        self.dead_letters = DeadLetterQueue(
            f"{name}-rule-dlq",
            DeadLetterQueueArgs(context=ctx, sender_service="events.amazonaws.com",
                                sender_arns=tuple(r.arn for r in self.rules.values())),
            opts=child,
        )
        self._targets(name, args)
        self.stream_name = self.stream.name
        self.stream_arn = self.stream.arn
        self.fan_out_consumer_arn = self.consumer.arn if self.consumer is not None else None
        self.monitored_items = self._monitored_items(name, args, provisioned)
        self.register_outputs({"streamName": self.stream_name, "streamArn": self.stream_arn})

    def _targets(self, name: str, args: EventStreamArgs) -> None:
        """Each rule's target: the stream, through a role only EventBridge for this account
        assumes, with finite retries and the shared DLQ."""
        ctx = args.context
        role, policy = service_role(
            f"{name}-rule",
            service="events.amazonaws.com",
            description=f"EventBridge puts domain events into {name}",
            # Only EventBridge acting for this account's rules may assume it (confused deputy).
            condition={"StringEquals": {"aws:SourceAccount": ctx.account_id}},
            statements=[
                {"Sid": "PutIntoStream", "Effect": "Allow",
                 "Action": ["kinesis:PutRecord", "kinesis:PutRecords"],
                 "Resource": self.stream.arn},
                {"Sid": "EncryptRecords", "Effect": "Allow",
                 "Action": ["kms:GenerateDataKey"], "Resource": ctx.kms_key_arn},
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        for route in ROUTES:
            aws.cloudwatch.EventTarget(
                f"{name}-{route.name}-target",
                rule=self.rules[route.name].name,
                event_bus_name=args.bus_name,
                target_id="analytics-stream",
                arn=self.stream.arn,
                role_arn=role.arn,
                kinesis_target=aws.cloudwatch.EventTargetKinesisTargetArgs(
                    partition_key_path=route.partition_key_path),
                retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(
                    maximum_retry_attempts=TARGET_MAX_RETRIES,
                    maximum_event_age_in_seconds=TARGET_MAX_EVENT_AGE_SECONDS,
                ),
                dead_letter_config=aws.cloudwatch.EventTargetDeadLetterConfigArgs(
                    arn=self.dead_letters.arn),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
            )

    def _monitored_items(self, name: str, args: EventStreamArgs,
                         provisioned: bool) -> tuple[MonitoredItem, ...]:
        """The stream, each rule (custom bus: RuleName and EventBusName) and the DLQ."""
        ctx, c = args.context, args.config
        return (
            MonitoredItem(kind=Kind.KINESIS_STREAM, name=f"{name}-stream",
                          dimensions={"StreamName": self.stream.name}, region=ctx.region,
                          owner=ctx.owner,
                          attributes={"shard_count": c.stream_shards if provisioned else None}),
            *(
                MonitoredItem(kind=Kind.EVENTBRIDGE_RULE, name=f"{name}-{key}-rule",
                              dimensions={"RuleName": rule.name, "EventBusName": args.bus_name},
                              region=ctx.region, owner=ctx.owner)
                for key, rule in self.rules.items()
            ),
            *self.dead_letters.monitored_items,
        )
