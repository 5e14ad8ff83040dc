"""The listings API: Powertools REST resolver over the single-table repository.

Every route validates its input (400 naming the field), talks to DynamoDB (or DAX) through
:class:`ListingRepository`, records latency and items returned per access pattern as EMF
metrics, and queues domain events that are published to the bus in batches after the
response is built. The stream processor counts those events as the business metrics (their
one emitter: the API counting them too would double every dashboard). Write routes sit
behind the Cognito authorizer; the handler still checks the caller (401 without one, 403
for someone else's listing unless an admin) and writes those security events to the audit
log.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import (
    BadRequestError,
    NotFoundError,
    ServiceError,
    UnauthorizedError,
)
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import ClientError

from functions.api import cursor, keys, validation
from functions.api.app_cache import cache_from_env
from functions.api.repository import (
    ListingNotFoundError,
    ListingRepository,
    Page,
    UnavailableError,
    VersionConflictError,
    client_from_env,
    public,
    renew_dax_client,
)
from functions.api.roles import ADMINS_GROUP
from functions.api.validation import ID_RE, InvalidInputError
from functions.shared import audit, clients, snapstart
from functions.shared.publisher import Publisher
from functions.shared.retry import Deadline

THROTTLED = ("ProvisionedThroughputExceededException", "ThrottlingException",
             "RequestLimitExceeded", "LimitExceededException")

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayRestResolver()

SHARDS = int(os.environ.get("CATEGORY_SHARDS", "1"))
repository = ListingRepository(
    client_from_env(),
    os.environ["TABLE_NAME"],  # set by the stack; without it init fails loudly
    shards=SHARDS,
    ttl_days=int(os.environ.get("LISTING_TTL_DAYS", "0")),
    # Threads start on first use; sized to query every shard at once.
    pool=ThreadPoolExecutor(max_workers=SHARDS) if SHARDS > 1 else None,
)
snapstart.after_restore(renew_dax_client, repository)
publisher = Publisher.from_env(clients.client("events"), logger)
audit_writer = audit.writer_from_env(clients.client("logs"))
query_cache = cache_from_env(logger)
pending_events: list[tuple[str, dict[str, Any]]] = []


# -- observation -------------------------------------------------------------------------
class Observation:
    """What a route reports about itself: items returned, the partition key it read."""

    items: int = 0
    partition_key: str | None = None


@contextmanager
def observe(access_pattern: str) -> Iterator[Observation]:
    """Latency and items returned of one access pattern, as EMF metrics and a trace annotation."""
    tracer.put_annotation("access_pattern", access_pattern)
    seen = Observation()
    start = time.perf_counter()
    try:
        yield seen
    finally:
        metrics.add_dimension(name="access_pattern", value=access_pattern)
        latency_ms = (time.perf_counter() - start) * 1000
        metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=latency_ms)
        metrics.add_metric(name="ItemsReturned", unit=MetricUnit.Count, value=seen.items)
        # The data-access log line the saved Logs Insights queries (latency by access
        # pattern, hot keys) read; the field names are the contract in docs/observability.md.
        logger.info("dynamodb access", extra={
            "table": repository.table, "access_pattern": access_pattern,
            "latency_ms": round(latency_ms, 2), "items": seen.items,
            "partition_key": seen.partition_key,
        })


def emit(event_type: str, **fields: Any) -> None:
    """Queue a domain event; published after the response is built."""
    pending_events.append((event_type, {k: v for k, v in fields.items() if v is not None}))


# -- callers -----------------------------------------------------------------------------
def viewer_country() -> str | None:
    """The ISO 3166 code CloudFront put in ``CloudFront-Viewer-Country`` (None without one).

    The CDN's API origin request policy forwards the header; requests that reach the stage
    some other way carry none, and anything but two letters is ignored.
    """
    code = app.current_event.headers.get("CloudFront-Viewer-Country") or ""
    return code if len(code) == 2 and code.isascii() and code.isalpha() else None


def claims() -> dict[str, Any]:
    """The Cognito claims the authorizer put in the request context (empty without)."""
    authorizer = app.current_event.request_context.authorizer
    found = authorizer.claims if authorizer is not None else None
    return dict(found) if isinstance(found, dict) else {}


def caller() -> tuple[str, bool]:
    """The signed-in user's id and whether they are an admin; 401 (audited) without one."""
    current = claims()
    user = current.get("sub")
    if not isinstance(user, str) or not user:
        audit.record(logger, audit_writer, audit.AUTH_FAILED, path=app.current_event.path,
                     method=app.current_event.http_method,
                     source_ip=app.current_event.request_context.identity.source_ip)
        raise UnauthorizedError("authorization: sign in to do this")
    groups = current.get("cognito:groups") or ""
    if isinstance(groups, str):
        groups = groups.strip("[]").replace(",", " ").split()
    return user, ADMINS_GROUP in groups


