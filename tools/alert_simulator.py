"""Run recorded notifications through the real alert router, offline, with a stack's settings.

The router's :class:`~functions.alert_router.dispatch.Dispatcher` (parse, maintenance
windows, deduplication, silences, routing, delivery) runs unchanged. Around it:

* **Settings as the stack builds them**: the stack file is read as the Pulumi CLI hands it to
  the program (``tools.mock_runtime.config_from_file``) and validated by the config Reader
  (``components.config.build``); the router's environment is
  ``components.alerting.router_settings.router_environment`` of that config, and the router
  reads it with ``Settings.from_env``, as in Lambda.
* **AWS in memory** (moto): the state table with the stack's key schema, the secrets with
  placeholder values (a PagerDuty routing key, one webhook URL per ``alertSlackChannels``
  channel, a bot token), the severity topics the email copies are published to.
* **HTTP captured, never sent**: a stand-in for ``urllib3.PoolManager`` records every POST
  and answers as PagerDuty (202), an incoming webhook (200 ``ok``) or Slack's Web API
  (``{"ok": true, "channel", "ts"}``) would.
* **SNS before the router**: each router subscription's filter policy
  (``ROUTER_FILTER_POLICY`` / ``_SCOPE`` of ``components/alerting/component.py``, the values
  the stack subscribes with) is evaluated by :mod:`tools.sns_filter`; a notification it
  rejects is dropped at the topic and never routed.

One :class:`Simulation` keeps its state across notifications, so a repeat is a duplicate and
an OK resolves the ALARM before it; the clock stands still at ``at`` unless moved.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3
import pulumi
from moto import mock_aws
from pulumi.runtime.sync_await import _sync_await

from components.alerting.component import ROUTER_FILTER_POLICY, ROUTER_FILTER_POLICY_SCOPE
from components.alerting.router_settings import router_environment
from components.config import StackConfig, build
from components.platform.alert_topics import SEVERITIES
from functions.alert_router import escalation, heartbeat, maintenance
from functions.alert_router.alert import Alert
from functions.alert_router.dispatch import Dispatcher, Outcome
from functions.alert_router.inhibition import StaticAlarmStates
from functions.alert_router.routing import targets_for
from functions.alert_router.settings import Settings
from functions.shared.retry import Deadline
from tools.alert_inputs import SCHEDULE, Notification, Reading, read_all, stack_event_routes
from tools.mock_runtime import ACCOUNT_ID, PROJECT, config_from_file, stack_file
from tools.sns_filter import evaluate

PAGERDUTY_KEY = "SIMULATED-PAGERDUTY-ROUTING-KEY"
BOT_TOKEN = "xoxb-simulated-bot-token"
WEBHOOK_BASE = "https://hooks.slack.invalid/simulated/"


@dataclass(frozen=True)
class StackInputs:
    """What a stack file says the router and its topics are."""

    stack: str
    source: str  # the stack file read (its name)
    config: StackConfig

    @property
    def prefix(self) -> str:
        """The stack's resource prefix (topics ``<prefix>-<severity>``)."""
        return self.config.platform.prefix

    @property
    def region(self) -> str:
        """The stack's region."""
        return self.config.platform.region

    def reading(self, default_severity: str = "warning") -> Reading:
        """How this stack's topics and EventBridge rules turn files into notifications."""
        security = self.config.security
        return Reading(self.region, ACCOUNT_ID, self.prefix,
                       stack_event_routes(security.guardduty_enabled,
                                          security.securityhub_enabled),
                       default_severity)


def load_stack(stack: str | None, config_path: Path | None) -> StackInputs:
    """The stack's validated config; ``ConfigError`` lists every problem of the file.

    ``OSError``, ``yaml.YAMLError`` or ``ValueError`` when the file cannot be read.
    """
    path = config_path or stack_file(stack or "dev")
    name = stack or _stack_name(path)
    config, secrets = config_from_file(path)
    return StackInputs(name, path.name, build(config, secrets, project=PROJECT, stack=name))


