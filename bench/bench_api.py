"""Listings API: cold init against the boto3 floor, and DynamoDB requests per route.

``api-cold-init``: a fresh interpreter importing the handler module with the Lambda
environment set (tracing on, as in Lambda), against the floor any such handler pays in the
same run: a fresh interpreter that imports boto3 and creates exactly the clients the
handler creates (found by importing the handler with ``boto3.client`` recorded). Runs are
interleaved and the medians compared.

``dynamodb-requests <route>``: DynamoDB calls one request makes under moto, counted with a
botocore hook, against the minimum the key design allows for that access pattern.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import LambdaContext, Measurement

ROOT = Path(__file__).resolve().parent.parent
RUNS = 9
SHARDS = 4
LAMBDA_ENV = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_LAMBDA_FUNCTION_NAME": "marketplace-bench-api",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
    "LAMBDA_TASK_ROOT": str(ROOT),
    "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;"
                        "Sampled=1",
    "POWERTOOLS_SERVICE_NAME": "marketplace-bench-api",
    "POWERTOOLS_METRICS_NAMESPACE": "marketplace/bench",
    "TABLE_NAME": "marketplace-bench-listings",
    "CATEGORY_SHARDS": str(SHARDS),
    "EVENT_BUS_NAME": "marketplace-bench-events",
    "AUDIT_LOG_GROUP": "/marketplace-bench/audit",
}
RECORD_CLIENTS = """
import json, boto3
made = []
real = boto3.client
def record(name, *args, **kwargs):
    made.append(name)
    return real(name, *args, **kwargs)
