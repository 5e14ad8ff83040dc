"""Observability in the real program for both stacks, another region, and the canary."""

from __future__ import annotations

import json
import re
from pathlib import Path

from components.observability.component import collect
from components.platform.alert_topics import EDGE_REGION, SEVERITIES
from policy.rules import evaluate
from tests.components.observability.program import cached, run_test_program
from tests.helpers import config_of, policy_document, subjects
from tools.mock_runtime import Registry

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def test_stack_has_observability_with_dashboards_and_exports(registry: Registry,
                                                           stack: str) -> None:
    (component,) = registry.by_type("marketplace:observability:Observability")
    children = registry.children(component)
    assert children
    assert all(c.name.startswith(component.name) for c in children if c.custom)
    # dev's `dashboards` list keeps the developer's only: a dashboard bills monthly.
    assert sorted(registry.exports["dashboards"]) == {
        "dev": ["developer"],
        "prod": ["customer-success", "developer", "executive", "operations"]}[stack]
    for alarm in registry.by_type(ALARM):
        assert alarm.inputs["alarmActions"]


def test_rum_snippet_is_exported(registry: Registry) -> None:
    snippet = registry.exports["rumSnippet"]
    (monitor,) = registry.by_type("aws:rum/appMonitor:AppMonitor")
    assert snippet["applicationId"] == monitor.outputs["appMonitorId"]
    assert snippet["identityPoolId"]
    # A guestRoleArn would select Cognito's basic flow, which the identity pool refuses.
    assert "guestRoleArn" not in snippet
    assert snippet["endpoint"] == f"https://dataplane.rum.{snippet['region']}.amazonaws.com"


def test_canary_only_where_config_enables_it(dev: Registry, prod: Registry) -> None:
    assert not dev.by_type("aws:synthetics/canary:Canary")
    (canary,) = prod.by_type("aws:synthetics/canary:Canary")
    raw = config_of("prod")
    url = f"https://{raw['marketplace:domainName']}{raw['marketplace:canaryHealthPath']}"
    assert canary.inputs["runConfig"]["environmentVariables"] == {"HEALTH_URL": url}
    # syn-python-selenium runtimes have no active X-Ray tracing (syn-nodejs-2.0 and later do).
    assert canary.inputs["runConfig"]["activeTracing"] is False
    assert canary.inputs["artifactConfig"]["s3Encryption"]["encryptionMode"] == "SSE_KMS"
    interval = int(raw["marketplace:canaryIntervalMinutes"])
    assert canary.inputs["schedule"]["expression"] == f"rate({interval} minutes)"
    (code,) = prod.by_type("aws:s3/bucketObjectv2:BucketObjectv2")
    assert canary.inputs["s3Key"] == code.inputs["key"]
    assert code.inputs["source"]["assets"] == ["python/health_canary.py"]
    alarm = next(a for a in prod.by_type(ALARM)
                 if a.inputs.get("namespace") == "CloudWatchSynthetics")
    assert alarm.inputs["dimensions"] == {"CanaryName": canary.outputs["name"]}
    assert alarm.inputs["treatMissingData"] == "breaching"
    policy = policy_document(next(
        r for r in prod.by_type("aws:iam/rolePolicy:RolePolicy")
        if r.name.endswith("canary-policy")).inputs["policy"])
    actions = [a for s in policy["Statement"] for a in s["Action"]]
    assert not [a for a in actions if a == "*" or a.endswith(":*")]


def test_collect_is_one_loop_over_components() -> None:
    class Fake:
        def __init__(self, *items: str) -> None:
            self.monitored_items = items

    assert collect([Fake("a", "b"), Fake(), Fake("c")]) == ["a", "b", "c"]


