"""Every monitored item gets every catalog alarm of its kind, named, linked and actioned."""

from __future__ import annotations

import re
from pathlib import Path

from components.blocks.monitored_items import Kind
from components.observability.catalog import CATALOG, SEVERITIES, anchor, find
from tests.components.observability.program import RESERVED, STREAM_TIMEOUT_S, cached
from tests.helpers import lambda_defaults, platform

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
RUNBOOK = Path(__file__).resolve().parents[3] / "docs" / "runbooks.md"


def _alarms() -> dict[str, dict]:
    registry, _built = cached("dev")
    return {r.inputs["name"]: r.inputs for r in registry.by_type(ALARM)}


def _short(name: str) -> str:
    return name.removeprefix(f"{platform('dev').prefix}-")


def _expected(item) -> set[str]:
    """The catalog entries an item must have, decided from its attributes here."""
    attrs = item.attributes
    skip = set()
    if item.kind is Kind.LAMBDA:
        if not attrs.get("consumes_stream"):
            skip.add("iterator-age")
        if not attrs.get("reserved_concurrency"):
            skip.add("concurrency")
    return {s.metric for s in CATALOG[item.kind]} - skip


def test_every_item_has_every_catalog_alarm_for_its_kind() -> None:
    _registry, built = cached("dev")
    alarms = _alarms()
    prefix = built.prefix
    kinds_seen = set()
    for item in built.items:
        kinds_seen.add(item.kind)
        for metric in _expected(item):
            spec = find(item.kind, metric)
            # A topic's failed deliveries alarm at critical only (no warning default).
            for severity in (s for s in SEVERITIES if spec is not None
                             and spec.default(s) is not None):
                name = f"{prefix}-{_short(item.name)}-{metric}-{severity}"
                assert name in alarms, f"{item.kind.value} {item.name} lacks {name}"
    assert kinds_seen == set(Kind)  # the program covers every kind


def test_a_new_function_gets_alarms_without_observability_changes() -> None:
    _registry, built = cached("dev")
    alarms = _alarms()
    (orders,) = [i for i in built.items if i.name.endswith("-orders")]
    got = {n for n in alarms if n.startswith(f"{built.prefix}-orders-")}
    # The function's own alarms, nothing else (nothing invokes it asynchronously, so it has
    # no failure queue to watch).
    want = {f"{built.prefix}-orders-{m}-{s}"
            for m in ("error-rate", "throttles", "duration-p99")
            for s in SEVERITIES}
    assert got == want
    assert alarms[f"{built.prefix}-orders-error-rate-critical"]["alarmDescription"].count(
        orders.owner) == 1


def test_conditional_entries_follow_attributes() -> None:
    _registry, built = cached("dev")
    alarms = _alarms()
    assert f"{built.prefix}-search-iterator-age-critical" not in alarms
    assert f"{built.prefix}-search-concurrency-critical" not in alarms
    assert f"{built.prefix}-stream-consumer-iterator-age-critical" in alarms
    concurrency = alarms[f"{built.prefix}-stream-consumer-concurrency-warning"]
    assert concurrency["threshold"] == RESERVED * 80 / 100


def test_relative_thresholds_scale_with_the_timeout() -> None:
    _registry, built = cached("dev")
    alarms = _alarms()
    default_ms = lambda_defaults("dev").timeout_seconds * 1000
    search = alarms[f"{built.prefix}-search-duration-p99-critical"]
    consumer = alarms[f"{built.prefix}-stream-consumer-duration-p99-critical"]
    assert search["threshold"] == default_ms * 95 / 100
    assert consumer["threshold"] == STREAM_TIMEOUT_S * 1000 * 95 / 100
    assert f"above 95 % of timeout ({default_ms * 95 / 100:g})" in search["alarmDescription"]
    assert search["extendedStatistic"] == "p99"
    assert "statistic" not in search


def test_stack_overrides_apply_to_the_kind() -> None:
    # Pulumi.dev.yaml sets lambda/error-rate/{warning,critical}.
    _registry, built = cached("dev")
    alarms = _alarms()
    import yaml

    doc = yaml.safe_load((RUNBOOK.parents[1] / "Pulumi.dev.yaml").read_text())
    overrides = dict(e.split("=") for e in doc["config"]["marketplace:alarmThresholds"])
    for severity in SEVERITIES:
        alarm = alarms[f"{built.prefix}-search-error-rate-{severity}"]
        assert alarm["threshold"] == float(overrides[f"lambda/error-rate/{severity}"])


