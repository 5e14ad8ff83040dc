"""Where a closed window's aggregates go: CloudWatch metrics and the optional time-series store.

Tumbling windows are per shard, so every record carries the shard id: per-shard partial
counts add up in CloudWatch (Sum) and stay distinct series in the time-series store.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import urllib3
from aws_lambda_powertools import Logger

from functions.shared.metrics import BUSINESS_SERVICE
from functions.shared.retry import Backoff, Deadline, retry_after_seconds, sleep
from functions.window_aggregator.window_state import WindowState

logger = Logger(child=True)

MAX_METRIC_DATA = 1000  # PutMetricData: metric data items per request
MAX_TIMESTREAM_RECORDS = 100  # WriteRecords: records per request
MAX_INFLUX_LINES = 5000  # InfluxDB's recommended lines per write request
EVENTS_PER_MINUTE = "EventsPerMinute"
HOT_LISTING_VIEWS = "HotListingViews"
DISTINCT_SEARCH_TERMS = "DistinctSearchTerms"
TIMESTREAM_RETRYABLE = ("ThrottlingException", "InternalServerException")
HTTP_RETRYABLE = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Window:
    """The closed window: its start and end (UTC ISO-8601), the shard, and top-N size."""

    start: str
    end: str
    shard_id: str
    top_n: int


def epoch_ms(text: str) -> int:
    """ISO-8601 (``Z`` or offset; minute precision allowed) to epoch milliseconds."""
    value = text.replace("Z", "+00:00")
    if len(value) == 16:  # a minute bucket, yyyy-MM-ddTHH:mm
        value += ":00+00:00"
    return int(datetime.fromisoformat(value).astimezone(UTC).timestamp() * 1000)


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """``items`` in consecutive slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


# -- CloudWatch ------------------------------------------------------------------------------
def metric_data(state: WindowState, window: Window) -> list[dict[str, Any]]:
    """The window as PutMetricData items: events per minute and type, hot listing, terms."""
    service = {"Name": "service", "Value": BUSINESS_SERVICE}
    at_start = datetime.fromtimestamp(epoch_ms(window.start) / 1000, UTC)
    data: list[dict[str, Any]] = [
        {
            "MetricName": EVENTS_PER_MINUTE,
            "Dimensions": [service, {"Name": "EventType", "Value": event_type}],
            "Timestamp": datetime.fromtimestamp(epoch_ms(minute) / 1000, UTC),
            "Value": float(count),
            "Unit": "Count",
        }
        for minute, types in sorted(state.counts.items())
        for event_type, count in sorted(types.items())
    ]
    top = state.top_listings(1)
    data.append({"MetricName": HOT_LISTING_VIEWS, "Dimensions": [service],
                 "Timestamp": at_start, "Value": float(top[0][1] if top else 0),
                 "Unit": "Count"})
    data.append({"MetricName": DISTINCT_SEARCH_TERMS, "Dimensions": [service],
                 "Timestamp": at_start, "Value": float(len(state.terms)), "Unit": "Count"})
    return data


def put_metrics(client: Any, namespace: str, data: Sequence[dict[str, Any]]) -> int:
    """Send ``data`` in requests within PutMetricData's limit; the number of requests."""
    requests = 0
    for chunk in chunks(data, MAX_METRIC_DATA):
        client.put_metric_data(Namespace=namespace, MetricData=list(chunk))
        requests += 1
    return requests


# -- Timestream for LiveAnalytics ---------------------------------------------------------------
def timestream_records(state: WindowState, window: Window) -> list[dict[str, Any]]:
    """Per-minute counts per type, top search terms and hot listings as Timestream records."""
    shard = {"Name": "shard_id", "Value": window.shard_id}
    start = str(epoch_ms(window.start))
    records: list[dict[str, Any]] = [
        {"Dimensions": [shard, {"Name": "event_type", "Value": event_type}],
         "MeasureName": "events", "MeasureValue": str(count), "MeasureValueType": "BIGINT",
         "Time": str(epoch_ms(minute)), "TimeUnit": "MILLISECONDS"}
        for minute, types in sorted(state.counts.items())
        for event_type, count in sorted(types.items())
    ]
    records += [
        {"Dimensions": [shard, {"Name": "term", "Value": term}], "MeasureName": "searches",
         "MeasureValue": str(count), "MeasureValueType": "BIGINT", "Time": start,
         "TimeUnit": "MILLISECONDS"}
        for term, count in state.top_terms(window.top_n)
    ]
    records += [
        {"Dimensions": [shard, {"Name": "listing_id", "Value": listing}],
         "MeasureName": "views", "MeasureValue": str(count), "MeasureValueType": "BIGINT",
         "Time": start, "TimeUnit": "MILLISECONDS"}
        for listing, count in state.top_listings(window.top_n)
    ]
    return records


