"""The single-table key design of the listings table, shared by the handler and the infrastructure.

One table holds every entity; the partition key ``pk`` and sort key ``sk`` are generic strings,
and three global secondary indexes serve the other access patterns:

==================== ===================================== ======================================
access pattern       key condition                          item / index
==================== ===================================== ======================================
get a listing        pk = LISTING#<id>, sk = LISTING         listing item (base table)
batch-get listings   BatchGetItem on the same keys           listing items
seller's listings    gsi1pk = SELLER#<seller>, newest first  gsi1 (gsi1sk = <created_at>#<id>)
category feed        gsi2pk = CAT#<category>#<shard>         gsi2, write-sharded: one query per
                     newest first, merged across shards      shard, merged (gsi2sk like gsi1sk)
featured listings    gsi3pk = FEATURED, newest first         gsi3, sparse: only featured listings
                                                             carry gsi3pk/gsi3sk
title-prefix search  pk = SEARCH#<category>#<shard>,         search item next to each listing,
                     begins_with(sk, <title prefix>)         sk = <lower-case title>#<id>
==================== ===================================== ======================================

Shards spread a hot category's writes over ``CATEGORY_SHARDS`` partitions; a listing's shard
is a stable hash of its id, so its category and search items always land on the same one.
Sort keys begin with the ISO-8601 UTC creation time, so ``ScanIndexForward=False`` is newest
first and a cursor is simply the last sort key returned.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

PK = "pk"
SK = "sk"
TTL_ATTRIBUTE = "expires_at"
LISTING_SK = "LISTING"


@dataclass(frozen=True)
class Index:
    """A global secondary index: name, key attributes, what it is for."""

    name: str
    hash_key: str
    range_key: str
    purpose: str


GSI1 = Index("gsi1", "gsi1pk", "gsi1sk", "listings by seller, newest first")
GSI2 = Index("gsi2", "gsi2pk", "gsi2sk", "category feed, write-sharded, newest first")
GSI3 = Index("gsi3", "gsi3pk", "gsi3sk", "featured listings only (sparse), newest first")
INDEXES = (GSI1, GSI2, GSI3)
FEATURED_PK = "FEATURED"


# The health route reads this key; nothing is ever written under it.
HEALTH_KEY = {PK: "HEALTH#probe", SK: "HEALTH#probe"}


def key_attributes() -> tuple[str, ...]:
    """Every attribute used in a key of the table or an index (all strings)."""
    names = [PK, SK]
    for index in INDEXES:
        names += [index.hash_key, index.range_key]
    return tuple(names)


def listing_key(listing_id: str) -> dict[str, str]:
    """The primary key of a listing item (plain values)."""
    return {PK: f"LISTING#{listing_id}", SK: LISTING_SK}


def shard_of(listing_id: str, shards: int) -> int:
    """The stable write shard of a listing (same in every process, unlike ``hash()``)."""
    digest = hashlib.blake2b(listing_id.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % max(1, shards)


def order_key(created_at: str, listing_id: str) -> str:
    """The sort key of the feeds: creation time then id, so equal times still order."""
    return f"{created_at}#{listing_id}"


def seller_pk(seller_id: str) -> str:
    """gsi1 partition of a seller's listings."""
    return f"SELLER#{seller_id}"


def category_pk(category: str, shard: int) -> str:
    """gsi2 partition of one shard of a category feed."""
    return f"CAT#{category}#{shard}"


def search_key(category: str, title: str, listing_id: str, shards: int) -> dict[str, str]:
    """The primary key of a listing's search item (title-prefix search in a category)."""
    return {PK: search_pk(category, shard_of(listing_id, shards)),
            SK: f"{title.casefold()}#{listing_id}"}


def search_pk(category: str, shard: int) -> str:
    """Partition of one shard of a category's search items."""
    return f"SEARCH#{category}#{shard}"
