"""Observability config: declared in Pulumi.yaml, validated together, overrides checked on items."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from components.config import ConfigError, ObservabilityConfig, build, declared_keys
from tests.components.observability.program import run_test_program
from tests.helpers import config_of

ROOT = Path(__file__).resolve().parents[3]
OBSERVABILITY_KEYS = (
    "alarmThresholds", "maintenanceWaitSeconds", "maintenanceExtensionSeconds",
    "anomalyBandWidth", "xraySamplingRate", "xrayErrorSamplingRate", "xrayReservoirPerSecond",
    "slowRequestMs", "rumEnabled", "rumSessionSampleRate", "canaryEnabled",
    "canaryIntervalMinutes", "canaryHealthPath", "canaryRuntimeVersion", "canaryRetentionDays",
    "dashboardStartHours", "securityAlarmThresholds",
)


def _observability(stack: str, **overrides: object) -> ObservabilityConfig:
    return build(config_of(stack, **overrides), project="marketplace",
                 stack=stack).observability


def test_keys_are_declared_in_pulumi_yaml_with_their_types() -> None:
    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    read = declared_keys()
    for key in OBSERVABILITY_KEYS:
        assert declared[key]["type"] == read[f"marketplace:{key}"], key
        assert declared[key]["description"]


def test_stacks_differ_by_values_only() -> None:
    dev, prod = _observability("dev"), _observability("prod")
    assert not dev.canary_enabled
    assert prod.canary_enabled
    assert dev.xray_sampling_rate > prod.xray_sampling_rate
    assert {o.scope for o in dev.alarm_thresholds} == {"lambda"}


def test_every_bad_value_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        _observability("dev", alarmThresholds=["lambda/error-rate/critical=abc",
                                               "lambda/no-metric/warning=1",
                                               "nonsense"],
                       xraySamplingRate="1.5", anomalyBandWidth="0", canaryIntervalMinutes=0,
                       canaryHealthPath="health", canaryRuntimeVersion="syn-nodejs-9.0",
                       securityAlarmThresholds=["auth_failed=-1", "logins=3"])
    keys = " ".join(caught.value.keys)
    for key in ("alarmThresholds[0]", "alarmThresholds[1]", "alarmThresholds[2]",
                "xraySamplingRate", "anomalyBandWidth", "canaryIntervalMinutes",
                "canaryHealthPath", "canaryRuntimeVersion", "securityAlarmThresholds[0]",
                "securityAlarmThresholds[1]"):
        assert f"marketplace:{key}" in keys, key


def test_item_overrides_beat_kind_overrides() -> None:
    from components.blocks.monitored_items import Kind, MonitoredItem
    from components.observability.catalog import find
    from components.observability.thresholds import Thresholds

    config = _observability("dev", alarmThresholds=[
        "lambda/throttles/critical=7", "marketplace-dev-orders/throttles/critical=3"])
    thresholds = Thresholds(config.alarm_thresholds)
    spec = find(Kind.LAMBDA, "throttles")
    assert spec is not None

    def item(name: str) -> MonitoredItem:
        return MonitoredItem(Kind.LAMBDA, name, {"FunctionName": name}, "us-east-1", "team")

    thresholds.validate([item("marketplace-dev-orders"), item("marketplace-dev-search")])
    orders = thresholds.resolve(item("marketplace-dev-orders"), spec, "critical")
    search = thresholds.resolve(item("marketplace-dev-search"), spec, "critical")
    assert orders is not None
    assert search is not None
    assert (orders.value, orders.source) == (
        3, "marketplace:alarmThresholds[marketplace-dev-orders/throttles/critical]")
    assert (search.value, search.source) == (
        7, "marketplace:alarmThresholds[lambda/throttles/critical]")
    assert thresholds.resolve(item("marketplace-dev-search"), spec, "warning").source is None


def test_unknown_items_and_inverted_thresholds_fail_with_the_key() -> None:
    with pytest.raises(ConfigError) as caught:
        run_test_program("dev", alarmThresholds=[
            "marketplace-dev-nothing/throttles/critical=3",
            "api-stage/latency-p99/warning=9000",
        ])
    message = str(caught.value)
    assert "marketplace:alarmThresholds[marketplace-dev-nothing/throttles/critical]" in message
    assert "no monitored item is named 'marketplace-dev-nothing'" in message
    assert "marketplace:alarmThresholds[api-stage/latency-p99/warning]" in message
    assert "would fire after critical" in message
