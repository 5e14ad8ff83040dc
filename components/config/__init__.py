"""Stack configuration: the only module that reads Pulumi config.

Every key lives in the ``marketplace`` namespace (plus the standard ``aws:region``) and is
declared in ``Pulumi.yaml`` with its type and description. :func:`load` reads them all,
validates ranges the AWS APIs enforce, and returns frozen dataclasses. Every problem found
is collected and raised together as one :class:`ConfigError`, so a broken stack file is
fixed in one pass instead of one error per ``pulumi preview``.

Pulumi project config can only declare ``string``, ``integer``, ``boolean`` and ``array``
keys, so tables (per-item overrides) are arrays of ``name=value`` strings, parsed here.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pulumi
from pulumi.runtime import config as runtime_config

NAMESPACE = "marketplace"

# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
)
AWS_REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1",
    "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
    "ap-southeast-4", "ap-southeast-5", "ap-southeast-7", "ap-northeast-1", "ap-northeast-2",
    "ap-northeast-3", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1",
    "il-central-1", "me-south-1", "me-central-1", "mx-central-1", "sa-east-1",
)
LAMBDA_PYTHON_RUNTIMES = ("python3.12", "python3.13", "python3.14")
LOG_LEVELS = ("DEBUG", "INFO", "WARN", "ERROR")
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
TAG_VALUE_RE = re.compile(r"^[\w\s.:/=+\-@]{1,256}$")

T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    """One bad key: the key, what is wrong, and what is allowed."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


class ConfigError(Exception):
    """Every problem in a stack's configuration, reported together."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"invalid stack configuration ({len(self.problems)} problem"
            f"{'s' if len(self.problems) != 1 else ''}):\n{lines}"
        )

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys named by the problems, in order."""
        return tuple(p.key for p in self.problems)


class Reader:
    """Typed, validating access to raw config values that records every problem.

    ``raw`` maps full keys (``marketplace:lambdaMemoryMb``) to the strings Pulumi passes to
    the program (arrays and objects as JSON text). Each getter returns a usable value even
    when the raw one is bad (the default), so validation goes on and reports everything.
    """

    def __init__(self, raw: Mapping[str, Any], secret_keys: Iterable[str] = ()) -> None:
        self._raw = dict(raw)
        self._secret_keys = set(secret_keys)
        self.problems: list[Problem] = []
        self.declared: dict[str, str] = {}
        self.defaults: dict[str, Any] = {}
        self.secrets: set[str] = set()

    # -- bookkeeping -------------------------------------------------------------------
    def _full(self, key: str) -> str:
        return key if ":" in key else f"{NAMESPACE}:{key}"

    def _take(self, key: str, kind: str, default: Any = None) -> tuple[str, Any]:
        full = self._full(key)
        self.declared[full] = kind
        # The default as Pulumi.yaml declares it (None: the key is required).
        self.defaults[full] = default
        return full, self._raw.get(full)

    def fail(self, key: str, message: str) -> None:
        """Record a problem with ``key`` (short or full name)."""
        self.problems.append(Problem(self._full(key), message))

    def is_set(self, key: str) -> bool:
        """Whether ``key`` has a value: the CLI hands empty Pulumi.yaml defaults to unset keys."""
        return self._raw.get(self._full(key)) not in (None, "", "[]")

    # -- scalar getters ----------------------------------------------------------------
    def string(
        self,
        key: str,
        default: str,
        *,
        choices: Iterable[str] | None = None,
        pattern: re.Pattern[str] | None = None,
        what: str = "",
    ) -> str:
        """A string, optionally one of ``choices`` or matching ``pattern``."""
        full, value = self._take(key, "string", default)
        if value is None:
            return default
        value = str(value)
        options = tuple(choices) if choices is not None else None
        if options is not None and value not in options:
            hint = _did_you_mean(value, options)
            self.fail(full, f"{value!r} is not allowed; use one of {', '.join(options)}{hint}")
            return default
        if pattern is not None and not pattern.match(value):
            self.fail(full, f"{value!r} is not {what or 'valid'}")
            return default
        return value

    def optional_string(self, key: str, *, pattern: re.Pattern[str] | None = None,
                        what: str = "") -> str | None:
        """A string that may be absent (``None``)."""
        full, value = self._take(key, "string", "")
        if value is None or value == "":
            return None
        if pattern is not None and not pattern.match(str(value)):
            self.fail(full, f"{value!r} is not {what or 'valid'}")
            return None
        return str(value)

    def integer(
        self,
        key: str,
        default: int,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        allowed: Iterable[int] | None = None,
    ) -> int:
        """An integer within ``minimum``..``maximum`` or one of ``allowed``."""
        full, value = self._take(key, "integer", default)
        if value is None:
            return default
        number = _as_int(value)
        if number is None:
            self.fail(full, f"{value!r} is not a whole number")
            return default
        return self._check_range(full, number, default, minimum, maximum, allowed)

    def number(self, key: str, default: float, *, minimum: float | None = None,
               maximum: float | None = None, exclusive_minimum: bool = False) -> float:
        """A decimal number (declared as a string: Pulumi config has no float type)."""
        full, value = self._take(key, "string", f"{default:g}")
        if value is None:
            return default
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(full, f"{value!r} is not a number")
            return default
        if not math.isfinite(number):
            self.fail(full, f"{value!r} is not a finite number")
            return default
        if minimum is not None and (number < minimum or (exclusive_minimum and number == minimum)):
            bound = f"> {minimum:g}" if exclusive_minimum else f">= {minimum:g}"
            self.fail(full, f"{number:g} is out of range; allowed {bound}"
                      + (f" and <= {maximum:g}" if maximum is not None else ""))
            return default
        if maximum is not None and number > maximum:
            self.fail(full, f"{number:g} is out of range; allowed <= {maximum:g}")
            return default
        return number

    def boolean(self, key: str, default: bool) -> bool:
        """A boolean (``true``/``false``)."""
        full, value = self._take(key, "boolean", default)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "false"):
            return text == "true"
        self.fail(full, f"{value!r} is not a boolean; use true or false")
        return default

    # -- arrays ------------------------------------------------------------------------
    def strings(
        self,
        key: str,
        default: Iterable[str] = (),
        *,
        item: Callable[[str], str | None] | None = None,
    ) -> tuple[str, ...]:
        """An array of strings; ``item`` returns an error message for a bad item."""
        full, value = self._take(key, "array", list(default))
        if value is None:
            return tuple(default)
        items = _as_list(value)
        if items is None:
            self.fail(full, f"{_short(value)} is not a list of strings")
            return tuple(default)
        good: list[str] = []
        for index, entry in enumerate(items):
            if not isinstance(entry, str):
                self.fail(f"{full}[{index}]", f"{_short(entry)} is not a string")
                continue
            error = item(entry) if item else None
            if error:
                self.fail(f"{full}[{index}]", error)
                continue
            good.append(entry)
        return tuple(good)

    def emails(self, key: str) -> tuple[str, ...]:
        """An array of email addresses."""
        return self.strings(
            key, item=lambda v: None if EMAIL_RE.match(v) else f"{v!r} is not an email address"
        )

    def table(
        self,
        key: str,
        parse: Callable[[str], T],
        *,
        names: Iterable[str] | None = None,
        default: Mapping[str, T] | None = None,
    ) -> dict[str, T]:
        """An array of ``name=value`` strings as a dict; ``parse`` raises ValueError."""
        known = tuple(names) if names is not None else None
        result: dict[str, T] = dict(default or {})

        def check(entry: str) -> str | None:
            name, sep, text = entry.partition("=")
            name = name.strip()
            if not sep or not name:
                return f"{entry!r} is not of the form name=value"
            if known is not None and name not in known:
                return f"unknown name {name!r}; use one of {', '.join(known)}" + _did_you_mean(
                    name, known
                )
            try:
                result[name] = parse(text.strip())
            except ValueError as exc:
                return f"{entry!r}: {exc}"
            return None

        self.strings(key, item=check)
        self.defaults[self._full(key)] = [f"{k}={v}" for k, v in (default or {}).items()]
        return result

    # -- secrets -----------------------------------------------------------------------
    def secret(self, key: str, *, required: bool = False) -> pulumi.Output[str] | None:
        """A secret string as a secret Output, or ``None`` when unset. Never printed.

        Every secret is declared ``secret: true`` in Pulumi.yaml, so the CLI refuses a plain
        value for it. The CLI refuses a default on such a key too, so each stack sets every
        secret; an optional one the stack does not use is set empty, which reads as unset.
        """
        full, value = self._take(key, "string", None if required else "")
        self.secrets.add(full)
        if value is None or value == "":
            return None
        return pulumi.Output.secret(str(value))

    # -- helpers -----------------------------------------------------------------------
    def _check_range(self, full: str, number: int, default: int, minimum: int | None,
                     maximum: int | None, allowed: Iterable[int] | None) -> int:
        if allowed is not None:
            options = tuple(allowed)
            if number not in options:
                self.fail(full, f"{number} is not allowed; use one of "
                          f"{', '.join(str(o) for o in options)}")
                return default
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            low = "" if minimum is None else str(minimum)
            high = "" if maximum is None else str(maximum)
            self.fail(full, f"{number} is out of range; allowed {low}..{high}")
            return default
        return number

    def unknown_keys(self) -> None:
        """Record a problem for every ``marketplace:`` key nobody reads, with a suggestion."""
        declared = [k for k in self.declared if k.startswith(f"{NAMESPACE}:")]
        for full in sorted(self._raw):
            if full.startswith(f"{NAMESPACE}:") and full not in self.declared:
                hint = _did_you_mean(full, declared)
                self.fail(full, f"unknown key{hint or '; see Pulumi.yaml for the declared keys'}")


