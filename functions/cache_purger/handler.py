"""Listing updated or deleted: purge its URLs from Cloudflare, invalidate them in CloudFront.

Invoked asynchronously by an EventBridge rule with one ``ListingUpdated``/``ListingDeleted``
event. Cloudflare is purged by URL (page and API URLs on every site host) and by prefix (the
listing's media), in requests of at most ``PURGE_BATCH_SIZE`` items (Cloudflare's per-request
limit). CloudFront gets one invalidation per event, idempotent on the event id. 429 (with
``Retry-After``), 5xx and timeouts are retried by urllib3 (:mod:`functions.shared.http_retry`)
within the function's remaining time; what still fails raises, so Lambda's asynchronous
retries and the on-failure queue keep the event. The API token is read from Secrets Manager
through Powertools' parameters and kept in memory for ``TOKEN_CACHE_SECONDS``, so a rotated
token is picked up without a deploy; it is never put in the environment or in a log line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from typing import Any

import urllib3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parameters import SecretsProvider

from functions.shared import clients, retry
from functions.shared.cdn_paths import LISTING_ID, invalidation_paths
from functions.shared.events import SOURCE, SchemaError, validate
from functions.shared.http_retry import RETRY_STATUSES, OutOfTimeError, http_retry

CLOUDFLARE_API = "https://api.cloudflare.com/client/v4"
PURGE_EVENTS = ("ListingUpdated", "ListingDeleted")
# What a listing is cached as, per host: exact URLs and one media prefix.
PAGE_PATHS = ("/listings/{id}", "/api/listings/{id}")
MEDIA_PREFIX = "/media/listings/{id}/"
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 10.0
# urllib3's backoff: pauses 0, 1, 2, 4 s (+ up to 0.5 s jitter) between five attempts. At
# most 5 x (3 + 10) s of attempts and 9.5 s of pauses without Retry-After; a pause is taken
# only when it and one more attempt fit in the 60 s function's remaining time.
BACKOFF = retry.Backoff(attempts=5, base_seconds=0.5, cap_seconds=8.0)
TOKEN_CACHE_SECONDS = 300

logger = Logger()
tracer = Tracer()
metrics = Metrics()
secrets = SecretsProvider(boto3_client=clients.client("secretsmanager"))
# CloudFront's invalidation API throttles hard: more attempts than the stack's default.
cloudfront = clients.client("cloudfront", retries={"mode": "standard", "max_attempts": 5})
http = urllib3.PoolManager()


class BadEventError(ValueError):
    """The event is not a listing change this function can act on; names the field."""


class PurgeFailedError(RuntimeError):
    """Cloudflare did not accept a purge within the attempts and time available."""


def _settings() -> dict[str, Any]:
    return {
        "zone": os.environ["CLOUDFLARE_ZONE_ID"],
        "secret": os.environ["CLOUDFLARE_TOKEN_SECRET_ARN"],
        "distribution": os.environ["DISTRIBUTION_ID"],
        "hosts": [h for h in os.environ["SITE_HOSTS"].split(",") if h],
        "batch": int(os.environ.get("PURGE_BATCH_SIZE", "100")),
        "api": os.environ.get("CLOUDFLARE_API_BASE", CLOUDFLARE_API).rstrip("/"),
    }


def listing_of(event: Any) -> tuple[str, str]:
    """``(event type, listing id)`` of a purge event, or :class:`BadEventError` naming the field."""
    if not isinstance(event, dict):
        raise BadEventError("event is not a JSON object")
    if event.get("source") != SOURCE:
        raise BadEventError(f"source is {event.get('source')!r}, not {SOURCE!r}")
    event_type = event.get("detail-type")
    if event_type not in PURGE_EVENTS:
        raise BadEventError(f"detail-type {event_type!r} is not one of {', '.join(PURGE_EVENTS)}")
    try:
        detail = validate(event_type, event.get("detail"))
    except SchemaError as exc:
        raise BadEventError(str(exc)) from exc
    listing_id = detail["listing_id"]
    if not LISTING_ID.match(listing_id):
        raise BadEventError(f"{event_type}.listing_id has characters a URL path cannot carry")
    return event_type, listing_id


def purge_items(listing_id: str, hosts: Sequence[str]) -> tuple[list[str], list[str]]:
    """The listing's Cloudflare purge items: full URLs and host-qualified media prefixes."""
    files = [f"https://{host}{path.format(id=listing_id)}" for host in hosts
             for path in PAGE_PATHS]
    prefixes = [f"{host}{MEDIA_PREFIX.format(id=listing_id)}" for host in hosts]
    return files, prefixes