def test_other_region_alarms_cloudfront_through_us_east_1_topics() -> None:
    registry, built = run_test_program("dev", **{"aws:region": "eu-west-1"})
    edge_topics = [t for t in registry.by_type("aws:sns/topic:Topic")
                   if t.inputs["name"].endswith(f"-{EDGE_REGION}")
                   and "-alert-path-" not in t.inputs["name"]]
    (watchdog,) = [t for t in registry.by_type("aws:sns/topic:Topic")
                   if t.inputs["name"] == f"{built.prefix}-alert-path-{EDGE_REGION}"]
    assert registry.provider_of(watchdog).inputs["region"] == EDGE_REGION
    # The us-east-1 topics' failed deliveries alarm there, to the alert-path twin there.
    edge_failed = [a for a in registry.by_type(ALARM)
                   if a.inputs["name"].endswith(f"-{EDGE_REGION}-notifications-failed-critical")]
    assert len(edge_failed) == len(SEVERITIES)
    for alarm in edge_failed:
        assert registry.provider_of(alarm).inputs["region"] == EDGE_REGION
        assert alarm.inputs["dimensions"]["TopicName"].endswith(f"-{EDGE_REGION}")
        assert alarm.inputs["alarmActions"] == [watchdog.outputs["arn"]]
    assert {t.inputs["name"] for t in edge_topics} == {
        f"{built.prefix}-{severity}-{EDGE_REGION}" for severity in SEVERITIES}
    for topic in edge_topics:
        assert registry.provider_of(topic).inputs["region"] == EDGE_REGION
        assert topic.inputs["kmsMasterKeyId"].split(":")[3] == EDGE_REGION
    edge_arns = {t.outputs["arn"] for t in edge_topics}
    for alarm in registry.by_type(ALARM):
        region = registry.provider_of(alarm).inputs["region"]
        for arn in alarm.inputs["alarmActions"]:
            assert arn.split(":")[3] == region, alarm.inputs["name"]
        if alarm.inputs["name"].startswith(f"{built.prefix}-cdn-"):
            assert set(alarm.inputs["alarmActions"]) <= edge_arns
    key = next(k for k in registry.by_type("aws:kms/key:Key")
               if k.name.endswith("key-us-east-1"))
    assert {t.inputs["kmsMasterKeyId"] for t in edge_topics} == {key.outputs["arn"]}
    assert key.inputs["enableKeyRotation"] is True
    statements = json.loads(key.inputs["policy"])["Statement"]
    assert any("cloudwatch.amazonaws.com" in json.dumps(s.get("Principal")) for s in statements)


def test_observability_resources_comply_with_every_policy_rule() -> None:
    registry, _built = cached("dev")
    (component,) = registry.by_type("marketplace:observability:Observability")
    mine = {r.urn for r in registry.descendants(component)}
    assert len(mine) > 100
    assert evaluate([s for s, r in zip(subjects(registry), _custom(registry), strict=True)
                     if r.urn in mine]) == []


def _custom(registry: Registry) -> list:
    """The resources ``subjects`` turns into subjects, in the same order."""
    return [r for r in registry if r.custom and not r.type.startswith("pulumi:providers:")]


def test_items_must_be_unique_and_in_an_alarmable_region() -> None:
    import pytest

    from components.blocks.monitored_items import Kind, MonitoredItem
    from components.observability.component import _check_regions, _check_unique

    a = MonitoredItem(Kind.LAMBDA, "fn", {"FunctionName": "fn"}, "eu-west-1", "team")
    b = MonitoredItem(Kind.SQS_QUEUE, "fn", {"QueueName": "q"}, "eu-west-1", "team")
    with pytest.raises(ValueError, match="two monitored items are named 'fn'"):
        _check_unique((a, b))
    _check_regions((a,), "eu-west-1")
    with pytest.raises(ValueError, match=r"fn \(eu-west-1\)"):
        _check_regions((a,), "us-west-2")


def test_a_given_us_east_1_key_encrypts_the_edge_topics() -> None:
    edge_key = "arn:aws:kms:us-east-1:123456789012:key/edge"
    registry, _built = run_test_program("dev", **{"aws:region": "eu-west-1"},
                                        us_east_1_key=edge_key)
    topics = [t for t in registry.by_type("aws:sns/topic:Topic")
              if t.inputs["name"].endswith(f"-{EDGE_REGION}")]
    assert {t.inputs["kmsMasterKeyId"] for t in topics} == {edge_key}


def test_canary_names_fit_synthetics_limits() -> None:
    import re

    from components.observability.canary import canary_name

    assert canary_name("marketplace-prod") == "marketplace-prod-hc"
    long_a = canary_name("marketplace-staging-eu-west")
    long_b = canary_name("marketplace-staging-eu-east")
    for name in (long_a, long_b, canary_name("Marketplace-QA")):
        assert re.fullmatch(r"[0-9a-z_-]{1,21}", name), name
    assert long_a != long_b


COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
RUNBOOKS = Path(__file__).resolve().parents[3] / "docs" / "runbooks.md"


def _topic_key(name: str) -> str:
    return "alert-path" if name.endswith("-alert-path") else name.rsplit("-", 1)[-1]


# What carries alerts (alertPathWatch is on in both stacks): the router and its failure
# queue, the routing DLQs, the Health rules and their DLQ, the alert path's own queues, and
# the Slack app's button endpoint.
ALERT_PATH_ITEMS = ("alert-router-", "alert-routing-", "alerts-", "alert-path-email-dlq-",
                    "alert-path-heartbeat-dlq-", "slack-interactions-")


def _actions(prefix: str, name: str, severity: str) -> list[str]:
    """The topics an alarm must notify, decided from its name."""
    if name.endswith("-inhibitor-maintenance"):
        return []  # a layer's inhibitor only suppresses (suppressors-suppress checks it)
    if name.endswith("-notifications-failed-critical") or \
            name == f"{prefix}-alert-path-heartbeat-critical":
        return ["alert-path"]  # about the path itself: never through the router
    if name.startswith(tuple(f"{prefix}-{p}" for p in ALERT_PATH_ITEMS)):
        return [severity, "alert-path"]
    return [severity]


