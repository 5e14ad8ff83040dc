"""Sinks of a closed window: record shapes, API limits, retries with backoff, InfluxDB."""

from __future__ import annotations

import base64
import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
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

WINDOW = sinks.Window(start="2026-11-28T06:40:00Z", end="2026-11-28T06:42:00Z",
                      shard_id="shardId-000000000006", top_n=2)
# Epoch milliseconds of 2026-11-28T06:40:00Z, worked out from 1795848000 s.
T0640, T0641, T0642 = 1_795_848_000_000, 1_795_848_060_000, 1_795_848_120_000
SHARD = {"Name": "shard_id", "Value": "shardId-000000000006"}
SERVICE = {"Name": "service", "Value": "business"}
BASIC = "Basic YWRtaW46czNjcmV0LXBhc3M="  # admin:s3cret-pass
COOKIE = "influxdb-oss-session=abc; Path=/; HttpOnly; SameSite=Strict"


class CeilingBackoff(Backoff):
    """Backoff whose jitter always picks the top of the range, so pauses are exact."""

    def delay(self, retry: int, rng: Callable[[float, float], float] | None = None) -> float:
        return super().delay(retry, rng=lambda lo, hi: hi)


FAST = CeilingBackoff(attempts=4, base_seconds=0.01, cap_seconds=0.02)


