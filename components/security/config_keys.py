"""Config keys of security monitoring: CloudTrail, GuardDuty and Security Hub.

Data only: read by :mod:`components.config`, which imports nothing downstream of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.config.spec import KeySpec, Section
from components.config.values import LOG_RETENTION_DAYS

DATA_EVENT_MODES = ("off", "writes", "all")

GUARDDUTY_FEATURES = ("S3_DATA_EVENTS", "EKS_AUDIT_LOGS", "EBS_MALWARE_PROTECTION",
                      "RDS_LOGIN_EVENTS", "LAMBDA_NETWORK_LOGS", "RUNTIME_MONITORING")
GUARDDUTY_FREQUENCIES = ("FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS")


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
    data_events: str = "off"


SECURITY = Section("security", "security monitoring", "alerting.md", SecurityConfig, (
    KeySpec("trailObjectLockDays", "trail_object_lock_days", "integer", 0, minimum=0, maximum=3650,
            description=("Object Lock compliance retention (days, 0 = off) of the CloudTrail "
                         "bucket.")),
    KeySpec("trailRetentionDays", "trail_retention_days", "integer", 365, minimum=1, maximum=3650,
            description="Days (1-3650) CloudTrail log files are kept in the bucket."),
    KeySpec("trailLogRetentionDays", "trail_log_retention_days", "integer", 90,
            choices=LOG_RETENTION_DAYS,
            description=("Retention of the CloudTrail CloudWatch log group (a CloudWatch Logs "
                         "value).")),
    # Both singletons take effect only with ownsAccountBaseline (rules.account_singletons).
    KeySpec("guardDutyEnabled", "guardduty_enabled", "boolean", True,
            description=("Create the GuardDuty detector (one per account and region, so only with "
                         "ownsAccountBaseline).")),
    KeySpec("guardDutyFeatures", "guardduty_features", "array",
            ("S3_DATA_EVENTS", "LAMBDA_NETWORK_LOGS"),
            choices=GUARDDUTY_FEATURES,
            what="a GuardDuty feature",
            description=("GuardDuty protection plans enabled (S3_DATA_EVENTS, LAMBDA_NETWORK_LOGS, "
                         "RUNTIME_MONITORING, ...).")),
    KeySpec("guardDutyFindingFrequency", "guardduty_frequency", "string", "SIX_HOURS",
            choices=GUARDDUTY_FREQUENCIES,
            description=("How often updated findings are published (FIFTEEN_MINUTES, ONE_HOUR, "
                         "SIX_HOURS).")),
    KeySpec("securityHubEnabled", "securityhub_enabled", "boolean", False,
            description=("Enable Security Hub with the CIS and Foundational Best Practices "
                         "standards and route its findings (one per account and region, so only "
                         "with ownsAccountBaseline).")),
    KeySpec("dataEvents", "data_events", "string", "off", choices=DATA_EVENT_MODES,
            description=("CloudTrail data events on the listings table and the lake and media "
                         "buckets: off, writes (readOnly=false) or all ($0.10 per 100,000).")),
))
