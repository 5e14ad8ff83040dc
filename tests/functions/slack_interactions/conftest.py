"""Moto (DynamoDB, Secrets Manager) and a local HTTP server standing in for Slack and PagerDuty."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from moto import mock_aws
from pytest_httpserver import HTTPServer

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "marketplace/test")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "slack-interactions")

from functions.shared import retry
from functions.slack_interactions import handler as endpoint
from tests.functions.lambda_context import FakeLambdaContext

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "slack" / "block-actions.json"
TABLE = "alert-state"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # Slack's documented example secret
BOT_TOKEN = "xoxb-test-token"
ROUTING_KEY = "R0UTINGKEY0000000000000000000000"
NOW = 1_796_000_000
KEY = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-5xx"
FIRST_SEEN = NOW - 600


Context = partial(FakeLambdaContext, "marketplace-test-slack-interactions", remaining_ms=10_000)


def click_body(action_id: str, key: str = KEY, first_seen: int = FIRST_SEEN,
               user: str = "UA8RXUSPL") -> bytes:
    """The documented block_actions payload for a click on one of the router's buttons,
    form-encoded the way Slack posts it."""
    payload = json.loads(FIXTURE.read_text())
    payload["actions"][0]["action_id"] = action_id
    payload["actions"][0]["value"] = json.dumps({"k": key, "f": first_seen})
    payload["user"]["id"] = user
    return urlencode({"payload": json.dumps(payload)}).encode()


def signed_event(body: bytes, timestamp: int = NOW, secret: str = SIGNING_SECRET,
                 base64_body: bool = False) -> dict[str, Any]:
    """A function URL event (payload format 2.0) carrying ``body`` signed with ``secret``,
    the signature worked out here with hmac, independently of the code under test."""
    import base64
    import hashlib
    import hmac
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body,
                      hashlib.sha256).hexdigest()
    return {
        "version": "2.0", "rawPath": "/", "requestContext": {"http": {"method": "POST"}},
        "headers": {"content-type": "application/x-www-form-urlencoded",
                    "x-slack-request-timestamp": str(timestamp),
                    "x-slack-signature": f"v0={digest}"},
        "body": base64.b64encode(body).decode() if base64_body else body.decode(),
        "isBase64Encoded": base64_body,
    }


@pytest.fixture(scope="module")
def aws() -> Iterator[SimpleNamespace]:
    """moto with the state table and the three secrets, once per module."""
    with mock_aws():
        table = boto3.resource("dynamodb", region_name="us-east-1").create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "alert_key", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "alert_key", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST")
        client = boto3.client("secretsmanager", region_name="us-east-1")
        arns = {name: client.create_secret(Name=name, SecretString=value)["ARN"]
                for name, value in (("slack-signing", SIGNING_SECRET),
                                    ("slack-bot-token", BOT_TOKEN),
                                    ("pagerduty", ROUTING_KEY))}
        yield SimpleNamespace(table=table, secrets=client, arns=arns)


@pytest.fixture
def env(aws: SimpleNamespace, httpserver: HTTPServer,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    """The endpoint wired to moto and the local server, an ALARM item in the table."""
    with aws.table.batch_writer() as batch:
        for item in aws.table.scan(ProjectionExpression="alert_key")["Items"]:
            batch.delete_item(Key=item)
    aws.table.put_item(Item={
        "alert_key": KEY, "state": "ALARM", "severity": "warning", "first_seen": FIRST_SEEN,
        "last_sent": FIRST_SEEN, "count": 1, "delivered": True, "escalated": False})
    for key, value in {
        "DEDUP_TABLE": TABLE, "SLACK_SIGNING_SECRET_ARN": aws.arns["slack-signing"],
        "SLACK_BOT_TOKEN_SECRET_ARN": aws.arns["slack-bot-token"],
        "PAGERDUTY_SECRET_ARN": aws.arns["pagerduty"],
        "PAGERDUTY_URL": httpserver.url_for("/v2/enqueue"),
        "SLACK_API_URL": httpserver.url_for("/api"),
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(endpoint, "_dynamodb", boto3.resource("dynamodb", region_name="us-east-1"))
    monkeypatch.setattr(endpoint, "_secrets", aws.secrets)
    monkeypatch.setattr(endpoint, "clock", lambda: float(NOW))
    pauses: list[float] = []
    monkeypatch.setattr(retry, "sleep", pauses.append)
    endpoint.provider.cache_clear()
    yield SimpleNamespace(table=aws.table, server=httpserver, pauses=pauses)
    endpoint.provider.cache_clear()


def item(table: Any) -> dict[str, Any]:
    """The state item of KEY."""
    return table.get_item(Key={"alert_key": KEY})["Item"]


def slack_ok(server: HTTPServer) -> None:
    """chat.update answers ok, as Slack's Web API does."""
    server.expect_request("/api/chat.update", method="POST").respond_with_json(
        {"ok": True, "channel": "CBR2V3XEX", "ts": "1548261231.000200"})


def started() -> float:
    """A monotonic start time (for answer-time assertions)."""
    return time.monotonic()
