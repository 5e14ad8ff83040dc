"""The Cloudflare analytics collector in the real program: off in dev, wired in prod."""

from __future__ import annotations

import json

import pytest

from tests.helpers import policy_document, stack_registry

FUNCTION = "aws:lambda/function:Function"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
PROD_ZONE = "fedcba9876543210fedcba9876543210"  # Pulumi.prod.yaml's cloudflareZoneId
PREFIX = "marketplace-prod"


def test_dev_has_no_collector_and_no_cloudflare_zone_alarms() -> None:
    registry = stack_registry("dev")
    assert registry.by_type("marketplace:edge:CloudflareAnalytics") == []
    assert [f.name for f in registry.by_type(FUNCTION) if "cloudflare" in f.name] == []
    assert [a.inputs["name"] for a in registry.by_type(ALARM)
            if "cloudflare-analytics" in a.inputs["name"]] == []


def test_prod_runs_the_collector_every_5_minutes_through_a_retried_target() -> None:
    registry = stack_registry("prod")
    rule = registry.named(RULE, f"{PREFIX}-edge-cloudflare-analytics-schedule")
    assert rule.inputs["scheduleExpression"] == "cron(0/5 * * * ? *)"
    assert "eventBusName" not in rule.inputs  # schedules run on the default bus only
    (target,) = [t for t in registry.by_type(TARGET)
                 if t.name == f"{PREFIX}-edge-cloudflare-analytics-target"]
    fn = registry.named(FUNCTION, f"{PREFIX}-cloudflare-analytics-function")
    assert target.inputs["arn"].startswith(fn.outputs["arn"])
    assert target.inputs["arn"].endswith(":live")
    assert target.inputs["retryPolicy"] == {"maximumEventAgeInSeconds": 3600,
                                            "maximumRetryAttempts": 4}
    assert target.inputs["deadLetterConfig"]["arn"].startswith("arn:aws:sqs:")
    env = fn.inputs["environment"]["variables"]
    assert env["CLOUDFLARE_ZONE_ID"] == PROD_ZONE
    assert env["ANALYTICS_WINDOW_MINUTES"] == "5"
    assert env["ANALYTICS_LAG_MINUTES"] == "5"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "marketplace/prod"
    assert fn.inputs["handler"] == "functions.cloudflare_analytics.handler.handler"
    assert fn.inputs["reservedConcurrentExecutions"] == 2
    assert fn.inputs["timeout"] == 120
    assert "[secret]" not in json.dumps(env)  # the token is never in the environment


def test_prod_collector_may_read_its_token_and_put_metrics_in_its_namespace_only() -> None:
    registry = stack_registry("prod")
    (secret,) = [s for s in registry.by_type("aws:secretsmanager/secret:Secret")
                 if s.name == f"{PREFIX}-edge-cloudflare-analytics-token"]
    assert secret.inputs["name"] == f"{PREFIX}/cloudflare/analytics-token"
    assert secret.inputs["kmsKeyId"].startswith("arn:aws:kms:")
    fn = registry.named(FUNCTION, f"{PREFIX}-cloudflare-analytics-function")
    assert fn.inputs["environment"]["variables"]["CLOUDFLARE_TOKEN_SECRET_ARN"] == \
        secret.outputs["arn"]
    policy = policy_document(registry.named(
        "aws:iam/rolePolicy:RolePolicy", f"{PREFIX}-cloudflare-analytics-policy"
    ).inputs["policy"])
    grants = {s["Sid"]: s for s in policy["Statement"]}
    assert grants["ReadAnalyticsToken"]["Action"] == ["secretsmanager:GetSecretValue"]
    assert grants["ReadAnalyticsToken"]["Resource"] == secret.outputs["arn"]
    assert grants["PutZoneMetrics"]["Action"] == ["cloudwatch:PutMetricData"]
    assert grants["PutZoneMetrics"]["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": "marketplace/prod"}}
    actions = {a for s in policy["Statement"] for a in s["Action"]}
    assert not any(a.endswith("*") for a in actions)


