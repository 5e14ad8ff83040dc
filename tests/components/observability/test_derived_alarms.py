"""Composite, anomaly, SLO burn-rate and security alarms, tracing, saved queries, RUM."""

from __future__ import annotations

import re

from components.observability.anomaly import BUSINESS_ANOMALIES
from components.observability.composites import maintenance_alarm_name
from components.observability.slo import BURN_RATES
from functions.shared import audit
from functions.shared.metrics import BUSINESS_SERVICE
from tests.components.observability.program import SLO, cached
from tests.helpers import config_of, policy_document

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"


def _composites() -> dict[str, dict]:
    registry, _built = cached("dev")
    return {r.inputs["alarmName"]: r.inputs for r in registry.by_type(COMPOSITE)}


def _alarms() -> dict[str, dict]:
    registry, _built = cached("dev")
    return {r.inputs["name"]: r.inputs for r in registry.by_type(ALARM)}


def test_composite_rules_name_existing_alarms_and_are_suppressed_in_maintenance() -> None:
    _registry, built = cached("dev")
    alarms = _alarms()
    composites = _composites()
    p = built.prefix
    for name, inputs in composites.items():
        members = re.findall(r'ALARM\("([^"]+)"\)', inputs["alarmRule"])
        assert members, name
        assert set(members) <= set(alarms), name
        suppressor = inputs["actionsSuppressor"]
        assert suppressor["alarm"] == maintenance_alarm_name(p)
        assert suppressor["waitPeriod"] >= 0
        assert "extensionPeriod" in suppressor
    api = composites[f"{p}-api-degraded-critical"]["alarmRule"]
    assert api == (f'(ALARM("{p}-api-5xx-rate-warning") AND '
                   f'ALARM("{p}-api-latency-p99-warning"))')
    data = composites[f"{p}-data-tier-degraded-critical"]["alarmRule"]
    assert " OR " in data
    assert f"{p}-dax-faults-critical" in data
    assert f"{p}-listings-gsi1-read-throttles-critical" in data
    pipeline = composites[f"{p}-pipeline-stalled-critical"]["alarmRule"]
    for member in (f"{p}-events-iterator-age-critical",
                   f"{p}-stream-consumer-iterator-age-critical",
                   f"{p}-lake-data-freshness-critical"):
        assert member in pipeline


def test_maintenance_alarm_reads_the_maintenance_metric() -> None:
    _registry, built = cached("dev")
    alarm = _alarms()[maintenance_alarm_name(built.prefix)]
    assert alarm["metricName"] == "MaintenanceMode"
    assert alarm["namespace"] == f"marketplace/{built.prefix.split('-')[-1]}"
    assert alarm["treatMissingData"] == "notBreaching"


def test_slo_burn_rate_pairs_follow_the_sre_workbook() -> None:
    _registry, built = cached("dev")
    alarms = _alarms()
    composites = _composites()
    p = built.prefix
    budget_availability = 1 - SLO.availability_percent / 100
    budget_latency = 1 - SLO.latency_percent / 100
    for rate in BURN_RATES:
        availability = composites[f"{p}-api-slo-availability-{rate.key}-{rate.severity}"]
        members = re.findall(r'ALARM\("([^"]+)"\)', availability["alarmRule"])
        assert " AND " in availability["alarmRule"]
        assert len(members) == 2
        windows = [alarms[m] for m in members]
        periods = sorted(q["metric"]["period"] for w in windows for q in w["metricQueries"]
                         if "metric" in q)
        assert set(periods) == {rate.short_seconds, rate.long_seconds}
        for window in windows:
            assert abs(window["threshold"] - rate.factor * budget_availability) < 1e-9
            assert window["comparisonOperator"] == "GreaterThanThreshold"
        latency = composites[f"{p}-api-slo-latency-{rate.key}-{rate.severity}"]
        for member in re.findall(r'ALARM\("([^"]+)"\)', latency["alarmRule"]):
            window = alarms[member]
            assert window["extendedStatistic"] == f"PR(0:{SLO.latency_ms:g})"
            assert window["metricName"] == "Latency"
            expected = 100 * (1 - rate.factor * budget_latency)
            assert abs(window["threshold"] - expected) < 1e-6
            assert window["comparisonOperator"] == "LessThanThreshold"
    severities = {c.rsplit("-", 1)[-1] for c in composites if "-slo-" in c}
    assert severities == {"critical", "warning"}


def test_anomaly_alarms_compare_with_a_band() -> None:
    _registry, built = cached("dev")
    alarms = _alarms()
    width = float(dict(config_of("dev"))["marketplace:anomalyBandWidth"])
    anomalies = {n: a for n, a in alarms.items() if "-anomaly-" in n}
    # + request rate of the one API, + WAF blocks of the one Cloudflare zone
    assert len(anomalies) == len(BUSINESS_ANOMALIES) + 2
    for name, alarm in anomalies.items():
        band = next(q for q in alarm["metricQueries"] if q["id"] == alarm["thresholdMetricId"])
        assert band["expression"] == f"ANOMALY_DETECTION_BAND(series, {width:g})", name
        assert "threshold" not in alarm
        assert alarm["comparisonOperator"].startswith(("LessThanLower", "GreaterThanUpper"))
    listings = anomalies[f"{built.prefix}-business-listings-created-anomaly-warning"]
    metric = next(q["metric"] for q in listings["metricQueries"] if "metric" in q)
    assert metric["dimensions"] == {"service": BUSINESS_SERVICE}
    assert metric["namespace"] == f"marketplace/{built.prefix.split('-')[-1]}"
    assert listings["comparisonOperator"] == "LessThanLowerThreshold"  # a drop alerts
    waf = anomalies[f"{built.prefix}-zone-waf-blocks-anomaly-warning"]
    metric = next(q["metric"] for q in waf["metricQueries"] if "metric" in q)
    assert (metric["namespace"], metric["metricName"]) == ("marketplace/dev", "WafBlocks")
    assert metric["dimensions"] == {"service": "cloudflare",
                                    "ZoneId": "0123456789abcdef0123456789abcdef"}
    assert waf["comparisonOperator"] == "GreaterThanUpperThreshold"  # a spike alerts
    assert (waf["evaluationPeriods"], waf["datapointsToAlarm"]) == (4, 2)


