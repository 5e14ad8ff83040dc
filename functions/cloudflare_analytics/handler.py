"""Every few minutes: the Cloudflare zone's analytics of one past window into CloudWatch.

Invoked asynchronously by an EventBridge schedule. The window comes from the schedule tick's
``time`` (:func:`~functions.cloudflare_analytics.graphql.window_of`): it ends
``ANALYTICS_LAG_MINUTES`` before the tick because Cloudflare's analytics arrive late, and a
retried tick collects the same window. One GraphQL query (POST ``/graphql``) reads the
window; the metrics go to CloudWatch in one PutMetricData request only once the whole answer
is in, so a failure writes nothing and the retry writes the window once.

429 (with ``Retry-After``), 5xx and timeouts are retried by urllib3
(:mod:`functions.shared.http_retry`) within the function's time; the GraphQL API also answers
HTTP 200 with an ``errors`` array (a plan limit, a bad token scope, its own rate limiter),
which raises :class:`~functions.cloudflare_analytics.graphql.AnalyticsError` so that Lambda's
retries and the on-failure queue keep the tick. The API token (Zone > Analytics > Read) is
read from Secrets Manager through Powertools' parameters and cached for
``TOKEN_CACHE_SECONDS``; it is never in the environment or a log line.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from typing import Any

import urllib3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.parameters import SecretsProvider

from functions.cloudflare_analytics import graphql
from functions.shared import clients, retry
from functions.shared.http_retry import OutOfTimeError, http_retry

CLOUDFLARE_API = "https://api.cloudflare.com/client/v4"
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 20.0
# Four attempts with 1, 2 s pauses (+ jitter) or what Retry-After says, within the deadline.
BACKOFF = retry.Backoff(attempts=4, base_seconds=0.5, cap_seconds=8.0)
TOKEN_CACHE_SECONDS = 300
MAX_METRIC_DATA = 1000  # PutMetricData: metric data items per request

logger = Logger()
tracer = Tracer()
secrets = SecretsProvider(boto3_client=clients.client("secretsmanager"))
cloudwatch = clients.client("cloudwatch")
http = urllib3.PoolManager()


class CollectFailedError(RuntimeError):
    """Cloudflare did not answer the query within the attempts and time available."""


def _settings() -> dict[str, Any]:
    return {
        "zone": os.environ["CLOUDFLARE_ZONE_ID"],
        "secret": os.environ["CLOUDFLARE_TOKEN_SECRET_ARN"],
        "namespace": os.environ["POWERTOOLS_METRICS_NAMESPACE"],
        "window": int(os.environ.get("ANALYTICS_WINDOW_MINUTES", "5")),
        "lag": int(os.environ.get("ANALYTICS_LAG_MINUTES", "5")),
        "api": os.environ.get("CLOUDFLARE_API_BASE", CLOUDFLARE_API).rstrip("/"),
    }


def tick_of(event: Any) -> datetime:
    """The schedule tick's time (the ``time`` of a Scheduled Event), or ValueError."""
    if not isinstance(event, dict) or not isinstance(event.get("time"), str):
        raise ValueError("not a scheduled event: no time")
    return datetime.fromisoformat(event["time"].replace("Z", "+00:00"))


def _described(response: urllib3.BaseHTTPResponse) -> str:
    try:
        body = json.loads(response.data or b"{}")
        errors = body.get("errors") or [] if isinstance(body, dict) else []
    except ValueError:
        errors = []
    described = "; ".join(str(e.get("message")) for e in errors if isinstance(e, dict))
    return f"HTTP {response.status}" + (f" ({described})" if described else "")


@tracer.capture_method
def query(settings: dict[str, Any], window: graphql.Window,
          deadline: retry.Deadline) -> dict[str, Any]:
    """POST the window's query; the answer's JSON, retrying what may pass.

    Retrying the POST is safe: a GraphQL query only reads.
    """
    token = str(secrets.get(settings["secret"], max_age=TOKEN_CACHE_SECONDS)).strip()
    read = max(0.1, min(READ_TIMEOUT, deadline.remaining()))
    policy = http_retry(BACKOFF, deadline, attempt_seconds=CONNECT_TIMEOUT + read,
                        label="cloudflare", jitter_seconds=BACKOFF.base_seconds)
    failed = f"Cloudflare analytics of {graphql.iso(window.start)} were not read"
    try:
        response = http.request(
            "POST", f"{settings['api']}/graphql",
            body=json.dumps(graphql.request_body(settings["zone"], window)).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            retries=policy, timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT, read=read))
    except OutOfTimeError as exc:
        raise CollectFailedError(f"{failed}: {exc.last}") from exc
    except urllib3.exceptions.MaxRetryError as exc:
        raise CollectFailedError(f"{failed}: {type(exc.reason).__name__}") from exc
    if response.status != 200:
        # 4xx other than 429 (bad token, no access) will not pass by retrying either.
        raise CollectFailedError(f"{failed}: {_described(response)}")
    return json.loads(response.data)


def put_metrics(namespace: str, data: list[dict[str, Any]]) -> int:
    """Send ``data`` in requests within PutMetricData's limit; the number of requests."""
    requests = 0
    for start in range(0, len(data), MAX_METRIC_DATA):
        cloudwatch.put_metric_data(Namespace=namespace,
                                   MetricData=data[start:start + MAX_METRIC_DATA])
        requests += 1
    return requests


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Collect one window of the zone's analytics; raise so that a failed tick is kept."""
    settings = _settings()
    window = graphql.window_of(tick_of(event), settings["window"], settings["lag"])
    answer = query(settings, window, retry.Deadline.from_context(context))
    zone = graphql.zone_of(answer)
    if lost := graphql.truncated(zone):
        logger.warning("Analytics answer filled the row limit", extra={"datasets": lost})
    dimensions = [{"Name": "service", "Value": graphql.SERVICE},
                  {"Name": "ZoneId", "Value": settings["zone"]}]
    data = graphql.metric_data(graphql.tally(zone), window, dimensions)
    requests = put_metrics(settings["namespace"], data)
    logger.info("Cloudflare analytics collected",
                extra={"start": graphql.iso(window.start), "end": graphql.iso(window.end),
                       "metric_data": len(data), "put_requests": requests})
    return {"start": graphql.iso(window.start), "end": graphql.iso(window.end),
            "metric_data": len(data)}