def test_every_alarm_of_the_stack_follows_the_one_scheme(registry: Registry, stack: str) -> None:
    # Name <prefix>-...-<severity>, "[<severity>] ... Runbook: <base>#<anchor>" with the
    # anchor in the runbooks, ALARM and OK actions on that severity's topic: CIS, security,
    # SLO, anomaly, canary, maintenance and composite alarms as much as the catalog's.
    prefix = f"marketplace-{stack}"
    base = "https://github.com/marketplace/platform/blob/main/docs/runbooks.md"
    anchors = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', RUNBOOKS.read_text()))
    topics = {r.outputs["arn"]: _topic_key(r.outputs["name"].removesuffix(f"-{EDGE_REGION}"))
              for r in registry.by_type("aws:sns/topic:Topic")
              if r.outputs["name"].startswith(f"{prefix}-")}
    alarms = registry.by_type(ALARM) + registry.by_type(COMPOSITE)
    seen = set()
    for alarm in alarms:
        inputs = alarm.inputs
        name = inputs.get("name") or inputs["alarmName"]
        severity = name.rsplit("-", 1)[-1]
        seen.add(severity)
        assert name.startswith(f"{prefix}-"), name
        assert inputs["actionsEnabled"] is True, name
        actions = inputs.get("alarmActions", [])
        assert actions == inputs.get("okActions", []), name
        assert [topics[a] for a in actions] == _actions(prefix, name, severity), name
        description = inputs["alarmDescription"]
        assert description.startswith(f"[{severity}] "), name
        link = re.fullmatch(r".* Runbook: (\S+)#([a-z0-9-]+)", description, re.DOTALL)
        assert link is not None, name
        assert link.group(1) == base, name
        assert link.group(2) in anchors, name
    # dev's alarmSeverityFloor is critical: no warnings; info stays for the SLO windows,
    # which only feed their (critical) composites.
    assert seen == {"dev": {"critical", "info", "maintenance"},
                    "prod": {"critical", "warning", "info", "maintenance"}}[stack]
    cis = [a for a in alarms if "-cis-" in (a.inputs.get("name") or "")]
    # Only the account baseline's owner (prod) watches the account's CloudTrail for CIS.
    assert len(cis) == {"dev": 0, "prod": 14}[stack]
    if stack == "prod":
        assert {a.inputs["name"] for a in cis} >= {
            f"{prefix}-cis-root-account-usage-critical", f"{prefix}-cis-vpc-changes-warning"}


def test_prod_api_composites_wait_on_the_data_tier_through_one_inhibitor(
        prod: Registry) -> None:
    p = "marketplace-prod"
    composites = {r.inputs["alarmName"]: r for r in prod.by_type(COMPOSITE)}
    inhibitor = composites.pop(f"{p}-api-inhibitor-maintenance")
    assert inhibitor.inputs["alarmRule"] == (
        f'ALARM("{p}-operations-maintenance-mode-maintenance") OR '
        f'ALARM("{p}-data-tier-degraded-critical")')
    assert "alarmActions" not in inhibitor.inputs
    assert "actionsSuppressor" not in inhibitor.inputs
    assert inhibitor.inputs["tags"] == {"SuppressorOf": "api"}
    suppressors = {name: r.inputs["actionsSuppressor"]["alarm"]
                   for name, r in composites.items()}
    # The API layer's own composite and its SLO burn-rate pages; its tickets (warning) and
    # the other layers stay on the maintenance window alone.
    held = sorted(n for n, s in suppressors.items() if s == f"{p}-api-inhibitor-maintenance")
    slo = f"{p}-backend-rest-stage-slo"
    assert held == [f"{p}-api-degraded-critical",
                    f"{slo}-availability-page-fast-critical",
                    f"{slo}-availability-page-slow-critical",
                    f"{slo}-latency-page-fast-critical",
                    f"{slo}-latency-page-slow-critical"]
    assert suppressors[f"{slo}-latency-ticket-warning"] == (
        f"{p}-operations-maintenance-mode-maintenance")
    assert suppressors[f"{p}-data-tier-degraded-critical"] == (
        f"{p}-operations-maintenance-mode-maintenance")


def test_dev_has_no_inhibitor_composite(dev: Registry) -> None:
    names = [r.inputs["alarmName"] for r in dev.by_type(COMPOSITE)]
    assert not [n for n in names if "inhibitor" in n]
    assert {r.inputs["actionsSuppressor"]["alarm"] for r in dev.by_type(COMPOSITE)} == {
        "marketplace-dev-operations-maintenance-mode-maintenance"}