def test_security_filters_count_each_event_where_it_happens() -> None:
    registry, built = cached("dev")
    group = registry.named("aws:cloudwatch/logGroup:LogGroup", f"{built.prefix}-audit-logs")
    filters = registry.by_type("aws:cloudwatch/logMetricFilter:LogMetricFilter")
    on_audit = {f.inputs["pattern"] for f in filters
                if f.inputs["logGroupName"] == group.outputs["name"]}
    assert on_audit == {audit.FILTER_PATTERNS["permission_denied"],
                        audit.FILTER_PATTERNS["admin_action"]}
    # Failed logins: the authorizer's 401s in the API stage's access log.
    (logins,) = [f for f in filters if f.inputs["metricTransformation"]["name"] == "AuthFailures"]
    assert logins.inputs["pattern"] == '{ $.status = "401" }'
    assert logins.inputs["logGroupName"] == "/aws/apigateway/test-api/access"
    alarms = _alarms()
    for f in filters:
        metric = f.inputs["metricTransformation"]["name"]
        (alarm,) = [a for a in alarms.values() if a.get("metricName") == metric]
        assert alarm["namespace"] == f.inputs["metricTransformation"]["namespace"]
        assert alarm["alarmActions"]


def test_tracing_sampling_rates_and_groups_come_from_config() -> None:
    registry, built = cached("dev")
    raw = dict(config_of("dev"))
    rules = {r.inputs["ruleName"]: r.inputs for r in registry.by_type(
        "aws:xray/samplingRule:SamplingRule")}
    assert all(len(n) <= 32 for n in rules)
    default = next(r for n, r in rules.items() if n.endswith("-default"))
    errors = next(r for n, r in rules.items() if n.endswith("-errors"))
    assert default["fixedRate"] == float(raw["marketplace:xraySamplingRate"])
    assert errors["fixedRate"] >= default["fixedRate"]
    assert errors["priority"] < default["priority"]  # lower number wins in X-Ray
    groups = registry.by_type("aws:xray/group:Group")
    assert len(groups) == 2
    for g in groups:
        assert g.inputs["insightsConfiguration"]["insightsEnabled"] is True
        assert built.prefix in g.inputs["filterExpression"]


def test_saved_queries_cover_every_function_log_group() -> None:
    registry, _built = cached("dev")
    groups = {r.outputs["name"] for r in registry.by_type("aws:cloudwatch/logGroup:LogGroup")
              if r.outputs["name"].startswith("/aws/lambda/")}
    queries = registry.by_type("aws:cloudwatch/queryDefinition:QueryDefinition")
    assert len(queries) == 6
    for q in queries:
        assert set(q.inputs["logGroupNames"]) == groups
    text = " ".join(q.inputs["queryString"] for q in queries)
    for needle in ("exception_name", "initDurationMs", "access_pattern", "partition_key",
                   "durationMs", "billedDurationMs", "maxMemoryUsedMB"):
        assert needle in text


def test_rum_monitor_guest_role_and_identity_pool() -> None:
    registry, _built = cached("dev")
    (monitor,) = registry.by_type("aws:rum/appMonitor:AppMonitor")
    (pool,) = registry.by_type("aws:cognito/identityPool:IdentityPool")
    role = next(r for r in registry.by_type("aws:iam/role:Role") if r.name.endswith("rum-guest"))
    config = monitor.inputs["appMonitorConfiguration"]
    domain = dict(config_of("dev"))["marketplace:domainName"]
    # Every host that serves pages, apex and www: RUM drops events from any other.
    assert monitor.inputs["domainLists"] == [domain, f"www.{domain}"]
    assert "domain" not in monitor.inputs
    # The pool refuses the basic flow, so the web client must use the enhanced one.
    assert pool.inputs["allowClassicFlow"] is False
    assert monitor.inputs["cwLogEnabled"] is True
    assert config["identityPoolId"] == pool.outputs["id"]
    assert config["guestRoleArn"] == role.outputs["arn"]
    assert set(config["telemetries"]) == {"performance", "errors", "http"}
    assert config["enableXray"] is True
    trust = policy_document(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Condition"]["StringEquals"]["cognito-identity.amazonaws.com:aud"] == \
        pool.outputs["id"]
    policy = policy_document(next(
        r for r in registry.by_type("aws:iam/rolePolicy:RolePolicy")
        if r.name.endswith("rum-guest-policy")).inputs["policy"])
    (statement,) = policy["Statement"]
    assert statement["Action"] == ["rum:PutRumEvents"]
    assert statement["Resource"] == monitor.outputs["arn"]
    attachment = registry.by_type(
        "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment")[0]
    assert attachment.inputs["roles"] == {"unauthenticated": role.outputs["arn"]}
    assert pool.inputs["allowUnauthenticatedIdentities"] is True
