"""One interface over the listings table, whether calls go to DynamoDB or through DAX.

DAX's client speaks the low-level DynamoDB API, so the repository takes either client and
uses only calls both support (GetItem, BatchGetItem, Query, TransactWriteItems). Writes go
through DAX too when it is on (write-through keeps its item cache coherent). The DAX client
is imported only when ``DAX_ENDPOINT`` is set, so functions without DAX never pay for it.
No access pattern scans the table.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from functions.api import keys
from functions.shared import retry

BATCH_GET_LIMIT = 100  # keys per BatchGetItem call
# Every DynamoDB operation this repository calls: the one list the per-operation alarms and
# graphs of the listings table read (a test proves the handler's recorded calls are these).
OPERATIONS = ("GetItem", "BatchGetItem", "Query", "TransactWriteItems")
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class ListingNotFoundError(LookupError):
    """No listing has that id."""


class VersionConflictError(RuntimeError):
    """The listing changed since the caller read it (optimistic locking)."""


class UnavailableError(RuntimeError):
    """DynamoDB did not finish the work within the retry bound (throttling)."""


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """Plain values -> DynamoDB attribute values (None values dropped)."""
    return {k: _serializer.serialize(v) for k, v in values.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB attribute values -> plain values."""
    return {k: _deserializer.deserialize(v) for k, v in item.items()}