def batches(items: Sequence[str], size: int) -> Iterator[list[str]]:
    """``items`` in consecutive lists of at most ``size``."""
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def _api_token(secret_arn: str) -> str:
    return str(secrets.get(secret_arn, max_age=TOKEN_CACHE_SECONDS)).strip()


def _errors(response: urllib3.BaseHTTPResponse) -> str:
    try:
        body = json.loads(response.data or b"{}")
    except ValueError:
        return f"HTTP {response.status}"
    errors = body.get("errors") or []
    described = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors
                          if isinstance(e, dict))
    return f"HTTP {response.status}" + (f" ({described})" if described else "")


@tracer.capture_method
def purge(settings: dict[str, Any], kind: str, items: list[str],
          deadline: retry.Deadline) -> None:
    """POST one purge request (``kind`` is ``files`` or ``prefixes``), retrying what may pass.

    Retrying the POST is safe: purging what is already purged only purges it again.
    """
    url = f"{settings['api']}/zones/{settings['zone']}/purge_cache"
    body = json.dumps({kind: items}).encode()
    headers = {"Authorization": f"Bearer {_api_token(settings['secret'])}",
               "Content-Type": "application/json"}
    read = max(0.1, min(READ_TIMEOUT, deadline.remaining()))
    policy = http_retry(BACKOFF, deadline, attempt_seconds=CONNECT_TIMEOUT + read,
                        label="cloudflare", jitter_seconds=BACKOFF.base_seconds)
    failed = f"Cloudflare did not purge {len(items)} {kind}"
    try:
        response = http.request("POST", url, body=body, headers=headers, retries=policy,
                                timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT, read=read))
    except OutOfTimeError as exc:
        raise PurgeFailedError(f"{failed}: {exc.last}") from exc
    except urllib3.exceptions.MaxRetryError as exc:
        raise PurgeFailedError(f"{failed}: {type(exc.reason).__name__}") from exc
    if response.status == 200 and json.loads(response.data or b"{}").get("success"):
        return
    if response.status in RETRY_STATUSES:
        raise PurgeFailedError(f"{failed}: {_errors(response)}")
    # 4xx other than 429 will not pass by retrying (bad token, bad zone, bad item).
    raise PurgeFailedError(f"Cloudflare refused to purge {len(items)} {kind}: "
                           f"{_errors(response)}")


@tracer.capture_method
def invalidate(distribution_id: str, listing_id: str, reference: str) -> str:
    """One CloudFront invalidation for the listing's paths; returns its id."""
    paths = invalidation_paths(listing_id)
    result = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={"Paths": {"Quantity": len(paths), "Items": paths},
                           # The event id makes a retried event reuse its invalidation.
                           "CallerReference": reference},
    )
    return result["Invalidation"]["Id"]


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Purge one listing's cached URLs; raise so that what failed is retried and kept."""
    try:
        event_type, listing_id = listing_of(event)
    except BadEventError as exc:
        # Raised, not swallowed: the on-failure queue keeps the event for a person to see.
        logger.error("Not a purgeable listing event", extra={"problem": str(exc),
                                                            "event_id": _event_id(event)})
        raise
    settings = _settings()
    deadline = retry.Deadline.from_context(context)
    files, prefixes = purge_items(listing_id, settings["hosts"])
    requests = 0
    for kind, items in (("files", files), ("prefixes", prefixes)):
        for batch in batches(items, settings["batch"]):
            purge(settings, kind, batch, deadline)
            requests += 1
    invalidation = invalidate(settings["distribution"], listing_id,
                              _event_id(event) or f"{event_type}-{listing_id}")
    metrics.add_metric(name="CachePurgeRequests", unit=MetricUnit.Count, value=requests)
    metrics.add_metric(name="CachePurgedItems", unit=MetricUnit.Count,
                       value=len(files) + len(prefixes))
    logger.info("Listing purged", extra={"listing_id": listing_id, "event_type": event_type,
                                         "requests": requests, "invalidation": invalidation})
    return {"listing_id": listing_id, "purge_requests": requests, "invalidation": invalidation}


def _event_id(event: Any) -> str | None:
    return event.get("id") if isinstance(event, dict) else None

