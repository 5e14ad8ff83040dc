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
from dataclasses import dataclass
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

    # -- bookkeeping -------------------------------------------------------------------
    def _full(self, key: str) -> str:
        return key if ":" in key else f"{NAMESPACE}:{key}"

    def _take(self, key: str, kind: str) -> tuple[str, Any]:
        full = self._full(key)
        self.declared[full] = kind
        return full, self._raw.get(full)

    def fail(self, key: str, message: str) -> None:
        """Record a problem with ``key`` (short or full name)."""
        self.problems.append(Problem(self._full(key), message))

    def is_set(self, key: str) -> bool:
        """Whether the stack file sets ``key``."""
        return self._full(key) in self._raw

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
        full, value = self._take(key, "string")
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
        full, value = self._take(key, "string")
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
        full, value = self._take(key, "integer")
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
        full, value = self._take(key, "string")
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
        full, value = self._take(key, "boolean")
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
        full, value = self._take(key, "array")
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
        return result

    # -- secrets -----------------------------------------------------------------------
    def secret(self, key: str) -> pulumi.Output[str] | None:
        """A secret string as a secret Output, or ``None`` when unset. Never printed."""
        _full, value = self._take(key, "string")
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


@dataclass(frozen=True)
class EventsConfig:
    """The domain event bus: how long the replay archive keeps events, schema discovery."""

    archive_retention_days: int
    schema_discovery: bool


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
class StackConfig:
    """The whole validated configuration of one stack."""

    platform: PlatformConfig
    lambdas: LambdaDefaults
    events: EventsConfig
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
    )


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
    )


def _events(r: Reader) -> EventsConfig:
    return EventsConfig(
        archive_retention_days=r.integer("eventArchiveRetentionDays", 7, minimum=0,
                                         maximum=36500),
        schema_discovery=r.boolean("eventSchemaDiscovery", False),
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
        canary_health_path=r.string("canaryHealthPath", "/health",
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
    return StackConfig(
        platform=_platform(r, project, stack),
        lambdas=_lambdas(r),
        events=_events(r),
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


def declared_keys() -> dict[str, str]:
    """Every key :func:`build` reads, with its Pulumi.yaml type (checked against Pulumi.yaml)."""
    r = Reader({})
    _read(r, "project", "stack")
    return dict(r.declared)
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