def _stack_name(path: Path) -> str:
    parts = path.name.split(".")
    return parts[1] if len(parts) == 3 and parts[0] == "Pulumi" else path.stem


def resolved(value: Any) -> str:
    """A plain string from a ``pulumi.Input`` (``router_environment`` returns some Outputs)."""
    if isinstance(value, pulumi.Output):
        return str(_sync_await(value.future()))
    return str(value)


# -- the stand-ins ----------------------------------------------------------------------------
@dataclass
class Delivery:
    """One request the router made: where, what, and which alert it was for."""

    target: str
    channel: str  # "pagerduty", "slack-webhook", "slack-api", "sns-publish"
    body: Any
    method: str = ""


class _Response:
    def __init__(self, status: int, payload: Any) -> None:
        self.status = status
        self.data = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
        self.headers: dict[str, str] = {}


class CapturingHttp:
    """Stands in for ``urllib3.PoolManager``: records each POST and answers like the service."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.pagerduty_url = ""
        self.webhooks: dict[str, str] = {}  # URL -> channel
        self.slack_api = ""
        self.deliveries: list[Delivery] = []
        self._messages = 0

    def request(self, method: str, url: str, body: bytes | None = None,
                **_: Any) -> _Response:
        """Record the request; the answer the real service gives a good one."""
        payload = json.loads(body) if body else None
        if url == self.pagerduty_url:
            self.deliveries.append(Delivery("pagerduty", "pagerduty", payload))
            return _Response(202, {"status": "success", "message": "Event processed",
                                   "dedup_key": (payload or {}).get("dedup_key")})
        if url in self.webhooks:
            channel = self.webhooks[url]
            self.deliveries.append(Delivery(f"slack:{channel}", "slack-webhook", payload))
            return _Response(200, "ok")
        if self.slack_api and url.startswith(self.slack_api):
            api_method = url[len(self.slack_api):].lstrip("/")
            channel = str((payload or {}).get("channel", ""))
            self.deliveries.append(Delivery(f"slack:{channel}", "slack-api", payload,
                                            api_method))
            self._messages += 1
            return _Response(200, {"ok": True, "channel": channel_id(channel),
                                   "ts": (payload or {}).get("ts")
                                   or f"{int(self.clock())}.{self._messages:06d}"})
        self.deliveries.append(Delivery(url, method.lower(), payload))
        return _Response(404, "not a simulated endpoint")


def channel_id(channel: str) -> str:
    """A stable Slack-like channel id for a channel name (ids pass through)."""
    if channel.startswith("C") and channel[1:].isalnum() and channel.isupper():
        return channel
    return "C" + hashlib.sha256(channel.encode()).hexdigest()[:10].upper()


class CapturingSns:
    """The SNS client the router publishes email copies with: moto, each call recorded."""

    def __init__(self, client: Any, deliveries: list[Delivery]) -> None:
        self.client = client
        self.deliveries = deliveries

    def publish(self, **kwargs: Any) -> Any:
        """Publish through moto (so the topic must exist) and record the arguments."""
        severity = str(kwargs.get("TopicArn", "")).rsplit("-", 1)[-1]
        self.deliveries.append(Delivery(f"email:{severity}", "sns-publish", dict(kwargs)))
        return self.client.publish(**kwargs)


class Metrics:
    """Counts what the router emits (Powertools' ``add_metric`` and ``add_metadata``)."""

    namespace = "marketplace/simulated"
    service = "alert-router-simulated"

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def add_metric(self, name: str, unit: str, value: float) -> None:
        """Count a metric."""
        del unit
        self.counts[name] = self.counts.get(name, 0) + int(value)

    def add_metadata(self, key: str, value: Any) -> None:
        """Metadata is not needed offline."""
        del key, value


@dataclass
class Clock:
    """The simulation's time (epoch seconds); ``--at`` sets it."""

    now: float

    def __call__(self) -> float:
        return self.now


@dataclass
class World:
    """The in-memory AWS and HTTP the dispatcher is built on."""

    table: Any
    secrets: Any
    sns: CapturingSns
    http: CapturingHttp
    metrics: Metrics
    clock: Clock


class RecordingDispatcher(Dispatcher):
    """The router's Dispatcher, noting which alert each captured request belongs to."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.marks: list[tuple[str, int]] = []  # (alert key, first delivery index)

    def handle_alert(self, alert: Alert, deadline: Deadline, outcome: Outcome) -> None:
        """Mark where this alert's requests start, then route it as the router does."""
        self.marks.append((alert.key, len(self.http.deliveries)))
        super().handle_alert(alert, deadline, outcome)


def build_dispatcher(settings: Settings, alarms_in_alarm: frozenset[str], *,
                     world: World, alarm_arn_prefix: str = "") -> RecordingDispatcher:
    """The one place the simulator builds the router's Dispatcher.

    ``alarms_in_alarm`` are the CloudWatch alarms ``--alarm`` says are in ALARM: the
    router's inhibition reads the upstream composites' states from them, as it would from
    DescribeAlarms (each with the ARN ``<alarm_arn_prefix><name>``).
    """
    states = (StaticAlarmStates(sorted(alarms_in_alarm), alarm_arn_prefix)
              if settings.inhibition is not None else None)
    return RecordingDispatcher(settings, world.table, world.secrets, world.http,
                               world.metrics, clock=world.clock, sns=world.sns,
                               alarm_states=states)


# -- the run ---------------------------------------------------------------------------------
def parse_time(text: str) -> float:
    """Epoch seconds of an ISO 8601 time (``Z`` or an offset; naive means UTC)."""
    when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def iso(epoch: float) -> str:
    """An epoch as ISO 8601 UTC."""
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Simulation:
    """A router with its state in moto, for one stack; use as a context manager."""

    inputs: StackInputs
    at: float
    alarms_in_alarm: frozenset[str] = frozenset()
    filter_policy: Mapping[str, Any] | None = ROUTER_FILTER_POLICY
    filter_scope: str = ROUTER_FILTER_POLICY_SCOPE
    settings: Settings = field(init=False)
    environment: dict[str, str] = field(init=False)
    world: World = field(init=False)
    dispatcher: RecordingDispatcher = field(init=False)
    _stack: contextlib.ExitStack = field(init=False)

    def __enter__(self) -> Simulation:
        self._stack = contextlib.ExitStack()
        self._stack.enter_context(_aws_environment())
        self._stack.enter_context(mock_aws())
        try:
            self._build()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stack.close()

    def _build(self) -> None:
        cfg = self.inputs.config
        region, prefix = self.inputs.region, self.inputs.prefix
        dynamodb = boto3.resource("dynamodb", region_name=region)
        table_name = f"{prefix}-alert-state"
        # The stack's key schema (AlertRouting._state_table); encryption and PITR do not
        # change what the router reads or writes.
        table = dynamodb.create_table(
            TableName=table_name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "alert_key", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "alert_key", "AttributeType": "S"}])
        secrets = boto3.client("secretsmanager", region_name=region)
        channels = cfg.alerting.slack_channels
        hooks = {channel: f"{WEBHOOK_BASE}{channel}" for channel in channels}
        pd_arn = secrets.create_secret(Name=f"{prefix}-alert-routing-pagerduty",
                                       SecretString=PAGERDUTY_KEY)["ARN"]
        slack_arn = secrets.create_secret(Name=f"{prefix}-alert-routing-slack",
                                          SecretString=json.dumps(hooks))["ARN"]
        bot_arn = None
        if cfg.alerting.slack_delivery == "app":
            bot_arn = secrets.create_secret(Name=f"{prefix}-alert-routing-slack-bot-token",
                                            SecretString=BOT_TOKEN)["ARN"]
        sns = boto3.client("sns", region_name=region)
        topics = {s: sns.create_topic(Name=f"{prefix}-{s}")["TopicArn"] for s in SEVERITIES}
        env = router_environment(cfg.alerting, cfg.platform.prefix, cfg.platform.runbook_base_url,
                                 topics, table_name, pd_arn, slack_arn, bot_arn)
        self.environment = {key: resolved(value) for key, value in env.items()}
        self.settings = Settings.from_env(self.environment)
        clock = Clock(self.at)
        http = CapturingHttp(clock)
        http.pagerduty_url = self.settings.pagerduty_url
        http.webhooks = {url: channel for channel, url in hooks.items()}
        http.slack_api = self.settings.slack_api_url.rstrip("/")
        self.world = World(table, secrets, CapturingSns(sns, http.deliveries), http,
                           Metrics(), clock)
        self.dispatcher = build_dispatcher(self.settings, self.alarms_in_alarm,
                                           alarm_arn_prefix=self._alarm_arn_prefix(),
                                           world=self.world)

    def reset(self, alarms_in_alarm: frozenset[str] | None = None) -> None:
        """Forget every alert (an empty state table) and start a new dispatcher, with
        ``alarms_in_alarm`` in ALARM when given."""
        if alarms_in_alarm is not None:
            self.alarms_in_alarm = alarms_in_alarm
        table = self.world.table
        with table.batch_writer() as batch:
            for item in table.scan(ProjectionExpression="alert_key")["Items"]:
                batch.delete_item(Key=item)
        self.world.http.deliveries.clear()
        self.dispatcher = build_dispatcher(self.settings, self.alarms_in_alarm,
                                           alarm_arn_prefix=self._alarm_arn_prefix(),
                                           world=self.world)

    def run(self, notification: Notification) -> dict[str, Any]:
        """What the router does with one notification, as a JSON-ready document."""
        result: dict[str, Any] = {"input": notification.label, "kind": notification.kind}
        record = notification.record
        if record is None and notification.kind != SCHEDULE:
            return {**result, "reaches_router": False, "dropped": notification.note}
        if notification.note:
            result["note"] = notification.note
        if notification.kind == SCHEDULE:
            return {**result, **self._sweep()}
        sns = record["Sns"]
        result["topic"] = sns.get("TopicArn")
        verdict = evaluate(self.filter_policy, self.filter_scope, message=sns.get("Message"),
                           attributes=sns.get("MessageAttributes"))
        result["filter_policy"] = {"policy": self.filter_policy, "scope": self.filter_scope,
                                   "matched": verdict.matched, "reason": verdict.reason}
        if not verdict.matched:
            return {**result, "reaches_router": False,
                    "dropped": f"dropped at the topic: {verdict.reason}"}
        result["reaches_router"] = True
        return {**result, **self._route(record)}

    def _deadline(self) -> Deadline:
        return Deadline(float(self.settings.lease_seconds))

    def _route(self, record: dict[str, Any]) -> dict[str, Any]:
        d = self.dispatcher
        start = len(self.world.http.deliveries)
        d.marks.clear()
        beat = heartbeat.parse(record)
        with _router_process(self.environment):
            if beat is not None:
                outcome = heartbeat.handle(beat, d, self._deadline(), self.world.metrics)
                alerts: list[Alert] = []
            else:
                alerts = d.alerts_of(record)
                outcome = d.handle_record(record, self._deadline())
        deliveries = self.world.http.deliveries[start:]
        if beat is not None:
            return {"heartbeat": {"key": beat.key, "sent": outcome.sent.get(beat.key, []),
                                  "deliveries": [_delivery(x) for x in deliveries]},
                    "errors": [str(e) for e in outcome.errors]}
        if "forwarded" in outcome.skipped:
            return {"alerts": [], "suppressed": "the router's own email copy "
                                                "(forwarded-by=alert-router): skipped",
                    "errors": []}
        by_key = self._split(deliveries, start)
        return {"alerts": [self._alert(a, outcome, by_key.get(a.key, [])) for a in alerts],
                "errors": [str(e) for e in outcome.errors]}

    def _split(self, deliveries: Sequence[Delivery], start: int) -> dict[str, list[Delivery]]:
        """The captured requests of each alert, by the marks the dispatcher left."""
        marks = self.dispatcher.marks
        out: dict[str, list[Delivery]] = {}
        for i, (key, first) in enumerate(marks):
            last = marks[i + 1][1] if i + 1 < len(marks) else start + len(deliveries)
            out.setdefault(key, []).extend(deliveries[first - start:last - start])
        return out

    def _alert(self, alert: Alert, outcome: Outcome,
               deliveries: Sequence[Delivery]) -> dict[str, Any]:
        reason = outcome.skipped.get(alert.key)
        if reason == "maintenance window":
            when = datetime.fromtimestamp(self.world.clock(), UTC)
            occurrence = maintenance.occurrence_of(alert, when, self.settings.windows,
                                                   self.settings.suppress_severities)
            if occurrence is not None:
                window = occurrence.rsplit(" @ ", 1)[0]
                closes = iso(maintenance.close_time(occurrence))
                reason = (f"maintenance window {window} (closes {closes}): held, summarized "
                          "when it closes")
        return {
            "source": alert.source, "severity": alert.severity, "state": alert.state,
            "key": alert.key, "title": alert.title, "resource": alert.resource,
            "targets": targets_for(alert, self.settings.routes),
            "suppressed": reason or _inhibited(outcome.inhibited.get(alert.key)),
            "sent": outcome.sent.get(alert.key, []),
            "deliveries": [_delivery(x) for x in deliveries],
        }

    def _sweep(self) -> dict[str, Any]:
        start = len(self.world.http.deliveries)
        errors: list[str] = []
        escalated: list[str] = []
        with _router_process(self.environment):
            try:
                escalated = escalation.sweep(self.dispatcher, self._deadline())
            except Exception as error:  # the sweep raises after trying everything
                errors.append(str(error))
        deliveries = self.world.http.deliveries[start:]
        return {"reaches_router": True, "escalated": escalated,
                "deliveries": [_delivery(x) for x in deliveries], "errors": errors}

    def _alarm_arn_prefix(self) -> str:
        return f"arn:aws:cloudwatch:{self.inputs.region}:{ACCOUNT_ID}:alarm:"

    def advance(self, at: float) -> None:
        """Move the clock (later notifications and sweeps see this time)."""
        self.world.clock.now = at

    def run_files(self, paths: Sequence[Path],
                  default_severity: str = "warning") -> dict[str, Any]:
        """Every notification of ``paths`` in order, sharing state: the run's document."""
        notifications, problems = read_all(self.inputs.reading(default_severity), paths)
        results = [self.run(n) for n in notifications]
        return {"stack": self.inputs.stack, "config": self.inputs.source,
                "at": iso(self.world.clock()), "alarms_in_alarm": sorted(self.alarms_in_alarm),
                "notifications": results, "problems": problems}