@pytest.fixture(scope="module")
def moto() -> Iterator[str]:
    """One moto account for the module (its start-up is the slow part); the Influx secret."""
    with mock_aws():
        secrets = boto3.client("secretsmanager", region_name="us-east-1")
        yield secrets.create_secret(Name="influx-auth", SecretString=json.dumps({
            "username": "admin", "password": "s3cret-pass", "organization": "marketplace",
            "bucket": "window_aggregates"}))["ARN"]


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Pauses the sinks asked for, instead of sleeping."""
    taken: list[float] = []
    monkeypatch.setattr(retry, "sleep", taken.append)
    monkeypatch.setattr(sinks, "sleep", taken.append)
    return taken


def logged(caplog: pytest.LogCaptureFixture, message: str) -> list[logging.LogRecord]:
    """The records logged with ``message``."""
    return [r for r in caplog.records if r.getMessage() == message]


def test_limits() -> None:
    assert (sinks.MAX_METRIC_DATA, sinks.MAX_TIMESTREAM_RECORDS, sinks.MAX_INFLUX_LINES) == (
        1000, 100, 5000)
    assert sinks.TIMESTREAM_RETRYABLE == ("ThrottlingException", "InternalServerException")
    assert frozenset({429, 500, 502, 503, 504}) == sinks.HTTP_RETRYABLE


# -- shared helpers ---------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "ms"), [
    ("2026-11-28T06:40:00Z", T0640),
    ("2026-11-28T06:40:00.250Z", T0640 + 250),
    ("2026-11-28T07:40:00+01:00", T0640),
    ("2026-11-28T06:41", T0641),  # a minute bucket: UTC
    ("2020-12-09T07:04:00Z", 1_607_497_440_000),  # AWS's sample window start
])
def test_epoch_ms(text: str, ms: int) -> None:
    assert sinks.epoch_ms(text) == ms


def test_minute_buckets_are_utc_whatever_the_machines_zone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert sinks.epoch_ms("2026-11-28T06:41") == T0641
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize(("size", "chunks"), [
    (2, [[0, 1], [2, 3], [4]]),
    (4, [[0, 1, 2, 3], [4]]),
    (5, [[0, 1, 2, 3, 4]]),
    (6, [[0, 1, 2, 3, 4]]),
])
def test_chunks(size: int, chunks: list[list[int]]) -> None:
    assert [list(c) for c in sinks.chunks([0, 1, 2, 3, 4], size)] == chunks


def test_chunks_of_nothing() -> None:
    assert list(sinks.chunks([], 3)) == []


def window_state() -> WindowState:
    """Two minutes of counts, three terms and three listings (two of them tied)."""
    return WindowState(
        counts={"2026-11-28T06:41": Counter({"SearchPerformed": 2, "ListingViewed": 1}),
                "2026-11-28T06:40": Counter({"ListingViewed": 3})},
        terms=Counter({"sofa": 2, "red bike": 5, "lamp": 1}),
        listings=Counter({"l-3": 1, "l-1": 3, "l-2": 1}),
        events=6,
    )


# -- CloudWatch ------------------------------------------------------------------------------
def test_metric_data_counts_each_minute_and_type_then_the_window() -> None:
    start = datetime(2026, 11, 28, 6, 40, tzinfo=UTC)
    minute = datetime(2026, 11, 28, 6, 41, tzinfo=UTC)
    assert sinks.metric_data(window_state(), WINDOW) == [
        {"MetricName": "EventsPerMinute",
         "Dimensions": [SERVICE, {"Name": "EventType", "Value": "ListingViewed"}],
         "Timestamp": start, "Value": 3.0, "Unit": "Count"},
        {"MetricName": "EventsPerMinute",
         "Dimensions": [SERVICE, {"Name": "EventType", "Value": "ListingViewed"}],
         "Timestamp": minute, "Value": 1.0, "Unit": "Count"},
        {"MetricName": "EventsPerMinute",
         "Dimensions": [SERVICE, {"Name": "EventType", "Value": "SearchPerformed"}],
         "Timestamp": minute, "Value": 2.0, "Unit": "Count"},
        {"MetricName": "HotListingViews", "Dimensions": [SERVICE], "Timestamp": start,
         "Value": 3.0, "Unit": "Count"},
        {"MetricName": "DistinctSearchTerms", "Dimensions": [SERVICE], "Timestamp": start,
         "Value": 3.0, "Unit": "Count"},
    ]


def test_metric_data_of_an_empty_window_is_two_zeros() -> None:
    start = datetime(2026, 11, 28, 6, 40, tzinfo=UTC)
    assert sinks.metric_data(WindowState(), WINDOW) == [
        {"MetricName": "HotListingViews", "Dimensions": [SERVICE], "Timestamp": start,
         "Value": 0.0, "Unit": "Count"},
        {"MetricName": "DistinctSearchTerms", "Dimensions": [SERVICE], "Timestamp": start,
         "Value": 0.0, "Unit": "Count"},
    ]


@pytest.mark.parametrize(("items", "calls"), [
    (0, []), (999, [999]), (1000, [1000]), (1001, [1000, 1]), (2005, [1000, 1000, 5]),
])
def test_put_metric_data_respects_the_per_request_limit(moto: str, items: int,
                                                        calls: list[int]) -> None:
    # The shape metric_data() sends (service and event type), so the recorded calls stay true.
    dimensions = [{"Name": "service", "Value": "business"},
                  {"Name": "EventType", "Value": "ListingViewed"}]
    data = [{"MetricName": "EventsPerMinute", "Dimensions": dimensions, "Value": float(i),
             "Unit": "Count"} for i in range(items)]
    client = boto3.client("cloudwatch", region_name="us-east-1")
    sent: list[tuple[str, int]] = []
    client.meta.events.register(
        "provide-client-params.cloudwatch.PutMetricData",
        lambda params, **_: sent.append((params["Namespace"], len(params["MetricData"]))))
    # The namespace the handler reads from its environment, as the role expects it.
    requests = sinks.put_metrics(client, NAMESPACE, data)
    assert requests == len(calls)
    assert sent == [(NAMESPACE, n) for n in calls]


# -- Timestream for LiveAnalytics ---------------------------------------------------------------
def test_timestream_records_per_minute_and_the_windows_top_n() -> None:
    def measure(dimension: dict[str, str], name: str, value: str, at: int) -> dict[str, Any]:
        return {"Dimensions": [SHARD, dimension], "MeasureName": name, "MeasureValue": value,
                "MeasureValueType": "BIGINT", "Time": str(at), "TimeUnit": "MILLISECONDS"}

    assert sinks.timestream_records(window_state(), WINDOW) == [
        measure({"Name": "event_type", "Value": "ListingViewed"}, "events", "3", T0640),
        measure({"Name": "event_type", "Value": "ListingViewed"}, "events", "1", T0641),
        measure({"Name": "event_type", "Value": "SearchPerformed"}, "events", "2", T0641),
        measure({"Name": "term", "Value": "red bike"}, "searches", "5", T0640),
        measure({"Name": "term", "Value": "sofa"}, "searches", "2", T0640),
        measure({"Name": "listing_id", "Value": "l-1"}, "views", "3", T0640),
        measure({"Name": "listing_id", "Value": "l-2"}, "views", "1", T0640),
    ]


def record(i: int) -> dict[str, Any]:
    return {"Dimensions": [{"Name": "shard_id", "Value": "s"}], "MeasureName": "events",
            "MeasureValue": str(i), "MeasureValueType": "BIGINT",
            "Time": str(1_700_000_000_000 + i),
            "TimeUnit": "MILLISECONDS"}


def timestream_client() -> Any:
    return boto3.client("timestream-write", region_name="us-east-1",
                        endpoint_url="https://ingest.timestream.us-east-1.amazonaws.com",
                        config=Config(retries={"total_max_attempts": 1}))


def expect_write(stub: Stubber, records: list[dict[str, Any]], version: int = 1) -> None:
    stub.add_response("write_records", {"RecordsIngested": {"Total": len(records)}}, {
        "DatabaseName": "db", "TableName": "t", "CommonAttributes": {"Version": version},
        "Records": records})


@pytest.mark.parametrize(("count", "sizes"), [
    (99, [99]), (100, [100]), (101, [100, 1]), (250, [100, 100, 50]),
])
def test_writes_are_batched_at_most_100_records(count: int, sizes: list[int]) -> None:
    client = timestream_client()
    records = [record(i) for i in range(count)]
    with Stubber(client) as stub:
        start = 0
        for size in sizes:
            expect_write(stub, records[start:start + size], version=7)
            start += size
        rejected = sinks.write_timestream(client, "db", "t", records, version=7, backoff=FAST,
                                          deadline=Deadline(30))
        stub.assert_no_pending_responses()
    assert rejected == []


def test_rejected_records_are_logged_and_returned(caplog: pytest.LogCaptureFixture) -> None:
    client = timestream_client()
    records = [record(i) for i in range(3)]
    reason = ("The record timestamp is outside the time range [2026-11-27T06:40:00Z, "
              "2026-11-28T07:20:00Z) of the data ingestion window.")
    with Stubber(client) as stub:
        stub.add_client_error(
            "write_records", service_error_code="RejectedRecordsException",
            service_message="One or more records have been rejected.", http_status_code=419,
            modeled_fields={"RejectedRecords": [
                {"RecordIndex": 1, "Reason": reason},
                {"RecordIndex": 2, "Reason": "A newer version exists.", "ExistingVersion": 9},
            ]})
        rejected = sinks.write_timestream(client, "db", "t", records, version=1, backoff=FAST,
                                          deadline=Deadline(30))
        stub.assert_no_pending_responses()
    assert rejected == [records[1], records[2]]
    logs = logged(caplog, "timestream rejected record")
    assert [(r.reason, r.existing_version, r.measure, r.dimensions, r.time)  # type: ignore[attr-defined]
            for r in logs] == [
        (reason, None, "events", [{"Name": "shard_id", "Value": "s"}], "1700000000001"),
        ("A newer version exists.", 9, "events", [{"Name": "shard_id", "Value": "s"}],
         "1700000000002"),
    ]


def test_a_rejection_of_one_chunk_does_not_stop_the_next(pauses: list[float]) -> None:
    client = timestream_client()
    records = [record(i) for i in range(101)]
    with Stubber(client) as stub:
        stub.add_client_error("write_records", service_error_code="RejectedRecordsException",
                              http_status_code=419,
                              modeled_fields={"RejectedRecords": [{"RecordIndex": 99}]})
        expect_write(stub, records[100:])
        rejected = sinks.write_timestream(client, "db", "t", records, version=1, backoff=FAST,
                                          deadline=Deadline(30))
        stub.assert_no_pending_responses()
    assert rejected == [records[99]]
    assert pauses == []


def test_a_rejection_naming_no_records_rejects_nothing() -> None:
    client = timestream_client()
    with Stubber(client) as stub:
        stub.add_client_error("write_records", service_error_code="RejectedRecordsException",
                              http_status_code=419)
        rejected = sinks.write_timestream(client, "db", "t", [record(0)], version=1,
                                          backoff=FAST, deadline=Deadline(30))
        stub.assert_no_pending_responses()
    assert rejected == []


def test_throttling_and_internal_errors_are_retried_with_backoff(
        pauses: list[float], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    client = timestream_client()
    records = [record(i) for i in range(2)]
    with Stubber(client) as stub:
        stub.add_client_error("write_records", service_error_code="ThrottlingException",
                              http_status_code=429)
        stub.add_client_error("write_records", service_error_code="InternalServerException",
                              http_status_code=500)
        expect_write(stub, records)
        assert sinks.write_timestream(client, "db", "t", records, version=1, backoff=FAST,
                                      deadline=Deadline(30)) == []
        stub.assert_no_pending_responses()
    assert pauses == [0.01, 0.02]
    assert [(r.code, r.attempt) for r in logged(caplog, "timestream write retry")] == [  # type: ignore[attr-defined]
        ("ThrottlingException", 0), ("InternalServerException", 1)]


def test_persistent_throttling_surfaces_after_the_attempts(pauses: list[float]) -> None:
    client = timestream_client()
    with Stubber(client) as stub:
        for _ in range(FAST.attempts):
            stub.add_client_error("write_records", service_error_code="ThrottlingException",
                                  http_status_code=429)
        with pytest.raises(client.exceptions.ThrottlingException):
            sinks.write_timestream(client, "db", "t", [record(0)], version=1, backoff=FAST,
                                   deadline=Deadline(30))
        stub.assert_no_pending_responses()
    assert pauses == [0.01, 0.02, 0.02]


def test_throttling_is_raised_when_the_deadline_leaves_no_time(pauses: list[float]) -> None:
    client = timestream_client()
    with Stubber(client) as stub:
        stub.add_client_error("write_records", service_error_code="ThrottlingException",
                              http_status_code=429)
        with pytest.raises(client.exceptions.ThrottlingException):
            sinks.write_timestream(client, "db", "t", [record(0)], version=1, backoff=FAST,
                                   deadline=Deadline(0.01, clock=lambda: 0.0))
    assert pauses == []


def test_validation_errors_are_not_retried(pauses: list[float]) -> None:
    client = timestream_client()
    with Stubber(client) as stub:
        stub.add_client_error("write_records", service_error_code="ValidationException",
                              http_status_code=400)
        with pytest.raises(client.exceptions.ValidationException):
            sinks.write_timestream(client, "db", "t", [record(0)], version=1, backoff=FAST,
                                   deadline=Deadline(30))
    assert pauses == []


# -- Timestream for InfluxDB ------------------------------------------------------------------
@pytest.mark.parametrize(("text", "escaped"), [
    ("plain", "plain"), ("a b", "a\\ b"), ("a,b", "a\\,b"), ("a=b", "a\\=b"),
    ("a\\b", "a\\\\b"), ("\\,", "\\\\\\,"), ("x = y, z", "x\\ \\=\\ y\\,\\ z"),
])
def test_tag_values_are_escaped(text: str, escaped: str) -> None:
    assert sinks._escape_key(text) == escaped


def test_line_protocol_is_per_minute_counts_then_the_windows_top_n() -> None:
    state = window_state()
    shard = "shard_id=shardId-000000000006"
    assert sinks.line_protocol(state, WINDOW) == [
        f"events,{shard},event_type=ListingViewed count=3i {T0640}",
        f"events,{shard},event_type=ListingViewed count=1i {T0641}",
        f"events,{shard},event_type=SearchPerformed count=2i {T0641}",
        f"search_terms,{shard},term=red\\ bike count=5i {T0640}",
        f"search_terms,{shard},term=sofa count=2i {T0640}",
        f"listing_views,{shard},listing_id=l-1 count=3i {T0640}",
        f"listing_views,{shard},listing_id=l-2 count=1i {T0640}",
    ]


def test_line_protocol_escapes_what_the_events_carry() -> None:
    state = WindowState()
    for i, (event_type, fields) in enumerate([
        ("SearchPerformed", {"query": "red bike", "result_count": 1}),
        ("ListingViewed", {"listing_id": "l 1,x=y"}),
    ]):
        event = eventbridge_event(event_type, fields, time=f"2026-11-28T06:40:0{i}Z",
                                  event_id=f"s-{i}")
        state.add(decode(base64.b64encode(json.dumps(event).encode())))
    window = sinks.Window(start=WINDOW.start, end=WINDOW.end, shard_id="shard 1", top_n=5)
    assert sinks.line_protocol(state, window) == [
        f"events,shard_id=shard\\ 1,event_type=ListingViewed count=1i {T0640}",
        f"events,shard_id=shard\\ 1,event_type=SearchPerformed count=1i {T0640}",
        f"search_terms,shard_id=shard\\ 1,term=red\\ bike count=1i {T0640}",
        f"listing_views,shard_id=shard\\ 1,listing_id=l\\ 1\\,x\\=y count=1i {T0640}",
    ]


class RecordingPool(urllib3.PoolManager):
    """A real pool that also keeps each request's method, URL and options."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def request(self, method: str, url: str, **options: Any) -> Any:  # type: ignore[override]
        self.calls.append((method, url, options))
        return super().request(method, url, **options)


