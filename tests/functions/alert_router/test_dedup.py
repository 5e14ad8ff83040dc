"""DedupStore against moto DynamoDB with the stack's table schema: claims, leases, races."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from functions.alert_router.alert import Alert
from functions.alert_router.dedup import Claim, DedupStore, _plain

T = 1_796_000_000
WINDOW, TTL, LEASE = 3600, 604800, 120
KEY = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu"


def alert(state: str = "ALARM", severity: str = "warning", key: str = KEY,
          **extra: Any) -> Alert:
    """An alarm alert with a fixed identity."""
    return Alert(key=key, source="cloudwatch", severity=severity, title="cpu high",
                 state=state, **extra)


def summary_of(state: str = "ALARM", severity: str = "warning") -> dict[str, Any]:
    """What ``Alert.summary`` gives for :func:`alert`, written out by hand."""
    return {"key": KEY, "source": "cloudwatch", "severity": severity, "title": "cpu high",
            "state": state, "resource": "", "region": "", "account": "", "time": "",
            "reason": "", "links": {}, "details": {}, "escalated": False}


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[Any]:
    """The state table as the stack declares it (hash key ``alert_key``, TTL ``expires_at``)."""
    with mock_aws():
        resource = boto3.resource("dynamodb", region_name="us-east-1")
        table = resource.create_table(
            TableName="alert-state",
            KeySchema=[{"AttributeName": "alert_key", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "alert_key", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST")
        resource.meta.client.update_time_to_live(
            TableName="alert-state",
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"})
        yield table


@pytest.fixture
def table(dynamodb: Any) -> Any:
    """The state table, emptied."""
    with dynamodb.batch_writer() as batch:
        for item in dynamodb.scan(ProjectionExpression="alert_key")["Items"]:
            batch.delete_item(Key=item)
    return dynamodb


@pytest.fixture
def store(table: Any) -> DedupStore:
    """A store with a one-hour window, a week's TTL and a two-minute lease."""
    return DedupStore(table, WINDOW, TTL, LEASE)


def item(table: Any, key: str = KEY) -> dict[str, Any]:
    """The stored item, numbers as ints, summary decoded."""
    raw = table.get_item(Key={"alert_key": key}, ConsistentRead=True)["Item"]
    out = {k: int(v) if isinstance(v, Decimal) else v for k, v in raw.items()}
    out["summary"] = json.loads(out["summary"])
    return out