def authorize_owner(user: str, admin: bool, owner: str, action: str, listing_id: str) -> None:
    """Let the owner act; let an admin act (audited); otherwise 403 (audited)."""
    if user == owner:
        return
    if admin:
        audit.record(logger, audit_writer, audit.ADMIN_ACTION, user_id=user, action=action,
                     listing_id=listing_id, owner_id=owner)
        return
    audit.record(logger, audit_writer, audit.PERMISSION_DENIED, user_id=user, action=action,
                 listing_id=listing_id, owner_id=owner)
    raise ServiceError(403, f"seller_id: {action} is allowed only to the listing's seller")


def listing_id_param(value: str) -> str:
    """The ``{id}`` path parameter, validated."""
    return validation.path_value("id", value, ID_RE)


def query(name: str) -> str | None:
    """A query string parameter (None when absent)."""
    return app.current_event.get_query_string_value(name=name, default_value=None)


def page_response(items: list[dict[str, Any]], scope: str, position: str | None) -> dict:
    """A feed page: listings and the cursor of the next page (null at the end)."""
    return {"items": [public(i) for i in items],
            "cursor": cursor.encode(scope, position) if position else None}


def cached(scope: str, params: list[Any], load: Any) -> dict[str, Any]:
    """``load()``'s answer, through the app cache when one is configured."""
    if query_cache is None:
        return load()
    return query_cache.get_or_load(scope, params, load)


def scopes_of(*listings: dict[str, Any]) -> list[str]:
    """Cache scopes a write to these listings (before and after) makes stale."""
    found: set[str] = set()
    for listing in listings:
        found |= {f"seller:{listing['seller_id']}", f"category:{listing['category']}",
                  f"search:{listing['category']}"}
        if listing.get("featured"):
            found.add("featured")
    return sorted(found)


def invalidate(*listings: dict[str, Any]) -> None:
    """Make cached answers that may contain these listings stale."""
    if query_cache is not None:
        query_cache.invalidate(*scopes_of(*listings))


# -- routes ------------------------------------------------------------------------------
@app.post("/listings")
def create_listing() -> tuple[dict[str, Any], int]:
    """Create a listing from the JSON body; 201 with the stored listing."""
    with observe("CreateListing") as seen:
        user, admin = caller()
        fields = validation.listing_input(validation.parse_json(app.current_event.body))
        listing_id = uuid.uuid4().hex
        authorize_owner(user, admin, fields["seller_id"], "create", listing_id)
        listing = repository.create(listing_id, fields)
        invalidate(listing)
        seen.items = 1
    emit("ListingCreated", listing_id=listing_id, seller_id=listing["seller_id"],
         category=listing["category"], price=float(listing["price"]),
         currency=listing["currency"], featured=listing["featured"], title=listing["title"])
    return public(listing), 201


@app.get("/listings/featured")
def featured_listings() -> dict[str, Any]:
    """Featured listings, newest first."""
    with observe("FeaturedListings") as seen:
        limit = validation.limit(query("limit"))
        before = cursor.decode("featured", query("cursor"))

        def load() -> dict[str, Any]:
            page = repository.featured(limit, before)
            return page_response(page.items, "featured", page.next_position)

        answer = cached("featured", [limit, before], load)
        seen.items = len(answer["items"])
    return answer


