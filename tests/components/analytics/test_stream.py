"""Bus rules -> Kinesis: capacity from config, KMS, retention, routes, retry and DLQ."""

from __future__ import annotations

from components.analytics.event_stream import (
    ROUTES,
    TARGET_MAX_EVENT_AGE_SECONDS,
    TARGET_MAX_RETRIES,
)
from functions.shared.events import EVENT_TYPES, SOURCE
from tests.components.analytics.support import (
    BUS,
    CONSUMER,
    ESM,
    KEY,
    QUEUE,
    QUEUE_POLICY,
    ROLE_POLICY,
    RULE,
    STREAM,
    TARGET,
    analytics_config,
    prefix,
)
from tests.helpers import policy_document
from tools.mock_runtime import Registry


def stream(registry: Registry) -> dict:
    (s,) = [r for r in registry.by_type(STREAM) if "-analytics-" in r.name]
    return s.inputs


def test_stream_capacity_and_retention_follow_config(registry: Registry, stack: str) -> None:
    c = analytics_config(stack)
    s = stream(registry)
    assert s["streamModeDetails"]["streamMode"] == c.stream_mode
    if c.stream_mode == "PROVISIONED":
        assert s["shardCount"] == c.stream_shards
    else:
        assert s.get("shardCount") is None
    assert s["retentionPeriod"] == c.stream_retention_hours


def test_dev_idles_on_one_provisioned_shard_and_prod_keeps_longer_retention() -> None:
    # One shard-hour is $0.015, an on-demand stream-hour $0.04 (docs/cost.md).
    dev, prod = analytics_config("dev"), analytics_config("prod")
    assert (dev.stream_mode, dev.stream_shards) == ("PROVISIONED", 1)
    assert (prod.stream_mode, prod.stream_shards) == ("PROVISIONED", 4)
    assert prod.stream_retention_hours > dev.stream_retention_hours


def test_stream_is_encrypted_with_the_stack_key(registry: Registry) -> None:
    (key,) = [k for k in registry.by_type(KEY) if k.name.endswith("-core-key")]
    s = stream(registry)
    assert s["encryptionType"] == "KMS"
    assert s["kmsKeyId"] == key.outputs["arn"]


def test_fan_out_consumer_only_when_configured(registry: Registry, stack: str) -> None:
    consumers = registry.by_type(CONSUMER)
    (s,) = [r for r in registry.by_type(STREAM) if "-analytics-" in r.name]
    processor = registry.named(ESM, f"{prefix(stack)}-analytics-consumers-stream-processor-mapping")
    if analytics_config(stack).enhanced_fan_out:
        (consumer,) = consumers
        assert consumer.inputs["streamArn"] == s.outputs["arn"]
        assert processor.inputs["eventSourceArn"] == consumer.outputs["arn"]
    else:
        assert consumers == []
        assert processor.inputs["eventSourceArn"] == s.outputs["arn"]


def test_routes_cover_every_event_type_exactly_once() -> None:
    routed = [t for route in ROUTES for t in route.event_types]
    assert sorted(routed) == sorted(EVENT_TYPES)


def test_rules_match_the_domain_events_on_the_stack_bus(registry: Registry) -> None:
    (bus,) = registry.by_type(BUS)
    # The event stream's rules (the Cloudflare analytics schedule is the edge's, not these).
    rules = [r for r in registry.by_type(RULE) if "-analytics-events-" in r.name]
    assert len(rules) == len(ROUTES)
    matched: list[str] = []
    for rule in rules:
        pattern = policy_document(rule.inputs["eventPattern"])
        assert pattern["source"] == [SOURCE]
        assert rule.inputs["eventBusName"] == bus.outputs["name"]
        matched += pattern["detail-type"]
    assert sorted(matched) == sorted(EVENT_TYPES)


def test_targets_put_into_the_stream_with_retries_and_a_dead_letter_queue(
        registry: Registry, stack: str) -> None:
    (s,) = [r for r in registry.by_type(STREAM) if "-analytics-" in r.name]
    dlq = registry.named(QUEUE, f"{prefix(stack)}-analytics-events-rule-dlq-queue")
    targets = [t for t in registry.by_type(TARGET) if "-analytics-events-" in t.name]
    assert len(targets) == len(ROUTES)
    by_rule = {t.inputs["rule"]: t.inputs for t in targets}
    for route in ROUTES:
        target = by_rule[f"{prefix(stack)}-analytics-events-{route.name}-to-kinesis"]
        assert target["arn"] == s.outputs["arn"]
        assert target["kinesisTarget"]["partitionKeyPath"] == route.partition_key_path
        assert target["retryPolicy"] == {"maximumRetryAttempts": TARGET_MAX_RETRIES,
                                         "maximumEventAgeInSeconds": TARGET_MAX_EVENT_AGE_SECONDS}
        assert target["deadLetterConfig"]["arn"] == dlq.outputs["arn"]
    assert dlq.inputs["kmsMasterKeyId"].startswith("arn:aws:kms:")


def test_partition_key_paths_resolve_in_every_event_they_route() -> None:
    from functions.shared.events import COMMON, SCHEMAS

    for route in ROUTES:
        field = route.partition_key_path.removeprefix("$.detail.")
        for event_type in route.event_types:
            spec = {**COMMON, **SCHEMAS[event_type]}[field]
            assert spec.required, (event_type, field)


def test_only_the_rules_may_send_to_the_dead_letter_queue(registry: Registry) -> None:
    rule_arns = sorted(r.outputs["arn"] for r in registry.by_type(RULE)
                       if "-analytics-events-" in r.name)
    (policy,) = [p for p in registry.by_type(QUEUE_POLICY)
                 if "rule-dlq" in p.name and "-analytics-" in p.name]
    (statement,) = policy_document(policy.inputs["policy"])["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert sorted(statement["Condition"]["ArnEquals"]["aws:SourceArn"]) == rule_arns


def test_rule_role_may_only_put_records_into_the_stream(registry: Registry) -> None:
    (s,) = [r for r in registry.by_type(STREAM) if "-analytics-" in r.name]
    (policy,) = [p for p in registry.by_type(ROLE_POLICY) if p.name.endswith("rule-policy")]
    statements = policy_document(policy.inputs["policy"])["Statement"]
    put = next(st for st in statements if st["Sid"] == "PutIntoStream")
    assert put["Action"] == ["kinesis:PutRecord", "kinesis:PutRecords"]
    assert put["Resource"] == s.outputs["arn"]


def test_only_eventbridge_for_this_account_assumes_the_rule_role(registry: Registry) -> None:
    (role,) = [r for r in registry.by_type("aws:iam/role:Role") if r.name.endswith("rule-role")]
    (statement,) = policy_document(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