def write_timestream(client: Any, database: str, table: str, records: Sequence[dict[str, Any]],
                     *, version: int, backoff: Backoff, deadline: Deadline) -> list[dict[str, Any]]:
    """Write ``records`` at most 100 per request; return the rejected ones (logged).

    ``version`` (the window end) makes a retried window an idempotent upsert. Throttling and
    internal errors are retried with backoff and jitter while the deadline allows, then
    raised so Lambda retries the window. Rejected records (outside the retention range, a
    newer version already stored) cannot succeed by retrying: they are logged and skipped.
    """
    rejected: list[dict[str, Any]] = []
    for chunk in chunks(records, MAX_TIMESTREAM_RECORDS):
        for attempt in range(backoff.attempts):
            try:
                client.write_records(DatabaseName=database, TableName=table,
                                     CommonAttributes={"Version": version},
                                     Records=list(chunk))
                break
            except client.exceptions.RejectedRecordsException as exc:
                for item in exc.response.get("RejectedRecords", []):
                    record = chunk[item["RecordIndex"]]
                    logger.warning("timestream rejected record", extra={
                        "reason": item.get("Reason"), "existing_version":
                        item.get("ExistingVersion"), "measure": record["MeasureName"],
                        "dimensions": record["Dimensions"], "time": record["Time"]})
                    rejected.append(record)
                break
            except client.exceptions.ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                pause = backoff.delay(attempt)
                if (code not in TIMESTREAM_RETRYABLE or attempt + 1 >= backoff.attempts
                        or not deadline.allows(pause)):
                    raise
                logger.info("timestream write retry", extra={"code": code, "attempt": attempt})
                sleep(pause)
    return rejected


# -- Timestream for InfluxDB ------------------------------------------------------------------
def _escape_key(text: str) -> str:
    return text.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=").replace(" ", "\\ ")


def line_protocol(state: WindowState, window: Window) -> list[str]:
    """The window's aggregates as InfluxDB line protocol (millisecond precision)."""
    shard = _escape_key(window.shard_id)
    start = epoch_ms(window.start)
    lines = [
        f"events,shard_id={shard},event_type={_escape_key(event_type)} count={count}i "
        f"{epoch_ms(minute)}"
        for minute, types in sorted(state.counts.items())
        for event_type, count in sorted(types.items())
    ]
    lines += [f"search_terms,shard_id={shard},term={_escape_key(term)} count={count}i {start}"
              for term, count in state.top_terms(window.top_n)]
    lines += [f"listing_views,shard_id={shard},listing_id={_escape_key(listing)} "
              f"count={count}i {start}" for listing, count in state.top_listings(window.top_n)]
    return lines


class InfluxWriteError(RuntimeError):
    """InfluxDB refused a write after the retries; Lambda retries the window."""


class InfluxWriter:
    """Writes line protocol to InfluxDB v2 over HTTPS, signed in with the instance's secret.

    The instance keeps its admin credentials (and organization, bucket) in a Secrets Manager
    secret; the writer signs in once (``/api/v2/signin`` -> session cookie) and signs in again
    when the session expires (401).
    """

    def __init__(self, url: str, secret_arn: str, secrets: Any, http: urllib3.PoolManager,
                 timeout: urllib3.Timeout) -> None:
        self._url = url.rstrip("/")
        self._secret_arn = secret_arn
        self._secrets = secrets
        self._http = http
        self._timeout = timeout
        self._session: tuple[str, str, str] | None = None  # cookie, organization, bucket

    def _sign_in(self) -> tuple[str, str, str]:
        secret = json.loads(self._secrets.get_secret_value(SecretId=self._secret_arn)
                            ["SecretString"])
        headers = urllib3.make_headers(basic_auth=f"{secret['username']}:{secret['password']}")
        response = self._http.request("POST", f"{self._url}/api/v2/signin", headers=headers,
                                      timeout=self._timeout, retries=False)
        cookie = response.headers.get("Set-Cookie")
        if response.status != 204 or not cookie:
            raise InfluxWriteError(f"InfluxDB sign-in failed with HTTP {response.status}")
        self._session = (cookie.split(";", 1)[0], secret["organization"], secret["bucket"])
        return self._session

    def write(self, lines: Sequence[str], *, backoff: Backoff, deadline: Deadline) -> int:
        """POST ``lines`` in requests of at most 5,000 lines; the number of requests."""
        requests = 0
        for chunk in chunks(lines, MAX_INFLUX_LINES):
            self._write_chunk("\n".join(chunk).encode(), backoff, deadline)
            requests += 1
        return requests

    def _write_chunk(self, body: bytes, backoff: Backoff, deadline: Deadline) -> None:
        signed_in_again = False
        for attempt in range(backoff.attempts):
            cookie, org, bucket = self._session or self._sign_in()
            query = urlencode({"org": org, "bucket": bucket, "precision": "ms"})
            response = self._http.request(
                "POST", f"{self._url}/api/v2/write?{query}", body=body,
                headers={"Cookie": cookie, "Content-Type": "text/plain; charset=utf-8"},
                timeout=self._timeout, retries=False)
            if response.status == 204:
                return
            if response.status == 401 and not signed_in_again:
                self._session, signed_in_again = None, True
                continue
            if response.status == 400:
                # Partial write: InfluxDB stored the valid lines and names the bad one.
                logger.error("influxdb rejected lines", extra={
                    "status": 400, "body": response.data[:500].decode(errors="replace")})
                return
            pause = backoff.delay(attempt)
            hinted = retry_after_seconds(response.headers.get("Retry-After"))
            if hinted is not None:
                pause = max(pause, hinted)
            if (response.status not in HTTP_RETRYABLE or attempt + 1 >= backoff.attempts
                    or not deadline.allows(pause)):
                raise InfluxWriteError(f"InfluxDB write failed with HTTP {response.status}")
            logger.info("influxdb write retry", extra={"status": response.status,
                                                       "attempt": attempt})
            sleep(pause)
        raise InfluxWriteError("InfluxDB write failed after retries")
