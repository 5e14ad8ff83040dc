"""CloudTrail, its bucket and log group, the CIS alarms, GuardDuty and Security Hub routing."""

from __future__ import annotations

import fnmatch
import json

import pytest

from components.config import ConfigError
from components.security.component import (
    CIS_CHECKS,
    GUARDDUTY_ROUTES,
    SECURITYHUB_ROUTES,
)
from tests.components.alerting.helpers import (
    RULE,
    TARGET,
    kms_key_arn,
    queue_by_arn,
    queue_policy_of,
    stack_config,
    topic_arns,
)
from tests.helpers import dev_features_on, policy_document
from tools.mock_runtime import Registry

TRAIL = "aws:cloudtrail/trail:Trail"
FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def trail_bucket(registry: Registry, stack: str) -> str:
    bucket = registry.named("aws:s3/bucket:Bucket", f"marketplace-{stack}-security-trail-bucket")
    return bucket.outputs["bucket"]


def test_trail_is_multi_region_validated_encrypted_to_bucket_and_logs(
        registry: Registry, stack: str) -> None:
    [trail] = registry.by_type(TRAIL)
    t = trail.inputs
    assert t["isMultiRegionTrail"] is True
    assert t["enableLogFileValidation"] is True
    assert t["includeGlobalServiceEvents"] is True
    assert t["kmsKeyId"] == kms_key_arn(registry)
    assert t["s3BucketName"] == trail_bucket(registry, stack)
    [group] = [g for g in registry.by_type("aws:cloudwatch/logGroup:LogGroup")
               if g.inputs["name"] == f"/aws/cloudtrail/{t['name']}"]
    assert t["cloudWatchLogsGroupArn"] == group.outputs["arn"] + ":*"
    cfg = stack_config(stack).security
    assert group.inputs["retentionInDays"] == cfg.trail_log_retention_days
    assert group.inputs["kmsKeyId"] == kms_key_arn(registry)
    role = next(r for r in registry.by_type("aws:iam/role:Role")
            if r.outputs["arn"] == t["cloudWatchLogsRoleArn"])
    trust = policy_document(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "cloudtrail.amazonaws.com"}


def test_bucket_lets_only_this_trail_write(registry: Registry, stack: str) -> None:
    [trail] = registry.by_type(TRAIL)
    name = trail_bucket(registry, stack)
    policy = registry.named("aws:s3/bucketPolicy:BucketPolicy",
                            f"marketplace-{stack}-security-trail-policy")
    statements = {s["Sid"]: s for s in policy_document(policy.inputs["policy"])["Statement"]}
    trail_arn = f"arn:aws:cloudtrail:us-east-1:123456789012:trail/{trail.inputs['name']}"
    for sid in ("CloudTrailAclCheck", "CloudTrailWrite"):
        statement = statements[sid]
        assert statement["Condition"]["StringEquals"]["aws:SourceArn"] == trail_arn
        # The name pattern matches this bucket (SecureBucket picks the random suffix).
        assert fnmatch.fnmatch(f"arn:aws:s3:::{name}", statement["Resource"].split("/")[0])
    assert statements["CloudTrailWrite"]["Resource"].endswith("/AWSLogs/123456789012/*")
    assert "DenyInsecureTransport" in statements