TIMEOUT = urllib3.Timeout(connect=1.0, read=2.0)
PREFIX = "/INFLUX"  # behind a proxy: the writer keeps the path and drops trailing slashes


@pytest.fixture
def influx(moto: str, httpserver: HTTPServer) -> tuple[sinks.InfluxWriter, HTTPServer,
                                                      RecordingPool]:
    """A writer for the test server and the pool it sends through."""
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    pool = RecordingPool()
    writer = sinks.InfluxWriter(httpserver.url_for(PREFIX + "//"), moto, secrets, pool, TIMEOUT)
    return writer, httpserver, pool


Influx = tuple[sinks.InfluxWriter, HTTPServer, RecordingPool]
SIGNIN = PREFIX + "/api/v2/signin"
WRITE = PREFIX + "/api/v2/write"


def signin_handler(request: Request) -> Response:
    if request.headers.get("Authorization") != BASIC:
        return Response(status=401)
    return Response(status=204, headers={"Set-Cookie": COOKIE})


def accept_signin(server: HTTPServer) -> None:
    server.expect_request(SIGNIN, method="POST").respond_with_handler(signin_handler)


def test_influx_write_signs_in_and_posts_line_protocol(influx: Influx) -> None:
    writer, server, pool = influx
    server.expect_ordered_request(SIGNIN, method="POST").respond_with_handler(signin_handler)
    server.expect_ordered_request(
        WRITE, method="POST",
        query_string={"org": "marketplace", "bucket": "window_aggregates", "precision": "ms"},
    ).respond_with_data("", status=204)
    lines = ["events,shard_id=s count=1i 1", "events,shard_id=s count=2i 2"]
    assert writer.write(lines, backoff=FAST, deadline=Deadline(30)) == 1
    server.check_assertions()
    assert server.log[-1][0].get_data(as_text=True) == "events,shard_id=s count=1i 1\n" \
        "events,shard_id=s count=2i 2"
    base = server.url_for(PREFIX)
    assert pool.calls == [
        ("POST", f"{base}/api/v2/signin",
         {"headers": {"authorization": BASIC}, "timeout": TIMEOUT, "retries": False}),
        ("POST", f"{base}/api/v2/write?org=marketplace&bucket=window_aggregates&precision=ms",
         {"body": b"events,shard_id=s count=1i 1\nevents,shard_id=s count=2i 2",
          "headers": {"Cookie": "influxdb-oss-session=abc",
                      "Content-Type": "text/plain; charset=utf-8"},
          "timeout": TIMEOUT, "retries": False}),
    ]


