"""The analytics collector against a local stand-in for Cloudflare's GraphQL API and moto."""

from __future__ import annotations

import importlib
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pytest_httpserver import HTTPServer

from functions.shared import retry
from tests.functions.lambda_context import FakeLambdaContext

FIXTURES = Path(__file__).parents[2] / "fixtures" / "edge"
ZONE = "0123456789abcdef0123456789abcdef"
TOKEN = "cf-analytics-token-value"
NAMESPACE = "marketplace/test"
GRAPHQL = "/client/v4/graphql"
ANSWER = json.loads((FIXTURES / "cloudflare-graphql-zone-analytics.json").read_text())
DIMENSIONS = [{"Name": "service", "Value": "cloudflare"}, {"Name": "ZoneId", "Value": ZONE}]


def tick(time_: str = "2020-09-30T15:58:34Z") -> dict[str, Any]:
    """The real EventBridge Scheduled Event, at ``time_``."""
    event = json.loads((FIXTURES / "eventbridge-scheduled-event.json").read_text())
    event["time"] = time_
    return event


# The function, a ticking clock: a Retry-After runs it down.
Context = partial(FakeLambdaContext, "marketplace-dev-cloudflare-analytics", remaining_ms=120_000,
                  ticking=True)


@pytest.fixture
def aws(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    """moto Secrets Manager and CloudWatch, env pointing the handler at the local server."""
    for key, value in {
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing", "POWERTOOLS_SERVICE_NAME": "cloudflare-analytics",
        "POWERTOOLS_METRICS_NAMESPACE": NAMESPACE, "POWERTOOLS_TRACE_DISABLED": "true",
        "CLOUDFLARE_ZONE_ID": ZONE, "ANALYTICS_WINDOW_MINUTES": "5",
        "ANALYTICS_LAG_MINUTES": "5", "CLOUDFLARE_API_BASE": httpserver.url_for("/client/v4"),
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        secret = boto3.client("secretsmanager").create_secret(Name="analytics-token",
                                                              SecretString=TOKEN)
        monkeypatch.setenv("CLOUDFLARE_TOKEN_SECRET_ARN", secret["ARN"])
        module = importlib.reload(importlib.import_module(
            "functions.cloudflare_analytics.handler"))  # fresh clients inside moto
        pauses: list[float] = []
        monkeypatch.setattr(retry, "sleep", pauses.append)
        yield SimpleNamespace(handler=module, cloudwatch=boto3.client("cloudwatch"),
                              pauses=pauses)


def points(aws: SimpleNamespace, metric: str) -> dict[str, float]:
    """What moto's CloudWatch holds for ``metric`` of the zone: minute -> Sum."""
    got = aws.cloudwatch.get_metric_statistics(
        Namespace=NAMESPACE, MetricName=metric, Dimensions=DIMENSIONS,
        StartTime=datetime(2020, 9, 30, 15, 0, tzinfo=UTC),
        EndTime=datetime(2020, 9, 30, 17, 0, tzinfo=UTC), Period=60, Statistics=["Sum"])
    return {p["Timestamp"].strftime("%H:%M"): p["Sum"] for p in got["Datapoints"]}


def test_one_query_reads_the_window_that_ended_the_lag_before_the_tick(
        aws: SimpleNamespace, httpserver: HTTPServer, capsys: pytest.CaptureFixture) -> None:
    httpserver.expect_request(GRAPHQL, method="POST").respond_with_json(ANSWER)
    result = aws.handler.handler(tick("2020-09-30T15:58:34Z"), Context())

    (request, _), = httpserver.log
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == "application/json"
    body = json.loads(request.get_data())
    # 15:58:34 less 5 minutes is 15:53:34, floored to the 5-minute grid: 15:45 to 15:50.
    assert body["variables"] == {"zoneTag": ZONE, "start": "2020-09-30T15:45:00Z",
                                 "end": "2020-09-30T15:50:00Z", "limit": 5000}
    assert "httpRequestsAdaptiveGroups" in body["query"]
    assert "firewallEventsAdaptiveGroups" in body["query"]
    assert result == {"start": "2020-09-30T15:45:00Z", "end": "2020-09-30T15:50:00Z",
                      "metric_data": 56}  # 5 minutes x 11 series, one origin time
    assert TOKEN not in capsys.readouterr().out


def test_metrics_are_written_per_minute_with_zeros_for_quiet_minutes(
        aws: SimpleNamespace, httpserver: HTTPServer) -> None:
    httpserver.expect_request(GRAPHQL, method="POST").respond_with_json(ANSWER)
    aws.handler.handler(tick(), Context())

    quiet = {"15:46": 0.0, "15:48": 0.0, "15:49": 0.0}
    assert points(aws, "Requests") == {"15:45": 100.0, "15:47": 10.0, **quiet}
    assert points(aws, "CachedRequests") == {"15:45": 90.0, "15:47": 10.0, **quiet}
    assert points(aws, "UncachedRequests") == {"15:45": 10.0, "15:47": 0.0, **quiet}
    assert points(aws, "Responses2xx") == {"15:45": 96.0, "15:47": 0.0, **quiet}
    assert points(aws, "Responses3xx") == {"15:45": 0.0, "15:47": 10.0, **quiet}
    assert points(aws, "Responses4xx") == {"15:45": 2.0, "15:47": 0.0, **quiet}
    assert points(aws, "Responses5xx") == {"15:45": 2.0, "15:47": 0.0, **quiet}
    assert points(aws, "EdgeResponseBytes") == {"15:45": 481500.0, "15:47": 2000.0, **quiet}
    # Weighted by requests over the groups that went to the origin: (6 x 120 + 2 x 300) / 8.
    assert points(aws, "OriginResponseTime") == {"15:45": 165.0}
    assert points(aws, "WafBlocks") == {"15:45": 2.0, "15:47": 0.0, **quiet}
    assert points(aws, "WafChallenges") == {"15:45": 3.0, "15:47": 0.0, **quiet}
    # A rate-limit rule's block counts as a rate-limit action, not a WAF block; log is neither.
    assert points(aws, "RateLimitActions") == {"15:45": 0.0, "15:47": 4.0, **quiet}


def test_graphql_errors_with_http_200_raise_and_write_nothing(
        aws: SimpleNamespace, httpserver: HTTPServer) -> None:
    httpserver.expect_request(GRAPHQL, method="POST").respond_with_json({
        "data": None,
        "errors": [{"message": "cannot request data older than 2678400s",
                    "path": ["viewer", "zones", "0", "firewallEventsAdaptiveGroups"],
                    "extensions": {"timestamp": "2019-12-09T21:27:19.195060142Z"}}]})
    with pytest.raises(aws.handler.graphql.AnalyticsError, match="older than 2678400s"):
        aws.handler.handler(tick(), Context())
    assert len(httpserver.log) == 1  # a GraphQL error is not an HTTP status to retry
    assert points(aws, "Requests") == {}


def test_429_waits_as_long_as_retry_after_says(aws: SimpleNamespace,
                                               httpserver: HTTPServer) -> None:
    limited = {"data": None, "errors": [{"message": "rate limiter budget depleted, try again "
                                                    "after 5 minutes"}]}
    httpserver.expect_ordered_request(GRAPHQL, method="POST").respond_with_json(
        limited, status=429, headers={"Retry-After": "7"})
    httpserver.expect_ordered_request(GRAPHQL, method="POST").respond_with_json(ANSWER)
    aws.handler.handler(tick(), Context())
    assert aws.pauses == [7.0]
    assert points(aws, "Requests")["15:45"] == 100.0


def test_5xx_is_retried_with_urllib3s_jittered_backoff(aws: SimpleNamespace,
                                                      httpserver: HTTPServer,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(random, "random", lambda: 0.5)  # urllib3's jitter draw
    for _ in range(2):
        httpserver.expect_ordered_request(GRAPHQL, method="POST").respond_with_data(
            "bad gateway", status=502)
    httpserver.expect_ordered_request(GRAPHQL, method="POST").respond_with_json(ANSWER)
    aws.handler.handler(tick(), Context())
    # At once after the first failure, then 0.5 * 2 s plus 0.5 * 0.5 s of jitter.
    assert aws.pauses == [0.0, 1.25]
    assert len(httpserver.log) == 3


def test_persistent_5xx_raises_after_every_attempt(aws: SimpleNamespace,
                                                   httpserver: HTTPServer) -> None:
    httpserver.expect_request(GRAPHQL, method="POST").respond_with_data("down", status=503)
    with pytest.raises(aws.handler.CollectFailedError, match="HTTP 503"):
        aws.handler.handler(tick(), Context())
    assert len(httpserver.log) == 4
    assert points(aws, "Requests") == {}


def test_a_rate_limit_that_outlasts_the_function_stops_in_time(
        aws: SimpleNamespace, httpserver: HTTPServer) -> None:
    httpserver.expect_request(GRAPHQL, method="POST").respond_with_json(
        {"data": None, "errors": [{"message": "quota exceeded"}]}, status=429,
        headers={"Retry-After": "300"})
    with pytest.raises(aws.handler.CollectFailedError, match="HTTP 429"):
        aws.handler.handler(tick(), Context(remaining_ms=60_000))
    assert len(httpserver.log) == 1  # a 300 s pause does not fit


def test_a_bad_token_is_refused_without_retrying(aws: SimpleNamespace,
                                                 httpserver: HTTPServer) -> None:
    httpserver.expect_request(GRAPHQL, method="POST").respond_with_json(
        {"data": None, "errors": [{"message": "authentication error"}]}, status=403)
    with pytest.raises(aws.handler.CollectFailedError, match=r"HTTP 403 \(authentication"):
        aws.handler.handler(tick(), Context())
    assert len(httpserver.log) == 1


def test_a_retried_tick_writes_the_same_window(aws: SimpleNamespace,
                                               httpserver: HTTPServer) -> None:
    httpserver.expect_request(GRAPHQL, method="POST").respond_with_json(ANSWER)
    first = aws.handler.handler(tick("2020-09-30T15:55:00Z"), Context())
    again = aws.handler.handler(tick("2020-09-30T15:59:59Z"), Context())
    assert first["start"] == again["start"] == "2020-09-30T15:45:00Z"
    starts = {json.loads(r.get_data())["variables"]["start"] for r, _ in httpserver.log}
    assert starts == {"2020-09-30T15:45:00Z"}


def test_an_event_without_a_time_is_refused(aws: SimpleNamespace) -> None:
    with pytest.raises(ValueError, match="no time"):
        aws.handler.handler({"detail-type": "Scheduled Event"}, Context())
