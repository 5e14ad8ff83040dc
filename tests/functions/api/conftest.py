"""The listings API under moto, over the key schema the infrastructure declares."""

from __future__ import annotations

import copy
import importlib
import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.helpers import stack_registry

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "backend"
TABLE = "aws:dynamodb/table:Table"
REGION = "us-east-1"
SHARDS = 3
ENV = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "TABLE_NAME": "listings-test",
    "CATEGORY_SHARDS": str(SHARDS),
    "EVENT_BUS_NAME": "marketplace-test-events",
    "AUDIT_LOG_GROUP": "/marketplace-test/audit",
    "POWERTOOLS_TRACE_DISABLED": "1",
    "POWERTOOLS_SERVICE_NAME": "marketplace-test-api",
    "POWERTOOLS_METRICS_NAMESPACE": "marketplace/test",
}


def declared_table() -> dict[str, Any]:
    """CreateTable arguments from the table the dev stack declares (recorded by the mocks)."""
    registry = stack_registry("dev")
    (backend,) = registry.by_type("marketplace:backend:Backend")
    within = {r.urn for r in registry.descendants(backend)}
    (table,) = [t for t in registry.by_type(TABLE) if t.urn in within]
    inputs = table.inputs
    return {
        "TableName": ENV["TABLE_NAME"],
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": a["name"], "AttributeType": a["type"]}
                                 for a in inputs["attributes"]],
        "KeySchema": [{"AttributeName": inputs["hashKey"], "KeyType": "HASH"},
                      {"AttributeName": inputs["rangeKey"], "KeyType": "RANGE"}],
        "GlobalSecondaryIndexes": [
            {"IndexName": gsi["name"],
             "KeySchema": [{"AttributeName": k["attributeName"], "KeyType": k["keyType"]}
                           for k in gsi["keySchemas"]],
             "Projection": {"ProjectionType": gsi["projectionType"]}}
            for gsi in inputs["globalSecondaryIndexes"]
        ],
    }


class Context:
    """The parts of a Lambda context the handler and Powertools read."""

    function_name = "marketplace-test-api"
    function_version = "1"
    memory_limit_in_mb = 512
    invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:marketplace-test-api"
    aws_request_id = "6f8b1c7e-0000-4000-8000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@dataclass
class Api:
    """The handler module plus what the tests observe: AWS calls and published entries."""

    handler: ModuleType
    calls: Counter = field(default_factory=Counter)
    published: list[dict[str, Any]] = field(default_factory=list)

    def request(self, method: str, path: str, *, resource: str | None = None,
                path_params: dict[str, str] | None = None, query: dict[str, str] | None = None,
                body: Any = None, claims: dict[str, Any] | None = None,
                raw_body: str | None = None,
                authorizer: dict[str, Any] | None = None) -> dict[str, Any]:
        """Invoke the handler with a REST proxy event built from the recorded payload.

        ``claims`` become a Cognito authorizer context; ``authorizer`` replaces it whole.
        """
        event = copy.deepcopy(json.loads((FIXTURES / "apigw-rest-request.json").read_text()))
        event.update({
            "httpMethod": method, "path": path, "resource": resource or path,
            "pathParameters": path_params,
            "queryStringParameters": query,
            "multiValueQueryStringParameters": (
                {k: [v] for k, v in query.items()} if query else None),
            "body": raw_body if raw_body is not None else (
                None if body is None else json.dumps(body)),
        })
        event["requestContext"].update({"httpMethod": method, "path": f"/v1{path}",
                                        "resourcePath": resource or path})
        event["requestContext"]["authorizer"] = authorizer if authorizer is not None else (
            {"claims": claims} if claims else None)
        response = self.handler.lambda_handler(event, Context())
        response["json"] = json.loads(response["body"]) if response.get("body") else None
        return response


def user(sub: str, *groups: str) -> dict[str, str]:
    """ID-token claims as the Cognito authorizer passes them (strings)."""
    claims = {"sub": sub, "email": f"{sub}@example.com", "cognito:username": sub,
              "token_use": "id"}
    if groups:
        claims["cognito:groups"] = ",".join(groups)
    return claims


# The listings table as components/backend/data_tier.py declares it, written out by hand so
# that fast tests need not run the stack: generic string keys, three all-projection indexes.
KEY_ATTRIBUTES = ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk")
TABLE_SPEC: dict[str, Any] = {
    "TableName": ENV["TABLE_NAME"],
    "BillingMode": "PAY_PER_REQUEST",
    "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in KEY_ATTRIBUTES],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                  {"AttributeName": "sk", "KeyType": "RANGE"}],
    "GlobalSecondaryIndexes": [
        {"IndexName": f"gsi{n}",
         "KeySchema": [{"AttributeName": f"gsi{n}pk", "KeyType": "HASH"},
                       {"AttributeName": f"gsi{n}sk", "KeyType": "RANGE"}],
         "Projection": {"ProjectionType": "ALL"}}
        for n in (1, 2, 3)],
}


def running_api(table: dict[str, Any]) -> Iterator[Api]:
    """The handler imported inside moto with ``table``, the bus and the audit group."""
    saved = {k: os.environ.get(k) for k in ENV}
    os.environ.update(ENV)
    try:
        with mock_aws():
            boto3.client("dynamodb").create_table(**table)
            boto3.client("events").create_event_bus(Name=ENV["EVENT_BUS_NAME"])
            boto3.client("logs").create_log_group(logGroupName=ENV["AUDIT_LOG_GROUP"])
            import functions.api.handler as module

            module = importlib.reload(module)
            observed = Api(module)

            def count(event_name: str, **_: Any) -> None:
                observed.calls[event_name.rsplit(".", 1)[-1]] += 1

            def capture(params: dict[str, Any], **_: Any) -> None:
                observed.published.extend(params["Entries"])

            module.repository.client.meta.events.register("before-call.dynamodb", count)
            module.publisher._client.meta.events.register("provide-client-params.events.PutEvents",
                                                          capture)
            yield observed
            assert observed.calls["Scan"] == 0, "an access pattern scanned the table"
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    """The handler over the hand-written :data:`TABLE_SPEC` (no stack run; a test in
    test_routes.py holds the spec to the table the dev stack declares)."""
    yield from running_api(TABLE_SPEC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Makes the repository's ``now_iso`` return 2024-05-01T10:00:01, :02, ... (10:01:01
    after a minute), so feed order and cursors are known; the list holds the times given."""
    from functions.api import repository

    given: list[str] = []

    def now() -> str:
        given.append(f"2024-05-01T10:{len(given) // 60:02d}:{len(given) % 60 + 1:02d}.000000Z")
        return given[-1]

    monkeypatch.setattr(repository, "now_iso", now)
    return given
