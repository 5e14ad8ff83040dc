"""Moto (DynamoDB, Secrets Manager) and a local HTTP server standing in for Slack and PagerDuty."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
import urllib3
from moto import mock_aws
from pytest_httpserver import HTTPServer

# Before any handler module creates its module-scope clients.
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "marketplace/test")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "alert-router")

from functions.alert_router.dispatch import Dispatcher
from functions.alert_router.routing import load_routes, load_windows
from functions.alert_router.settings import Settings
from functions.shared import retry
from functions.shared.retry import Backoff

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "alerting"
ACCOUNT = "123456789012"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:marketplace-prod-{{}}"
ROUTING_KEY = "R0UTINGKEY0000000000000000000000"
ROUTES = [
    {"severities": ["critical"], "sources": ["*"], "targets": ["pagerduty", "slack:incidents"]},
    {"severities": ["warning"], "sources": ["*"], "targets": ["slack:alerts"]},
    {"severities": ["*"], "sources": ["budgets", "cost-anomaly"], "targets": ["slack:finops"]},
]
TABLE = "alert-state"
WINDOW = 3600


def fixture_text(name: str) -> str:
    """A fixture file's text."""
    return (FIXTURES / name).read_text()


def fixture_json(name: str) -> Any:
    """A fixture file's JSON."""
    return json.loads(fixture_text(name))


def sns_record(message: Any, severity: str = "critical", subject: str = "") -> dict[str, Any]:
    """The real SNS record of sns-event.json carrying ``message`` on a severity topic."""
    record = fixture_json("sns-event.json")["Records"][0]
    record["Sns"]["TopicArn"] = TOPIC.format(severity)
    record["Sns"]["Subject"] = subject or None
    record["Sns"]["Message"] = message if isinstance(message, str) else json.dumps(message)
    record["Sns"]["MessageAttributes"] = {}
    return record


def alarm_message(name: str, state: str, old: str = "OK") -> dict[str, Any]:
    """The single-metric fixture's alarm message with another name and state."""
    record = fixture_json("cloudwatch-alarm-sns-single-metric.json")["Records"][0]
    message = json.loads(record["Sns"]["Message"])
    message.update({"AlarmName": name, "NewStateValue": state, "OldStateValue": old,
                    "AlarmArn": f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:{name}",
                    "AWSAccountId": ACCOUNT})
    return message


class Clock:
    """A settable clock (epoch seconds)."""

    def __init__(self, now: float = 1_796_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Metrics:
    """Counts metrics the way Powertools' add_metric is called."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def add_metric(self, name: str, unit: str, value: float) -> None:
        self.counts[name] += int(value)


def make_table(resource: Any) -> Any:
    """The router's state table (same key schema as the stack creates)."""
    return resource.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "alert_key", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "alert_key", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def make_secrets(client: Any, server: HTTPServer) -> tuple[str, str]:
    """The PagerDuty key and Slack webhook secrets; webhooks point at the local server."""
    pd = client.create_secret(Name="pagerduty", SecretString=ROUTING_KEY)["ARN"]
    hooks = {c: server.url_for(f"/slack/{c}") for c in ("incidents", "alerts", "finops")}
    slack = client.create_secret(Name="slack", SecretString=json.dumps(hooks))["ARN"]
    return pd, slack


def settings_for(server: HTTPServer, pd_arn: str, slack_arn: str,
                 **overrides: Any) -> Settings:
    """Router settings with the routes above and PagerDuty on the local server."""
    values: dict[str, Any] = {
        "table_name": TABLE, "routes": load_routes(json.dumps(ROUTES)),
        "dedup_window_seconds": WINDOW, "state_ttl_seconds": 7 * 86400,
        "escalate_after_seconds": 1800, "lease_seconds": 120, "windows": load_windows([]),
        "suppress_severities": ("warning", "info"), "pagerduty_secret_arn": pd_arn,
        "slack_secret_arn": slack_arn, "pagerduty_url": server.url_for("/v2/enqueue"),
        "http_timeout_seconds": 0.5, "runbook_base_url": "https://runbooks.example.com/r.md",
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Backoff pauses taken (instead of sleeping)."""
    taken: list[float] = []
    monkeypatch.setattr(retry, "sleep", taken.append)
    return taken


@pytest.fixture(scope="module")
def aws(make_httpserver: HTTPServer) -> Iterator[SimpleNamespace]:
    """moto with the table and the secrets, once per test module (creating them is slow)."""
    with mock_aws():
        table = make_table(boto3.resource("dynamodb", region_name="us-east-1"))
        client = boto3.client("secretsmanager", region_name="us-east-1")
        pd_arn, slack_arn = make_secrets(client, make_httpserver)
        yield SimpleNamespace(table=table, secrets=client, pd_arn=pd_arn, slack_arn=slack_arn,
                              slack_value=client.get_secret_value(SecretId=slack_arn)[
                                  "SecretString"])


@pytest.fixture
def env(aws: SimpleNamespace, httpserver: HTTPServer,
        pauses: list[float]) -> SimpleNamespace:
    """An empty state table and a new Dispatcher (its own secrets cache) on moto and the server."""
    with aws.table.batch_writer() as batch:
        for item in aws.table.scan(ProjectionExpression="alert_key")["Items"]:
            batch.delete_item(Key=item)
    aws.secrets.put_secret_value(SecretId=aws.slack_arn, SecretString=aws.slack_value)
    clock, metrics = Clock(), Metrics()
    settings = settings_for(httpserver, aws.pd_arn, aws.slack_arn)
    dispatcher = Dispatcher(settings, aws.table, aws.secrets, urllib3.PoolManager(), metrics,
                            clock=clock, backoff=Backoff(attempts=4, base_seconds=0.01,
                                                         cap_seconds=0.05))
    return SimpleNamespace(table=aws.table, secrets=aws.secrets, clock=clock, metrics=metrics,
                           dispatcher=dispatcher, server=httpserver, pauses=pauses,
                           pd_arn=aws.pd_arn, slack_arn=aws.slack_arn, settings=settings)