class Faulty:
    """A table whose ``fail_on``-th update (1-based) raises a non-condition ClientError."""

    def __init__(self, table: Any, fail_on: int,
                 code: str = "ProvisionedThroughputExceededException") -> None:
        self.table, self.fail_on, self.code, self.calls = table, fail_on, code, 0

    def update_item(self, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls == self.fail_on:
            raise ClientError({"Error": {"Code": self.code, "Message": "slow down"}},
                              "UpdateItem")
        return self.table.update_item(**kwargs)


class Paged:
    """A table that scans one item per page, so pagination is exercised."""

    def __init__(self, table: Any) -> None:
        self.table, self.scans = table, 0

    def scan(self, **kwargs: Any) -> Any:
        self.scans += 1
        return self.table.scan(Limit=1, **kwargs)


# -- the first claim ------------------------------------------------------------------------
def test_a_new_alert_is_claimed_and_recorded(store: DedupStore, table: Any) -> None:
    claim = store.claim(alert(), T)
    assert claim == Claim(send=True, previous={}, count=1, stamp=T)
    assert claim.previous_state is None
    assert claim.was_escalated is False
    assert item(table) == {
        "alert_key": KEY, "state": "ALARM", "severity": "warning", "first_seen": T,
        "last_sent": T, "count": 1, "delivered": False, "escalated": False,
        "summary": summary_of(), "expires_at": T + 604800}


def test_the_summary_keeps_values_json_cannot_encode_as_text(store: DedupStore,
                                                            table: Any) -> None:
    when = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    store.claim(alert(details={"at": when}), T)
    assert item(table)["summary"]["details"] == {"at": "2026-12-01 08:30:00+00:00"}


# -- repeats in the same state ----------------------------------------------------------------
@pytest.mark.parametrize(("later", "send"), [
    (3599, False),  # inside the window
    (3600, False),  # at the window: last_sent must be strictly older
    (3601, True),   # just past it
])
def test_a_delivered_alert_is_sent_again_only_after_the_window(
        store: DedupStore, table: Any, later: int, send: bool) -> None:
    store.confirm(alert(), store.claim(alert(), T))
    claim = store.claim(alert(), T + later)
    assert claim.send is send
    assert claim.count == 2
    assert claim.stamp == T + later
    stored = item(table)
    assert stored["count"] == 2
    assert stored["first_seen"] == T
    assert stored["expires_at"] == T + later + 604800
    assert stored["last_sent"] == (T + later if send else T)
    assert stored["delivered"] is (not send)
    assert claim.previous["count"] == 2
    assert claim.previous["last_sent"] == stored["last_sent"]


@pytest.mark.parametrize(("later", "send"), [
    (119, False),  # the first invocation may still be delivering
    (120, False),  # at the lease: still protected
    (121, True),   # lease over: the claim was lost (the function died), take it over
])
def test_an_undelivered_claim_is_taken_over_only_after_the_lease(
        store: DedupStore, table: Any, later: int, send: bool) -> None:
    store.claim(alert(), T)
    claim = store.claim(alert(), T + later)
    assert claim.send is send
    assert claim.count == 2
    assert item(table)["last_sent"] == (T + later if send else T)


def test_a_delivered_claim_is_not_taken_over_after_the_lease(store: DedupStore,
                                                            table: Any) -> None:
    store.confirm(alert(), store.claim(alert(), T))
    assert store.claim(alert(), T + LEASE + 1).send is False


def test_a_reclaim_refreshes_the_summary_but_keeps_the_episode(store: DedupStore,
                                                              table: Any) -> None:
    store.claim(alert(), T)
    store.claim(alert(reason="still high"), T + LEASE + 1)
    stored = item(table)
    assert stored["summary"]["reason"] == "still high"
    assert stored["first_seen"] == T
    assert stored["severity"] == "warning"


def test_repeats_count_every_notification(store: DedupStore, table: Any) -> None:
    counts = [store.claim(alert(), T + i).count for i in range(4)]
    assert counts == [1, 2, 3, 4]
    assert item(table)["count"] == 4


def test_concurrent_invocations_agree_on_one_sender(table: Any) -> None:
    # Separate stores stand in for separate Lambda containers sharing the table.
    stores = [DedupStore(table, WINDOW, TTL, LEASE) for _ in range(5)]
    claims = [s.claim(alert(), T) for s in stores]
    assert [c.send for c in claims] == [True, False, False, False, False]
    assert [c.count for c in claims] == [1, 2, 3, 4, 5]


# -- release and confirm ------------------------------------------------------------------------
def test_a_released_claim_is_claimed_again_at_once(store: DedupStore, table: Any) -> None:
    first = store.claim(alert(), T)
    store.release(alert(), first)
    assert item(table)["last_sent"] == 0
    again = store.claim(alert(), T + 1)
    assert again.send is True
    assert again.count == 2


def test_confirm_marks_the_claim_delivered(store: DedupStore, table: Any) -> None:
    store.confirm(alert(), store.claim(alert(), T))
    stored = item(table)
    assert stored["delivered"] is True
    assert stored["last_sent"] == T


def test_a_newer_claim_is_protected_from_the_older_invocation(store: DedupStore,
                                                              table: Any) -> None:
    old = store.claim(alert(), T)
    new = store.claim(alert(), T + LEASE + 1)
    store.confirm(alert(), old)  # the slow first invocation finishes late
    assert item(table)["delivered"] is False
    store.release(alert(), old)
    assert item(table)["last_sent"] == T + LEASE + 1
    store.confirm(alert(), new)
    assert item(table)["delivered"] is True


def test_a_claim_of_another_state_in_the_same_second_is_protected(store: DedupStore,
                                                                  table: Any) -> None:
    alarm = store.claim(alert("ALARM"), T)
    ok = store.claim(alert("OK"), T)
    assert ok.send is True
    store.confirm(alert("ALARM"), alarm)
    assert item(table)["delivered"] is False
    store.release(alert("ALARM"), alarm)
    assert item(table)["last_sent"] == T


# -- state changes ---------------------------------------------------------------------------
def test_a_state_change_starts_a_new_episode(store: DedupStore, table: Any) -> None:
    first = store.claim(alert("ALARM"), T)
    store.confirm(alert("ALARM"), first)
    assert store.mark_escalated(KEY, T, True) is True
    change = store.claim(alert("OK", severity="info"), T + 5)
    assert change.send is True
    assert change.count == 1
    assert change.stamp == T + 5
    assert change.previous_state == "ALARM"
    assert change.was_escalated is True
    assert change.previous["delivered"] is True
    assert change.previous["first_seen"] == T
    assert item(table) == {
        "alert_key": KEY, "state": "OK", "severity": "info", "first_seen": T + 5,
        "last_sent": T + 5, "count": 1, "delivered": False, "escalated": False,
        "summary": summary_of("OK", "info"), "expires_at": T + 5 + 604800}


# -- errors other than a failed condition ------------------------------------------------------
@pytest.mark.parametrize(("existing", "fail_on"), [
    (None, 1),     # new alert: the first update
    ("ALARM", 2),  # same state: the reclaim update
    ("ALARM", 3),  # duplicate: the count update
])
def test_claim_propagates_other_dynamodb_errors(table: Any, existing: str | None,
                                                fail_on: int) -> None:
    if existing:
        DedupStore(table, WINDOW, TTL, LEASE).claim(alert(existing), T)
    faulty = Faulty(table, fail_on)
    with pytest.raises(ClientError) as caught:
        DedupStore(faulty, WINDOW, TTL, LEASE).claim(alert(), T + 1)
    assert caught.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
    assert faulty.calls == fail_on


@pytest.mark.parametrize("finish", ["confirm", "release"])
def test_confirm_and_release_propagate_other_dynamodb_errors(table: Any, finish: str) -> None:
    claim = DedupStore(table, WINDOW, TTL, LEASE).claim(alert(), T)
    store = DedupStore(Faulty(table, 1), WINDOW, TTL, LEASE)
    with pytest.raises(ClientError):
        getattr(store, finish)(alert(), claim)


def test_mark_escalated_propagates_other_dynamodb_errors(table: Any) -> None:
    DedupStore(table, WINDOW, TTL, LEASE).claim(alert(), T)
    store = DedupStore(Faulty(table, 1, "ResourceNotFoundException"), WINDOW, TTL, LEASE)
    with pytest.raises(ClientError):
        store.mark_escalated(KEY, T, True)


# -- escalation queries ----------------------------------------------------------------------
def seed(table: Any, key: str, **fields: Any) -> None:
    """An item as claims leave it: a delivered warning in ALARM since ``T``, unless told."""
    values = {"alert_key": key, "state": "ALARM", "severity": "warning", "first_seen": T,
              "last_sent": T, "count": 1, "delivered": True, "escalated": False,
              "summary": "{}", "expires_at": T + TTL}
    values.update(fields)
    table.put_item(Item=values)


@pytest.mark.parametrize(("first_seen", "overdue"), [
    (T - 1801, True),
    (T - 1800, True),   # exactly at the cutoff counts
    (T - 1799, False),
])
def test_overdue_warnings_cutoff(store: DedupStore, table: Any, first_seen: int,
                                 overdue: bool) -> None:
    seed(table, "a", first_seen=first_seen)
    found = store.overdue_warnings(T, 1800)
    assert [i["alert_key"] for i in found] == (["a"] if overdue else [])


def test_overdue_warnings_only_delivered_unescalated_warnings_in_alarm(
        store: DedupStore, table: Any) -> None:
    seed(table, "due")
    seed(table, "ok", state="OK")
    seed(table, "critical", severity="critical")
    seed(table, "escalated", escalated=True)
    seed(table, "undelivered", delivered=False)
    found = store.overdue_warnings(T + 1800, 1800)
    assert found == [{"alert_key": "due", "state": "ALARM", "severity": "warning",
                      "first_seen": T, "last_sent": T, "count": 1, "delivered": True,
                      "escalated": False, "summary": "{}", "expires_at": T + TTL}]


def test_overdue_warnings_reads_every_page(table: Any) -> None:
    for key in ("a", "b", "c"):
        seed(table, key)
    seed(table, "ok", state="OK")
    paged = Paged(table)
    found = DedupStore(paged, WINDOW, TTL, LEASE).overdue_warnings(T + 1800, 1800)
    assert sorted(i["alert_key"] for i in found) == ["a", "b", "c"]
    assert paged.scans >= 4


def test_mark_escalated_once_per_episode(store: DedupStore, table: Any) -> None:
    seed(table, KEY)
    assert store.mark_escalated(KEY, T, True) is True
    assert item(table)["escalated"] is True
    assert store.mark_escalated(KEY, T, True) is False  # a concurrent sweep got it
    assert store.mark_escalated(KEY, T, False) is True  # taken back after a failed post
    assert item(table)["escalated"] is False


@pytest.mark.parametrize(("fields", "first_seen"), [
    ({"state": "OK"}, T),   # resolved meanwhile
    ({}, T - 1),            # a new episode began
])
def test_mark_escalated_refuses_another_episode(store: DedupStore, table: Any,
                                                fields: dict[str, Any],
                                                first_seen: int) -> None:
    seed(table, KEY, **fields)
    assert store.mark_escalated(KEY, first_seen, True) is False
    assert item(table)["escalated"] is False


# -- helpers ----------------------------------------------------------------------------------
def test_plain_turns_decimals_into_ints_and_leaves_the_rest() -> None:
    out = _plain({"n": Decimal("7"), "b": True, "f": 1.5, "s": "x"})
    assert out == {"n": 7, "b": True, "f": 1.5, "s": "x"}
    assert type(out["n"]) is int
    assert type(out["b"]) is bool
    assert type(out["f"]) is float


def test_claim_properties_read_the_previous_item() -> None:
    claim = Claim(True, {"state": "OK", "escalated": 1}, 1, T)
    assert claim.previous_state == "OK"
    assert claim.was_escalated is True