def _did_you_mean(value: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip(), 10)
    except ValueError:
        return None


def _as_list(value: Any) -> list[Any] | None:
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        return parsed if isinstance(parsed, list) else None
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def positive_int(text: str) -> int:
    """Parse a table value that must be a whole number >= 0."""
    number = _as_int(text)
    if number is None or number < 0:
        raise ValueError(f"{text!r} is not a whole number >= 0")
    return number


def non_negative_float(text: str) -> float:
    """Parse a table value that must be a finite number >= 0."""
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not number >= 0 or number == float("inf"):
        raise ValueError(f"{text!r} must be a finite number >= 0")
    return number


# ---------------------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlatformConfig:
    """Who owns the stack and where it runs; feeds providers, tags and the KMS key."""

    project: str
    stack: str
    region: str
    owner: str
    cost_center: str
    kms_deletion_window_days: int
    runbook_base_url: str
    domain: str
    audit_log_retention_days: int
    # Whether this stack creates the account's per-account-and-region singletons (GuardDuty,
    # Security Hub, the API Gateway CloudWatch role, cost allocation tag activation): exactly
    # one stack per account and region sets it, the others rely on that stack.
    owns_account_baseline: bool

    @property
    def prefix(self) -> str:
        """``<project>-<stack>``: the start of every physical name the stack chooses."""
        return f"{self.project}-{self.stack}"

    @property
    def metrics_namespace(self) -> str:
        """CloudWatch namespace of every handler's EMF metrics: ``<project>/<stack>``."""
        return f"{self.project}/{self.stack}"

    @property
    def tags(self) -> dict[str, str]:
        """Default tags on every taggable resource (also the cost allocation tags)."""
        return {
            "project": self.project,
            "stack": self.stack,
            "owner": self.owner,
            "cost-center": self.cost_center,
        }


@dataclass(frozen=True)
class LambdaDefaults:
    """Settings every function starts from; per-function overrides live in their sections."""

    runtime: str
    memory_mb: int
    timeout_seconds: int
    log_retention_days: int
    log_level: str
    powertools_layer_version: int
    async_max_retries: int
    async_max_event_age_seconds: int
    dlq_retention_days: int
    # Reserved concurrency per function off the API hot path (RESERVED_FUNCTIONS).
    reserved_concurrency: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class EventsConfig:
    """The domain event bus: how long the replay archive keeps events.

    There is no schema discovery: EventBridge refuses a discoverer on a bus encrypted with a
    customer managed key, and this bus always is. The stack publishes every event type's
    schema to its own registry instead (:mod:`components.platform.event_bus`).
    """

    archive_retention_days: int


# --- alerting, security monitoring, cost guardrails ------------------------------------
ALERT_SEVERITIES = ("critical", "warning", "info", "maintenance")
ALERT_SOURCES = ("cloudwatch", "guardduty", "securityhub", "health", "budgets",
                 "cost-anomaly", "generic")
GUARDDUTY_FEATURES = ("S3_DATA_EVENTS", "EKS_AUDIT_LOGS", "EBS_MALWARE_PROTECTION",
                      "RDS_LOGIN_EVENTS", "LAMBDA_NETWORK_LOGS", "RUNTIME_MONITORING")
GUARDDUTY_FREQUENCIES = ("FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS")
BUDGET_CURRENCIES = ("USD",)  # AWS Budgets limits are expressed in USD
CHANNEL_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WINDOW_RE = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun) ([01]\d|2[0-3]):([0-5]\d)-"
                       r"([01]\d|2[0-3]):([0-5]\d)$")
SLACK_ID_RE = re.compile(r"^[A-Z0-9]{9,11}$")


@dataclass(frozen=True)
class AlertRoute:
    """One routing rule: alerts of these severities from these sources go to these targets.

    ``*`` in severities or sources matches all; targets are ``pagerduty``,
    ``slack:<channel>`` (a key of the Slack webhook secret) or ``email:<severity>`` (a
    readable copy to that topic's email subscribers).
    """

    severities: tuple[str, ...]
    sources: tuple[str, ...]
    targets: tuple[str, ...]

    def as_dict(self) -> dict[str, list[str]]:
        """The rule as the router reads it (JSON in its environment)."""
        return {"severities": list(self.severities), "sources": list(self.sources),
                "targets": list(self.targets)}