def _inhibited(upstream: str | None) -> str | None:
    """The reason of a held page (the alert's other targets were still sent)."""
    if upstream is None:
        return None
    return f"page held: upstream {upstream} is in ALARM (inhibition); the rest was sent"


def _delivery(d: Delivery) -> dict[str, Any]:
    out: dict[str, Any] = {"target": d.target, "via": d.channel}
    if d.method:
        out["method"] = d.method
    out["payload"] = d.body
    return out


@contextlib.contextmanager
def _aws_environment() -> Iterator[None]:
    """Fake credentials and a region for moto, restored afterwards."""
    with _environ({"AWS_ACCESS_KEY_ID": "simulated", "AWS_SECRET_ACCESS_KEY": "simulated",
                   "AWS_SESSION_TOKEN": "simulated", "AWS_DEFAULT_REGION": "us-east-1"}):
        yield


@contextlib.contextmanager
def _router_process(environment: Mapping[str, str]) -> Iterator[None]:
    """The router's variables in ``os.environ`` (the heartbeat reads its target there), with
    what Powertools prints (EMF lines) kept off the simulator's output."""
    with _environ({"HEARTBEAT_TARGET": environment.get("HEARTBEAT_TARGET", ""),
                   "POWERTOOLS_METRICS_NAMESPACE": Metrics.namespace,
                   "POWERTOOLS_SERVICE_NAME": Metrics.service}), \
            contextlib.redirect_stdout(io.StringIO()):
        yield


@contextlib.contextmanager
def _environ(values: Mapping[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
