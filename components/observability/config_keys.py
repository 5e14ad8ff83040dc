"""Config keys of observability: alarm thresholds, maintenance, anomaly bands, tracing, RUM,
the canary and dashboards.

Data only: read by :mod:`components.config`, which imports nothing downstream of it. The
override check reads :mod:`components.blocks.alarm_metrics`, the facts the catalog shares.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from components.blocks.alarm_metrics import check_override
from components.config.spec import KeySpec, Section
from components.config.values import NAMESPACE, positive_int
from functions.shared.audit_events import EVENTS

URL_PATH_RE = re.compile(r"^/[\w./-]*$")
CANARY_RUNTIME_RE = re.compile(r"^syn-python-selenium-\d+\.\d+$")
SECURITY_ALARM_THRESHOLDS = {"auth_failed": 20, "permission_denied": 10, "admin_action": 0}

# The personas' dashboards, in the order they are built (components/observability/dashboards).
DASHBOARDS = ("executive", "operations", "developer", "customer-success")

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
    inhibitor_composites: bool
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
    marketing_spend_monthly_usd: float
    dashboards: tuple[str, ...]
    security_alarm_thresholds: dict[str, int]


def _threshold_override(entry: str) -> ThresholdOverride:
    """One ``alarmThresholds`` item; ValueError says what is wrong with it."""
    target, sep, text = entry.partition("=")
    parts = target.strip().split("/")
    if not sep or len(parts) != 3 or not all(parts):
        raise ValueError(f"{entry!r} is not of the form <kind or item>/<metric>/<severity>=<value>")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{entry!r}: {text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{entry!r}: {text.strip()!r} is not a finite number")
    error = check_override(parts[0], parts[1], parts[2], value)
    if error:
        raise ValueError(f"{entry!r}: {error}")
    return ThresholdOverride(f"{NAMESPACE}:alarmThresholds[{target.strip()}]",
                             parts[0], parts[1], parts[2], value)


OBSERVABILITY = Section("observability", "observability", "observability.md",
                        ObservabilityConfig, (
    KeySpec("alarmThresholds", "alarm_thresholds", "array", item=_threshold_override,
            description=("Alarm threshold overrides, \"<kind or item>/<metric>/<severity>=<value>\""
                         " (e.g. \"lambda/error-rate/critical=2\"); metrics and units as in "
                         "docs/runbooks.md, relative ones in percent.")),
    KeySpec("maintenanceWaitSeconds", "maintenance_wait_seconds", "integer", 120, minimum=0,
            maximum=86400,
            description=("Seconds composite alarms stay silent after the maintenance-window alarm "
                         "enters ALARM (0-86400).")),
    KeySpec("maintenanceExtensionSeconds", "maintenance_extension_seconds", "integer", 300,
            minimum=0, maximum=86400,
            description=("Seconds composite alarms stay silent after the maintenance window closes "
                         "(0-86400).")),
    KeySpec("inhibitorComposites", "inhibitor_composites", "boolean", True,
            description=("Give the composites of a layer whose dependencies have composites an "
                         "inhibitor (one composite alarm per such layer) as actions suppressor, "
                         "so CloudWatch holds their pages (docs/alerting.md#inhibition).")),
    KeySpec("anomalyBandWidth", "anomaly_band_width", "number", 2.0, minimum=0, maximum=10,
            exclusive_minimum=True,
            description=("Width of the anomaly detection band in standard deviations (decimal, > 0 "
                         "and <= 10).")),
    KeySpec("xraySamplingRate", "xray_sampling_rate", "number", 0.05, minimum=0, maximum=1,
            description="Share of requests traced by X-Ray beyond the reservoir (decimal 0-1)."),
    KeySpec("xrayErrorSamplingRate", "xray_error_sampling_rate", "number", 1.0, minimum=0,
            maximum=1,
            description="Share of requests marked as errors that X-Ray traces (decimal 0-1)."),
    KeySpec("xrayReservoirPerSecond", "xray_reservoir_per_second", "integer", 1, minimum=0,
            maximum=1000,
            description=("Requests per second X-Ray traces before applying the sampling rates "
                         "(0-1000).")),
    KeySpec("slowRequestMs", "slow_request_ms", "integer", 1000, minimum=1, maximum=900_000,
            description=("Response time in ms above which a trace belongs to the X-Ray \"slow\" "
                         "group.")),
    KeySpec("rumEnabled", "rum_enabled", "boolean", True,
            description=("Create the CloudWatch RUM app monitor (and its Cognito identity pool) for"
                         " the web app.")),
    KeySpec("rumSessionSampleRate", "rum_session_sample_rate", "number", 0.1, minimum=0, maximum=1,
            description="Share of browser sessions RUM records (decimal 0-1)."),
    KeySpec("canaryEnabled", "canary_enabled", "boolean", False,
            description=("Run the Synthetics canary on the public API's health route, with its "
                         "availability alarm.")),
    KeySpec("canaryIntervalMinutes", "canary_interval_minutes", "integer", 5, minimum=1, maximum=60,
            description="Minutes between canary runs (1-60)."),
    KeySpec("canaryHealthPath", "canary_health_path", "string", "/api/health", pattern=URL_PATH_RE,
            what="a URL path",
            description=("Path the availability canary calls on https://<domainName>, through "
                         "Cloudflare and CloudFront to the API health route.")),
    KeySpec("canaryRuntimeVersion", "canary_runtime_version", "string", "syn-python-selenium-8.0",
            pattern=CANARY_RUNTIME_RE,
            what="a Python Synthetics runtime (syn-python-selenium-<major>.<minor>)",
            description=("Synthetics Python runtime of the canary (syn-python-"
                         "selenium-<major>.<minor>).")),
    KeySpec("canaryRetentionDays", "canary_retention_days", "integer", 31, minimum=1, maximum=455,
            description="Days canary run artifacts and results are kept (1-455)."),
    KeySpec("dashboardStartHours", "dashboard_start_hours", "integer", 3, minimum=1,
            maximum=24 * 35,
            description="Hours of history the dashboards show when opened."),
    KeySpec("marketingSpendMonthlyUsd", "marketing_spend_monthly_usd", "number", 0.0,
            minimum=0, maximum=100_000_000,
            description=("Marketing spend per month in USD; the executive dashboard divides it "
                         "by registrations to show the acquisition cost (0-100000000).")),
    KeySpec("dashboards", "dashboards", "array", DASHBOARDS, choices=DASHBOARDS,
            description=("Dashboards the stack creates (executive, operations, developer, "
                         "customer-success); each costs a monthly fee.")),
    KeySpec("securityAlarmThresholds", "security_alarm_thresholds", "table",
            SECURITY_ALARM_THRESHOLDS, names=EVENTS,
            parse=positive_int,
            description=("Audit events per 5 minutes above which the security alarms fire, "
                         "\"event=count\" for auth_failed, permission_denied, admin_action.")),
))