def parse_route(text: str, channels: Iterable[str]) -> AlertRoute:
    """Parse ``severities|sources|targets`` (comma lists); raise ValueError naming the bad part."""
    parts = [p.strip() for p in text.split("|")]
    if len(parts) != 3:
        raise ValueError(f"{text!r} is not of the form severities|sources|targets")
    known = tuple(channels)
    lists = [tuple(x.strip() for x in p.split(",") if x.strip()) for p in parts]
    severities, sources, targets = lists
    for label, values, allowed in (("severity", severities, ALERT_SEVERITIES),
                                   ("source", sources, ALERT_SOURCES)):
        if not values:
            raise ValueError(f"{text!r}: no {label}; use * or a list")
        for value in values:
            if value != "*" and value not in allowed:
                raise ValueError(f"{text!r}: unknown {label} {value!r}; use * or one of "
                                 f"{', '.join(allowed)}{_did_you_mean(value, allowed)}")
    if not targets:
        raise ValueError(f"{text!r}: no target; use pagerduty, slack:<channel> or "
                         "email:<severity>")
    for target in targets:
        kind, _, name = target.partition(":")
        if target == "pagerduty" or (kind == "email" and name in ALERT_SEVERITIES):
            continue
        if kind != "slack" or name not in known:
            raise ValueError(f"{text!r}: unknown target {target!r}; use pagerduty, "
                             f"email:<severity> or slack:<channel> with a channel of "
                             f"alertSlackChannels ({', '.join(known) or 'none declared'})")
    return AlertRoute(severities, sources, targets)


@dataclass(frozen=True)
class AlertingConfig:
    """Subscriptions, the router's routing/dedup/escalation settings and Chatbot."""

    emails: Mapping[str, tuple[str, ...]]
    slack_channels: tuple[str, ...]
    routes: tuple[AlertRoute, ...]
    dedup_window_minutes: int
    escalate_after_minutes: int
    escalation_check_minutes: int
    state_ttl_days: int
    maintenance_windows: tuple[str, ...]
    maintenance_suppresses: tuple[str, ...]
    http_timeout_seconds: int
    router_timeout_seconds: int
    pagerduty_routing_key: pulumi.Output[str] | None
    slack_webhooks: pulumi.Output[str] | None
    chatbot_slack_team_id: str | None
    chatbot_slack_channel_id: str | None
    chatbot_severities: tuple[str, ...]


@dataclass(frozen=True)
class SecurityConfig:
    """CloudTrail, GuardDuty and Security Hub.

    ``guardduty_enabled`` and ``securityhub_enabled`` say whether this stack creates the
    detector and the hub: only the stack that owns the account baseline can.
    """

    trail_object_lock_days: int
    trail_retention_days: int
    trail_log_retention_days: int
    guardduty_enabled: bool
    guardduty_features: tuple[str, ...]
    guardduty_frequency: str
    securityhub_enabled: bool


@dataclass(frozen=True)
class CostConfig:
    """The monthly budget and Cost Anomaly Detection threshold."""

    budget_monthly_amount: float
    budget_currency: str
    anomaly_threshold_amount: float


@dataclass(frozen=True)
class ThresholdOverride:
    """One ``alarmThresholds`` entry: ``<kind or item>/<metric>/<severity>=<value>``."""

    key: str
    scope: str
    metric: str
    severity: str
    value: float


@dataclass(frozen=True)
class ObservabilityConfig:
    """Alarm thresholds, maintenance suppression, anomaly bands, tracing, RUM, canary, boards."""

    alarm_thresholds: tuple[ThresholdOverride, ...]
    maintenance_wait_seconds: int
    maintenance_extension_seconds: int
    anomaly_band_width: float
    xray_sampling_rate: float
    xray_error_sampling_rate: float
    xray_reservoir_per_second: int
    slow_request_ms: int
    rum_enabled: bool
    rum_session_sample_rate: float
    canary_enabled: bool
    canary_interval_minutes: int
    canary_health_path: str
    canary_runtime_version: str
    canary_retention_days: int
    dashboard_start_hours: int
    security_alarm_thresholds: dict[str, int]


@dataclass(frozen=True)
class BackendConfig:
    """The listings backend: table, DAX, network, app cache, REST API, functions and SLO."""

    billing_mode: str
    read_capacity_min: int
    read_capacity_max: int
    write_capacity_min: int
    write_capacity_max: int
    capacity_target_percent: int
    table_deletion_protection: bool
    category_shards: int
    listing_ttl_days: int
    dax_enabled: bool
    dax_node_type: str
    dax_node_count: int
    dax_item_ttl_seconds: int
    dax_query_ttl_seconds: int
    api_clients_layer_arn: str | None
    vpc_cidr: str
    vpc_az_count: int
    vpc_interface_endpoints: tuple[str, ...]
    app_cache_enabled: bool
    app_cache_ttl_seconds: int
    app_cache_max_data_gb: int
    app_cache_max_ecpu_per_second: int
    app_cache_snapshot_retention_days: int
    api_stage_name: str
    api_throttle_rate_limit: int
    api_throttle_burst_limit: int
    api_cache_enabled: bool
    api_require_cloudfront: bool
    api_cache_size_gb: str
    api_cache_ttls: dict[str, int]
    api_memory_mb: int
    api_provisioned_concurrency: int
    post_confirmation_memory_mb: int
    user_pool_deletion_protection: bool
    # SES sending for the pool: a verified identity (domain or address) in the stack's
    # Region, the From address and an optional configuration set; None keeps COGNITO_DEFAULT.
    user_pool_ses_identity: str | None
    user_pool_email_from: str | None
    user_pool_ses_configuration_set: str | None
    slo_availability_percent: float
    slo_latency_ms: int
    slo_latency_percent: float

    @property
    def needs_vpc(self) -> bool:
        """Whether anything the backend runs needs the VPC (DAX or the app cache)."""
        return self.dax_enabled or self.app_cache_enabled


@dataclass(frozen=True)
class AnalyticsConfig:
    """The real-time analytics pipeline: stream, lake, consumers, time series, BI."""

    stream_mode: str
    stream_shards: int
    stream_retention_hours: int
    enhanced_fan_out: bool
    processor_batch_size: int
    processor_batching_window_seconds: int
    aggregator_batch_size: int
    tumbling_window_seconds: int
    consumer_max_retries: int
    consumer_max_record_age_seconds: int
    firehose_buffer_mb: int
    firehose_buffer_seconds: int
    lake_ia_days: int
    lake_glacier_days: int
    lake_expiration_days: int
    athena_results_days: int
    athena_bytes_scanned_cutoff_mb: int
    top_n: int
    timeseries: str
    timestream_memory_hours: int
    timestream_magnetic_days: int
    influx_instance_type: str
    influx_storage_gb: int
    influx_deployment_type: str
    influx_password: pulumi.Output[str] | None
    quicksight_enabled: bool
    quicksight_principal: str | None
    quicksight_refresh_interval: str


