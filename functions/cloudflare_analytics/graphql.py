"""The zone's GraphQL Analytics query and how its answer becomes CloudWatch metric data.

Pure logic, no I/O. One query per window reads two adaptive datasets of the zone
(``httpRequestsAdaptiveGroups`` and ``firewallEventsAdaptiveGroups``, Cloudflare's GraphQL
Analytics API), grouped per minute, so that one request covers everything the collector
writes: a request budget of one query per window, far inside the API's 300 queries per five
minutes. The answer is a per-minute table of counts that :func:`metric_data` turns into
PutMetricData items with the minute as their timestamp, so writing a window again writes the
same values at the same timestamps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

# Adaptive groups return at most ``limit`` rows; a 5-minute window grouped by minute, cache
# status and edge status code stays far below this (5 x ~10 statuses x ~40 codes).
GROUP_LIMIT = 5000
QUERY = """
query ZoneAnalytics($zoneTag: string, $start: Time, $end: Time, $limit: uint64) {
  viewer {
    zones(filter: {zoneTag: $zoneTag}) {
      requests: httpRequestsAdaptiveGroups(
        limit: $limit, filter: {datetime_geq: $start, datetime_lt: $end}) {
        count
        sum { edgeResponseBytes }
        avg { originResponseDurationMs }
        dimensions { datetimeMinute cacheStatus edgeResponseStatus }
      }
      firewall: firewallEventsAdaptiveGroups(
        limit: $limit, filter: {datetime_geq: $start, datetime_lt: $end}) {
        count
        dimensions { datetimeMinute action source }
      }
    }
  }
}
""".strip()

# Cache statuses served from Cloudflare's cache (developers.cloudflare.com/cache/concepts/
# cache-responses/); every other status (miss, expired, bypass, dynamic, none, ...) is not.
CACHED_STATUSES = frozenset({"hit", "stale", "updating", "revalidated"})
# Firewall event actions that stop a request with a challenge rather than a block.
CHALLENGE_ACTIONS = frozenset({"challenge", "jschallenge", "managed_challenge"})
RATE_LIMIT_SOURCE = "ratelimit"

# Metric names, their unit; counts are written for every minute (0 when nothing happened).
REQUESTS = "Requests"
CACHED = "CachedRequests"
UNCACHED = "UncachedRequests"
STATUS_METRICS = {2: "Responses2xx", 3: "Responses3xx", 4: "Responses4xx", 5: "Responses5xx"}
BYTES = "EdgeResponseBytes"
ORIGIN_TIME = "OriginResponseTime"
WAF_BLOCKS = "WafBlocks"
WAF_CHALLENGES = "WafChallenges"
RATE_LIMITED = "RateLimitActions"
COUNT_METRICS = (REQUESTS, CACHED, UNCACHED, *STATUS_METRICS.values(), WAF_BLOCKS,
                 WAF_CHALLENGES, RATE_LIMITED)
METRICS = (*COUNT_METRICS, BYTES, ORIGIN_TIME)
SERVICE = "cloudflare"


class AnalyticsError(RuntimeError):
    """Cloudflare answered with GraphQL errors (HTTP 200 with an ``errors`` array)."""


@dataclass(frozen=True)
class Window:
    """``[start, end)`` in whole minutes, UTC."""

    start: datetime
    end: datetime

    @property
    def minutes(self) -> list[datetime]:
        """Every minute of the window, oldest first."""
        count = int((self.end - self.start).total_seconds() // 60)
        return [self.start + timedelta(minutes=i) for i in range(count)]


def window_of(scheduled: datetime, minutes: int, lag_minutes: int) -> Window:
    """The window a schedule tick at ``scheduled`` collects.

    It ends ``lag_minutes`` before the tick (Cloudflare's analytics arrive a few minutes
    late), floored to a multiple of ``minutes``, so ticks every ``minutes`` tile the day with
    no gap and no overlap, and a retried tick collects the same window again.
    """
    latest = scheduled.astimezone(UTC) - timedelta(minutes=lag_minutes)
    floored = latest.replace(second=0, microsecond=0)
    floored -= timedelta(minutes=floored.minute % minutes)
    return Window(floored - timedelta(minutes=minutes), floored)


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, as the API's ``Time`` scalar takes it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def request_body(zone_id: str, window: Window) -> dict[str, Any]:
    """The JSON body of the POST to ``/graphql``: the query and its variables."""
    return {"query": QUERY, "variables": {"zoneTag": zone_id, "start": iso(window.start),
                                          "end": iso(window.end), "limit": GROUP_LIMIT}}


def zone_of(answer: Mapping[str, Any]) -> Mapping[str, Any]:
    """The one zone of a GraphQL answer; :class:`AnalyticsError` on GraphQL errors."""
    errors = answer.get("errors") or []
    if errors:
        described = "; ".join(str(e.get("message")) for e in errors if isinstance(e, dict))
        raise AnalyticsError(described or "GraphQL errors without a message")
    zones = ((answer.get("data") or {}).get("viewer") or {}).get("zones") or []
    if len(zones) != 1:
        raise AnalyticsError(f"expected one zone in the answer, got {len(zones)}")
    return zones[0]


def _minute(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def tally(zone: Mapping[str, Any]) -> dict[datetime, dict[str, float]]:
    """Per minute: the count metrics, bytes, and the origin time as (weighted sum, count)."""
    table: dict[datetime, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for group in zone.get("requests") or []:
        dims, count = group["dimensions"], float(group["count"])
        row = table[_minute(dims["datetimeMinute"])]
        row[REQUESTS] += count
        row[CACHED if dims["cacheStatus"] in CACHED_STATUSES else UNCACHED] += count
        status = STATUS_METRICS.get(int(dims["edgeResponseStatus"]) // 100)
        if status is not None:
            row[status] += count
        row[BYTES] += float((group.get("sum") or {}).get("edgeResponseBytes") or 0)
        origin_ms = float((group.get("avg") or {}).get("originResponseDurationMs") or 0)
        if origin_ms > 0:  # 0 for answers from cache: no origin was asked
            row["origin_ms_total"] += origin_ms * count
            row["origin_requests"] += count
    for group in zone.get("firewall") or []:
        dims, count = group["dimensions"], float(group["count"])
        row = table[_minute(dims["datetimeMinute"])]
        if dims["source"] == RATE_LIMIT_SOURCE:
            row[RATE_LIMITED] += count
        elif dims["action"] == "block":
            row[WAF_BLOCKS] += count
        elif dims["action"] in CHALLENGE_ACTIONS:
            row[WAF_CHALLENGES] += count
    return table


def truncated(zone: Mapping[str, Any]) -> list[str]:
    """The datasets whose answer filled the row limit (so may have lost rows)."""
    return [name for name in ("requests", "firewall")
            if len(zone.get(name) or []) >= GROUP_LIMIT]


def metric_data(table: Mapping[datetime, Mapping[str, float]], window: Window,
                dimensions: Sequence[Mapping[str, str]]) -> list[dict[str, Any]]:
    """PutMetricData items: every count for every minute of the window, bytes, origin time."""
    data: list[dict[str, Any]] = []
    for minute in window.minutes:
        row = table.get(minute, {})
        for name in COUNT_METRICS:
            data.append({"MetricName": name, "Dimensions": list(dimensions),
                         "Timestamp": minute, "Value": row.get(name, 0.0), "Unit": "Count"})
        data.append({"MetricName": BYTES, "Dimensions": list(dimensions), "Timestamp": minute,
                     "Value": row.get(BYTES, 0.0), "Unit": "Bytes"})
        if row.get("origin_requests"):
            data.append({"MetricName": ORIGIN_TIME, "Dimensions": list(dimensions),
                         "Timestamp": minute, "Unit": "Milliseconds",
                         "Value": round(row["origin_ms_total"] / row["origin_requests"], 3)})
    return data
