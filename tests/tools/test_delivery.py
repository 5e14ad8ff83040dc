"""A deployment's event and metrics (tools/delivery.py): literal values, moto for the puts."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from functions.shared.events import validate
from policy.emitters import EMITTERS, WORKFLOW
from tools import delivery
from tools.delivery import Deployment

COMMITTED = datetime(2026, 12, 3, 6, 0, 0, tzinfo=timezone(timedelta(hours=1)))  # 05:00Z
DEPLOYED = datetime(2026, 12, 3, 5, 42, 30, tzinfo=UTC)
OK = Deployment("dev", "0123abc", True, COMMITTED, DEPLOYED, run_id="987")
FAILED = Deployment("prod", "0123abc", False, COMMITTED, DEPLOYED)


def test_lead_time_is_whole_seconds_from_commit_to_deploy() -> None:
    assert OK.lead_time_seconds == 2550  # 42 min 30 s
    early = Deployment("dev", "x", True, DEPLOYED + timedelta(seconds=5), DEPLOYED)
    assert early.lead_time_seconds == 0


def test_the_event_is_a_valid_deployment_completed_on_the_stack_bus() -> None:
    entry = delivery.event_entry(OK, "marketplace-dev-events", event_id="e-1")
    assert {k: v for k, v in entry.items() if k != "Detail"} == {
        "Source": "marketplace.listings", "DetailType": "DeploymentCompleted",
        "EventBusName": "marketplace-dev-events"}
    detail = json.loads(entry["Detail"])
    assert detail == {
        "stack": "dev", "commit_sha": "0123abc", "outcome": "succeeded",
        "committed_at": "2026-12-03T05:00:00Z", "deployed_at": "2026-12-03T05:42:30Z",
        "lead_time_seconds": 2550, "run_id": "987", "event_id": "e-1",
        "occurred_at": "2026-12-03T05:42:30Z", "schema_version": 1}
    assert validate("DeploymentCompleted", detail) == detail


def test_a_failed_deployment_has_no_run_id_unless_given() -> None:
    detail = json.loads(delivery.event_entry(FAILED, "b", event_id="e-2")["Detail"])
    assert detail["outcome"] == "failed"
    assert "run_id" not in detail


def test_metrics_of_a_success_carry_the_lead_time() -> None:
    dims = [{"Name": "service", "Value": "delivery"}]
    assert delivery.metric_data(OK) == [
        {"MetricName": "Deployments", "Value": 1.0, "Unit": "Count", "Dimensions": dims,
         "Timestamp": DEPLOYED},
        {"MetricName": "DeploymentFailed", "Value": 0.0, "Unit": "Count", "Dimensions": dims,
         "Timestamp": DEPLOYED},
        {"MetricName": "LeadTimeSeconds", "Value": 2550.0, "Unit": "Seconds",
         "Dimensions": dims, "Timestamp": DEPLOYED},
    ]


def test_metrics_of_a_failure_count_it_and_no_lead_time() -> None:
    assert [(d["MetricName"], d["Value"]) for d in delivery.metric_data(FAILED)] == [
        ("Deployments", 1.0), ("DeploymentFailed", 1.0)]


def test_the_emitters_table_declares_what_the_workflow_puts() -> None:
    declared = {(e.metric, e.dimensions) for e in EMITTERS
                if e.via == WORKFLOW and ("service", "delivery") in e.dimensions}
    put = {(d["MetricName"], (("service", "delivery"),)) for d in delivery.metric_data(OK)}
    assert declared == put == {("Deployments", (("service", "delivery"),)),
                               ("DeploymentFailed", (("service", "delivery"),)),
                               ("LeadTimeSeconds", (("service", "delivery"),))}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A moto account with the dev stack's bus."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        for bus in ("marketplace-dev-events", "marketplace-prod-events"):
            boto3.client("events").create_event_bus(Name=bus)
        yield


def test_publish_puts_the_event_the_metrics_and_the_last_deployment(aws: None) -> None:
    events, cloudwatch = boto3.client("events"), boto3.client("cloudwatch")
    ssm = boto3.client("ssm")
    sent: list[Any] = []
    events.meta.events.register("before-parameter-build.events.PutEvents",
                                lambda params, **_: sent.append(params))
    delivery.publish(OK, project="marketplace", events=events, cloudwatch=cloudwatch, ssm=ssm)
    value = ssm.get_parameter(Name="/marketplace-dev/delivery/last-deployment")
    assert json.loads(value["Parameter"]["Value"]) == {
        "commit_sha": "0123abc", "stack": "dev", "deployed_at": "2026-12-03T05:42:30Z"}
    assert [e["EventBusName"] for e in sent[0]["Entries"]] == ["marketplace-dev-events"]
    metrics = cloudwatch.list_metrics(Namespace="marketplace/dev")["Metrics"]
    assert sorted(m["MetricName"] for m in metrics) == [
        "DeploymentFailed", "Deployments", "LeadTimeSeconds"]
    assert all(m["Dimensions"] == [{"Name": "service", "Value": "delivery"}] for m in metrics)


def test_publish_fails_when_eventbridge_refuses(aws: None) -> None:
    class Refusing:
        def put_events(self, **_: Any) -> dict[str, Any]:
            return {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "InternalFailure"}]}

    with pytest.raises(RuntimeError, match="InternalFailure"):
        delivery.publish(OK, project="marketplace", events=Refusing(),
                         cloudwatch=boto3.client("cloudwatch"), ssm=boto3.client("ssm"))


def test_a_failed_deployment_leaves_the_last_deployment_alone(aws: None) -> None:
    ssm = boto3.client("ssm")
    delivery.publish(FAILED, project="marketplace", events=boto3.client("events"),
                     cloudwatch=boto3.client("cloudwatch"), ssm=ssm)
    assert ssm.describe_parameters()["Parameters"] == []


def test_commit_time_is_the_committer_date(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@example.com",
           "GIT_COMMITTER_NAME": "c", "GIT_COMMITTER_EMAIL": "c@example.com",
           "GIT_AUTHOR_DATE": "2026-11-30T10:00:00+00:00",
           "GIT_COMMITTER_DATE": "2026-12-01T09:15:00+02:00"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "commit", "-q", "--allow-empty", "-m", "x"],
                   check=True)
    monkeypatch.chdir(tmp_path)
    assert delivery.commit_time("HEAD") == datetime(2026, 12, 1, 7, 15, tzinfo=UTC)


def test_a_cancelled_deploy_publishes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert delivery.main(["--stack", "dev", "--outcome", "cancelled", "--commit", "x"]) == 0
    assert capsys.readouterr().out == "outcome cancelled: no deployment to publish\n"
