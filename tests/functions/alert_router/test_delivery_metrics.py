"""Change failures and time to restore (delivery_metrics.py): moto SSM, the real EMF."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
import urllib3
from aws_lambda_powertools import Metrics as PowertoolsMetrics

from functions.alert_router.alert import Alert
from functions.alert_router.dedup import Claim
from functions.alert_router.delivery_metrics import (
    DeliveryMetrics,
    LastDeployment,
    raises_incident,
    restore_seconds,
    within_window,
)
from functions.alert_router.dispatch import Dispatcher
from functions.shared.retry import Backoff, Deadline
from tests.functions.alert_router.conftest import Metrics, alarm_message, sns_record

PARAMETER = "/marketplace-test/delivery/last-deployment"
DEPLOYED = "2026-11-30T08:00:00Z"  # 1_796_025_600 epoch seconds
DEPLOYED_EPOCH = 1_796_025_600


def _alert(severity: str, state: str) -> Alert:
    return Alert(key="k", source="cloudwatch", severity=severity, title="t", state=state)


def _claim(previous: dict[str, Any]) -> Claim:
    return Claim(True, previous, 1, 0)


def test_last_deployment_parses_the_workflows_json_or_gives_none() -> None:
    assert LastDeployment.parse(json.dumps({"commit_sha": "abc", "deployed_at": DEPLOYED})) \
        == LastDeployment("abc", 1_796_025_600.0)
    for bad in ("", "{}", "[1]", '{"commit_sha": "a", "deployed_at": "yesterday"}'):
        assert LastDeployment.parse(bad) is None, bad


def test_restore_is_a_critical_ok_after_alarm_from_when_the_alarm_began() -> None:
    alarmed = _claim({"state": "ALARM", "first_seen": 1000})
    assert restore_seconds(_alert("critical", "OK"), alarmed, 1900) == 900
    assert restore_seconds(_alert("warning", "OK"), alarmed, 1900) is None
    assert restore_seconds(_alert("critical", "ALARM"), alarmed, 1900) is None
    assert restore_seconds(_alert("critical", "OK"), _claim({"state": "OK"}), 1900) is None
    assert restore_seconds(_alert("critical", "OK"), _claim({"state": "ALARM"}), 1900) is None


def test_an_incident_is_a_critical_alarm_after_anything_else() -> None:
    assert raises_incident(_alert("critical", "ALARM"), _claim({}))
    assert raises_incident(_alert("critical", "ALARM"), _claim({"state": "OK"}))
    assert not raises_incident(_alert("critical", "ALARM"), _claim({"state": "ALARM"}))
    assert not raises_incident(_alert("warning", "ALARM"), _claim({}))


def test_the_window_is_closed_at_both_ends() -> None:
    deployment = LastDeployment("abc", 1000.0)
    assert within_window(deployment, 1000, 600)
    assert within_window(deployment, 1600, 600)
    assert not within_window(deployment, 1601, 600)
    assert not within_window(deployment, 999, 600)  # an incident before the deployment


@pytest.fixture
def ssm(aws: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> Any:
    """moto SSM (inside the module's mock) with the last deployment recorded.

    The stack hands the router the parameter's name in LAST_DEPLOYMENT_PARAMETER; setting it
    here lets the role check map the test's name to the deployed parameter.
    """
    monkeypatch.setenv("LAST_DEPLOYMENT_PARAMETER", PARAMETER)
    client = boto3.client("ssm", region_name="us-east-1")
    client.put_parameter(Name=PARAMETER, Type="String", Overwrite=True,
                         Value=json.dumps({"commit_sha": "0123abc", "deployed_at": DEPLOYED,
                                           "stack": "test"}))
    return client


@pytest.fixture
def emf() -> Any:
    """Powertools' Metrics in the router's namespace and service; cleared after the test."""
    metrics = PowertoolsMetrics(namespace="marketplace/test", service="alert-router")
    metrics.clear_metrics()
    yield metrics
    metrics.clear_metrics()


def test_a_critical_alarm_in_the_window_is_a_change_failure_with_its_commit(
        ssm: Any, emf: PowertoolsMetrics) -> None:
    observer = DeliveryMetrics(emf, ssm, PARAMETER, 3600)
    observer.observe(_alert("critical", "ALARM"), _claim({}), DEPLOYED_EPOCH + 1200)
    blob = emf.serialize_metric_set()
    assert blob["ChangeFailures"] == [1.0]
    assert blob["change_failure_commit"] == "0123abc"
    assert blob["service"] == "alert-router"
    assert blob["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "marketplace/test"


def test_outside_the_window_or_without_a_parameter_nothing_counts(ssm: Any) -> None:
    counted = Metrics()
    DeliveryMetrics(counted, ssm, PARAMETER, 3600).observe(
        _alert("critical", "ALARM"), _claim({}), DEPLOYED_EPOCH + 3601)
    DeliveryMetrics(counted, ssm, "", 3600).observe(
        _alert("critical", "ALARM"), _claim({}), DEPLOYED_EPOCH + 60)
    DeliveryMetrics(counted, None, PARAMETER, 3600).observe(
        _alert("critical", "ALARM"), _claim({}), DEPLOYED_EPOCH + 60)
    assert counted.counts == {}


def test_an_unreadable_or_empty_record_counts_nothing(ssm: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    counted = Metrics()
    # The parameter missing (deleted by hand) cannot cost an alert its delivery.
    monkeypatch.setenv("LAST_DEPLOYMENT_PARAMETER", "/marketplace-test/missing")
    DeliveryMetrics(counted, ssm, "/marketplace-test/missing", 3600).observe(
        _alert("critical", "ALARM"), _claim({}), DEPLOYED_EPOCH + 60)
    # The stack's initial "{}" before the first deployment the workflow recorded.
    ssm.put_parameter(Name=PARAMETER, Type="String", Overwrite=True, Value="{}")
    monkeypatch.setenv("LAST_DEPLOYMENT_PARAMETER", PARAMETER)
    DeliveryMetrics(counted, ssm, PARAMETER, 3600).observe(
        _alert("critical", "ALARM"), _claim({}), DEPLOYED_EPOCH + 60)
    assert counted.counts == {}


def test_a_restore_emits_its_seconds(emf: PowertoolsMetrics) -> None:
    DeliveryMetrics(emf, None, "", 3600).observe(
        _alert("critical", "OK"), _claim({"state": "ALARM", "first_seen": 5000}), 5750)
    assert emf.serialize_metric_set()["TimeToRestoreSeconds"] == [750.0]


class _Counting(Metrics):
    """The dispatcher tests' metric counter, with metadata."""

    def __init__(self) -> None:
        super().__init__()
        self.metadata: dict[str, Any] = {}

    def add_metadata(self, key: str, value: Any) -> None:
        self.metadata[key] = value


def test_the_dispatcher_counts_an_incident_after_a_deploy_and_its_restore(
        env: SimpleNamespace, ssm: Any) -> None:
    env.server.expect_request("/v2/enqueue").respond_with_json({"status": "success"}, 202)
    env.server.expect_request("/slack/incidents").respond_with_data("ok")
    metrics = _Counting()
    settings = SimpleNamespace(**{**env.settings.__dict__,
                                  "last_deployment_parameter": PARAMETER,
                                  "change_failure_window_seconds": 1800})
    env.clock.now = DEPLOYED_EPOCH + 600
    dispatcher = Dispatcher(settings, env.table, env.secrets, urllib3.PoolManager(), metrics,
                            clock=env.clock, backoff=Backoff(2, 0.01, 0.05), ssm=ssm)
    dispatcher.handle_record(sns_record(alarm_message("down", "ALARM")), Deadline(10))
    assert metrics.counts["ChangeFailures"] == 1
    assert metrics.metadata == {"change_failure_commit": "0123abc"}
    env.clock.now += 420
    dispatcher.handle_record(sns_record(alarm_message("down", "OK", "ALARM")), Deadline(10))
    assert metrics.counts["TimeToRestoreSeconds"] == 420
    assert metrics.counts["ChangeFailures"] == 1