def test_object_lock_and_retention_follow_config(registry: Registry, stack: str) -> None:
    cfg = stack_config(stack).security
    locks = registry.by_type("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    trail_locks = [lock for lock in locks if lock.name.startswith(f"marketplace-{stack}-security")]
    if cfg.trail_object_lock_days:
        [lock] = trail_locks
        assert lock.inputs["rule"]["defaultRetention"] == {
            "mode": "COMPLIANCE", "days": cfg.trail_object_lock_days}
    else:
        assert trail_locks == []
    lifecycle = registry.named(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        f"marketplace-{stack}-security-trail-lifecycle")
    [expire] = [r for r in lifecycle.inputs["rules"] if r["id"] == "expire-trail-logs"]
    assert expire["expiration"] == {"days": cfg.trail_retention_days}


def test_prod_locks_dev_does_not() -> None:
    assert stack_config("prod").security.trail_object_lock_days > 0
    assert stack_config("dev").security.trail_object_lock_days == 0


def test_only_the_account_baseline_owner_watches_the_trail_for_cis(dev: Registry) -> None:
    # dev shares prod's account: its CIS alarms would page for the same events twice.
    assert [a for a in dev.by_type(ALARM)
            if a.inputs.get("namespace", "").endswith("/CISBenchmark")] == []
    assert [f for f in dev.by_type(FILTER) if "/CISBenchmark" in
            f.inputs["metricTransformation"]["namespace"]] == []


def test_every_cis_check_is_a_filter_on_the_trail_logs_alarmed_to_its_topic(
        prod: Registry) -> None:
    registry, stack = prod, "prod"
    [trail] = registry.by_type(TRAIL)
    group = trail.inputs["cloudWatchLogsGroupArn"].removesuffix(":*").split("log-group:")[1]
    arns = topic_arns(registry)
    filters = {f.inputs["metricTransformation"]["name"]: f for f in registry.by_type(FILTER)
               if f.inputs["logGroupName"] == group
               and f.inputs["metricTransformation"]["namespace"].endswith("/CISBenchmark")}
    alarms = {a.inputs["metricName"]: a for a in registry.by_type(ALARM)
              if a.inputs.get("namespace", "").endswith("/CISBenchmark")}
    assert set(filters) == set(alarms) == {c.name for c in CIS_CHECKS}
    for check in CIS_CHECKS:
        f = filters[check.name]
        assert f.inputs["pattern"] == check.pattern
        assert f.inputs["metricTransformation"]["namespace"] == alarms[check.name].inputs[
            "namespace"]
        a = alarms[check.name].inputs
        assert a["alarmActions"] == a["okActions"] == [arns[check.severity]]
        assert a["threshold"] == 1
        assert a["treatMissingData"] == "notBreaching"
        assert check.control in a["alarmDescription"]
        # The one naming scheme: the severity closes the name and opens the description.
        assert a["name"] == f"marketplace-{stack}-cis-{check.name}-{check.severity}"
        assert a["alarmDescription"] == (
            f"[{check.severity}] CIS {check.control}: {check.description} recorded by "
            f"CloudTrail. Runbook: https://github.com/marketplace/platform/blob/main/docs/"
            f"runbooks.md#cis-{check.name}")
        assert (a["period"], a["statistic"], a["comparisonOperator"]) == (
            300, "Sum", "GreaterThanOrEqualToThreshold")
        # Logical names predate the suffix and stay, so only the physical name changes.
        assert alarms[check.name].name == f"marketplace-{stack}-security-{check.name}-alarm"


def test_trail_bucket_is_exported_through_the_named_property(registry: Registry,
                                                              stack: str) -> None:
    assert registry.exports["cloudTrailBucket"] == trail_bucket(registry, stack)


def test_cis_table_covers_the_benchmark_controls() -> None:
    assert sorted(int(c.control.split(".")[1]) for c in CIS_CHECKS) == list(range(1, 15))
    for check in CIS_CHECKS:
        assert check.pattern.startswith("{")
        assert check.pattern.endswith("}")
        assert check.pattern.count("(") == check.pattern.count(")")


def test_guardduty_detector_and_features_follow_config(prod: Registry) -> None:
    [detector] = prod.by_type("aws:guardduty/detector:Detector")
    assert detector.inputs["enable"] is True
    assert detector.inputs["findingPublishingFrequency"] == "FIFTEEN_MINUTES"
    features = prod.by_type("aws:guardduty/detectorFeature:DetectorFeature")
    assert sorted(f.inputs["name"] for f in features) == ["LAMBDA_NETWORK_LOGS",
                                                          "S3_DATA_EVENTS"]
    assert all(f.inputs["detectorId"] == detector.outputs["id"] for f in features)
    assert all(f.inputs["status"] == "ENABLED" for f in features)


def test_account_wide_security_services_only_in_the_baseline_stack(dev: Registry) -> None:
    # dev does not own the account baseline: prod's detector and hub cover the account.
    assert stack_config("dev").security.guardduty_enabled is False
    assert dev.by_type("aws:guardduty/detector:Detector") == []
    assert dev.by_type("aws:guardduty/detectorFeature:DetectorFeature") == []
    assert dev.by_type("aws:securityhub/account:Account") == []
    assert [r for r in dev.by_type(RULE) if "findings" in r.name] == []
    # Security Hub asked for in a stack without the baseline is not created either.
    assert stack_config("dev", securityHubEnabled="true").security.securityhub_enabled is False
    assert stack_config("dev", ownsAccountBaseline="true",
                        securityHubEnabled="true").security.securityhub_enabled is True


def test_findings_are_routed_by_severity_with_a_dlq(prod: Registry) -> None:
    registry, stack = prod, "prod"
    cfg = stack_config(stack).security
    routes = [*GUARDDUTY_ROUTES, *(SECURITYHUB_ROUTES if cfg.securityhub_enabled else ())]
    arns = topic_arns(registry)
    rule_arns = []
    for route in routes:
        rule = registry.named(RULE, f"marketplace-{stack}-findings-{route.name}")
        assert json.loads(rule.inputs["eventPattern"]) == route.pattern
        rule_arns.append(rule.outputs["arn"])
        [target] = [t for t in registry.by_type(TARGET)
                    if t.inputs["rule"] == rule.outputs["name"]]
        assert target.inputs["arn"] == arns[route.severity]
        dlq = queue_by_arn(registry, target.inputs["deadLetterConfig"]["arn"])
    [statement] = policy_document(queue_policy_of(registry, dlq).inputs["policy"])["Statement"]
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": rule_arns}}
    hub_rules = [r for r in registry.by_type(RULE) if "securityhub" in r.name]
    assert bool(hub_rules) is cfg.securityhub_enabled


def test_guardduty_bands_do_not_overlap() -> None:
    bands = [r.pattern["detail"]["severity"][0]["numeric"] for r in GUARDDUTY_ROUTES]
    assert bands == [[">=", 7], [">=", 4, "<", 7], ["<", 4]]
    assert [r.severity for r in GUARDDUTY_ROUTES] == ["critical", "warning", "info"]


def test_security_hub_in_prod_only(prod: Registry, dev: Registry) -> None:
    assert dev.by_type("aws:securityhub/account:Account") == []
    [account] = prod.by_type("aws:securityhub/account:Account")
    assert account.inputs["enableDefaultStandards"] is False
    subscriptions = prod.by_type("aws:securityhub/standardsSubscription:StandardsSubscription")
    assert sorted(s.inputs["standardsArn"] for s in subscriptions) == [
        "arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0",
        "arn:aws:securityhub:us-east-1::standards/cis-aws-foundations-benchmark/v/3.0.0"]
    assert all(account.urn in s.dependencies for s in subscriptions)


def test_guardduty_can_be_turned_off() -> None:
    reg = dev_features_on()  # owns the account baseline, GuardDuty off
    assert reg.by_type("aws:apigateway/account:Account")
    assert reg.by_type("aws:guardduty/detector:Detector") == []
    assert [r for r in reg.by_type(RULE) if "findings" in r.name] == []


def test_retention_shorter_than_object_lock_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as error:
        stack_config("prod", trailRetentionDays=30)
    assert error.value.keys == ("marketplace:trailRetentionDays",)


def test_unknown_guardduty_feature_is_named() -> None:
    with pytest.raises(ConfigError) as error:
        stack_config("dev", guardDutyFeatures=["S3_DATA_EVENT"])
    assert "did you mean 'S3_DATA_EVENTS'" in str(error.value)


def test_prod_data_buckets_log_access_to_the_stacks_sse_s3_target() -> None:
    from tests.helpers import stack_registry

    prod = stack_registry("prod")
    (target,) = [b for b in prod.by_type("aws:s3/bucket:Bucket")
                 if b.name == "marketplace-prod-access-logs-bucket"]
    logged = {r.name: (r.inputs["targetBucket"], r.inputs["targetPrefix"])
              for r in prod.by_type("aws:s3/bucketLogging:BucketLogging")
              if r.inputs["targetBucket"] == target.outputs["bucket"]}
    name = target.outputs["bucket"]
    assert logged == {
        "marketplace-prod-security-trail-access-logs": (name, "trail/"),
        "marketplace-prod-edge-assets-access-logs": (name, "assets/"),
        "marketplace-prod-edge-media-access-logs": (name, "media/"),
        "marketplace-prod-observability-canary-artifacts-access-logs": (name, "canary-artifacts/"),
    }
    (sse,) = [r for r in prod.by_type(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
        if r.name == "marketplace-prod-access-logs-encryption"]
    assert sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "AES256"}
    (lifecycle,) = [r for r in prod.by_type(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
        if r.name == "marketplace-prod-access-logs-lifecycle"]
    expiry = [r for r in lifecycle.inputs["rules"] if r["id"] == "expire-access-logs"]
    assert expiry[0]["expiration"] == {"days": 731}
