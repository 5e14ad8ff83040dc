"""Sinks of a closed window: API limits, retries with backoff, rejected records, InfluxDB."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import urllib3
from botocore.config import Config
from botocore.stub import Stubber
from moto import mock_aws
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from functions.shared import retry
from functions.shared.retry import Backoff, Deadline
from tests.functions.analytics_support import NAMESPACE, eventbridge_event, set_environment

set_environment()
from functions.shared.stream_records import decode  # noqa: E402
from functions.window_aggregator import sinks  # noqa: E402
from functions.window_aggregator.window_state import WindowState  # noqa: E402

WINDOW = sinks.Window(start="2026-11-28T06:40:00Z", end="2026-11-28T06:41:00Z",
                      shard_id="shardId-000000000006", top_n=3)
FAST = Backoff(attempts=4, base_seconds=0.01, cap_seconds=0.02)


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    taken: list[float] = []
    monkeypatch.setattr(retry, "sleep", taken.append)
    monkeypatch.setattr(sinks, "sleep", taken.append)
    return taken


def record(i: int) -> dict[str, Any]:
    return {"Dimensions": [{"Name": "shard_id", "Value": "s"}], "MeasureName": "events",
            "MeasureValue": str(i), "MeasureValueType": "BIGINT",
            "Time": str(1_700_000_000_000 + i),
            "TimeUnit": "MILLISECONDS"}


def timestream_client() -> Any:
    return boto3.client("timestream-write", region_name="us-east-1",
                        endpoint_url="https://ingest.timestream.us-east-1.amazonaws.com",
                        config=Config(retries={"total_max_attempts": 1}))


def test_writes_are_batched_at_most_100_records() -> None:
    client = timestream_client()
    records = [record(i) for i in range(250)]
    with Stubber(client) as stub:
        for start in range(0, 250, 100):
            stub.add_response("write_records", {"RecordsIngested": {"Total": 1}}, {
                "DatabaseName": "db", "TableName": "t", "CommonAttributes": {"Version": 7},
                "Records": records[start:start + 100]})
        rejected = sinks.write_timestream(client, "db", "t", records, version=7, backoff=FAST,
                                          deadline=Deadline(30))
        stub.assert_no_pending_responses()
    assert rejected == []


def test_rejected_records_are_logged_and_returned(caplog: pytest.LogCaptureFixture) -> None:
    client = timestream_client()
    records = [record(i) for i in range(3)]
    with Stubber(client) as stub:
        stub.add_client_error(
            "write_records", service_error_code="RejectedRecordsException",
            service_message="One or more records have been rejected.", http_status_code=419,
            modeled_fields={"RejectedRecords": [
                {"RecordIndex": 1, "Reason": "The record timestamp is outside the time range "
                 "[2026-11-27T06:40:00Z, 2026-11-28T07:20:00Z) of the data ingestion window."}]})
        rejected = sinks.write_timestream(client, "db", "t", records, version=1, backoff=FAST,
                                          deadline=Deadline(30))
        stub.assert_no_pending_responses()
    assert rejected == [records[1]]
    logged = [r for r in caplog.records if r.getMessage() == "timestream rejected record"]
    assert len(logged) == 1
    assert "outside the time range" in logged[0].reason  # type: ignore[attr-defined]


def test_throttling_is_retried_with_backoff(pauses: list[float]) -> None:
    client = timestream_client()
    records = [record(i) for i in range(2)]
    with Stubber(client) as stub:
        stub.add_client_error("write_records", service_error_code="ThrottlingException",
                              http_status_code=429)
        stub.add_client_error("write_records", service_error_code="InternalServerException",
                              http_status_code=500)
        stub.add_response("write_records", {"RecordsIngested": {"Total": 2}})
        sinks.write_timestream(client, "db", "t", records, version=1, backoff=FAST,
                               deadline=Deadline(30))
        stub.assert_no_pending_responses()
    assert len(pauses) == 2
    assert all(0 <= p <= FAST.cap_seconds for p in pauses)


def test_persistent_throttling_surfaces_after_the_attempts(pauses: list[float]) -> None:
    client = timestream_client()
    with Stubber(client) as stub:
        for _ in range(FAST.attempts):
            stub.add_client_error("write_records", service_error_code="ThrottlingException",
                                  http_status_code=429)
        with pytest.raises(client.exceptions.ThrottlingException):
            sinks.write_timestream(client, "db", "t", [record(0)], version=1, backoff=FAST,
                                   deadline=Deadline(30))
    assert len(pauses) == FAST.attempts - 1


def test_validation_errors_are_not_retried(pauses: list[float]) -> None:
    client = timestream_client()
    with Stubber(client) as stub:
        stub.add_client_error("write_records", service_error_code="ValidationException",
                              http_status_code=400)
        with pytest.raises(client.exceptions.ValidationException):
            sinks.write_timestream(client, "db", "t", [record(0)], version=1, backoff=FAST,
                                   deadline=Deadline(30))
    assert pauses == []


def test_put_metric_data_respects_the_per_request_limit() -> None:
    # The shape metric_data() sends (service and event type), so the recorded calls stay true.
    dimensions = [{"Name": "service", "Value": "business"},
                  {"Name": "EventType", "Value": "ListingViewed"}]
    data = [{"MetricName": "EventsPerMinute", "Dimensions": dimensions, "Value": float(i),
             "Unit": "Count"} for i in range(2 * sinks.MAX_METRIC_DATA + 5)]
    with mock_aws():
        client = boto3.client("cloudwatch", region_name="us-east-1")
        calls: list[int] = []
        client.meta.events.register(
            "provide-client-params.cloudwatch.PutMetricData",
            lambda params, **_: calls.append(len(params["MetricData"])))
        # The namespace the handler reads from its environment, as the role expects it.
        requests = sinks.put_metrics(client, NAMESPACE, data)
    assert requests == 3
    assert calls == [1000, 1000, 5]


def sample_state() -> WindowState:
    state = WindowState()
    for i, (event_type, fields) in enumerate([
        ("SearchPerformed", {"query": "red bike", "result_count": 1}),
        ("SearchPerformed", {"query": "red bike", "result_count": 1}),
        ("ListingViewed", {"listing_id": "l 1,x"}),
    ]):
        event = eventbridge_event(event_type, fields, time=f"2026-11-28T06:40:0{i}Z",
                                  event_id=f"s-{i}")
        state.add(decode(base64.b64encode(json.dumps(event).encode())))
    return state


def test_line_protocol_escapes_tags_and_uses_integer_fields() -> None:
    lines = sinks.line_protocol(sample_state(), WINDOW)
    start = sinks.epoch_ms(WINDOW.start)
    assert f"search_terms,shard_id={WINDOW.shard_id},term=red\\ bike count=2i {start}" in lines
    assert (f"listing_views,shard_id={WINDOW.shard_id},listing_id=l\\ 1\\,x count=1i {start}"
            in lines)
    assert any(line.startswith("events,") and "event_type=SearchPerformed count=2i" in line
               for line in lines)


@pytest.fixture
def influx(httpserver: HTTPServer) -> Iterator[tuple[sinks.InfluxWriter, HTTPServer]]:
    with mock_aws():
        secrets = boto3.client("secretsmanager", region_name="us-east-1")
        arn = secrets.create_secret(Name="influx-auth", SecretString=json.dumps({
            "username": "admin", "password": "s3cret-pass", "organization": "marketplace",
            "bucket": "window_aggregates"}))["ARN"]
        writer = sinks.InfluxWriter(httpserver.url_for(""), arn, secrets, urllib3.PoolManager(),
                                    urllib3.Timeout(connect=1.0, read=2.0))
        yield writer, httpserver


def signin_handler(request: Request) -> Response:
    expected = "Basic " + base64.b64encode(b"admin:s3cret-pass").decode()
    if request.headers.get("Authorization") != expected:
        return Response(status=401)
    return Response(status=204, headers={"Set-Cookie": "influxdb-oss-session=abc; Path=/"})


def test_influx_write_signs_in_and_posts_line_protocol(
        influx: tuple[sinks.InfluxWriter, HTTPServer]) -> None:
    writer, server = influx
    server.expect_ordered_request("/api/v2/signin", method="POST").respond_with_handler(
        signin_handler)
    server.expect_ordered_request(
        "/api/v2/write", method="POST",
        query_string={"org": "marketplace", "bucket": "window_aggregates", "precision": "ms"},
        headers={"Cookie": "influxdb-oss-session=abc"},
    ).respond_with_data("", status=204)
    lines = sinks.line_protocol(sample_state(), WINDOW)
    assert writer.write(lines, backoff=FAST, deadline=Deadline(30)) == 1
    server.check_assertions()
    body = server.log[-1][0].get_data(as_text=True)
    assert body.split("\n") == lines


def test_influx_retries_503_honouring_retry_after_and_signs_in_again_on_401(
        influx: tuple[sinks.InfluxWriter, HTTPServer], pauses: list[float]) -> None:
    writer, server = influx
    server.expect_ordered_request("/api/v2/signin", method="POST").respond_with_handler(
        signin_handler)
    server.expect_ordered_request("/api/v2/write", method="POST").respond_with_data(
        "busy", status=503, headers={"Retry-After": "1"})
    server.expect_ordered_request("/api/v2/write", method="POST").respond_with_data(
        "", status=401)
    server.expect_ordered_request("/api/v2/signin", method="POST").respond_with_handler(
        signin_handler)
    server.expect_ordered_request("/api/v2/write", method="POST").respond_with_data(
        "", status=204)
    writer.write(["events,shard_id=s count=1i 1"], backoff=FAST, deadline=Deadline(30))
    server.check_assertions()
    assert pauses == [1.0]  # the server's Retry-After wins over the (shorter) backoff


def test_influx_gives_up_after_the_attempts(
        influx: tuple[sinks.InfluxWriter, HTTPServer], pauses: list[float]) -> None:
    writer, server = influx
    server.expect_request("/api/v2/signin", method="POST").respond_with_handler(signin_handler)
    server.expect_request("/api/v2/write", method="POST").respond_with_data("down", status=502)
    with pytest.raises(sinks.InfluxWriteError, match="502"):
        writer.write(["events,shard_id=s count=1i 1"], backoff=FAST, deadline=Deadline(30))
    assert len(pauses) == FAST.attempts - 1


def test_influx_chunks_at_5000_lines(influx: tuple[sinks.InfluxWriter, HTTPServer]) -> None:
    writer, server = influx
    server.expect_request("/api/v2/signin", method="POST").respond_with_handler(signin_handler)
    server.expect_request("/api/v2/write", method="POST").respond_with_data("", status=204)
    lines = [f"events,shard_id=s count={i}i {i}" for i in range(12_000)]
    assert writer.write(lines, backoff=FAST, deadline=Deadline(30)) == 3
    sizes = [len(req.get_data(as_text=True).split("\n")) for req, _ in server.log
             if req.path == "/api/v2/write"]
    assert sizes == [5000, 5000, 2000]
