"""Every route and every error class of the listings API, against moto (no stack run)."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from functions.api.repository import UnavailableError
from functions.api.validation import InvalidInputError
from functions.shared.events import validate
from functions.shared.metrics import LISTINGS_CREATED
from functions.shared.retry import Deadline
from tests.functions.api.conftest import ENV, Api, user

UA = "PostmanRuntime/2.4.5"          # requestContext.identity of the recorded payload
SOURCE_IP = "192.168.196.186"
CONFLICT = "version: the listing was changed by someone else; read it again and retry"


@pytest.fixture
def events(api: Api, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Domain events the handler hands to the publisher, with the deadline it gives."""
    handed: list[tuple[str, dict[str, Any]]] = []

    def publish(batch: list[tuple[str, dict[str, Any]]], deadline: Deadline) -> None:
        handed.extend(batch)
        handed.append(("deadline", {"remaining": deadline.remaining()}))

    monkeypatch.setattr(api.handler.publisher, "publish", publish)
    return handed


def domain(events: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """The events without the deadline markers."""
    return [e for e in events if e[0] != "deadline"]


class FakeCache:
    """A query cache that always misses, remembering what was asked and invalidated."""

    def __init__(self) -> None:
        self.reads: list[tuple[str, list[Any]]] = []
        self.invalidated: list[tuple[str, ...]] = []

    def get_or_load(self, scope: str, params: list[Any],
                    load: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        self.reads.append((scope, list(params)))
        return load()

    def invalidate(self, *scopes: str) -> None:
        self.invalidated.append(scopes)


@pytest.fixture
def cache(api: Api, monkeypatch: pytest.MonkeyPatch) -> FakeCache:
    """The handler's query cache, replaced by a recording one."""
    fake = FakeCache()
    monkeypatch.setattr(api.handler, "query_cache", fake)
    return fake


def new_listing(**overrides: Any) -> dict[str, Any]:
    body = {"title": "Vintage road bike", "description": "Steel frame, 56 cm",
            "price": 350.5, "currency": "EUR", "category": "bikes",
            "seller_id": f"seller-{uuid.uuid4().hex[:8]}"}
    body.update(overrides)
    return body


def create(api: Api, **overrides: Any) -> dict[str, Any]:
    body = new_listing(**overrides)
    response = api.request("POST", "/listings", body=body, claims=user(body["seller_id"]))
    assert response["statusCode"] == 201, response["body"]
    return response["json"]


def item_path(listing_id: str, suffix: str = "") -> dict[str, Any]:
    return {"path": f"/listings/{listing_id}{suffix}", "resource": f"/listings/{{id}}{suffix}",
            "path_params": {"id": listing_id}}


def seller_feed(seller: str) -> dict[str, Any]:
    return {"path": f"/sellers/{seller}/listings", "resource": "/sellers/{seller_id}/listings",
            "path_params": {"seller_id": seller}}


def category_feed(category: str) -> dict[str, Any]:
    return {"path": f"/categories/{category}/listings",
            "resource": "/categories/{category}/listings", "path_params": {"category": category}}


def published(api: Api, event_type: str) -> list[dict[str, Any]]:
    return [validate(e["DetailType"], json.loads(e["Detail"]))
            for e in api.published if e["DetailType"] == event_type]


def headers(response: dict[str, Any]) -> dict[str, str]:
    """Response headers, single-valued."""
    multi = response.get("multiValueHeaders") or {}
    single = {k: v[-1] for k, v in multi.items()}
    return {**single, **(response.get("headers") or {})}


def cursor_of(token: str) -> dict[str, Any]:
    """A cursor token read as its documented format: unpadded URL-safe base64 of JSON."""
    return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


def value(document: dict[str, Any], name: str) -> Any:
    """A metric's value in an EMF document (Powertools writes a list when it aggregates)."""
    found = document[name]
    if isinstance(found, list):
        (found,) = found
    return found


def emf(text: str) -> list[dict[str, Any]]:
    """EMF documents printed to stdout."""
    return [json.loads(line) for line in text.splitlines()
            if line.startswith("{") and "_aws" in line]


def audit_events() -> list[dict[str, Any]]:
    logs = boto3.client("logs")
    found = []
    for stream in logs.describe_log_streams(logGroupName=ENV["AUDIT_LOG_GROUP"])["logStreams"]:
        for e in logs.get_log_events(logGroupName=ENV["AUDIT_LOG_GROUP"],
                                     logStreamName=stream["logStreamName"])["events"]:
            found.append(json.loads(e["message"]))
    return found


def throttle(code: str, operation: str = "GetItem") -> Callable[..., Any]:
    def fail(*_: Any, **__: Any) -> None:
        raise ClientError({"Error": {"Code": code, "Message": "slow down"}}, operation)
    return fail


# -- create ------------------------------------------------------------------------------
def test_create_returns_201_with_server_fields(api: Api, events: list, clock: list[str]) -> None:
    body = new_listing(featured=True)
    response = api.request("POST", "/listings", body=body, claims=user(body["seller_id"]))
    assert response["statusCode"] == 201
    listing = response["json"]
    assert re.fullmatch(r"[0-9a-f]{32}", listing["id"])
    assert listing == {**body, "id": listing["id"], "created_at": clock[0],
                       "updated_at": clock[0], "version": 1}
    assert domain(events) == [("ListingCreated", {
        "listing_id": listing["id"], "seller_id": body["seller_id"], "category": "bikes",
        "price": 350.5, "currency": "EUR", "featured": True, "title": "Vintage road bike"})]


def test_create_publishes_through_the_bus(api: Api) -> None:
    listing = create(api)
    (event,) = [e for e in published(api, "ListingCreated")
                if e["listing_id"] == listing["id"]]
    assert event["seller_id"] == listing["seller_id"]
    assert event["featured"] is False
    assert api.published[-1]["EventBusName"] == ENV["EVENT_BUS_NAME"]


def test_create_invalidates_the_listing_scopes(api: Api, cache: FakeCache) -> None:
    listing = create(api, featured=True, category="cams")
    assert cache.invalidated == [("category:cams", "featured", "search:cams",
                                  f"seller:{listing['seller_id']}")]


def test_events_are_published_with_the_invocation_deadline(api: Api, events: list) -> None:
    create(api)
    ((_, deadline),) = [e for e in events if e[0] == "deadline"]
    # The test context has 10 s left; the publisher keeps 1.5 s in reserve.
    assert 8.0 < deadline["remaining"] <= 8.5


def test_events_left_from_an_earlier_invocation_are_dropped(api: Api, events: list) -> None:
    api.handler.pending_events.append(("ListingViewed", {"listing_id": "stale"}))
    create(api)
    assert [t for t, _ in domain(events)] == ["ListingCreated"]
    assert api.handler.pending_events == []


def test_a_read_without_events_publishes_nothing(api: Api, events: list) -> None:
    assert api.request("GET", "/listings/featured")["statusCode"] == 200
    assert events == []


# -- observation -------------------------------------------------------------------------
def test_each_access_reports_latency_items_and_partition(
        api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str]) -> None:
    listing = create(api)
    ticks = iter([100.0, 100.123456])
    monkeypatch.setattr(api.handler, "time", SimpleNamespace(perf_counter=lambda: next(ticks)))
    annotations: list[tuple[str, str]] = []
    monkeypatch.setattr(api.handler.tracer, "put_annotation",
                        lambda key, value: annotations.append((key, value)))
    capsys.readouterr()
    caplog.clear()
    with caplog.at_level("INFO"):
        assert api.request("GET", **item_path(listing["id"]))["statusCode"] == 200
    (line,) = [r.__dict__ for r in caplog.records if r.getMessage() == "dynamodb access"]
    assert {k: line[k] for k in ("table", "access_pattern", "latency_ms", "items",
                                 "partition_key")} == {
        "table": ENV["TABLE_NAME"], "access_pattern": "GetListing", "latency_ms": 123.46,
        "items": 1, "partition_key": f"LISTING#{listing['id']}"}
    (document,) = emf(capsys.readouterr().out)
    assert document["access_pattern"] == "GetListing"
    assert value(document, "Latency") == pytest.approx(123.456)
    assert value(document, "ItemsReturned") == 1
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert directive["Metrics"] == [{"Name": "Latency", "Unit": "Milliseconds"},
                                    {"Name": "ItemsReturned", "Unit": "Count"}]
    assert directive["Dimensions"] == [["access_pattern", "service"]]
    assert annotations == [("access_pattern", "GetListing")]


def test_feeds_log_their_logical_partition(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    listing = create(api, category="lamps")
    caplog.clear()
    with caplog.at_level("INFO"):
        api.request("GET", **seller_feed(listing["seller_id"]))
        api.request("GET", **category_feed("lamps"))
        api.request("GET", "/listings/featured")
    lines = {r.__dict__["access_pattern"]: r.__dict__ for r in caplog.records
             if r.getMessage() == "dynamodb access"}
    assert lines["SellerListings"]["partition_key"] == f"SELLER#{listing['seller_id']}"
    assert lines["SellerListings"]["items"] == 1
    assert lines["CategoryListings"]["partition_key"] == "CAT#lamps"
    assert lines["CategoryListings"]["items"] == 1
    assert lines["FeaturedListings"]["partition_key"] is None


def test_the_api_emits_no_business_counter(api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    create(api)
    documents = emf(capsys.readouterr().out)
    assert not [d for d in documents if LISTINGS_CREATED in d]
    assert documents[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == (
        ENV["POWERTOOLS_METRICS_NAMESPACE"])
    assert value(documents[0], "ItemsReturned") == 1


# -- reading one listing -----------------------------------------------------------------
def test_get_returns_the_listing_and_counts_a_view(api: Api, events: list) -> None:
    listing = create(api)
    events.clear()
    response = api.request("GET", **item_path(listing["id"]))
    assert response["statusCode"] == 200
    assert response["json"] == listing
    assert domain(events) == [("ListingViewed", {
        "listing_id": listing["id"], "category": "bikes", "user_agent": UA, "country": "US"})]


def test_a_signed_in_view_names_the_viewer(api: Api, events: list) -> None:
    listing = create(api)
    events.clear()
    api.request("GET", **item_path(listing["id"]), claims=user("viewer-1"))
    assert domain(events)[0][1]["user_id"] == "viewer-1"


def test_get_missing_listing_is_404_naming_it(api: Api) -> None:
    response = api.request("GET", **item_path("doesnotexist"))
    assert response["statusCode"] == 404
    assert response["json"]["message"] == "id: no listing 'doesnotexist'"


@pytest.mark.parametrize("bad", ["a b", "a" * 65, "a.b"])
def test_a_bad_listing_id_is_400(api: Api, bad: str) -> None:
    response = api.request("GET", **item_path(bad))
    assert response["statusCode"] == 400
    assert response["json"]["message"] == "id: not valid"


def test_a_listing_id_with_a_trailing_newline_is_refused(api: Api) -> None:
    # The resolver's own route pattern already stops "\n" in a path; the handler does too.
    with pytest.raises(InvalidInputError, match=r"^id: not valid$"):
        api.handler.listing_id_param("abc\n")
    assert api.handler.listing_id_param("abc") == "abc"


# -- update ------------------------------------------------------------------------------
def test_update_with_matching_version_bumps_it(api: Api, events: list, cache: FakeCache,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    listing = create(api, featured=True)
    reads: list[dict[str, Any]] = []
    real_get = api.handler.repository.get

    def get(listing_id: str, **kwargs: Any) -> dict[str, Any]:
        reads.append(kwargs)
        return real_get(listing_id, **kwargs)

    monkeypatch.setattr(api.handler.repository, "get", get)
    events.clear()
    cache.invalidated.clear()
    response = api.request("PUT", **item_path(listing["id"]),
                           body={"version": 1, "price": 300, "featured": False,
                                 "category": "cars"},
                           claims=user(listing["seller_id"]))
    assert response["statusCode"] == 200, response["body"]
    assert {k: response["json"][k] for k in ("version", "price", "featured", "category")} == {
        "version": 2, "price": 300, "featured": False, "category": "cars"}
    assert reads == [{"consistent": True}]
    assert domain(events) == [("ListingUpdated", {
        "listing_id": listing["id"], "seller_id": listing["seller_id"], "category": "cars",
        "version": 2, "price": 300.0})]
    seller = f"seller:{listing['seller_id']}"
    assert cache.invalidated == [("category:bikes", "category:cars", "featured",
                                  "search:bikes", "search:cars", seller)]
    featured = api.request("GET", "/listings/featured", query={"limit": "100"})
    assert listing["id"] not in [i["id"] for i in featured["json"]["items"]]


def test_an_update_without_a_price_sends_none(api: Api, events: list) -> None:
    listing = create(api)
    events.clear()
    api.request("PUT", **item_path(listing["id"]), body={"version": 1, "title": "New"},
                claims=user(listing["seller_id"]))
    assert domain(events) == [("ListingUpdated", {
        "listing_id": listing["id"], "seller_id": listing["seller_id"], "category": "bikes",
        "version": 2})]


def test_update_with_stale_version_is_409(api: Api) -> None:
    listing = create(api)
    owner = user(listing["seller_id"])
    first = api.request("PUT", **item_path(listing["id"]), body={"version": 1, "title": "A"},
                        claims=owner)
    assert first["statusCode"] == 200
    stale = api.request("PUT", **item_path(listing["id"]), body={"version": 1, "title": "B"},
                        claims=owner)
    assert stale["statusCode"] == 409
    assert stale["json"]["message"] == CONFLICT


def test_update_race_lost_in_the_transaction_is_409(api: Api,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    listing = create(api)
    repository = api.handler.repository
    real_get = repository.get

    def stale_read(listing_id: str, **kwargs: Any) -> dict[str, Any]:
        # Someone else updates between our read and our conditional write.
        current = real_get(listing_id, **kwargs)
        repository.update(real_get(listing_id, consistent=True), 1, {"title": "Theirs"})
        return current

    monkeypatch.setattr(repository, "get", stale_read)
    response = api.request("PUT", **item_path(listing["id"]), body={"version": 1, "title": "Ours"},
                           claims=user(listing["seller_id"]))
    assert response["statusCode"] == 409
    assert response["json"]["message"] == CONFLICT


def test_update_validation_names_version(api: Api) -> None:
    listing = create(api)
    response = api.request("PUT", **item_path(listing["id"]), body={"title": "x"},
                           claims=user(listing["seller_id"]))
    assert response["statusCode"] == 400
    assert response["json"]["message"] == "version: must be a whole number >= 1"


# -- delete and contact ------------------------------------------------------------------
def test_delete_is_204_then_404(api: Api, events: list, cache: FakeCache) -> None:
    listing = create(api)
    owner = user(listing["seller_id"])
    events.clear()
    cache.invalidated.clear()
    deleted = api.request("DELETE", **item_path(listing["id"]), claims=owner)
    assert deleted["statusCode"] == 204
    assert not deleted["body"]
    assert "Content-Type" not in headers(deleted)
    assert domain(events) == [("ListingDeleted", {
        "listing_id": listing["id"], "seller_id": listing["seller_id"], "category": "bikes"})]
    assert cache.invalidated == [("category:bikes", "search:bikes",
                                  f"seller:{listing['seller_id']}")]
    assert api.request("GET", **item_path(listing["id"]))["statusCode"] == 404
    again = api.request("DELETE", **item_path(listing["id"]), claims=owner)
    assert again["statusCode"] == 404
    search = api.request("GET", "/search", query={"q": listing["title"][:5],
                                                  "category": listing["category"]})
    assert listing["id"] not in [i["id"] for i in search["json"]["items"]]


def test_contact_is_202_and_emits_contact_requested(api: Api, events: list) -> None:
    listing = create(api)
    events.clear()
    response = api.request("POST", **item_path(listing["id"], "/contact"),
                           claims=user("buyer-1"))
    assert response["statusCode"] == 202
    assert response["json"] == {"listing_id": listing["id"], "status": "requested"}
    assert domain(events) == [("ContactRequested", {
        "listing_id": listing["id"], "seller_id": listing["seller_id"], "user_id": "buyer-1",
        "category": "bikes"})]
    missing = api.request("POST", **item_path("nope", "/contact"), claims=user("buyer-1"))
    assert missing["statusCode"] == 404
    assert api.request("POST", **item_path(listing["id"], "/contact"))["statusCode"] == 401


# -- callers -----------------------------------------------------------------------------
@pytest.mark.parametrize("authorizer", [
    None, {"claims": {"email": "a@example.com"}}, {"claims": {"sub": ""}},
    {"claims": {"sub": 5}}, {"principalId": "someone"}, {"claims": "sub=x"},
])
def test_a_write_without_a_signed_in_user_is_401_and_audited(
        api: Api, authorizer: dict[str, Any] | None) -> None:
    body = new_listing()
    response = api.request("POST", "/listings", body=body, authorizer=authorizer or {})
    assert response["statusCode"] == 401
    assert response["json"]["message"] == "authorization: sign in to do this"
    assert audit_events()[-1] == {"audit": True, "event": "auth_failed", "path": "/listings",
                                  "method": "POST", "source_ip": SOURCE_IP}


def test_changing_someone_elses_listing_is_403_and_audited(api: Api) -> None:
    listing = create(api)
    response = api.request("DELETE", **item_path(listing["id"]), claims=user("intruder"))
    assert response["statusCode"] == 403
    assert response["json"]["message"] == (
        "seller_id: delete is allowed only to the listing's seller")
    assert audit_events()[-1] == {
        "audit": True, "event": "permission_denied", "user_id": "intruder",
        "action": "delete", "listing_id": listing["id"], "owner_id": listing["seller_id"]}
    assert api.request("GET", **item_path(listing["id"]))["statusCode"] == 200


def test_creating_for_another_seller_is_403(api: Api) -> None:
    other = new_listing()
    response = api.request("POST", "/listings", body=other, claims=user("not-the-seller"))
    assert response["statusCode"] == 403
    assert response["json"]["message"] == (
        "seller_id: create is allowed only to the listing's seller")
    assert audit_events()[-1]["action"] == "create"


@pytest.mark.parametrize("groups", ["admins", "sellers,admins", "[admins, sellers]",
                                    "[sellers admins]", ["sellers", "admins"]])
def test_an_admin_may_change_any_listing_and_is_audited(api: Api, groups: Any) -> None:
    listing = create(api)
    claims = {**user("root"), "cognito:groups": groups}
    response = api.request("PUT", **item_path(listing["id"]), body={"version": 1, "title": "X"},
                           claims=claims)
    assert response["statusCode"] == 200
    assert audit_events()[-1] == {
        "audit": True, "event": "admin_action", "user_id": "root", "action": "update",
        "listing_id": listing["id"], "owner_id": listing["seller_id"]}


@pytest.mark.parametrize("groups", ["superadmins", "admin", "", "[sellers]", "adminsX", "Xadmins"])
def test_other_groups_are_not_admins(api: Api, groups: str) -> None:
    listing = create(api)
    claims = {**user("someone"), "cognito:groups": groups}
    response = api.request("DELETE", **item_path(listing["id"]), claims=claims)
    assert response["statusCode"] == 403


def test_the_owner_acts_without_an_audit_event(api: Api) -> None:
    listing = create(api)
    before = len(audit_events())
    api.request("PUT", **item_path(listing["id"]), body={"version": 1, "title": "Mine"},
                claims=user(listing["seller_id"], "admins"))
    assert len(audit_events()) == before


# -- batch get ---------------------------------------------------------------------------
def test_batch_get_keeps_request_order_and_lists_missing(
        api: Api, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    made = [create(api)["id"] for _ in range(3)]
    deadlines: list[float] = []
    real = api.handler.repository.batch_get

    def batch_get(ids: list[str], deadline: Deadline) -> dict[str, Any]:
        deadlines.append(deadline.remaining())
        return real(ids, deadline)

    monkeypatch.setattr(api.handler.repository, "batch_get", batch_get)
    ids = [made[2], "missing-1", made[0], made[1], "missing-2", made[0]]
    capsys.readouterr()
    response = api.request("POST", "/listings/batch-get", body={"ids": ids})
    assert response["statusCode"] == 200
    assert [i["id"] for i in response["json"]["items"]] == [made[2], made[0], made[1]]
    assert response["json"]["not_found"] == ["missing-1", "missing-2"]
    assert 8.0 < deadlines[0] <= 8.5
    assert value(emf(capsys.readouterr().out)[0], "ItemsReturned") == 3


@pytest.mark.parametrize(("body", "message"), [
    ({"ids": []}, "ids: must be a non-empty list of listing ids"),
    ({"ids": [1]}, "ids[0]: not a listing id"),
    ({"ids": [f"id{i}" for i in range(501)]}, "ids: at most 500 ids"),
])
def test_bad_batch_requests_are_400(api: Api, body: dict, message: str) -> None:
    response = api.request("POST", "/listings/batch-get", body=body)
    assert response["statusCode"] == 400
    assert response["json"]["message"] == message


def test_batch_get_still_throttled_is_503_with_retry_after(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable(*_: Any) -> None:
        raise UnavailableError("3 keys still unprocessed after retries")

    monkeypatch.setattr(api.handler.repository, "batch_get", unavailable)
    response = api.request("POST", "/listings/batch-get", body={"ids": ["a"]})
    assert response["statusCode"] == 503
    assert response["json"] == {"statusCode": 503,
                                "message": "3 keys still unprocessed after retries"}
    assert headers(response)["Retry-After"] == "1"


# -- feeds -------------------------------------------------------------------------------
def test_seller_listings_page_newest_first_with_cursor(api: Api, clock: list[str],
                                                       cache: FakeCache) -> None:
    seller = f"seller-{uuid.uuid4().hex[:8]}"
    made = [create(api, seller_id=seller)["id"] for _ in range(3)]
    other = create(api)  # another seller's listing never appears
    first = api.request("GET", **seller_feed(seller), query={"limit": "2"})
    assert first["statusCode"] == 200
    assert [i["id"] for i in first["json"]["items"]] == [made[2], made[1]]
    assert cursor_of(first["json"]["cursor"]) == {"s": f"seller:{seller}",
                                                  "p": f"{clock[1]}#{made[1]}"}
    second = api.request("GET", **seller_feed(seller),
                         query={"limit": "2", "cursor": first["json"]["cursor"]})
    assert [i["id"] for i in second["json"]["items"]] == [made[0]]
    assert second["json"]["cursor"] is None
    assert other["id"] not in [i["id"] for i in second["json"]["items"]]
    assert cache.reads == [(f"seller:{seller}", [2, None]),
                           (f"seller:{seller}", [2, f"{clock[1]}#{made[1]}"])]


def test_a_feed_defaults_to_20(api: Api, cache: FakeCache) -> None:
    api.request("GET", **category_feed("nothing-here"))
    api.request("GET", "/listings/featured")
    assert cache.reads == [("category:nothing-here", [20, None]), ("featured", [20, None])]


def test_category_feed_merges_every_shard_newest_first(api: Api, clock: list[str]) -> None:
    category = f"cat-{uuid.uuid4().hex[:6]}"
    made = [create(api, category=category) for _ in range(7)]
    seen: list[str] = []
    token = None
    while True:
        query = {"limit": "3", **({"cursor": token} if token else {})}
        page = api.request("GET", **category_feed(category), query=query)
        assert page["statusCode"] == 200
        seen += [i["id"] for i in page["json"]["items"]]
        token = page["json"]["cursor"]
        if not token:
            break
        assert cursor_of(token)["s"] == f"category:{category}"
    assert seen == [m["id"] for m in reversed(made)]


def test_featured_lists_only_featured(api: Api, cache: FakeCache) -> None:
    featured = create(api, featured=True)
    plain = create(api)
    response = api.request("GET", "/listings/featured", query={"limit": "100"})
    ids = [i["id"] for i in response["json"]["items"]]
    assert featured["id"] in ids
    assert plain["id"] not in ids
    assert all(i["featured"] for i in response["json"]["items"])
    assert cache.reads == [("featured", [100, None])]


def test_a_featured_cursor_continues_the_featured_feed(api: Api) -> None:
    for _ in range(2):
        create(api, featured=True)
    first = api.request("GET", "/listings/featured", query={"limit": "1"})
    token = first["json"]["cursor"]
    assert cursor_of(token)["s"] == "featured"
    second = api.request("GET", "/listings/featured", query={"limit": "1", "cursor": token})
    assert second["statusCode"] == 200
    assert second["json"]["items"][0]["id"] != first["json"]["items"][0]["id"]


@pytest.mark.parametrize(("query", "message"), [
    ({"limit": "0"}, "limit: must be a whole number from 1 to 100"),
    ({"limit": "101"}, "limit: must be a whole number from 1 to 100"),
    ({"limit": "5\n"}, "limit: must be a whole number from 1 to 100"),
    ({"cursor": "!!!"}, "cursor: not a valid cursor"),
    ({"cursor": "eyJzIjoiZmVhdHVyZWQifQ"}, "cursor: not a valid cursor"),
])
def test_bad_paging_is_400(api: Api, query: dict, message: str) -> None:
    response = api.request("GET", "/listings/featured", query=query)
    assert response["statusCode"] == 400
    assert response["json"]["message"] == message


def test_cursor_of_another_feed_is_400(api: Api) -> None:
    seller = f"seller-{uuid.uuid4().hex[:8]}"
    for _ in range(2):
        create(api, seller_id=seller)
    token = api.request("GET", **seller_feed(seller), query={"limit": "1"})["json"]["cursor"]
    for other in (seller_feed("x"), category_feed("bikes")):
        response = api.request("GET", **other, query={"cursor": token})
        assert response["statusCode"] == 400
        assert response["json"]["message"] == "cursor: belongs to a different listing feed"


@pytest.mark.parametrize(("feed", "message"), [
    (seller_feed("a b"), "seller_id: not valid"), (category_feed("Bikes"), "category: not valid"),
])
def test_bad_feed_paths_are_400(api: Api, feed: dict[str, Any], message: str) -> None:
    response = api.request("GET", **feed)
    assert response["statusCode"] == 400
    assert response["json"]["message"] == message


# -- search ------------------------------------------------------------------------------
def test_search_is_title_prefix_within_category_and_emits_count(
        api: Api, events: list, cache: FakeCache) -> None:
    category = f"cat-{uuid.uuid4().hex[:6]}"
    hit = create(api, category=category, title="Canon AE-1 camera")
    create(api, category=category, title="Nikon F3")
    create(api, title="Canon lens")  # other category
    events.clear()
    response = api.request("GET", "/search", query={"q": " CANON ", "category": category,
                                                    "limit": "5"})
    assert response["statusCode"] == 200
    assert response["json"] == {"items": [{
        "id": hit["id"], "title": "Canon AE-1 camera", "price": 350.5, "currency": "EUR",
        "category": category, "seller_id": hit["seller_id"], "featured": False,
        "created_at": hit["created_at"]}], "count": 1}
    assert domain(events) == [("SearchPerformed", {
        "query": "canon", "category": category, "result_count": 1, "user_agent": UA,
        "country": "US"})]
    assert cache.reads == [(f"search:{category}", [5, "canon"])]


def test_a_signed_in_search_names_the_user(api: Api, events: list) -> None:
    api.request("GET", "/search", query={"q": "x", "category": "nothing-here"},
                claims=user("u-1"))
    assert domain(events)[0][1]["user_id"] == "u-1"
    assert domain(events)[0][1]["result_count"] == 0


@pytest.mark.parametrize(("query", "message"), [
    ({"category": "bikes"}, "q: is required"),
    ({"q": "bike"}, "category: not valid"),
    ({"q": "bike", "category": "bikes", "limit": "0"},
     "limit: must be a whole number from 1 to 100"),
    ({"q": "x" * 101, "category": "bikes"}, "q: at most 100 characters"),
])
def test_search_needs_query_and_category(api: Api, query: dict, message: str) -> None:
    response = api.request("GET", "/search", query=query)
    assert response["statusCode"] == 400
    assert response["json"]["message"] == message


# -- bodies ------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "message"), [
    ({"price": -1}, "price: must not be negative"),
    ({"price": 1.234}, "price: at most 2 decimal places"),
    ({"title": ""}, "title: must be 1 to 200 characters"),
    ({"colour": "red"}, "colour: unknown field"),
])
def test_bad_fields_are_400_naming_the_field(api: Api, body: dict, message: str) -> None:
    listing = new_listing(**body)
    response = api.request("POST", "/listings", body=listing,
                           claims=user(listing["seller_id"]))
    assert response["statusCode"] == 400
    assert response["json"]["message"] == message


@pytest.mark.parametrize(("raw", "message"), [
    ("{not json", "body: not valid JSON"), ("[1, 2]", "body: must be a JSON object"),
    ("", "body: a JSON object is required"), ('{"price": NaN}',
                                              "body: NaN is not a valid JSON number"),
])
def test_invalid_json_is_400(api: Api, raw: str, message: str) -> None:
    response = api.request("POST", "/listings", raw_body=raw, claims=user("s"))
    assert response["statusCode"] == 400
    assert response["json"]["message"] == message


# -- health and AWS errors ---------------------------------------------------------------
def test_health_reads_the_table_and_answers_200(api: Api) -> None:
    before = api.calls["GetItem"]
    response = api.request("GET", "/health")
    assert response["statusCode"] == 200
    assert response["json"] == {"status": "ok"}
    assert headers(response)["Cache-Control"] == "no-store"
    assert headers(response)["Content-Type"] == "application/json"
    assert api.calls["GetItem"] == before + 1


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException",
                                  "ThrottlingException", "RequestLimitExceeded",
                                  "LimitExceededException"])
def test_throttling_is_503_with_retry_after(api: Api, monkeypatch: pytest.MonkeyPatch,
                                            caplog: pytest.LogCaptureFixture, code: str) -> None:
    monkeypatch.setattr(api.handler.repository.client, "get_item", throttle(code))
    with caplog.at_level("WARNING"):
        response = api.request("GET", "/health")
    assert response["statusCode"] == 503
    assert response["json"] == {"statusCode": 503, "message": "the listings table is busy"}
    assert headers(response)["Retry-After"] == "1"
    assert headers(response)["Content-Type"] == "application/json"
    (warning,) = [r for r in caplog.records if r.getMessage() == "asking the client to retry"]
    assert warning.__dict__["reason"] == "the listings table is busy"


def test_any_other_aws_error_fails_the_invocation(api: Api,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api.handler.repository.client, "get_item",
                        throttle("AccessDeniedException"))
    with pytest.raises(ClientError) as caught:
        api.request("GET", "/health")
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"


# -- helpers -----------------------------------------------------------------------------
def test_scopes_of_cover_before_and_after(api: Api) -> None:
    before = {"seller_id": "s", "category": "a", "featured": True}
    after = {"seller_id": "s", "category": "b", "featured": False}
    assert api.handler.scopes_of(before, after) == [
        "category:a", "category:b", "featured", "search:a", "search:b", "seller:s"]
    assert api.handler.scopes_of(after) == ["category:b", "search:b", "seller:s"]


def test_without_a_cache_reads_load_and_writes_invalidate_nothing(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api.handler, "query_cache", None)
    assert api.handler.cached("featured", [1], lambda: {"loaded": True}) == {"loaded": True}
    api.handler.invalidate({"seller_id": "s", "category": "c"})


def test_page_response_makes_the_public_page(api: Api) -> None:
    items = [{"pk": "LISTING#a", "id": "a", "price": Decimal("2.50")}]
    assert api.handler.page_response(items, "featured", None) == {
        "items": [{"id": "a", "price": 2.5}], "cursor": None}
    page = api.handler.page_response(items, "featured", "2024-05-01T10:00:00Z#a")
    assert cursor_of(page["cursor"]) == {"s": "featured", "p": "2024-05-01T10:00:00Z#a"}


def test_unknown_routes_are_not_served(api: Api) -> None:
    response = api.request("PATCH", "/listings/abc123", resource="/listings/{id}")
    assert response["statusCode"] in (404, 405)

