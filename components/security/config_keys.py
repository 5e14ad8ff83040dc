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

# Security Hub standards by short name: the standard's ARN after ``arn:aws:securityhub:<region>::``
# (the ARNs of the StandardsSubscription reference, pulumi-aws v7, and DescribeStandards).
SECURITYHUB_STANDARDS = {
    "fsbp": "standards/aws-foundational-security-best-practices/v/1.0.0",
    "cis": "standards/cis-aws-foundations-benchmark/v/3.0.0",
    "cis-1.4": "standards/cis-aws-foundations-benchmark/v/1.4.0",
    "nist-800-53": "standards/nist-800-53/v/5.0.0",
    "pci-dss": "standards/pci-dss/v/4.0.1",
}


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
    # Short names of SECURITYHUB_STANDARDS the hub subscribes to (securityHubStandards).
    securityhub_standards: tuple[str, ...] = ("fsbp", "cis")
    # The weekly compliance report; only with Security Hub (rules.account_singletons).
    compliance_report_enabled: bool = False


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
            description=("Enable Security Hub with the standards of securityHubStandards and "
                         "route its findings (one per account and region, so only with "
                         "ownsAccountBaseline).")),
    KeySpec("securityHubStandards", "securityhub_standards", "array", ("fsbp", "cis"),
            choices=tuple(SECURITYHUB_STANDARDS), what="a Security Hub standard",
            description=("Standards Security Hub checks, by short name: fsbp (Foundational "
                         "Security Best Practices v1.0.0), cis (CIS v3.0.0), cis-1.4, "
                         "nist-800-53, pci-dss (v4.0.1); each bills per check.")),
    KeySpec("complianceReportEnabled", "compliance_report_enabled", "boolean", True,
            description=("A weekly Security Hub compliance report (failed controls first) to "
                         "the info topic and the lake; only with securityHubEnabled.")),
    KeySpec("dataEvents", "data_events", "string", "off", choices=DATA_EVENT_MODES,
            description=("CloudTrail data events on the listings table and the lake and media "
                         "buckets: off, writes (readOnly=false) or all ($0.10 per 100,000).")),
))