@pytest.mark.parametrize(("metric", "comparison", "thresholds"), [
    ("5xx-rate", "GreaterThanThreshold", {"warning": 1, "critical": 5}),
    ("cache-hit-ratio", "LessThanThreshold", {"warning": 50, "critical": 25}),
])
def test_prod_zone_has_its_catalog_alarms_on_the_collectors_metrics(
        metric: str, comparison: str, thresholds: dict[str, float]) -> None:
    alarms = {a.inputs["name"]: a.inputs for a in stack_registry("prod").by_type(ALARM)}
    for severity, threshold in thresholds.items():
        alarm = alarms[f"{PREFIX}-edge-cloudflare-analytics-zone-{metric}-{severity}"]
        assert alarm["comparisonOperator"] == comparison
        assert alarm["threshold"] == threshold
        assert alarm["evaluationPeriods"] == 4
        metrics = [q["metric"] for q in alarm["metricQueries"] if q.get("metric")]
        assert {m["namespace"] for m in metrics} == {"marketplace/prod"}
        assert all(m["dimensions"] == {"service": "cloudflare", "ZoneId": PROD_ZONE}
                   and m["period"] == 300 for m in metrics)
        assert f"runbooks.md#cloudflare-zone-{metric}" in alarm["alarmDescription"]


def test_prod_has_the_waf_blocks_anomaly_alarm() -> None:
    alarms = {a.inputs["name"]: a.inputs for a in stack_registry("prod").by_type(ALARM)}
    alarm = alarms[f"{PREFIX}-edge-cloudflare-analytics-zone-waf-blocks-anomaly-warning"]
    assert alarm["comparisonOperator"] == "GreaterThanUpperThreshold"
    (metric,) = [q["metric"] for q in alarm["metricQueries"] if q.get("metric")]
    assert (metric["namespace"], metric["metricName"]) == ("marketplace/prod", "WafBlocks")
    assert "runbooks.md#anomaly-waf-blocks" in alarm["alarmDescription"]


def _operations(stack: str) -> dict:
    (body,) = [json.loads(d.inputs["dashboardBody"])
               for d in stack_registry(stack).by_type(DASHBOARD)
               if d.inputs["dashboardName"] == f"marketplace-{stack}-operations"]
    return body


def _titles(body: dict) -> list[str]:
    return [w["properties"].get("title") or w["properties"].get("markdown", "")
            for w in body["widgets"]]


def test_cdn_performance_shows_both_edge_layers_in_front_to_back_order() -> None:
    prod = _titles(_operations("prod"))
    heading = next(i for i, t in enumerate(prod) if t.startswith("## CDN performance"))
    zone = f"{PREFIX}-edge-cloudflare-analytics-zone"
    assert prod[heading + 1:heading + 9] == [
        f"Cloudflare requests: cached and uncached · {zone}",
        f"Cloudflare edge status classes · {zone}",
        f"Cloudflare WAF and rate limits · {zone}",
        f"Cloudflare bytes served · {zone}",
        f"Cloudflare origin response time · {zone}",
        f"{zone} · Cloudflare edge 5xx rate (% of requests)",
        f"{zone} · Cloudflare cache hit ratio",
        f"CloudFront requests · {PREFIX}-edge-cdn",
    ]
    assert f"CloudFront cache hit rate · {PREFIX}-edge-cdn" in prod
    assert not any(t.startswith("## Infrastructure · cloudfront") for t in prod)


def test_dev_dashboards_draw_no_cloudflare_series() -> None:
    """Dev has only the developer board, and no collector whose series it could draw."""
    bodies = [d.inputs["dashboardBody"] for d in stack_registry("dev").by_type(DASHBOARD)]
    assert bodies
    assert not any("WafBlocks" in b or "cloudflare" in b.lower() for b in bodies)


def test_the_zone_graphs_read_the_collectors_series() -> None:
    body = _operations("prod")
    (graph,) = [w for w in body["widgets"]
                if w["properties"].get("title", "").startswith("Cloudflare WAF and rate")]
    rows = graph["properties"]["metrics"]
    assert [r[:2] for r in rows] == [["marketplace/prod", "WafBlocks"],
                                     ["marketplace/prod", "WafChallenges"],
                                     ["marketplace/prod", "RateLimitActions"]]
    assert all(r[2:6] == ["service", "cloudflare", "ZoneId", PROD_ZONE] for r in rows)