boto3.client = record
import functions.api.handler
print(json.dumps(made))
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "AWS_"))}
    env.update(LAMBDA_ENV)
    env["PYTHONPATH"] = str(ROOT)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _run(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(), check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def handler_clients() -> list[str]:
    """The boto3 clients the handler creates at import, in order."""
    out = subprocess.run([sys.executable, "-c", RECORD_CLIENTS], cwd=ROOT, env=_env(),
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def cold_init() -> Measurement:
    """Median fresh-process import of the handler vs the boto3 + clients floor."""
    clients = handler_clients()
    floor_code = "import boto3\n" + "\n".join(f"boto3.client({c!r})" for c in clients)
    handler_code = "import functions.api.handler"
    _run(floor_code), _run(handler_code)  # warm the OS file cache and .pyc files
    floor, handler = [], []
    for _ in range(RUNS):
        floor.append(_run(floor_code))
        handler.append(_run(handler_code))
    return Measurement(
        name="api-cold-init", value=statistics.median(handler), unit="s",
        baseline=statistics.median(floor), target=1.6,
        note=f"floor: import boto3 + clients {', '.join(clients)}; {RUNS} runs each, medians")


# -- DynamoDB requests per route ---------------------------------------------------------
def _requests_per_route() -> list[Measurement]:
    import boto3
    from moto import mock_aws

    os.environ.update({k: v for k, v in LAMBDA_ENV.items()
                       if k not in ("LAMBDA_TASK_ROOT", "_X_AMZN_TRACE_ID")})
    os.environ["POWERTOOLS_TRACE_DISABLED"] = "1"
    with mock_aws():
        create_listings_table(LAMBDA_ENV["TABLE_NAME"])
        boto3.client("events").create_event_bus(Name=LAMBDA_ENV["EVENT_BUS_NAME"])
        boto3.client("logs").create_log_group(logGroupName=LAMBDA_ENV["AUDIT_LOG_GROUP"])
        import importlib

        from functions.api import handler

        handler = importlib.reload(handler)
        calls: list[str] = []
        handler.repository.client.meta.events.register(
            "before-call.dynamodb", lambda event_name, **_: calls.append(event_name))
        return _measure_routes(handler, calls)


def create_listings_table(name: str) -> None:
    """The API's single table with its indexes, in whatever moto account is active."""
    import boto3

    from functions.api import keys

    attributes = [{"AttributeName": a, "AttributeType": "S"} for a in keys.key_attributes()]
    boto3.client("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=attributes,
        KeySchema=[{"AttributeName": keys.PK, "KeyType": "HASH"},
                   {"AttributeName": keys.SK, "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{
            "IndexName": i.name, "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [{"AttributeName": i.hash_key, "KeyType": "HASH"},
                          {"AttributeName": i.range_key, "KeyType": "RANGE"}]}
            for i in keys.INDEXES])


def _event(method: str, path: str, resource: str, params: dict | None = None,
           query: dict | None = None, body: Any = None, sub: str | None = None) -> dict:
    return {
        "httpMethod": method, "path": path, "resource": resource, "pathParameters": params,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "headers": {"Content-Type": "application/json"}, "multiValueHeaders": {},
        "body": None if body is None else json.dumps(body),
        "requestContext": {"httpMethod": method, "path": path, "resourcePath": resource,
                           "requestId": "bench", "stage": "v1",
                           "identity": {"sourceIp": "192.0.2.1", "userAgent": "bench"},
                           "authorizer": {"claims": {"sub": sub}} if sub else None},
    }


def _measure_routes(handler: Any, calls: list[str]) -> list[Measurement]:
    import contextlib
    import io

    def call(event: dict) -> dict:
        with contextlib.redirect_stdout(io.StringIO()):  # EMF lines
            return handler.lambda_handler(event, LambdaContext(remaining_ms=10_000))

    seller = "bench-seller"
    body = {"title": "Bench bike", "description": "", "price": 10, "currency": "USD",
            "category": "bench", "seller_id": seller, "featured": True}
    ids = [json.loads(call(_event("POST", "/listings", "/listings", body=body,
                                  sub=seller))["body"])["id"] for _ in range(5)]
    listing = f"/listings/{ids[0]}"
    batch = [*ids, *(f"absent{i}" for i in range(245))]
    routes = [
        # (row, event, minimum DynamoDB requests the key design allows)
        ("create", _event("POST", "/listings", "/listings", body=body, sub=seller), 1),
        ("get", _event("GET", listing, "/listings/{id}", {"id": ids[0]}), 1),
        ("update", _event("PUT", listing, "/listings/{id}", {"id": ids[0]},
                                      body={"version": 1, "price": 12}, sub=seller), 2),
        ("batch-get-250", _event("POST", "/listings/batch-get",
                                                  "/listings/batch-get", body={"ids": batch}), 3),
        ("seller-feed", _event("GET", f"/sellers/{seller}/listings",
                                              "/sellers/{seller_id}/listings",
                                              {"seller_id": seller}), 1),
        ("category-feed", _event("GET", "/categories/bench/listings",
                                                "/categories/{category}/listings",
                                                {"category": "bench"}), SHARDS),
        ("featured", _event("GET", "/listings/featured", "/listings/featured"), 1),
        ("search", _event("GET", "/search", "/search",
                               query={"q": "bench", "category": "bench"}), SHARDS),
        ("contact", _event("POST", f"{listing}/contact",
                                               "/listings/{id}/contact", {"id": ids[0]},
                                               body={}, sub="buyer"), 1),
        ("delete", _event("DELETE", listing, "/listings/{id}", {"id": ids[0]},
                                         sub=seller), 2),
    ]
    rows = []
    for name, event, minimum in routes:
        calls.clear()
        status = call(event)["statusCode"]
        if status >= 300:
            raise RuntimeError(f"{name} answered {status}")
        if any(c.endswith(".Scan") for c in calls):
            raise RuntimeError(f"{name} scanned the table")
        rows.append(Measurement(name=f"dynamodb-requests {name}", value=len(calls),
                                unit="requests", baseline=minimum, target=1.0,
                                note=", ".join(sorted({c.rsplit('.', 1)[-1] for c in calls}))))
    return rows


def measure() -> list[Measurement]:
    """Both benchmarks of the listings API."""
    rows = [cold_init()]
    rows.extend(_requests_per_route())
    return rows