STREAM_MODES = ("ON_DEMAND", "PROVISIONED")
TIMESERIES_STORES = ("none", "liveanalytics", "influxdb")
INFLUX_DEPLOYMENT_TYPES = ("SINGLE_AZ", "WITH_MULTIAZ_STANDBY")
INFLUX_INSTANCE_TYPES = (
    "db.influx.medium", "db.influx.large", "db.influx.xlarge", "db.influx.2xlarge",
    "db.influx.4xlarge", "db.influx.8xlarge", "db.influx.12xlarge", "db.influx.16xlarge",
)
QUICKSIGHT_REFRESH_INTERVALS = ("HOURLY", "DAILY", "WEEKLY")
QUICKSIGHT_PRINCIPAL_RE = re.compile(r"^(user|group)/[\w+=,.@-]{1,64}$")


def _analytics(r: Reader) -> AnalyticsConfig:
    ia_days = r.integer("analyticsLakeIaDays", 30, minimum=30)
    glacier_days = r.integer("analyticsLakeGlacierDays", 90, minimum=60)
    # S3 keeps an object 30 days in STANDARD_IA before a further transition is allowed.
    if glacier_days < ia_days + 30:
        r.fail("analyticsLakeGlacierDays",
               f"{glacier_days} must be at least analyticsLakeIaDays + 30 ({ia_days + 30})")
    expiration = r.integer("analyticsLakeExpirationDays", 0, minimum=0)
    if expiration and expiration <= glacier_days:
        r.fail("analyticsLakeExpirationDays",
               f"{expiration} must be 0 (keep) or after analyticsLakeGlacierDays ({glacier_days})")
    timeseries = r.string("analyticsTimeseries", "none", choices=TIMESERIES_STORES)
    password = r.secret("analyticsInfluxPassword")
    if timeseries == "influxdb" and password is None:
        r.fail("analyticsInfluxPassword",
               "is required when analyticsTimeseries is influxdb "
               "(pulumi config set --secret analyticsInfluxPassword)")
    quicksight = r.boolean("analyticsQuicksightEnabled", False)
    principal = r.optional_string("analyticsQuicksightPrincipal", pattern=QUICKSIGHT_PRINCIPAL_RE,
                                  what="user/<name> or group/<name>")
    if quicksight and principal is None and not r.is_set("analyticsQuicksightPrincipal"):
        r.fail("analyticsQuicksightPrincipal",
               "is required when analyticsQuicksightEnabled is true (user/<name> or group/<name>)")
    return AnalyticsConfig(
        stream_mode=r.string("analyticsStreamMode", "ON_DEMAND", choices=STREAM_MODES),
        stream_shards=r.integer("analyticsStreamShards", 1, minimum=1, maximum=500),
        stream_retention_hours=r.integer("analyticsStreamRetentionHours", 24, minimum=24,
                                         maximum=8760),
        enhanced_fan_out=r.boolean("analyticsEnhancedFanOut", False),
        processor_batch_size=r.integer("analyticsProcessorBatchSize", 100, minimum=1,
                                       maximum=10000),
        processor_batching_window_seconds=r.integer("analyticsProcessorBatchingWindowSeconds",
                                                    1, minimum=0, maximum=300),
        aggregator_batch_size=r.integer("analyticsAggregatorBatchSize", 500, minimum=1,
                                        maximum=10000),
        tumbling_window_seconds=r.integer("analyticsTumblingWindowSeconds", 60, minimum=1,
                                          maximum=900),
        consumer_max_retries=r.integer("analyticsConsumerMaxRetries", 3, minimum=0,
                                       maximum=10000),
        consumer_max_record_age_seconds=r.integer("analyticsConsumerMaxRecordAgeSeconds", 3600,
                                                  minimum=60, maximum=604800),
        firehose_buffer_mb=r.integer("analyticsFirehoseBufferMb", 128, minimum=64, maximum=128),
        firehose_buffer_seconds=r.integer("analyticsFirehoseBufferSeconds", 300, minimum=60,
                                          maximum=900),
        lake_ia_days=ia_days,
        lake_glacier_days=glacier_days,
        lake_expiration_days=expiration,
        athena_results_days=r.integer("analyticsAthenaResultsDays", 7, minimum=1, maximum=365),
        athena_bytes_scanned_cutoff_mb=r.integer("analyticsAthenaBytesScannedCutoffMb", 1024,
                                                 minimum=10),
        top_n=r.integer("analyticsTopN", 10, minimum=1, maximum=50),
        timeseries=timeseries,
        timestream_memory_hours=r.integer("analyticsTimestreamMemoryHours", 24, minimum=1,
                                          maximum=8766),
        timestream_magnetic_days=r.integer("analyticsTimestreamMagneticDays", 365, minimum=1,
                                           maximum=73000),
        influx_instance_type=r.string("analyticsInfluxInstanceType", "db.influx.medium",
                                      choices=INFLUX_INSTANCE_TYPES),
        influx_storage_gb=r.integer("analyticsInfluxStorageGb", 20, minimum=20, maximum=16384),
        influx_deployment_type=r.string("analyticsInfluxDeploymentType", "SINGLE_AZ",
                                        choices=INFLUX_DEPLOYMENT_TYPES),
        influx_password=password,
        quicksight_enabled=quicksight,
        quicksight_principal=principal,
        quicksight_refresh_interval=r.string("analyticsQuicksightRefreshInterval", "DAILY",
                                             choices=QUICKSIGHT_REFRESH_INTERVALS),
    )


@dataclass(frozen=True)
class StackConfig:
    """The whole validated configuration of one stack."""

    platform: PlatformConfig
    lambdas: LambdaDefaults
    events: EventsConfig
    backend: BackendConfig
    edge: EdgeConfig
    analytics: AnalyticsConfig
    alerting: AlertingConfig
    security: SecurityConfig
    cost: CostConfig
    observability: ObservabilityConfig


def _platform(r: Reader, project: str, stack: str) -> PlatformConfig:
    tag = re.compile(TAG_VALUE_RE.pattern)
    return PlatformConfig(
        project=project,
        stack=stack,
        region=r.string("aws:region", "us-east-1", choices=AWS_REGIONS),
        owner=r.string("owner", "platform-team", pattern=tag, what="a valid tag value"),
        cost_center=r.string("costCenter", "marketplace", pattern=tag, what="a valid tag value"),
        kms_deletion_window_days=r.integer("kmsDeletionWindowDays", 30, minimum=7, maximum=30),
        runbook_base_url=r.string(
            "runbookBaseUrl",
            "https://github.com/marketplace/platform/blob/main/docs/runbooks.md",
            pattern=re.compile(r"^https://\S+$"),
            what="an https:// URL",
        ),
        domain=r.string("domainName", "marketplace.example.com", pattern=DOMAIN_RE,
                        what="a DNS domain name"),
        audit_log_retention_days=r.integer("auditLogRetentionDays", 365,
                                           allowed=LOG_RETENTION_DAYS),
        owns_account_baseline=r.boolean("ownsAccountBaseline", False),
    )