def now_iso() -> str:
    """The current UTC time as ISO-8601 with microseconds and ``Z`` (sortable)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Page:
    """One page of a feed: listings newest first and the sort key to resume after."""

    items: list[dict[str, Any]]
    next_position: str | None


class ListingRepository:
    """Listings in the single table (see :mod:`functions.api.keys` for the key design)."""

    def __init__(self, client: Any, table_name: str, shards: int,
                 ttl_days: int = 0, backoff: retry.Backoff | None = None,
                 pool: ThreadPoolExecutor | None = None) -> None:
        self.client = client
        self.table = table_name
        self.shards = max(1, shards)
        self.ttl_days = ttl_days
        self.backoff = backoff or retry.Backoff(attempts=6, base_seconds=0.05, cap_seconds=1.0)
        self._pool = pool

    # -- reads -------------------------------------------------------------------------
    def probe(self) -> None:
        """Read one key that never exists: proves the table answers (half a read unit)."""
        self.client.get_item(TableName=self.table, Key=to_item(keys.HEALTH_KEY))

    def get(self, listing_id: str, *, consistent: bool = False) -> dict[str, Any]:
        """The listing with ``listing_id``; :class:`ListingNotFoundError` if there is none."""
        response = self.client.get_item(TableName=self.table,
                                        Key=to_item(keys.listing_key(listing_id)),
                                        ConsistentRead=consistent)
        if "Item" not in response:
            raise ListingNotFoundError(listing_id)
        return from_item(response["Item"])

    def batch_get(self, ids: Sequence[str],
                  deadline: retry.Deadline | None = None) -> dict[str, dict[str, Any]]:
        """Listings by id (absent ids left out), 100 keys per call, unprocessed keys retried.

        Unprocessed keys are retried with exponential backoff and full jitter, at most
        ``backoff.attempts`` calls per chunk and within ``deadline``; what is still
        unprocessed then raises :class:`UnavailableError` rather than being reported missing.
        """
        deadline = deadline or retry.Deadline(10.0)
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), BATCH_GET_LIMIT):
            chunk = ids[start:start + BATCH_GET_LIMIT]
            pending: dict[str, Any] = {self.table: {
                "Keys": [to_item(keys.listing_key(i)) for i in chunk]}}
            for attempt in range(self.backoff.attempts):
                if attempt:
                    pause = self.backoff.delay(attempt - 1)
                    if not deadline.allows(pause):
                        break
                    retry.sleep(pause)
                response = self.client.batch_get_item(RequestItems=pending)
                for item in response.get("Responses", {}).get(self.table, []):
                    listing = from_item(item)
                    found[listing["id"]] = listing
                pending = response.get("UnprocessedKeys") or {}
                if not pending.get(self.table, {}).get("Keys"):
                    pending = {}
                    break
            if pending:
                left = len(pending[self.table]["Keys"])
                raise UnavailableError(f"{left} keys still unprocessed after retries")
        return found

    def by_seller(self, seller_id: str, limit: int, before: str | None) -> Page:
        """A seller's listings, newest first (gsi1)."""
        return self._feed(keys.GSI1, [keys.seller_pk(seller_id)], limit, before)

    def by_category(self, category: str, limit: int, before: str | None) -> Page:
        """A category's listings, newest first: every gsi2 shard queried, results merged."""
        partitions = [keys.category_pk(category, s) for s in range(self.shards)]
        return self._feed(keys.GSI2, partitions, limit, before)

    def featured(self, limit: int, before: str | None) -> Page:
        """Featured listings, newest first (the sparse gsi3)."""
        return self._feed(keys.GSI3, [keys.FEATURED_PK], limit, before)

    def search(self, category: str, prefix: str, limit: int) -> list[dict[str, Any]]:
        """Listings of ``category`` whose title starts with ``prefix`` (case-insensitive)."""
        def query(shard: int) -> tuple[list[dict[str, Any]], bool]:
            response = self.client.query(
                TableName=self.table,
                KeyConditionExpression="#pk = :pk AND begins_with(#sk, :prefix)",
                ExpressionAttributeNames={"#pk": keys.PK, "#sk": keys.SK},
                ExpressionAttributeValues=to_item({":pk": keys.search_pk(category, shard),
                                                   ":prefix": prefix}),
                Limit=limit,
            )
            return [from_item(i) for i in response.get("Items", [])], False

        results = self._gather(query, range(self.shards))
        merged = sorted((item for items, _ in results for item in items),
                        key=lambda item: item[keys.SK])
        return merged[:limit]

    def _feed(self, index: keys.Index, partitions: Sequence[str], limit: int,
              before: str | None) -> Page:
        def query(partition: str) -> tuple[list[dict[str, Any]], bool]:
            condition = "#h = :h"
            names = {"#h": index.hash_key}
            values: dict[str, Any] = {":h": partition}
            if before is not None:
                # DynamoDB refuses unused names, so #r only when the cursor uses it.
                condition += " AND #r < :before"
                names["#r"] = index.range_key
                values[":before"] = before
            response = self.client.query(
                TableName=self.table,
                IndexName=index.name,
                KeyConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_item(values),
                ScanIndexForward=False,
                Limit=limit,
            )
            items = [from_item(i) for i in response.get("Items", [])]
            return items, "LastEvaluatedKey" in response

        results = self._gather(query, partitions)
        merged = sorted((item for items, _ in results for item in items),
                        key=lambda item: item[index.range_key], reverse=True)
        page = merged[:limit]
        more = len(merged) > limit or any(truncated for _, truncated in results)
        position = page[-1][index.range_key] if page and more else None
        return Page(page, position)

    def _gather(self, query: Callable[[Any], tuple[list[dict[str, Any]], bool]],
                partitions: Iterable[Any]) -> list[tuple[list[dict[str, Any]], bool]]:
        """Run one query per partition, in parallel when there are several.

        boto3 clients are thread-safe. In Lambda the X-Ray SDK gives each worker thread the
        invocation's trace (from ``_X_AMZN_TRACE_ID``), so shard queries are still traced.
        """
        parts = list(partitions)
        if len(parts) == 1 or self._pool is None:
            return [query(p) for p in parts]
        return list(self._pool.map(query, parts))

    # -- writes ------------------------------------------------------------------------
    def create(self, listing_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Store a new listing (version 1) and its search item in one transaction."""
        created = now_iso()
        listing = {**fields, "id": listing_id, "created_at": created, "updated_at": created,
                   "version": 1}
        if self.ttl_days:
            expires = datetime.now(UTC) + timedelta(days=self.ttl_days)
            listing[keys.TTL_ATTRIBUTE] = int(expires.timestamp())
        self._transact([
            {"Put": {"TableName": self.table, "Item": to_item(self._listing_item(listing)),
                     "ConditionExpression": "attribute_not_exists(#pk)",
                     "ExpressionAttributeNames": {"#pk": keys.PK}}},
            {"Put": {"TableName": self.table, "Item": to_item(self._search_item(listing))}},
        ])
        return listing

    def update(self, current: dict[str, Any], expected_version: int,
               changes: dict[str, Any]) -> dict[str, Any]:
        """Apply ``changes`` if the stored version is still ``expected_version``."""
        if current["version"] != expected_version:
            raise VersionConflictError(current["id"])
        # Key attributes are derived again, so a listing no longer featured leaves gsi3.
        stored = {k: v for k, v in current.items() if k not in keys.key_attributes()}
        listing = {**stored, **changes, "version": expected_version + 1,
                   "updated_at": now_iso()}
        old_search = self._search_key(current)
        new_search = self._search_key(listing)
        operations: list[dict[str, Any]] = [
            {"Put": {"TableName": self.table, "Item": to_item(self._listing_item(listing)),
                     "ConditionExpression": "attribute_exists(#pk) AND #v = :expected",
                     "ExpressionAttributeNames": {"#pk": keys.PK, "#v": "version"},
                     "ExpressionAttributeValues": to_item({":expected": expected_version})}},
            {"Put": {"TableName": self.table, "Item": to_item(self._search_item(listing))}},
        ]
        if old_search != new_search:
            operations.append({"Delete": {"TableName": self.table,
                                          "Key": to_item(old_search)}})
        self._transact(operations)
        return listing

    def delete(self, current: dict[str, Any]) -> None:
        """Delete a listing and its search item, unless it changed since it was read."""
        self._transact([
            {"Delete": {"TableName": self.table, "Key": to_item(keys.listing_key(current["id"])),
                        "ConditionExpression": "attribute_exists(#pk) AND #v = :expected",
                        "ExpressionAttributeNames": {"#pk": keys.PK, "#v": "version"},
                        "ExpressionAttributeValues": to_item(
                            {":expected": current["version"]})}},
            {"Delete": {"TableName": self.table, "Key": to_item(self._search_key(current))}},
        ])

    def _transact(self, operations: list[dict[str, Any]]) -> None:
        try:
            self.client.transact_write_items(TransactItems=operations)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons") or []
            if any(r.get("Code") == "ConditionalCheckFailed" for r in reasons) or not reasons:
                raise VersionConflictError("listing changed concurrently") from error
            raise

    # -- item shapes -------------------------------------------------------------------
    def _listing_item(self, listing: dict[str, Any]) -> dict[str, Any]:
        order = keys.order_key(listing["created_at"], listing["id"])
        shard = keys.shard_of(listing["id"], self.shards)
        item = {
            **listing,
            **keys.listing_key(listing["id"]),
            keys.GSI1.hash_key: keys.seller_pk(listing["seller_id"]),
            keys.GSI1.range_key: order,
            keys.GSI2.hash_key: keys.category_pk(listing["category"], shard),
            keys.GSI2.range_key: order,
        }
        if listing.get("featured"):  # sparse: only featured listings are in gsi3
            item[keys.GSI3.hash_key] = keys.FEATURED_PK
            item[keys.GSI3.range_key] = order
        return item

    def _search_key(self, listing: dict[str, Any]) -> dict[str, str]:
        return keys.search_key(listing["category"], listing["title"], listing["id"],
                               self.shards)

    def _search_item(self, listing: dict[str, Any]) -> dict[str, Any]:
        summary = {k: listing.get(k) for k in ("id", "title", "price", "currency", "category",
                                                "seller_id", "featured", "created_at")}
        return {**summary, **self._search_key(listing), "entity": "search",
                keys.TTL_ATTRIBUTE: listing.get(keys.TTL_ATTRIBUTE)}


def public(listing: dict[str, Any]) -> dict[str, Any]:
    """A listing as the API returns it: no key attributes, numbers as JSON numbers."""
    hidden = set(keys.key_attributes()) | {"entity", keys.TTL_ATTRIBUTE}
    out: dict[str, Any] = {}
    for name, value in listing.items():
        if name in hidden:
            continue
        if isinstance(value, Decimal):
            out[name] = int(value) if value == value.to_integral_value() else float(value)
        else:
            out[name] = value
    return out


def renew_dax_client(repository: ListingRepository) -> None:
    """After a SnapStart restore: a new DAX client in place of the snapshot's, then close it.

    The DAX client holds its own connections to the cluster's nodes, which the snapshot froze
    (a boto3 client only needs its pool dropped, which :mod:`functions.shared.snapstart` does).
    """
    if not os.environ.get("DAX_ENDPOINT"):
        return
    stale, repository.client = repository.client, client_from_env()
    close = getattr(stale, "close", None)
    if callable(close):
        close()


def client_from_env(region: str | None = None) -> Any:
    """The DAX client when ``DAX_ENDPOINT`` is set, else a DynamoDB client."""
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    endpoint = os.environ.get("DAX_ENDPOINT")
    if endpoint:
        # Imported only here: the package is large and only DAX-enabled stacks ship it.
        from amazondax import AmazonDaxClient  # noqa: PLC0415

        return AmazonDaxClient(endpoint_url=endpoint, region_name=region)
    from functions.shared import clients  # noqa: PLC0415 - keeps this module light

    return clients.client("dynamodb", region_name=region)