def test_every_alarm_notifies_a_topic_of_its_severity() -> None:
    registry, _built = cached("dev")
    topics = {r.outputs["name"].rsplit("-", 1)[-1]: r.outputs["arn"]
              for r in registry.by_type("aws:sns/topic:Topic")}
    for resource in registry.by_type(ALARM) + registry.by_type(COMPOSITE):
        inputs = resource.inputs
        name = inputs.get("name") or inputs["alarmName"]
        severity = name.rsplit("-", 1)[-1]
        # A topic that fails to deliver tells the alert-path topic, which skips the router.
        topic = ("path" if name.endswith("-notifications-failed-critical")
                 or name == "marketplace-dev-alert-path-heartbeat-critical" else severity)
        assert inputs["actionsEnabled"] is True, name
        assert inputs["alarmActions"] == [topics[topic]], name
        assert inputs["okActions"] == [topics[topic]], name


def test_each_topic_alarms_on_its_failed_deliveries_to_the_alert_path() -> None:
    registry, _built = cached("dev")
    failed = {r.inputs["name"]: r.inputs for r in registry.by_type(ALARM)
              if r.inputs.get("metricName") == "NumberOfNotificationsFailed"}
    assert sorted(failed) == [f"marketplace-dev-topic-{s}-notifications-failed-critical"
                              for s in ("critical", "info", "maintenance", "warning")]
    path = "arn:aws:sns:us-east-1:123456789012:marketplace-dev-alert-path"
    for severity in ("critical", "warning", "info", "maintenance"):
        inputs = failed[f"marketplace-dev-topic-{severity}-notifications-failed-critical"]
        assert inputs["namespace"] == "AWS/SNS"
        assert inputs["dimensions"] == {"TopicName": f"marketplace-dev-{severity}"}
        assert (inputs["statistic"], inputs["comparisonOperator"], inputs["threshold"]) == (
            "Sum", "GreaterThanThreshold", 0)
        assert (inputs["period"], inputs["evaluationPeriods"], inputs["datapointsToAlarm"]) \
            == (60, 1, 1)
        assert inputs["alarmActions"] == inputs["okActions"] == [path]


def test_alarm_descriptions_link_their_runbook_anchor() -> None:
    _registry, built = cached("dev")
    alarms = _alarms()
    base = platform("dev").runbook_base_url
    for item in built.items:
        for metric in _expected(item):
            alarm = alarms[f"{built.prefix}-{_short(item.name)}-{metric}-critical"]
            assert alarm["alarmDescription"].endswith(f"{base}#{anchor(item.kind, metric)}")
    for inputs in alarms.values():
        links = re.findall(r"#([a-z0-9-]+)$", inputs["alarmDescription"])
        headings = _anchors()
        assert all(link in headings for link in links), inputs["name"]


def _anchors() -> set[str]:
    return set(re.findall(r'<a id="([a-z0-9-]+)"></a>', RUNBOOK.read_text()))


def test_metric_math_alarms_return_one_series_over_the_items_dimensions() -> None:
    registry, built = cached("dev")
    alarms = _alarms()
    table = registry.named("aws:dynamodb/table:Table", "table").outputs["name"]
    errors = alarms[f"{built.prefix}-listings-system-errors-critical"]
    returned = [q for q in errors["metricQueries"] if q.get("returnData")]
    assert len(returned) == 1
    assert "expression" in returned[0]
    for query in errors["metricQueries"]:
        if "metric" in query:
            assert query["metric"]["dimensions"]["TableName"] == table
            assert query["metric"]["dimensions"]["Operation"]


def test_cloudfront_alarms_live_in_us_east_1_with_topics_there() -> None:
    registry, built = cached("dev")
    cdn_alarms = [r for r in registry.by_type(ALARM)
                  if r.inputs["name"].startswith(f"{built.prefix}-cdn-")]
    assert len(cdn_alarms) == 2 * len(CATALOG[Kind.CLOUDFRONT])
    for alarm in cdn_alarms:
        assert registry.provider_of(alarm).inputs["region"] == "us-east-1"
        assert alarm.inputs["dimensions"]["Region"] == "Global"
        assert alarm.inputs["alarmActions"][0].split(":")[3] == "us-east-1"
    others = [r for r in registry.by_type(ALARM) if r not in cdn_alarms]
    assert {registry.provider_of(r).inputs["region"] for r in others} == {
        platform("dev").region}