# Functions off the API hot path, each with a reserved-concurrency cap (its own throttle and a
# guarantee it can run): the API stays unreserved so it can use the account's whole pool.
RESERVED_FUNCTIONS = {
    "postConfirmation": 20, "streamProcessor": 10, "windowAggregator": 10,
    "alertRouter": 10, "cachePurger": 5,
}


def _reserved(text: str) -> int:
    number = positive_int(text)
    if number == 0:
        raise ValueError("0 throttles every invocation; use 1..1000")
    if number > 1000:
        raise ValueError(f"{number} is above 1000, the default account concurrency quota")
    return number


def _lambdas(r: Reader) -> LambdaDefaults:
    return LambdaDefaults(
        runtime=r.string("lambdaRuntime", "python3.13", choices=LAMBDA_PYTHON_RUNTIMES),
        memory_mb=r.integer("lambdaMemoryMb", 512, minimum=128, maximum=10240),
        timeout_seconds=r.integer("lambdaTimeoutSeconds", 10, minimum=1, maximum=900),
        log_retention_days=r.integer("logRetentionDays", 30, allowed=LOG_RETENTION_DAYS),
        log_level=r.string("logLevel", "INFO", choices=LOG_LEVELS),
        powertools_layer_version=r.integer("powertoolsLayerVersion", 27, minimum=1),
        async_max_retries=r.integer("lambdaAsyncMaxRetries", 2, minimum=0, maximum=2),
        async_max_event_age_seconds=r.integer(
            "lambdaAsyncMaxEventAgeSeconds", 3600, minimum=60, maximum=21600
        ),
        dlq_retention_days=r.integer("dlqRetentionDays", 14, minimum=1, maximum=14),
        reserved_concurrency=r.table("lambdaReservedConcurrency", _reserved,
                                     names=RESERVED_FUNCTIONS, default=RESERVED_FUNCTIONS),
    )


def _events(r: Reader) -> EventsConfig:
    return EventsConfig(
        archive_retention_days=r.integer("eventArchiveRetentionDays", 7, minimum=0,
                                         maximum=36500),
    )


# --- edge (Cloudflare zone, CloudFront, WAF, cache purging) ------------------------------
CLOUDFLARE_ID_RE = re.compile(r"^[0-9a-f]{32}$")
CLOUDFRONT_PRICE_CLASSES = ("PriceClass_100", "PriceClass_200", "PriceClass_All")
# Regions where CloudFront offers Origin Shield (CloudFront developer guide, Origin Shield).
ORIGIN_SHIELD_REGIONS = (
    "us-east-1", "us-east-2", "us-west-2", "ap-south-1", "ap-northeast-1", "ap-northeast-2",
    "ap-southeast-1", "ap-southeast-2", "eu-central-1", "eu-west-1", "eu-west-2",
    "sa-east-1", "me-south-1",
)
CLOUDFLARE_POLISH = ("off", "lossless", "lossy")
CLOUDFLARE_WAF_ACTIONS = ("block", "managed_challenge", "challenge", "js_challenge", "log")
# OWASP anomaly score thresholds Cloudflare offers: high (25), medium (40), low (60).
CLOUDFLARE_OWASP_THRESHOLDS = (25, 40, 60)
# Periods and mitigation timeouts the rate limiting rules API accepts (plan-gated).
CLOUDFLARE_RATELIMIT_PERIODS = (10, 60, 120, 300, 600, 3600)
CLOUDFLARE_RATELIMIT_TIMEOUTS = (0, 10, 60, 120, 300, 600, 3600, 86400)


@dataclass(frozen=True)
class EdgeConfig:
    """Cloudflare in front of CloudFront: zone, rulesets, distribution, WAF and cache purging.

    ``cloudflare_api_token`` is a secret Output (``None`` when unset); the purge function gets
    ``cloudflare_purge_token`` (falls back to the API token) through Secrets Manager only.
    """

    cloudflare_zone_id: str
    cloudflare_api_token: pulumi.Output[str] | None
    cloudflare_purge_token: pulumi.Output[str] | None
    polish: str
    webp: bool
    tiered_cache: bool
    cache_reserve: bool
    waf_paranoia_level: int
    waf_action: str
    owasp_score_threshold: int
    write_rate_limit: int
    login_rate_limit: int
    rate_limit_period_seconds: int
    rate_limit_timeout_seconds: int
    purge_batch_size: int
    price_class: str
    waf_required: bool
    waf_rate_limit: int
    origin_shield_region: str
    realtime_logs: bool
    realtime_log_sampling_percent: int
    realtime_log_shards: int
    access_log_days: int


def _edge(r: Reader) -> EdgeConfig:
    polish = r.string("cloudflarePolish", "off", choices=CLOUDFLARE_POLISH)
    webp = r.boolean("cloudflareWebp", False)
    if webp and polish == "off":
        r.fail("cloudflareWebp", "WebP conversion needs Polish; set cloudflarePolish to "
               "lossless or lossy, or cloudflareWebp to false")
    api_token = r.secret("cloudflareApiToken", required=True)
    if api_token is None:
        r.fail("cloudflareApiToken", "is required (a secret: pulumi config set --secret)")
    zone = r.string("cloudflareZoneId", "", pattern=CLOUDFLARE_ID_RE,
                    what="a Cloudflare zone id (32 hex digits)")
    if not r.is_set("cloudflareZoneId"):
        r.fail("cloudflareZoneId", "is required (32 hex digits, from the Cloudflare dashboard)")
    return EdgeConfig(
        cloudflare_zone_id=zone,
        cloudflare_api_token=api_token,
        cloudflare_purge_token=r.secret("cloudflarePurgeToken"),
        polish=polish,
        webp=webp,
        tiered_cache=r.boolean("cloudflareTieredCache", True),
        cache_reserve=r.boolean("cloudflareCacheReserve", False),
        waf_paranoia_level=r.integer("cloudflareWafParanoiaLevel", 1, minimum=1, maximum=4),
        waf_action=r.string("cloudflareWafAction", "block", choices=CLOUDFLARE_WAF_ACTIONS),
        owasp_score_threshold=r.integer("cloudflareOwaspScoreThreshold", 40,
                                        allowed=CLOUDFLARE_OWASP_THRESHOLDS),
        write_rate_limit=r.integer("cloudflareWriteRateLimit", 60, minimum=1,
                                   maximum=1_000_000),
        login_rate_limit=r.integer("cloudflareLoginRateLimit", 10, minimum=1,
                                   maximum=1_000_000),
        rate_limit_period_seconds=r.integer("cloudflareRateLimitPeriodSeconds", 60,
                                            allowed=CLOUDFLARE_RATELIMIT_PERIODS),
        rate_limit_timeout_seconds=r.integer("cloudflareRateLimitTimeoutSeconds", 600,
                                             allowed=CLOUDFLARE_RATELIMIT_TIMEOUTS),
        purge_batch_size=r.integer("cloudflarePurgeBatchSize", 100, minimum=1, maximum=500),
        price_class=r.string("edgePriceClass", "PriceClass_100",
                             choices=CLOUDFRONT_PRICE_CLASSES),
        waf_required=r.boolean("edgeWafEnabled", True),
        waf_rate_limit=r.integer("edgeWafRateLimit", 2000, minimum=10, maximum=2_000_000_000),
        origin_shield_region=r.string("edgeOriginShieldRegion", "us-east-1",
                                      choices=ORIGIN_SHIELD_REGIONS),
        realtime_logs=r.boolean("edgeRealtimeLogs", False),
        realtime_log_sampling_percent=r.integer("edgeRealtimeLogSamplingPercent", 100,
                                                minimum=1, maximum=100),
        realtime_log_shards=r.integer("edgeRealtimeLogShards", 1, minimum=1, maximum=100),
        access_log_days=r.integer("edgeAccessLogDays", 90, minimum=1, maximum=3653),
    )