@app.post("/listings/batch-get")
def batch_get_listings() -> dict[str, Any]:
    """Up to 500 listings in request order, plus the ids that do not exist."""
    with observe("BatchGetListings") as seen:
        ids = validation.batch_ids(validation.parse_json(app.current_event.body))
        found = repository.batch_get(ids, Deadline.from_context(app.lambda_context))
        seen.items = len(found)
    return {"items": [public(found[i]) for i in ids if i in found],
            "not_found": [i for i in ids if i not in found]}


@app.get("/listings/<listing_id>")
def get_listing(listing_id: str) -> dict[str, Any]:
    """One listing; 404 if there is none."""
    with observe("GetListing") as seen:
        listing_id = listing_id_param(listing_id)
        seen.partition_key = keys.listing_key(listing_id)[keys.PK]
        listing = repository.get(listing_id)
        seen.items = 1
    emit("ListingViewed", listing_id=listing_id, category=listing.get("category"),
         user_id=claims().get("sub"), user_agent=app.current_event.request_context.identity
         .user_agent, country=viewer_country())
    return public(listing)


@app.put("/listings/<listing_id>")
def update_listing(listing_id: str) -> dict[str, Any]:
    """Change a listing if ``version`` still matches (409 otherwise)."""
    with observe("UpdateListing") as seen:
        user, admin = caller()
        listing_id = listing_id_param(listing_id)
        seen.partition_key = keys.listing_key(listing_id)[keys.PK]
        version, changes = validation.update_input(
            validation.parse_json(app.current_event.body))
        current = repository.get(listing_id, consistent=True)
        authorize_owner(user, admin, current["seller_id"], "update", listing_id)
        listing = repository.update(current, version, changes)
        invalidate(current, listing)
        seen.items = 1
    emit("ListingUpdated", listing_id=listing_id, seller_id=listing["seller_id"],
         category=listing["category"], version=int(listing["version"]),
         price=float(listing["price"]) if "price" in changes else None)
    return public(listing)


@app.delete("/listings/<listing_id>")
def delete_listing(listing_id: str) -> Response:
    """Delete a listing: 204, or 404 if there is none."""
    with observe("DeleteListing") as seen:
        user, admin = caller()
        listing_id = listing_id_param(listing_id)
        seen.partition_key = keys.listing_key(listing_id)[keys.PK]
        current = repository.get(listing_id, consistent=True)
        authorize_owner(user, admin, current["seller_id"], "delete", listing_id)
        repository.delete(current)
        invalidate(current)
    emit("ListingDeleted", listing_id=listing_id, seller_id=current["seller_id"],
         category=current.get("category"))
    return Response(status_code=204, content_type=None, body=None)


@app.post("/listings/<listing_id>/contact")
def contact_seller(listing_id: str) -> tuple[dict[str, Any], int]:
    """Record that a signed-in user wants to contact the listing's seller."""
    with observe("ContactSeller") as seen:
        user, _admin = caller()
        listing_id = listing_id_param(listing_id)
        seen.partition_key = keys.listing_key(listing_id)[keys.PK]
        listing = repository.get(listing_id)
        seen.items = 1
    emit("ContactRequested", listing_id=listing_id, seller_id=listing["seller_id"],
         user_id=user, category=listing.get("category"))
    return {"listing_id": listing_id, "status": "requested"}, 202


def feed(seen: Observation, scope: str,
         read: Callable[[int, str | None], Page]) -> dict[str, Any]:
    """One page of a newest-first feed: ``limit`` and ``cursor`` from the query, cached."""
    limit = validation.limit(query("limit"))
    before = cursor.decode(scope, query("cursor"))

    def load() -> dict[str, Any]:
        page = read(limit, before)
        return page_response(page.items, scope, page.next_position)

    answer = cached(scope, [limit, before], load)
    seen.items = len(answer["items"])
    return answer


