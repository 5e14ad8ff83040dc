"""Config keys of the platform: who owns the stack, where it runs, Lambda defaults, the bus.

Three sections: :class:`PlatformConfig` (providers, tags, the KMS key, the audit log),
:class:`LambdaDefaults` (what every function starts from) and :class:`EventsConfig` (the
domain event bus). Data only: read by :mod:`components.config`, which imports nothing
downstream of it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from components.config.spec import KeySpec, Section
from components.config.values import (
    AWS_REGIONS,
    DOMAIN_RE,
    LOG_RETENTION_DAYS,
    TAG_VALUE_RE,
    one_of,
    positive_int,
)

LAMBDA_PYTHON_RUNTIMES = ("python3.12", "python3.13", "python3.14")
LOG_LEVELS = ("DEBUG", "INFO", "WARN", "ERROR")
HTTPS_URL_RE = re.compile(r"^https://\S+$")

# Functions off the API hot path, each with a reserved-concurrency cap (its own throttle and a
# guarantee it can run): the API stays unreserved so it can use the account's whole pool.
RESERVED_FUNCTIONS = {
    "postConfirmation": 20, "streamProcessor": 10, "windowAggregator": 10,
    "alertRouter": 10, "cachePurger": 5, "complianceReport": 1, "cloudflareAnalytics": 2,
    # A public function URL (Slack signs, the function verifies): the cap bounds a flood.
    "slackInteractions": 5,
}

# Cold-start strategies (components/blocks/cold_start.py), per function: the reserved ones and
# the API. Only the API has a provisioned count (apiProvisionedConcurrency).
COLD_START_STRATEGIES = ("none", "provisioned", "snapstart")
COLD_START_FUNCTIONS = ("api", *RESERVED_FUNCTIONS)
# Functions that take their memory from lambdaMemoryMb unless their row in
# lambdaFunctionMemoryMb says otherwise (the API and the Cognito trigger have their own keys:
# apiMemoryMb, postConfirmationMemoryMb). `python -m tools.tune` prints rows for this table.
MEMORY_FUNCTIONS = (
    "streamProcessor", "windowAggregator", "alertRouter", "cachePurger", "complianceReport",
    "cloudflareAnalytics", "slackInteractions")
# Managed runtimes SnapStart supports for Python: 3.12 and later
# (https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html).
SNAPSTART_RUNTIMES = ("python3.12", "python3.13", "python3.14")

# Alarm severities, most severe first: the topics' order (components/platform/alert_topics.py).
ALARM_SEVERITIES = ("critical", "warning", "info")

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
    # The least severe alarms the stack creates (ALARM_SEVERITIES order); "critical" keeps
    # only what pages, for a stack that must idle cheaply.
    alarm_severity_floor: str = "info"

    def keeps_alarm(self, severity: str) -> bool:
        """Whether an alarm of ``severity`` is at or above the floor (maintenance always is)."""
        if severity not in ALARM_SEVERITIES:
            return True
        return ALARM_SEVERITIES.index(severity) <= ALARM_SEVERITIES.index(
            self.alarm_severity_floor)

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
    # Cold-start strategy per function (COLD_START_FUNCTIONS): none, provisioned, snapstart.
    cold_start: Mapping[str, str] = field(default_factory=dict)
    # Memory in MB per function (MEMORY_FUNCTIONS) that differs from ``memory_mb``.
    function_memory_mb: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class EventsConfig:
    """The domain event bus: how long the replay archive keeps events.

    There is no schema discovery: EventBridge refuses a discoverer on a bus encrypted with a
    customer managed key, and this bus always is. The stack publishes every event type's
    schema to its own registry instead (:mod:`components.platform.event_bus`).
    """

    archive_retention_days: int


def _reserved(text: str) -> int:
    number = positive_int(text)
    if number == 0:
        raise ValueError("0 throttles every invocation; use 1..1000")
    if number > 1000:
        raise ValueError(f"{number} is above 1000, the default account concurrency quota")
    return number


def _memory_mb(text: str) -> int:
    number = positive_int(text)
    if not 128 <= number <= 10240:
        raise ValueError(f"{number} is out of range; allowed 128..10240 (MB, Lambda's range)")
    return number


# ``project`` and ``stack`` come from the engine, not from keys (rules.platform_identity).
PLATFORM = Section("platform", "platform", "platform.md", PlatformConfig, (
    KeySpec("aws:region", "region", "string", "us-east-1", choices=AWS_REGIONS,
            description=("The stack's AWS region (the aws provider's own key, so Pulumi.yaml does "
                         "not declare it).")),
    KeySpec("owner", "owner", "string", "platform-team", pattern=TAG_VALUE_RE,
            what="a valid tag value",
            description="Team that owns the stack; the `owner` tag on every resource."),
    KeySpec("costCenter", "cost_center", "string", "marketplace", pattern=TAG_VALUE_RE,
            what="a valid tag value",
            description="Cost allocation tag `cost-center` on every resource."),
    KeySpec("kmsDeletionWindowDays", "kms_deletion_window_days", "integer", 30, minimum=7,
            maximum=30,
            description="Waiting period (7-30 days) before the stack's KMS key is deleted."),
    KeySpec("runbookBaseUrl", "runbook_base_url", "string",
            "https://github.com/marketplace/platform/blob/main/docs/runbooks.md",
            pattern=HTTPS_URL_RE, what="an https:// URL",
            description=("https URL of docs/runbooks.md as published; alarm descriptions link to "
                         "anchors in it.")),
    KeySpec("ownsAccountBaseline", "owns_account_baseline", "boolean", False,
            description=("This stack creates the account's per-account-and-region singletons "
                         "(GuardDuty detector, Security Hub, API Gateway CloudWatch role, cost "
                         "allocation tag activation); exactly one stack per account and region sets"
                         " it to true.")),
    KeySpec("domainName", "domain", "string", "marketplace.example.com", pattern=DOMAIN_RE,
            what="a DNS domain name",
            description=("The marketplace's public DNS name (apex of the Cloudflare zone); www and "
                         "api hang off it.")),
    KeySpec("auditLogRetentionDays", "audit_log_retention_days", "integer", 365,
            choices=LOG_RETENTION_DAYS,
            description=("Retention of the audit log group (failed logins, permission violations, "
                         "admin actions).")),
    KeySpec("alarmSeverityFloor", "alarm_severity_floor", "string", "info",
            choices=ALARM_SEVERITIES,
            description=("Least severe alarms the stack creates: info (all), warning, or critical "
                         "(only those that page); each alarm costs a monthly fee.")),
))

LAMBDAS = Section("lambdas", "Lambda defaults", "platform.md", LambdaDefaults, (
    KeySpec("lambdaRuntime", "runtime", "string", "python3.13", choices=LAMBDA_PYTHON_RUNTIMES,
            description=("Python runtime of every function (python3.12, python3.13, python3.14); "
                         "all run on arm64.")),
    KeySpec("lambdaMemoryMb", "memory_mb", "integer", 512, minimum=128, maximum=10240,
            description="Default memory of a function in MB (128-10240)."),
    KeySpec("lambdaTimeoutSeconds", "timeout_seconds", "integer", 10, minimum=1, maximum=900,
            description="Default timeout of a function in seconds (1-900)."),
    KeySpec("logRetentionDays", "log_retention_days", "integer", 30, choices=LOG_RETENTION_DAYS,
            description=("Retention of every function log group, one of CloudWatch Logs' allowed "
                         "values.")),
    KeySpec("logLevel", "log_level", "string", "INFO", choices=LOG_LEVELS,
            description="Application log level of the handlers (DEBUG, INFO, WARN, ERROR)."),
    KeySpec("powertoolsLayerVersion", "powertools_layer_version", "integer", 27, minimum=1,
            description="Version of AWS's Powertools for AWS Lambda (Python) v3 arm64 layer."),
    KeySpec("lambdaAsyncMaxRetries", "async_max_retries", "integer", 2, minimum=0, maximum=2,
            description=("Retries (0-2) of an asynchronous invocation before it goes to the "
                         "function's failure queue.")),
    KeySpec("lambdaAsyncMaxEventAgeSeconds", "async_max_event_age_seconds", "integer", 3600,
            minimum=60, maximum=21600,
            description="Oldest asynchronous event (60-21600 s) a function still processes."),
    KeySpec("dlqRetentionDays", "dlq_retention_days", "integer", 14, minimum=1, maximum=14,
            description="How long failure queues keep messages (1-14 days)."),
    KeySpec("lambdaReservedConcurrency", "reserved_concurrency", "table", RESERVED_FUNCTIONS,
            names=RESERVED_FUNCTIONS, parse=_reserved,
            description=("Reserved concurrency (1-1000) of each function off the API hot path, as "
                         "name=value (postConfirmation, streamProcessor, windowAggregator, "
                         "alertRouter, cachePurger, complianceReport, cloudflareAnalytics, "
                         "slackInteractions); the API stays unreserved. The account keeps at "
                         "least 100 unreserved.")),
    KeySpec("lambdaColdStart", "cold_start", "table",
            dict.fromkeys(COLD_START_FUNCTIONS, "none"), names=COLD_START_FUNCTIONS,
            parse=one_of(COLD_START_STRATEGIES, "a cold-start strategy"),
            description=("Cold-start strategy of each function as name=strategy (api, "
                         "postConfirmation, streamProcessor, windowAggregator, alertRouter, "
                         "cachePurger, complianceReport, cloudflareAnalytics, slackInteractions): "
                         "none, snapstart (SnapStart on published versions), or provisioned (the "
                         "API only, with apiProvisionedConcurrency).")),
    KeySpec("lambdaFunctionMemoryMb", "function_memory_mb", "table", {},
            names=MEMORY_FUNCTIONS, parse=_memory_mb,
            description=("Memory (128-10240 MB) of a function off the API as name=MB "
                         "(streamProcessor, windowAggregator, alertRouter, cachePurger, "
                         "complianceReport, cloudflareAnalytics, slackInteractions); a function "
                         "not listed takes lambdaMemoryMb. `python -m tools.tune` proposes rows "
                         "from measured runs.")),
))

EVENTS = Section("events", "domain event bus", "platform.md", EventsConfig, (
    KeySpec("eventArchiveRetentionDays", "archive_retention_days", "integer", 7, minimum=0,
            maximum=36500,
            description=("Days the event bus archive keeps domain events for replay (0 keeps them "
                         "forever).")),
))
