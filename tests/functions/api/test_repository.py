"""The listings repository against moto: item shapes, feeds, search, writes, retries, clients."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import types
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from functions.api import keys
from functions.api import repository as repo_module
from functions.api.repository import (
    ListingNotFoundError,
    ListingRepository,
    Page,
    UnavailableError,
    VersionConflictError,
    client_from_env,
    from_item,
    public,
    to_item,
)
from functions.shared import retry
from tests.functions.api.conftest import TABLE_SPEC

ROOT = Path(__file__).resolve().parents[3]
REGION = "us-east-1"
TABLE = TABLE_SPEC["TableName"]
# Shards of these ids among 3, worked out with blake2b by hand: L1 2, L2 0, L4 0, L7 1, L8 1.


class Recorded:
    """A client that forwards every call and remembers (operation, arguments)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.client, name)

        def call(**kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            return method(**kwargs)
        return call

    def named(self, name: str) -> list[dict[str, Any]]:
        """The arguments of every call of ``name``."""
        return [kwargs for called, kwargs in self.calls if called == name]


class RecordingPool(ThreadPoolExecutor):
    """A thread pool that counts how often it is used."""

    def __init__(self) -> None:
        super().__init__(max_workers=3)
        self.maps = 0

    def map(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.maps += 1
        return super().map(*args, **kwargs)


@pytest.fixture
def client() -> Iterator[Recorded]:
    """A moto DynamoDB client with the listings table."""
    with mock_aws():
        real = boto3.client("dynamodb", region_name=REGION)
        real.create_table(**TABLE_SPEC)
        yield Recorded(real)


def fields(**overrides: Any) -> dict[str, Any]:
    """Validated listing fields."""
    return {"title": "Road bike", "description": "", "price": Decimal("350.50"),
            "currency": "EUR", "category": "bikes", "seller_id": "s-1", "featured": False,
            **overrides}


def raw(client: Recorded, pk: str, sk: str) -> dict[str, Any] | None:
    """An item as stored, or None."""
    found = client.client.get_item(TableName=TABLE, Key=to_item({"pk": pk, "sk": sk}))
    return from_item(found["Item"]) if "Item" in found else None


def ids(page: Page | list[dict[str, Any]]) -> list[str]:
    """The listing ids of a page or result list."""
    items = page.items if isinstance(page, Page) else page
    return [i["id"] for i in items]


# -- conversions -----------------------------------------------------------------------------
def test_to_item_drops_none_and_from_item_reverses_it() -> None:
    item = to_item({"a": "x", "n": 3, "d": Decimal("1.50"), "b": True, "gone": None})
    assert item == {"a": {"S": "x"}, "n": {"N": "3"}, "d": {"N": "1.50"}, "b": {"BOOL": True}}
    assert from_item(item) == {"a": "x", "n": Decimal(3), "d": Decimal("1.50"), "b": True}


def test_now_iso_is_utc_with_microseconds() -> None:
    before = datetime.now(UTC)
    text = repo_module.now_iso()
    after = datetime.now(UTC)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", text)
    parsed = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert before <= parsed <= after


def test_now_iso_is_utc_whatever_the_local_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")  # UTC+05:30 all year
    time.tzset()
    try:
        before = datetime.now(UTC)
        parsed = datetime.strptime(repo_module.now_iso(), "%Y-%m-%dT%H:%M:%S.%fZ")
        assert before <= parsed.replace(tzinfo=UTC) <= datetime.now(UTC)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_public_hides_keys_and_turns_decimals_into_numbers() -> None:
    item = {keys.PK: "LISTING#a", keys.SK: "LISTING", "gsi1pk": "SELLER#s", "gsi1sk": "t",
            "gsi2pk": "c", "gsi2sk": "t", "gsi3pk": "FEATURED", "gsi3sk": "t",
            "entity": "search", "id": "a", "price": Decimal("12.50"), "version": Decimal(3),
            "featured": True, keys.TTL_ATTRIBUTE: Decimal(9)}
    out = public(item)
    assert out == {"id": "a", "price": 12.5, "version": 3, "featured": True}
    assert type(out["version"]) is int
    assert type(out["price"]) is float


# -- construction ----------------------------------------------------------------------------
def test_defaults() -> None:
    repository = ListingRepository(object(), TABLE, shards=0)
    assert repository.shards == 1
    assert repository.ttl_days == 0
    assert repository.backoff == retry.Backoff(attempts=6, base_seconds=0.05, cap_seconds=1.0)


# -- reads -----------------------------------------------------------------------------------
def test_probe_reads_the_health_key(client: Recorded) -> None:
    ListingRepository(client, TABLE, shards=3).probe()
    assert client.named("get_item") == [{
        "TableName": TABLE, "Key": {"pk": {"S": "HEALTH#probe"}, "sk": {"S": "HEALTH#probe"}}}]


def test_probe_fails_when_the_table_is_missing(client: Recorded,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # Named through the stack's variable, so the role check knows the call is on the table.
    monkeypatch.setenv("TABLE_NAME", "no-such-table")
    with pytest.raises(ClientError):
        ListingRepository(client, "no-such-table", shards=1).probe()


@pytest.mark.parametrize("consistent", [True, False])
def test_get_returns_the_stored_listing(client: Recorded, clock: list[str],
                                        consistent: bool) -> None:
    repository = ListingRepository(client, TABLE, shards=3)
    made = repository.create("L1", fields())
    got = repository.get("L1", consistent=consistent)
    assert got["id"] == "L1"
    assert {k: got[k] for k in made} == made
    assert client.named("get_item")[-1] == {
        "TableName": TABLE, "Key": {"pk": {"S": "LISTING#L1"}, "sk": {"S": "LISTING"}},
        "ConsistentRead": consistent}


def test_get_is_eventually_consistent_by_default(client: Recorded) -> None:
    with pytest.raises(ListingNotFoundError):
        ListingRepository(client, TABLE, shards=3).get("L1")
    assert client.named("get_item")[-1]["ConsistentRead"] is False


def test_get_of_a_missing_listing_names_it(client: Recorded) -> None:
    with pytest.raises(ListingNotFoundError) as caught:
        ListingRepository(client, TABLE, shards=3).get("nope")
    assert caught.value.args == ("nope",)


# -- writes ----------------------------------------------------------------------------------
def test_create_stores_the_listing_and_its_search_item(client: Recorded,
                                                       clock: list[str]) -> None:
    listing = ListingRepository(client, TABLE, shards=3).create("L1", fields(featured=True))
    at = "2024-05-01T10:00:01.000000Z"
    assert listing == {**fields(featured=True), "id": "L1", "created_at": at,
                       "updated_at": at, "version": 1}
    assert raw(client, "LISTING#L1", "LISTING") == {
        **fields(featured=True), "id": "L1", "created_at": at, "updated_at": at,
        "version": Decimal(1), "pk": "LISTING#L1", "sk": "LISTING",
        "gsi1pk": "SELLER#s-1", "gsi1sk": f"{at}#L1", "gsi2pk": "CAT#bikes#2",
        "gsi2sk": f"{at}#L1", "gsi3pk": "FEATURED", "gsi3sk": f"{at}#L1"}
    assert raw(client, "SEARCH#bikes#2", "road bike#L1") == {
        "pk": "SEARCH#bikes#2", "sk": "road bike#L1", "entity": "search", "id": "L1",
        "title": "Road bike", "price": Decimal("350.50"), "currency": "EUR",
        "category": "bikes", "seller_id": "s-1", "featured": True, "created_at": at}


def test_a_listing_that_is_not_featured_stays_out_of_gsi3(client: Recorded,
                                                          clock: list[str]) -> None:
    ListingRepository(client, TABLE, shards=3).create("L2", fields())
    stored = raw(client, "LISTING#L2", "LISTING")
    assert stored is not None
    assert "gsi3pk" not in stored
    assert "gsi3sk" not in stored
    assert stored["gsi2pk"] == "CAT#bikes#0"
    assert "expires_at" not in stored


def test_create_with_ttl_days_sets_expiry_on_both_items(client: Recorded) -> None:
    before = datetime.now(UTC)
    listing = ListingRepository(client, TABLE, shards=3, ttl_days=2).create("L7", fields())
    after = datetime.now(UTC)
    expires = listing["expires_at"]
    assert isinstance(expires, int)
    assert int((before + timedelta(days=2)).timestamp()) <= expires
    assert expires <= int((after + timedelta(days=2)).timestamp())
    assert raw(client, "LISTING#L7", "LISTING")["expires_at"] == expires  # type: ignore[index]
    assert raw(client, "SEARCH#bikes#1", "road bike#L7")["expires_at"] == expires  # type: ignore[index]


def test_create_refuses_an_id_that_exists(client: Recorded) -> None:
    repository = ListingRepository(client, TABLE, shards=3)
    repository.create("L1", fields())
    with pytest.raises(VersionConflictError):
        repository.create("L1", fields(title="Other"))
    assert raw(client, "LISTING#L1", "LISTING")["title"] == "Road bike"  # type: ignore[index]


def test_update_bumps_the_version_and_moves_the_search_item(client: Recorded,
                                                            clock: list[str]) -> None:
    repository = ListingRepository(client, TABLE, shards=3)
    repository.create("L1", fields(featured=True))
    current = repository.get("L1", consistent=True)
    updated = repository.update(current, 1, {"title": "Gravel bike", "featured": False})
    assert updated == {**fields(title="Gravel bike"), "id": "L1",
                       "created_at": "2024-05-01T10:00:01.000000Z",
                       "updated_at": "2024-05-01T10:00:02.000000Z", "version": 2}
    stored = raw(client, "LISTING#L1", "LISTING")
    assert stored is not None
    assert stored["version"] == 2
    assert stored["title"] == "Gravel bike"
    assert "gsi3pk" not in stored  # no longer featured: out of gsi3
    assert raw(client, "SEARCH#bikes#2", "road bike#L1") is None
    assert raw(client, "SEARCH#bikes#2", "gravel bike#L1")["title"] == "Gravel bike"  # type: ignore[index]


def test_update_keeping_the_title_rewrites_the_search_item_in_place(
        client: Recorded, clock: list[str]) -> None:
    repository = ListingRepository(client, TABLE, shards=3)
    repository.create("L1", fields())
    updated = repository.update(repository.get("L1"), 1, {"price": Decimal("10.00")})
    assert updated["version"] == 2
    (transaction,) = client.named("transact_write_items")[1:]
    assert [next(iter(op)) for op in transaction["TransactItems"]] == ["Put", "Put"]
    assert raw(client, "SEARCH#bikes#2", "road bike#L1")["price"] == Decimal("10.00")  # type: ignore[index]


def test_update_with_a_stale_version_changes_nothing(client: Recorded) -> None:
    repository = ListingRepository(client, TABLE, shards=3)
    repository.create("L1", fields())
    current = repository.get("L1")
    with pytest.raises(VersionConflictError) as caught:
        repository.update(current, 2, {"title": "Late"})
    assert caught.value.args == ("L1",)
    assert len(client.named("transact_write_items")) == 1  # only the create


def test_update_that_loses_a_race_is_a_conflict(client: Recorded) -> None:
    repository = ListingRepository(client, TABLE, shards=3)
    repository.create("L1", fields())
    read_before = repository.get("L1")
    repository.update(repository.get("L1"), 1, {"title": "Theirs"})
    with pytest.raises(VersionConflictError):
        repository.update(read_before, 1, {"title": "Ours"})
    assert raw(client, "LISTING#L1", "LISTING")["title"] == "Theirs"  # type: ignore[index]


def test_delete_removes_both_items(client: Recorded) -> None:
    repository = ListingRepository(client, TABLE, shards=3)
    repository.create("L1", fields())
    repository.delete(repository.get("L1"))
    assert raw(client, "LISTING#L1", "LISTING") is None
    assert raw(client, "SEARCH#bikes#2", "road bike#L1") is None


def test_delete_of_a_changed_listing_is_a_conflict(client: Recorded) -> None:
    repository = ListingRepository(client, TABLE, shards=3)
    repository.create("L1", fields())
    read_before = repository.get("L1")
    repository.update(repository.get("L1"), 1, {"price": 5})
    with pytest.raises(VersionConflictError):
        repository.delete(read_before)
    assert raw(client, "LISTING#L1", "LISTING") is not None


class Refusing:
    """A client whose transactions fail with ``error``."""

    def __init__(self, error: ClientError) -> None:
        self.error = error

    def transact_write_items(self, **_: Any) -> None:
        raise self.error


def cancelled(*codes: str | None) -> ClientError:
    """A TransactionCanceledException with one cancellation reason per code."""
    response: dict[str, Any] = {"Error": {"Code": "TransactionCanceledException",
                                          "Message": "cancelled"}}
    if codes != (None,):
        response["CancellationReasons"] = [{"Code": c} for c in codes]
    return ClientError(response, "TransactWriteItems")


@pytest.mark.parametrize("error", [cancelled("None", "ConditionalCheckFailed"), cancelled(),
                                   cancelled(None)])
def test_a_failed_condition_or_an_unexplained_cancel_is_a_conflict(error: ClientError) -> None:
    with pytest.raises(VersionConflictError, match=r"^listing changed concurrently$"):
        ListingRepository(Refusing(error), TABLE, shards=1).delete({"id": "a", "version": 1,
                                                                    "category": "c",
                                                                    "title": "t"})


@pytest.mark.parametrize("error", [
    cancelled("None", "TransactionConflict"),
    ClientError({"Error": {"Code": "ValidationException", "Message": "bad"}},
                "TransactWriteItems"),
    ClientError({}, "TransactWriteItems"),
])
def test_other_transaction_errors_are_raised_as_they_are(error: ClientError) -> None:
    with pytest.raises(ClientError) as caught:
        ListingRepository(Refusing(error), TABLE, shards=1).delete({"id": "a", "version": 1,
                                                                    "category": "c",
                                                                    "title": "t"})
    assert caught.value is error


# -- feeds -----------------------------------------------------------------------------------
def test_seller_feed_pages_newest_first(client: Recorded, clock: list[str]) -> None:
    repository = ListingRepository(client, TABLE, shards=3)
    for listing_id in ("L1", "L2", "L4"):
        repository.create(listing_id, fields())
    repository.create("L7", fields(seller_id="s-2"))
    first = repository.by_seller("s-1", 2, None)
    assert ids(first) == ["L4", "L2"]
    assert first.next_position == "2024-05-01T10:00:02.000000Z#L2"
    second = repository.by_seller("s-1", 2, first.next_position)
    assert ids(second) == ["L1"]
    assert second.next_position is None
    query = client.named("query")[0]
    assert query["IndexName"] == "gsi1"
    assert query["ScanIndexForward"] is False
    assert query["Limit"] == 2
    assert query["KeyConditionExpression"] == "#h = :h"
    assert query["ExpressionAttributeNames"] == {"#h": "gsi1pk"}
    assert client.named("query")[1]["KeyConditionExpression"] == "#h = :h AND #r < :before"


def test_a_feed_that_fits_has_no_next_position(client: Recorded, clock: list[str]) -> None:
    repository = ListingRepository(client, TABLE, shards=3)
    repository.create("L1", fields())
    repository.create("L2", fields())
    page = repository.by_seller("s-1", 5, None)
    assert ids(page) == ["L2", "L1"]
    assert page.next_position is None
    assert repository.by_seller("nobody", 5, None) == Page([], None)


@pytest.mark.parametrize("pool", [None, "pool"])
def test_category_feed_merges_every_shard(client: Recorded, clock: list[str],
                                          pool: str | None) -> None:
    threads = RecordingPool() if pool else None
    repository = ListingRepository(client, TABLE, shards=3, pool=threads)
    # Shards 2, 0, 1, 0, 1: every shard holds fewer than the limit of 3.
    for listing_id in ("L1", "L2", "L7", "L4", "L8"):
        repository.create(listing_id, fields())
    repository.create("L9", fields(category="cars"))
    first = repository.by_category("bikes", 3, None)
    assert ids(first) == ["L8", "L4", "L7"]
    assert first.next_position == "2024-05-01T10:00:03.000000Z#L7"
    second = repository.by_category("bikes", 3, first.next_position)
    assert ids(second) == ["L2", "L1"]
    assert second.next_position is None
    partitions = sorted(q["ExpressionAttributeValues"][":h"]["S"]
                        for q in client.named("query"))
    assert partitions == ["CAT#bikes#0"] * 2 + ["CAT#bikes#1"] * 2 + ["CAT#bikes#2"] * 2
    assert {q["IndexName"] for q in client.named("query")} == {"gsi2"}
    if threads is not None:
        assert threads.maps == 2
        threads.shutdown()


def test_a_merged_page_exactly_full_has_no_next_position(client: Recorded,
                                                         clock: list[str]) -> None:
    repository = ListingRepository(client, TABLE, shards=3)
    for listing_id in ("L1", "L2", "L7"):  # one per shard
        repository.create(listing_id, fields())
    page = repository.by_category("bikes", 3, None)
    assert ids(page) == ["L7", "L2", "L1"]
    assert page.next_position is None


def test_a_single_partition_feed_does_not_use_the_pool(client: Recorded,
                                                       clock: list[str]) -> None:
    threads = RecordingPool()
    repository = ListingRepository(client, TABLE, shards=3, pool=threads)
    repository.create("L1", fields(featured=True))
    assert ids(repository.by_seller("s-1", 5, None)) == ["L1"]
    assert ids(repository.featured(5, None)) == ["L1"]
    assert threads.maps == 0
    threads.shutdown()


def test_featured_feed_holds_only_featured_listings(client: Recorded, clock: list[str]) -> None:
    repository = ListingRepository(client, TABLE, shards=3)
    repository.create("L1", fields(featured=True))
    repository.create("L2", fields())
    repository.create("L4", fields(featured=True, category="cars"))
    page = repository.featured(1, None)
    assert ids(page) == ["L4"]
    assert page.next_position == "2024-05-01T10:00:03.000000Z#L4"
    assert ids(repository.featured(10, page.next_position)) == ["L1"]
    assert client.named("query")[0]["IndexName"] == "gsi3"


class Empty:
    """A client whose queries answer with no ``Items`` member at all."""

    def query(self, **_: Any) -> dict[str, Any]:
        return {"Count": 0}


def test_an_answer_without_items_is_an_empty_page() -> None:
    repository = ListingRepository(Empty(), TABLE, shards=2)
    assert repository.by_seller("s-1", 5, None) == Page([], None)
    assert repository.by_category("bikes", 5, None) == Page([], None)
    assert repository.search("bikes", "road", 5) == []


# -- search ----------------------------------------------------------------------------------
def test_search_is_a_case_insensitive_title_prefix_over_every_shard(
        client: Recorded, clock: list[str]) -> None:
    repository = ListingRepository(client, TABLE, shards=3, pool=None)
    repository.create("L1", fields(title="Roadster"))        # shard 2
    repository.create("L2", fields(title="road bike"))       # shard 0
    repository.create("L7", fields(title="ROAD RACER"))      # shard 1
    repository.create("L4", fields(title="Mountain bike"))   # shard 0
    repository.create("L8", fields(title="Road bike", category="cars"))
    found = repository.search("bikes", "road", 10)
    assert ids(found) == ["L2", "L7", "L1"]  # by lower-case title
    assert found[0]["title"] == "road bike"
    assert ids(repository.search("bikes", "road", 2)) == ["L2", "L7"]
    assert repository.search("bikes", "zz", 10) == []
    query = client.named("query")[0]
    assert query["Limit"] == 10
    assert query["KeyConditionExpression"] == "#pk = :pk AND begins_with(#sk, :prefix)"
    assert "IndexName" not in query


# -- batch get -------------------------------------------------------------------------------
def test_batch_get_finds_what_exists_in_chunks_of_100(client: Recorded) -> None:
    repository = ListingRepository(client, TABLE, shards=3)
    repository.create("L1", fields())
    repository.create("L2", fields())
    wanted = ["L2", *[f"missing-{n}" for n in range(249)], "L1"]
    found = repository.batch_get(wanted)
    assert sorted(found) == ["L1", "L2"]
    assert found["L1"]["title"] == "Road bike"
    chunks = [len(c["RequestItems"][TABLE]["Keys"]) for c in client.named("batch_get_item")]
    assert chunks == [100, 100, 51]
    first_key = client.named("batch_get_item")[0]["RequestItems"][TABLE]["Keys"][0]
    assert first_key == {"pk": {"S": "LISTING#L2"}, "sk": {"S": "LISTING"}}


def test_batch_get_of_nothing_calls_nothing(client: Recorded) -> None:
    assert ListingRepository(client, TABLE, shards=3).batch_get([]) == {}
    assert client.calls == []


class Scripted:
    """A client whose BatchGetItem answers come from a script, recording what was asked."""

    def __init__(self, *answers: dict[str, Any]) -> None:
        self.answers = list(answers)
        self.asked: list[dict[str, Any]] = []

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803
        self.asked.append(RequestItems)
        return self.answers.pop(0)


class Steps:
    """A backoff whose delays are known: retry n pauses 0.01 * (n + 1) seconds."""

    def __init__(self, attempts: int, step: float = 0.01) -> None:
        self.attempts = attempts
        self.step = step
        self.asked: list[int] = []

    def delay(self, retry_number: int) -> float:
        self.asked.append(retry_number)
        return self.step * (retry_number + 1)


def item(listing_id: str) -> dict[str, Any]:
    """A stored listing as DynamoDB returns it."""
    return to_item({"pk": f"LISTING#{listing_id}", "sk": "LISTING", "id": listing_id})


def unprocessed(*listing_ids: str) -> dict[str, Any]:
    """UnprocessedKeys for ``listing_ids``."""
    return {TABLE: {"Keys": [to_item(keys.listing_key(i)) for i in listing_ids]}}


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses the retries take (none really slept)."""
    taken: list[float] = []
    monkeypatch.setattr(retry, "sleep", taken.append)
    return taken


def frozen(seconds: float) -> retry.Deadline:
    """A deadline with ``seconds`` left that never runs down."""
    return retry.Deadline(seconds, clock=lambda: 0.0)


def test_unprocessed_keys_are_retried_with_backoff(pauses: list[float]) -> None:
    client = Scripted(
        {"Responses": {TABLE: [item("a")]}, "UnprocessedKeys": unprocessed("b", "c")},
        {"Responses": {TABLE: [item("b")]}, "UnprocessedKeys": unprocessed("c")},
        {"Responses": {TABLE: [item("c")]}, "UnprocessedKeys": {}},
    )
    backoff = Steps(attempts=4)
    repository = ListingRepository(client, TABLE, shards=1, backoff=backoff)  # type: ignore[arg-type]
    found = repository.batch_get(["a", "b", "c"], frozen(5.0))
    assert sorted(found) == ["a", "b", "c"]
    assert backoff.asked == [0, 1]
    assert pauses == [0.01, 0.02]
    assert client.asked[1] == unprocessed("b", "c")
    assert client.asked[2] == unprocessed("c")


def test_an_empty_unprocessed_list_means_done(pauses: list[float]) -> None:
    client = Scripted({"Responses": {TABLE: [item("a")]},
                       "UnprocessedKeys": {TABLE: {"Keys": []}}})
    repository = ListingRepository(client, TABLE, shards=1, backoff=Steps(3))  # type: ignore[arg-type]
    assert list(repository.batch_get(["a"], frozen(5.0))) == ["a"]
    assert pauses == []


def test_a_response_without_items_finds_nothing(pauses: list[float]) -> None:
    repository = ListingRepository(Scripted({}), TABLE, shards=1, backoff=Steps(3))  # type: ignore[arg-type]
    assert repository.batch_get(["a"], frozen(5.0)) == {}


def test_keys_still_unprocessed_after_every_attempt_are_unavailable(
        pauses: list[float]) -> None:
    client = Scripted(*[{"UnprocessedKeys": unprocessed("a", "b")}] * 3)
    repository = ListingRepository(client, TABLE, shards=1, backoff=Steps(3))  # type: ignore[arg-type]
    with pytest.raises(UnavailableError) as caught:
        repository.batch_get(["a", "b"], frozen(5.0))
    assert str(caught.value) == "2 keys still unprocessed after retries"
    assert len(client.asked) == 3
    assert pauses == [0.01, 0.02]


@pytest.mark.parametrize(("step", "calls"), [(0.4, 3), (0.5, 2), (1.0, 1),
                                             (2.0, 1)])
def test_retries_stop_at_the_deadline(pauses: list[float], step: float, calls: int) -> None:
    # One second left; retry n pauses step * (n + 1), taken only if time is left after it.
    client = Scripted(*[{"UnprocessedKeys": unprocessed("a")}] * 3)
    repository = ListingRepository(client, TABLE, shards=1,
                                   backoff=Steps(3, step))  # type: ignore[arg-type]
    with pytest.raises(UnavailableError, match=r"^1 keys still unprocessed after retries$"):
        repository.batch_get(["a"], frozen(1.0))
    assert len(client.asked) == calls


@pytest.mark.parametrize(("step", "calls"), [(9.5, 2), (10.5, 1)])
def test_the_default_deadline_is_ten_seconds(pauses: list[float], step: float,
                                             calls: int) -> None:
    client = Scripted(*[{"UnprocessedKeys": unprocessed("a")}] * 2)
    repository = ListingRepository(client, TABLE, shards=1,
                                   backoff=Steps(2, step))  # type: ignore[arg-type]
    with pytest.raises(UnavailableError):
        repository.batch_get(["a"])
    assert len(client.asked) == calls


def test_each_chunk_gets_its_own_attempts(pauses: list[float]) -> None:
    first = {"Responses": {TABLE: [item(f"k{n}") for n in range(100)]}}
    client = Scripted(first, {"UnprocessedKeys": unprocessed("k100")},
                      {"Responses": {TABLE: [item("k100")]}})
    repository = ListingRepository(client, TABLE, shards=1, backoff=Steps(2))  # type: ignore[arg-type]
    found = repository.batch_get([f"k{n}" for n in range(101)], frozen(5.0))
    assert len(found) == 101
    assert pauses == [0.01]


# -- clients ---------------------------------------------------------------------------------
def test_without_dax_endpoint_it_is_a_dynamodb_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DAX_ENDPOINT", raising=False)
    client = client_from_env("us-east-1")
    assert client.meta.service_model.service_name == "dynamodb"
    assert client.meta.region_name == "us-east-1"


@pytest.mark.parametrize(("region", "default", "expected"), [
    ("eu-west-1", "us-west-2", "eu-west-1"), (None, "us-west-2", "us-west-2"),
])
def test_the_region_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                               region: str | None, default: str,
                                               expected: str) -> None:
    monkeypatch.delenv("DAX_ENDPOINT", raising=False)
    if region:
        monkeypatch.setenv("AWS_REGION", region)
    else:
        monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", default)
    assert client_from_env().meta.region_name == expected
    assert client_from_env("ap-south-1").meta.region_name == "ap-south-1"


def test_with_dax_endpoint_it_is_the_dax_client(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[dict] = []

    class AmazonDaxClient:
        def __init__(self, **kwargs: str) -> None:
            made.append(kwargs)

    monkeypatch.setitem(sys.modules, "amazondax",
                        types.SimpleNamespace(AmazonDaxClient=AmazonDaxClient))
    monkeypatch.setenv("DAX_ENDPOINT", "daxs://cluster.abc.dax-clusters.us-east-1.amazonaws.com")
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    assert isinstance(client_from_env("us-east-1"), AmazonDaxClient)
    assert isinstance(client_from_env(), AmazonDaxClient)
    monkeypatch.delenv("AWS_REGION")
    assert isinstance(client_from_env(), AmazonDaxClient)
    assert made == [{"endpoint_url": "daxs://cluster.abc.dax-clusters.us-east-1.amazonaws.com",
                     "region_name": "us-east-1"},
                    {"endpoint_url": "daxs://cluster.abc.dax-clusters.us-east-1.amazonaws.com",
                     "region_name": "eu-central-1"},
                    {"endpoint_url": "daxs://cluster.abc.dax-clusters.us-east-1.amazonaws.com",
                     "region_name": "us-west-2"}]


def test_importing_the_handler_loads_neither_dax_nor_redis() -> None:
    code = ("import sys, functions.api.handler; "
            "print(sorted(m for m in ('amazondax', 'redis') if m in sys.modules))")
    env = {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x",
           "AWS_SECRET_ACCESS_KEY": "x", "POWERTOOLS_TRACE_DISABLED": "1",
           "PATH": "/usr/bin:/bin", "TABLE_NAME": "listings"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