def test_influx_session_is_kept_across_writes(influx: Influx) -> None:
    writer, server, pool = influx
    accept_signin(server)
    server.expect_request(WRITE, method="POST").respond_with_data("", status=204)
    writer.write(["a count=1i 1"], backoff=FAST, deadline=Deadline(30))
    writer.write(["a count=1i 2"], backoff=FAST, deadline=Deadline(30))
    assert [url.split("?")[0].rsplit("/", 1)[1] for _m, url, _o in pool.calls] == [
        "signin", "write", "write"]


@pytest.mark.parametrize(("status", "cookie"), [(401, COOKIE), (204, None), (200, COOKIE)])
def test_influx_sign_in_failure(influx: Influx, status: int, cookie: str | None) -> None:
    writer, server, _pool = influx
    headers = {"Set-Cookie": cookie} if cookie else {}
    server.expect_request(SIGNIN, method="POST").respond_with_data(
        "", status=status, headers=headers)
    with pytest.raises(sinks.InfluxWriteError) as caught:
        writer.write(["a count=1i 1"], backoff=FAST, deadline=Deadline(30))
    assert str(caught.value) == f"InfluxDB sign-in failed with HTTP {status}"


def test_influx_retries_503_honouring_retry_after_and_signs_in_again_on_401(
        influx: Influx, pauses: list[float], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    writer, server, _pool = influx
    server.expect_ordered_request(SIGNIN, method="POST").respond_with_handler(signin_handler)
    server.expect_ordered_request(WRITE, method="POST").respond_with_data(
        "busy", status=503, headers={"Retry-After": "1"})
    server.expect_ordered_request(WRITE, method="POST").respond_with_data("", status=401)
    server.expect_ordered_request(SIGNIN, method="POST").respond_with_handler(signin_handler)
    server.expect_ordered_request(WRITE, method="POST").respond_with_data("", status=204)
    writer.write(["events,shard_id=s count=1i 1"], backoff=FAST, deadline=Deadline(30))
    server.check_assertions()
    assert pauses == [1.0]  # the server's Retry-After wins over the (shorter) backoff
    assert [(r.status, r.attempt) for r in logged(caplog, "influxdb write retry")] == [  # type: ignore[attr-defined]
        (503, 0)]


def test_influx_backoff_wins_over_a_shorter_retry_after(influx: Influx,
                                                        pauses: list[float]) -> None:
    writer, server, _pool = influx
    server.expect_ordered_request(SIGNIN, method="POST").respond_with_handler(signin_handler)
    server.expect_ordered_request(WRITE, method="POST").respond_with_data(
        "", status=429, headers={"Retry-After": "0"})
    server.expect_ordered_request(WRITE, method="POST").respond_with_data("", status=503)
    server.expect_ordered_request(WRITE, method="POST").respond_with_data("", status=204)
    writer.write(["a count=1i 1"], backoff=FAST, deadline=Deadline(30))
    assert pauses == [0.01, 0.02]


def test_influx_gives_up_when_signing_in_again_does_not_help(influx: Influx,
                                                             pauses: list[float]) -> None:
    writer, server, pool = influx
    accept_signin(server)
    server.expect_request(WRITE, method="POST").respond_with_data("", status=401)
    with pytest.raises(sinks.InfluxWriteError) as caught:
        writer.write(["a count=1i 1"], backoff=FAST, deadline=Deadline(30))
    assert str(caught.value) == "InfluxDB write failed with HTTP 401"
    assert [url.split("?")[0].rsplit("/", 1)[1] for _m, url, _o in pool.calls] == [
        "signin", "write", "signin", "write"]
    assert pauses == []


def test_influx_401_on_the_last_attempt_fails_after_the_retries(influx: Influx) -> None:
    writer, server, _pool = influx
    accept_signin(server)
    server.expect_request(WRITE, method="POST").respond_with_data("", status=401)
    with pytest.raises(sinks.InfluxWriteError) as caught:
        writer.write(["a count=1i 1"], backoff=CeilingBackoff(attempts=1),
                     deadline=Deadline(30))
    assert str(caught.value) == "InfluxDB write failed after retries"


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_influx_retryable_statuses_give_up_after_the_attempts(
        influx: Influx, pauses: list[float], status: int) -> None:
    writer, server, _pool = influx
    accept_signin(server)
    server.expect_request(WRITE, method="POST").respond_with_data("down", status=status)
    with pytest.raises(sinks.InfluxWriteError) as caught:
        writer.write(["events,shard_id=s count=1i 1"], backoff=FAST, deadline=Deadline(30))
    assert str(caught.value) == f"InfluxDB write failed with HTTP {status}"
    assert pauses == [0.01, 0.02, 0.02]


@pytest.mark.parametrize("status", [403, 404, 428, 430, 499, 501, 505])
def test_influx_other_statuses_are_not_retried(influx: Influx, pauses: list[float],
                                               status: int) -> None:
    writer, server, _pool = influx
    accept_signin(server)
    server.expect_request(WRITE, method="POST").respond_with_data("", status=status)
    with pytest.raises(sinks.InfluxWriteError, match=rf"HTTP {status}$"):
        writer.write(["a count=1i 1"], backoff=FAST, deadline=Deadline(30))
    assert pauses == []


def test_influx_stops_retrying_at_the_deadline(influx: Influx, pauses: list[float]) -> None:
    writer, server, _pool = influx
    accept_signin(server)
    server.expect_request(WRITE, method="POST").respond_with_data("", status=503)
    with pytest.raises(sinks.InfluxWriteError, match=r"HTTP 503$"):
        writer.write(["a count=1i 1"], backoff=FAST, deadline=Deadline(0.01, clock=lambda: 0.0))
    assert pauses == []


def test_influx_partial_write_is_logged_not_retried(
        influx: Influx, pauses: list[float], caplog: pytest.LogCaptureFixture) -> None:
    writer, server, _pool = influx
    server.expect_ordered_request(SIGNIN, method="POST").respond_with_handler(signin_handler)
    body = b"\xff" + b"x" * 599  # InfluxDB names the bad line; only the start is kept
    server.expect_ordered_request(WRITE, method="POST").respond_with_data(body, status=400)
    server.expect_ordered_request(WRITE, method="POST").respond_with_data("", status=204)
    lines = [f"a count={i}i {i}" for i in range(5001)]
    assert writer.write(lines, backoff=FAST, deadline=Deadline(30)) == 2
    server.check_assertions()
    assert pauses == []
    logs = logged(caplog, "influxdb rejected lines")
    assert [(r.levelno, r.status, r.body) for r in logs] == [  # type: ignore[attr-defined]
        (logging.ERROR, 400, "\ufffd" + "x" * 499)]


@pytest.mark.parametrize(("count", "sizes"), [
    (4999, [4999]), (5000, [5000]), (5001, [5000, 1]), (12_000, [5000, 5000, 2000]),
])
def test_influx_chunks_at_5000_lines(influx: Influx, count: int, sizes: list[int]) -> None:
    writer, server, _pool = influx
    accept_signin(server)
    server.expect_request(WRITE, method="POST").respond_with_data("", status=204)
    lines = [f"events,shard_id=s count={i}i {i}" for i in range(count)]
    assert writer.write(lines, backoff=FAST, deadline=Deadline(30)) == len(sizes)
    bodies = [req.get_data(as_text=True).split("\n") for req, _ in server.log
              if req.path == WRITE]
    assert [len(b) for b in bodies] == sizes
    assert [line for b in bodies for line in b] == lines


def test_influx_write_of_nothing_sends_nothing(influx: Influx) -> None:
    writer, _server, pool = influx
    assert writer.write([], backoff=FAST, deadline=Deadline(30)) == 0
    assert pool.calls == []