@app.get("/sellers/<seller_id>/listings")
def seller_listings(seller_id: str) -> dict[str, Any]:
    """A seller's listings, newest first, paginated with ``limit`` and ``cursor``."""
    with observe("SellerListings") as seen:
        seller_id = validation.path_value("seller_id", seller_id, validation.SELLER_RE)
        seen.partition_key = keys.seller_pk(seller_id)
        return feed(seen, f"seller:{seller_id}",
                    lambda limit, before: repository.by_seller(seller_id, limit, before))


@app.get("/categories/<category>/listings")
def category_listings(category: str) -> dict[str, Any]:
    """A category's listings, newest first, merged from every shard of gsi2."""
    with observe("CategoryListings") as seen:
        category = validation.path_value("category", category, validation.CATEGORY_RE)
        seen.partition_key = f"CAT#{category}"  # one logical feed over its write shards
        return feed(seen, f"category:{category}",
                    lambda limit, before: repository.by_category(category, limit, before))


@app.get("/health")
def health() -> Response:
    """200 when the table answers: what the availability canary calls through the edge."""
    with observe("Health"):
        repository.probe()
    # No cache on the way (stage, CloudFront, Cloudflare) may answer for the table.
    return Response(status_code=200, content_type="application/json",
                    body={"status": "ok"}, headers={"Cache-Control": "no-store"})


@app.get("/search")
def search() -> dict[str, Any]:
    """Listings in ``category`` whose title starts with ``q``."""
    with observe("Search") as seen:
        prefix = validation.search_query(query("q"))
        category = validation.path_value("category", query("category"), validation.CATEGORY_RE)
        limit = validation.limit(query("limit"))

        def load() -> dict[str, Any]:
            results = repository.search(category, prefix, limit)
            return {"items": [public(r) for r in results], "count": len(results)}

        answer = cached(f"search:{category}", [limit, prefix], load)
        seen.items = answer["count"]
    emit("SearchPerformed", query=prefix, category=category, result_count=answer["count"],
         user_id=claims().get("sub"),
         user_agent=app.current_event.request_context.identity.user_agent,
         country=viewer_country())
    return answer


# -- errors ------------------------------------------------------------------------------
@app.exception_handler(InvalidInputError)
def invalid_input(error: InvalidInputError) -> Response:
    """400 naming the field."""
    raise BadRequestError(str(error))


@app.exception_handler(ListingNotFoundError)
def not_found(error: ListingNotFoundError) -> Response:
    """404 for a listing id that does not exist."""
    raise NotFoundError(f"id: no listing {error.args[0]!r}")


@app.exception_handler(VersionConflictError)
def conflict(error: VersionConflictError) -> Response:
    """409: the listing changed since the caller read it."""
    raise ServiceError(409, "version: the listing was changed by someone else; "
                            "read it again and retry")


@app.exception_handler(UnavailableError)
def unavailable(error: UnavailableError) -> Response:
    """503 with Retry-After: DynamoDB kept throttling within the retry bound."""
    return _retry_later(str(error))


@app.exception_handler(ClientError)
def client_error(error: ClientError) -> Response:
    """503 for throttling; any other AWS error is a real fault and fails the invocation."""
    if error.response.get("Error", {}).get("Code") in THROTTLED:
        return _retry_later("the listings table is busy")
    raise error


def _retry_later(message: str) -> Response:
    logger.warning("asking the client to retry", extra={"reason": message})
    return Response(status_code=503, content_type="application/json",
                    body={"statusCode": 503, "message": message},
                    headers={"Retry-After": "1"})


# -- entry point -------------------------------------------------------------------------
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Resolve the route, then publish the domain events it queued."""
    pending_events.clear()
    try:
        return app.resolve(event, context)
    finally:
        if pending_events:
            publisher.publish(list(pending_events), Deadline.from_context(context))
            pending_events.clear()
