"""The single-table key design: every key string, and shards stable across processes."""

from __future__ import annotations

import dataclasses

import pytest

from functions.api import keys


def test_key_attributes_are_the_table_keys_then_each_index_in_order() -> None:
    assert keys.key_attributes() == ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk",
                                     "gsi3pk", "gsi3sk")


def test_indexes_name_their_key_attributes() -> None:
    assert [(i.name, i.hash_key, i.range_key) for i in keys.INDEXES] == [
        ("gsi1", "gsi1pk", "gsi1sk"), ("gsi2", "gsi2pk", "gsi2sk"), ("gsi3", "gsi3pk", "gsi3sk")]


def test_an_index_cannot_be_changed() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        keys.GSI1.name = "other"  # type: ignore[misc]


def test_listing_key() -> None:
    assert keys.listing_key("abc") == {"pk": "LISTING#abc", "sk": "LISTING"}


def test_health_key_is_no_listing_key() -> None:
    assert keys.HEALTH_KEY == {"pk": "HEALTH#probe", "sk": "HEALTH#probe"}


# Worked out with hashlib.blake2b(id, digest_size=4), big-endian, modulo the shard count.
@pytest.mark.parametrize(("listing_id", "shards", "shard"), [
    ("abc", 3, 2), ("abc", 8, 0), ("listing-1", 3, 1), ("listing-1", 8, 4),
    ("a1b2c3", 3, 2), ("a1b2c3", 8, 5), ("x", 2, 1), ("x", 8, 5),
])
def test_shard_is_a_stable_hash_of_the_id(listing_id: str, shards: int, shard: int) -> None:
    assert keys.shard_of(listing_id, shards) == shard


@pytest.mark.parametrize("shards", [1, 0, -4])
def test_fewer_than_one_shard_means_one(shards: int) -> None:
    # "x" hashes to an odd number, so a floor of 2 instead of 1 would show.
    assert keys.shard_of("x", shards) == 0


def test_order_key_is_time_then_id() -> None:
    assert keys.order_key("2024-05-01T10:00:00.000000Z", "abc") == (
        "2024-05-01T10:00:00.000000Z#abc")


def test_partition_keys() -> None:
    assert keys.seller_pk("s-1") == "SELLER#s-1"
    assert keys.category_pk("bikes", 2) == "CAT#bikes#2"
    assert keys.search_pk("bikes", 0) == "SEARCH#bikes#0"


def test_search_key_casefolds_the_title_and_uses_the_listing_shard() -> None:
    assert keys.search_key("bikes", "Straße Bike", "listing-1", 3) == {
        "pk": "SEARCH#bikes#1", "sk": "strasse bike#listing-1"}
    assert keys.search_key("bikes", "Road", "listing-1", 8) == {
        "pk": "SEARCH#bikes#4", "sk": "road#listing-1"}