# Backend: values the AWS APIs accept.
BILLING_MODES = ("PAY_PER_REQUEST", "PROVISIONED")
DAX_NODE_TYPES = (
    "dax.t3.small", "dax.t3.medium", "dax.r5.large", "dax.r5.xlarge", "dax.r5.2xlarge",
    "dax.r5.4xlarge", "dax.r5.8xlarge", "dax.r5.12xlarge", "dax.r5.16xlarge", "dax.r5.24xlarge",
)
API_CACHE_SIZES_GB = ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")
API_CACHED_ROUTES = ("getListing", "featured", "sellerListings", "categoryListings", "search")
VPC_ENDPOINT_SERVICES = ("events", "logs", "monitoring", "xray", "sqs", "sts", "kms")
CIDR_RE = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})/(1[6-9]|2[0-4])$")
LAYER_ARN_RE = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+$")
STAGE_RE = re.compile(r"^[A-Za-z0-9_]{1,128}$")


def _cache_ttl(text: str) -> int:
    seconds = positive_int(text)
    if seconds > 3600:
        raise ValueError(f"{seconds} is out of range; API Gateway caches 0..3600 seconds")
    return seconds


SES_IDENTITY_RE = re.compile(
    r"^([A-Za-z0-9._%+-]+@)?(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# "Name <address>" or a bare address, as Cognito's EmailConfiguration.From takes it.
EMAIL_FROM_RE = re.compile(r"^(?:[^<>]{1,100} <(?P<a>[^<>\s]+)>|(?P<b>[^<>\s]+))$")
SES_CONFIGURATION_SET_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def _user_pool_email(r: Reader) -> tuple[str | None, str | None, str | None]:
    identity = r.optional_string("userPoolSesIdentity", pattern=SES_IDENTITY_RE,
                                 what="a verified SES identity: a domain or an email address")
    sender = r.optional_string("userPoolEmailFrom", pattern=EMAIL_FROM_RE,
                               what="'Name <address>' or an address")
    configuration_set = r.optional_string(
        "userPoolSesConfigurationSet", pattern=SES_CONFIGURATION_SET_RE,
        what="an SES configuration set name (letters, digits, _ and -, up to 64)")
    if identity is None:
        for key, value in (("userPoolEmailFrom", sender),
                           ("userPoolSesConfigurationSet", configuration_set)):
            if value is not None:
                r.fail(key, "needs userPoolSesIdentity (Cognito's default email sends from "
                       "its own address, without a configuration set)")
        return None, None, None
    domain = identity.rpartition("@")[2]
    if sender is None:
        sender = f"no-reply@{domain}" if "@" not in identity else identity
    match = EMAIL_FROM_RE.match(sender)
    address = (match.group("a") or match.group("b")) if match else sender
    # SES sends only from the verified address, or from any address of a verified domain.
    if address != identity and address.rpartition("@")[2] != identity:
        r.fail("userPoolEmailFrom", f"{address!r} is not covered by the SES identity "
               f"{identity!r}; send from that address or from an address at that domain")
    return identity, sender, configuration_set


def _backend(r: Reader) -> BackendConfig:
    read_min = r.integer("tableReadCapacityMin", 5, minimum=1, maximum=40000)
    read_max = r.integer("tableReadCapacityMax", 100, minimum=1, maximum=40000)
    write_min = r.integer("tableWriteCapacityMin", 5, minimum=1, maximum=40000)
    write_max = r.integer("tableWriteCapacityMax", 100, minimum=1, maximum=40000)
    if read_max < read_min:
        r.fail("tableReadCapacityMax", f"{read_max} is below tableReadCapacityMin ({read_min})")
    if write_max < write_min:
        r.fail("tableWriteCapacityMax",
               f"{write_max} is below tableWriteCapacityMin ({write_min})")
    rate = r.integer("apiThrottleRateLimit", 100, minimum=1, maximum=10000)
    burst = r.integer("apiThrottleBurstLimit", 200, minimum=1, maximum=5000)
    cidr = r.string("vpcCidr", "10.40.0.0/16", pattern=CIDR_RE,
                    what="an IPv4 CIDR block with a /16../24 prefix")
    dax_enabled = r.boolean("daxEnabled", False)
    app_cache_enabled = r.boolean("appCacheEnabled", False)
    clients_layer = r.optional_string("apiClientsLayerArn", pattern=LAYER_ARN_RE,
                                      what="a Lambda layer version ARN")
    match = CIDR_RE.match(cidr)
    if match and any(int(octet) > 255 for octet in match.groups()[:4]):
        r.fail("vpcCidr", f"{cidr!r} has an octet above 255")
    ses_identity, email_from, ses_configuration_set = _user_pool_email(r)
    return BackendConfig(
        billing_mode=r.string("tableBillingMode", "PAY_PER_REQUEST", choices=BILLING_MODES),
        read_capacity_min=read_min,
        read_capacity_max=max(read_min, read_max),
        write_capacity_min=write_min,
        write_capacity_max=max(write_min, write_max),
        capacity_target_percent=r.integer("tableCapacityTargetPercent", 70, minimum=20,
                                          maximum=90),
        table_deletion_protection=r.boolean("tableDeletionProtection", True),
        category_shards=r.integer("categoryShards", 4, minimum=1, maximum=32),
        listing_ttl_days=r.integer("listingTtlDays", 0, minimum=0, maximum=3650),
        dax_enabled=dax_enabled,
        api_clients_layer_arn=clients_layer,
        dax_node_type=r.string("daxNodeType", "dax.t3.small", choices=DAX_NODE_TYPES),
        dax_node_count=r.integer("daxNodeCount", 3, minimum=1, maximum=11),
        dax_item_ttl_seconds=r.integer("daxItemTtlSeconds", 300, minimum=0, maximum=86400),
        dax_query_ttl_seconds=r.integer("daxQueryTtlSeconds", 60, minimum=0, maximum=86400),
        vpc_cidr=cidr,
        vpc_az_count=r.integer("vpcAzCount", 2, minimum=2, maximum=3),
        vpc_interface_endpoints=r.strings(
            "vpcInterfaceEndpoints", ("events", "logs"),
            item=lambda v: None if v in VPC_ENDPOINT_SERVICES else (
                f"{v!r} is not allowed; use one of {', '.join(VPC_ENDPOINT_SERVICES)}"
                + _did_you_mean(v, VPC_ENDPOINT_SERVICES))),
        app_cache_enabled=app_cache_enabled,
        app_cache_ttl_seconds=r.integer("appCacheTtlSeconds", 30, minimum=1, maximum=86400),
        app_cache_max_data_gb=r.integer("appCacheMaxDataGb", 5, minimum=1, maximum=5000),
        app_cache_max_ecpu_per_second=r.integer("appCacheMaxEcpuPerSecond", 5000,
                                                minimum=1000, maximum=15000000),
        app_cache_snapshot_retention_days=r.integer("appCacheSnapshotRetentionDays", 1,
                                                    minimum=0, maximum=35),
        api_stage_name=r.string("apiStageName", "v1", pattern=STAGE_RE,
                                what="a stage name (letters, digits, underscore)"),
        api_throttle_rate_limit=rate,
        api_throttle_burst_limit=burst,
        api_cache_enabled=r.boolean("apiCacheEnabled", False),
        api_require_cloudfront=r.boolean("apiRequireCloudFront", False),
        api_cache_size_gb=r.string("apiCacheSizeGb", "0.5", choices=API_CACHE_SIZES_GB),
        api_cache_ttls=r.table("apiCacheTtlSeconds", _cache_ttl, names=API_CACHED_ROUTES,
                               default={"getListing": 60, "featured": 300,
                                        "sellerListings": 30, "categoryListings": 30,
                                        "search": 30}),
        api_memory_mb=r.integer("apiMemoryMb", 1024, minimum=128, maximum=10240),
        api_provisioned_concurrency=r.integer("apiProvisionedConcurrency", 0, minimum=0,
                                              maximum=1000),
        post_confirmation_memory_mb=r.integer("postConfirmationMemoryMb", 256, minimum=128,
                                              maximum=10240),
        user_pool_deletion_protection=r.boolean("userPoolDeletionProtection", True),
        user_pool_ses_identity=ses_identity,
        user_pool_email_from=email_from,
        user_pool_ses_configuration_set=ses_configuration_set,
        slo_availability_percent=r.number("apiSloAvailabilityPercent", 99.9, minimum=90,
                                          maximum=100, exclusive_minimum=False),
        slo_latency_ms=r.integer("apiSloLatencyMs", 400, minimum=1, maximum=29000),
        slo_latency_percent=r.number("apiSloLatencyPercent", 99.0, minimum=50, maximum=100),
    )


def _alerting(r: Reader) -> AlertingConfig:
    emails = {s: r.emails(f"alertEmails{s.capitalize()}") for s in ALERT_SEVERITIES}
    channels = r.strings("alertSlackChannels", item=lambda v: None if CHANNEL_RE.match(v)
                         else f"{v!r} is not a channel name (lowercase letters, digits, -)")
    routes: list[AlertRoute] = []

    def route(text: str) -> str | None:
        try:
            routes.append(parse_route(text, channels))
        except ValueError as exc:
            return str(exc)
        return None

    r.strings("alertRoutes", item=route)
    severities = lambda v: (None if v in ALERT_SEVERITIES  # noqa: E731
                            else f"{v!r} is not one of {', '.join(ALERT_SEVERITIES)}")
    team = r.optional_string("chatbotSlackTeamId", pattern=SLACK_ID_RE, what="a Slack team id")
    channel = r.optional_string("chatbotSlackChannelId", pattern=SLACK_ID_RE,
                                what="a Slack channel id")
    if r.is_set("chatbotSlackTeamId") != r.is_set("chatbotSlackChannelId"):
        r.fail("chatbotSlackTeamId" if r.is_set("chatbotSlackChannelId")
               else "chatbotSlackChannelId",
               "set both chatbotSlackTeamId and chatbotSlackChannelId, or neither")
    return AlertingConfig(
        emails=emails,
        slack_channels=channels,
        routes=tuple(routes),
        dedup_window_minutes=r.integer("alertDedupWindowMinutes", 60, minimum=1, maximum=1440),
        escalate_after_minutes=r.integer("alertEscalateAfterMinutes", 30, minimum=5,
                                         maximum=1440),
        escalation_check_minutes=r.integer("alertEscalationCheckMinutes", 5, minimum=1,
                                           maximum=60),
        state_ttl_days=r.integer("alertStateTtlDays", 7, minimum=1, maximum=90),
        maintenance_windows=r.strings(
            "alertMaintenanceWindows",
            item=lambda v: None if WINDOW_RE.match(v)
            else f"{v!r} is not a weekly UTC window like 'sun 02:00-04:00'"),
        maintenance_suppresses=r.strings("alertMaintenanceSuppresses", ("warning", "info"),
                                         item=severities),
        http_timeout_seconds=r.integer("alertHttpTimeoutSeconds", 5, minimum=1, maximum=30),
        router_timeout_seconds=r.integer("alertRouterTimeoutSeconds", 60, minimum=10,
                                         maximum=900),
        pagerduty_routing_key=r.secret("pagerDutyRoutingKey"),
        slack_webhooks=r.secret("slackWebhookUrls"),
        chatbot_slack_team_id=team,
        chatbot_slack_channel_id=channel,
        chatbot_severities=r.strings("chatbotSeverities", ("critical", "warning"),
                                     item=severities),
    )


def _security(r: Reader, owns_account_baseline: bool) -> SecurityConfig:
    # GuardDuty's detector and Security Hub are per-account-and-region singletons: their keys
    # take effect only in the stack that owns the account baseline. (The CLI hands every
    # stack Pulumi.yaml's default, so an explicit value cannot be told from the default.)
    config = SecurityConfig(
        trail_object_lock_days=r.integer("trailObjectLockDays", 0, minimum=0, maximum=3650),
        trail_retention_days=r.integer("trailRetentionDays", 365, minimum=1, maximum=3650),
        trail_log_retention_days=r.integer("trailLogRetentionDays", 90,
                                           allowed=LOG_RETENTION_DAYS),
        guardduty_enabled=r.boolean("guardDutyEnabled", True) and owns_account_baseline,
        guardduty_features=r.strings(
            "guardDutyFeatures", ("S3_DATA_EVENTS", "LAMBDA_NETWORK_LOGS"),
            item=lambda v: None if v in GUARDDUTY_FEATURES else
            f"{v!r} is not a GuardDuty feature; use one of {', '.join(GUARDDUTY_FEATURES)}"
            + _did_you_mean(v, GUARDDUTY_FEATURES)),
        guardduty_frequency=r.string("guardDutyFindingFrequency", "SIX_HOURS",
                                     choices=GUARDDUTY_FREQUENCIES),
        securityhub_enabled=(r.boolean("securityHubEnabled", False)
                             and owns_account_baseline),
    )
    if config.trail_object_lock_days > config.trail_retention_days:
        # Expiring a log file that Object Lock still protects fails: keep them at least as long.
        r.fail("trailRetentionDays", f"{config.trail_retention_days} is shorter than "
               f"trailObjectLockDays ({config.trail_object_lock_days})")
    return config


def _cost(r: Reader) -> CostConfig:
    return CostConfig(
        budget_monthly_amount=r.number("budgetMonthlyAmount", 100.0, minimum=0,
                                       exclusive_minimum=True),
        budget_currency=r.string("budgetCurrency", "USD", choices=BUDGET_CURRENCIES),
        anomaly_threshold_amount=r.number("costAnomalyThresholdAmount", 25.0, minimum=0,
                                          exclusive_minimum=True),
    )


def _threshold_overrides(r: Reader) -> tuple[ThresholdOverride, ...]:
    # Imported here: the catalog is data about monitored kinds, not configuration.
    from components.observability.catalog import check_override  # noqa: PLC0415

    key = "alarmThresholds"
    found: list[ThresholdOverride] = []

    def check(entry: str) -> str | None:
        target, sep, text = entry.partition("=")
        parts = target.strip().split("/")
        if not sep or len(parts) != 3 or not all(parts):
            return f"{entry!r} is not of the form <kind or item>/<metric>/<severity>=<value>"
        try:
            value = float(text)
        except ValueError:
            return f"{entry!r}: {text.strip()!r} is not a number"
        if not math.isfinite(value):
            return f"{entry!r}: {text.strip()!r} is not a finite number"
        error = check_override(parts[0], parts[1], parts[2], value)
        if error:
            return f"{entry!r}: {error}"
        found.append(ThresholdOverride(f"{NAMESPACE}:{key}[{target.strip()}]",
                                       parts[0], parts[1], parts[2], value))
        return None

    r.strings(key, item=check)
    return tuple(found)


def _observability(r: Reader) -> ObservabilityConfig:
    from functions.shared.audit import EVENTS  # noqa: PLC0415 - the audit events' names

    return ObservabilityConfig(
        alarm_thresholds=_threshold_overrides(r),
        maintenance_wait_seconds=r.integer("maintenanceWaitSeconds", 120, minimum=0,
                                           maximum=86400),
        maintenance_extension_seconds=r.integer("maintenanceExtensionSeconds", 300,
                                                minimum=0, maximum=86400),
        anomaly_band_width=r.number("anomalyBandWidth", 2.0, minimum=0, maximum=10,
                                    exclusive_minimum=True),
        xray_sampling_rate=r.number("xraySamplingRate", 0.05, minimum=0, maximum=1),
        xray_error_sampling_rate=r.number("xrayErrorSamplingRate", 1.0, minimum=0, maximum=1),
        xray_reservoir_per_second=r.integer("xrayReservoirPerSecond", 1, minimum=0,
                                            maximum=1000),
        slow_request_ms=r.integer("slowRequestMs", 1000, minimum=1, maximum=900_000),
        rum_enabled=r.boolean("rumEnabled", True),
        rum_session_sample_rate=r.number("rumSessionSampleRate", 0.1, minimum=0, maximum=1),
        canary_enabled=r.boolean("canaryEnabled", False),
        canary_interval_minutes=r.integer("canaryIntervalMinutes", 5, minimum=1, maximum=60),
        canary_health_path=r.string("canaryHealthPath", "/api/health",
                                    pattern=re.compile(r"^/[\w./-]*$"), what="a URL path"),
        canary_runtime_version=r.string(
            "canaryRuntimeVersion", "syn-python-selenium-8.0",
            pattern=re.compile(r"^syn-python-selenium-\d+\.\d+$"),
            what="a Python Synthetics runtime (syn-python-selenium-<major>.<minor>)"),
        canary_retention_days=r.integer("canaryRetentionDays", 31, minimum=1, maximum=455),
        dashboard_start_hours=r.integer("dashboardStartHours", 3, minimum=1, maximum=24 * 35),
        security_alarm_thresholds=r.table(
            "securityAlarmThresholds", positive_int, names=EVENTS,
            default={"auth_failed": 20, "permission_denied": 10, "admin_action": 0}),
    )


def _read(r: Reader, project: str, stack: str) -> StackConfig:
    # One place lists the sections, so build() and declared_keys() cannot disagree.
    platform = _platform(r, project, stack)
    return StackConfig(
        platform=platform,
        lambdas=_lambdas(r),
        events=_events(r),
        backend=_backend(r),
        edge=_edge(r),
        analytics=_analytics(r),
        alerting=_alerting(r),
        security=_security(r, platform.owns_account_baseline),
        cost=_cost(r),
        observability=_observability(r),
    )


def build(raw: Mapping[str, Any], secret_keys: Iterable[str] = (), *, project: str,
          stack: str) -> StackConfig:
    """Validate ``raw`` config values; raise one :class:`ConfigError` listing every problem."""
    r = Reader(raw, secret_keys)
    config = _read(r, project, stack)
    r.unknown_keys()
    if r.problems:
        raise ConfigError(r.problems)
    return config


def declared_secret_keys() -> set[str]:
    """Every key :func:`build` reads as a secret (declared ``secret: true`` in Pulumi.yaml)."""
    r = Reader({})
    _read(r, "project", "stack")
    return set(r.secrets)


def declared_keys() -> dict[str, str]:
    """Every key :func:`build` reads, with its Pulumi.yaml type (checked against Pulumi.yaml)."""
    r = Reader({})
    _read(r, "project", "stack")
    return dict(r.declared)


def declared_defaults() -> dict[str, Any]:
    """Every key's default as Pulumi.yaml declares it; ``None`` marks a required key."""
    r = Reader({})
    _read(r, "project", "stack")
    return dict(r.defaults)
def raw_config() -> tuple[dict[str, Any], set[str]]:
    """All config values and secret keys the Pulumi engine gave this program."""
    raw = dict(runtime_config.get_config_env())
    raw.update(runtime_config.CONFIG.get())
    secrets = set(runtime_config.get_config_secret_keys_env())
    secrets.update(k for k in raw if runtime_config.is_config_secret(k))
    return raw, secrets


def load() -> StackConfig:
    """Read and validate the running stack's config."""
    raw, secrets = raw_config()
    return build(raw, secrets, project=pulumi.get_project(), stack=pulumi.get_stack())
