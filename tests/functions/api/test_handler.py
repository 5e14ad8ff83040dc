"""Every route and every error class of the listings API, against moto."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import boto3
import pytest

from functions.shared.events import CURRENCIES, validate
from functions.shared.metrics import LISTINGS_CREATED
from tests.functions.api.conftest import ENV, SHARDS, Api, user


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


def published(api: Api, event_type: str) -> list[dict[str, Any]]:
    return [validate(e["DetailType"], json.loads(e["Detail"]))
            for e in api.published if e["DetailType"] == event_type]


def test_create_returns_201_with_server_fields_and_emits_event(api: Api) -> None:
    body = new_listing(featured=True)
    response = api.request("POST", "/listings", body=body, claims=user(body["seller_id"]))
    assert response["statusCode"] == 201
    listing = response["json"]
    for name in ("title", "description", "currency", "category", "seller_id"):
        assert listing[name] == body[name]
    assert listing["price"] == body["price"]
    assert listing["featured"] is True
    assert listing["version"] == 1
    assert listing["id"]
    assert listing["created_at"].endswith("Z")
    assert not {"pk", "sk", "gsi1pk", "gsi2pk", "gsi3pk"} & set(listing)
    (event,) = [e for e in published(api, "ListingCreated")
                if e["listing_id"] == listing["id"]]
    assert event["seller_id"] == body["seller_id"]
    assert api.published[-1]["EventBusName"] == ENV["EVENT_BUS_NAME"]


def test_get_returns_listing_and_counts_a_view(api: Api,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    listing = create(api)
    capsys.readouterr()
    response = api.request("GET", **item_path(listing["id"]))
    assert response["statusCode"] == 200
    assert response["json"] == listing
    assert [e["listing_id"] for e in published(api, "ListingViewed")][-1] == listing["id"]
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines()
           if line.startswith("{") and "_aws" in line]
    # The view is counted once, by the stream processor from the event, never here too.
    assert not [d for d in emf if "ListingViews" in d]
    latency = [d for d in emf if "Latency" in d]
    assert latency[0]["access_pattern"] == "GetListing"
    returned = latency[0]["ItemsReturned"]
    assert (returned if isinstance(returned, list) else [returned]) == [1]


def test_each_access_logs_the_fields_the_saved_queries_read(
        api: Api, caplog: pytest.LogCaptureFixture) -> None:
    listing = create(api)
    caplog.clear()
    with caplog.at_level("INFO"):
        api.request("GET", **item_path(listing["id"]))
        api.request("GET", path=f"/sellers/{listing['seller_id']}/listings",
                    resource="/sellers/{seller_id}/listings",
                    path_params={"seller_id": listing["seller_id"]})
    lines = [r.__dict__ for r in caplog.records if r.getMessage() == "dynamodb access"]
    by_pattern = {line["access_pattern"]: line for line in lines}
    assert by_pattern["GetListing"]["partition_key"] == f"LISTING#{listing['id']}"
    assert by_pattern["SellerListings"]["partition_key"] == f"SELLER#{listing['seller_id']}"
    for line in lines:
        assert line["table"] == ENV["TABLE_NAME"]
        assert line["latency_ms"] >= 0


def test_get_missing_listing_is_404(api: Api) -> None:
    response = api.request("GET", **item_path("doesnotexist"))
    assert response["statusCode"] == 404
    assert "id" in response["json"]["message"]


def test_update_with_matching_version_bumps_it(api: Api) -> None:
    listing = create(api, featured=True)
    response = api.request("PUT", **item_path(listing["id"]),
                           body={"version": 1, "price": 300, "featured": False},
                           claims=user(listing["seller_id"]))
    assert response["statusCode"] == 200, response["body"]
    assert response["json"]["version"] == 2
    assert response["json"]["price"] == 300
    featured = api.request("GET", "/listings/featured", query={"limit": "100"})
    assert listing["id"] not in [i["id"] for i in featured["json"]["items"]]
    (event,) = [e for e in published(api, "ListingUpdated") if e["listing_id"] == listing["id"]]
    assert event["version"] == 2


def test_update_with_stale_version_is_409(api: Api) -> None:
    listing = create(api)
    owner = user(listing["seller_id"])
    first = api.request("PUT", **item_path(listing["id"]), body={"version": 1, "title": "A"},
                        claims=owner)
    assert first["statusCode"] == 200
    stale = api.request("PUT", **item_path(listing["id"]), body={"version": 1, "title": "B"},
                        claims=owner)
    assert stale["statusCode"] == 409
    assert "version" in stale["json"]["message"]


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


def test_delete_is_204_then_404(api: Api) -> None:
    listing = create(api)
    owner = user(listing["seller_id"])
    deleted = api.request("DELETE", **item_path(listing["id"]), claims=owner)
    assert deleted["statusCode"] == 204
    assert not deleted["body"]
    assert api.request("GET", **item_path(listing["id"]))["statusCode"] == 404
    again = api.request("DELETE", **item_path(listing["id"]), claims=owner)
    assert again["statusCode"] == 404
    assert [e["listing_id"] for e in published(api, "ListingDeleted")][-1] == listing["id"]
    search = api.request("GET", "/search", query={"q": listing["title"][:5],
                                                  "category": listing["category"]})
    assert listing["id"] not in [i["id"] for i in search["json"]["items"]]


def test_batch_get_keeps_request_order_and_lists_missing(api: Api) -> None:
    made = [create(api)["id"] for _ in range(3)]
    ids = [made[2], "missing-1", made[0], made[1], "missing-2"]
    response = api.request("POST", "/listings/batch-get", body={"ids": ids})
    assert response["statusCode"] == 200
    assert [i["id"] for i in response["json"]["items"]] == [made[2], made[0], made[1]]
    assert response["json"]["not_found"] == ["missing-1", "missing-2"]


def test_seller_listings_page_newest_first_with_cursor(api: Api) -> None:
    seller = f"seller-{uuid.uuid4().hex[:8]}"
    made = [create(api, seller_id=seller)["id"] for _ in range(5)]
    other = create(api)  # another seller's listing never appears
    base = {"path": f"/sellers/{seller}/listings", "resource": "/sellers/{seller_id}/listings",
            "path_params": {"seller_id": seller}}
    first = api.request("GET", **base, query={"limit": "2"})
    assert first["statusCode"] == 200
    seen = [i["id"] for i in first["json"]["items"]]
    cursor = first["json"]["cursor"]
    while cursor:
        page = api.request("GET", **base, query={"limit": "2", "cursor": cursor})
        seen += [i["id"] for i in page["json"]["items"]]
        cursor = page["json"]["cursor"]
    assert seen == list(reversed(made))
    assert other["id"] not in seen


def test_category_feed_merges_every_shard_newest_first(api: Api) -> None:
    category = f"cat-{uuid.uuid4().hex[:6]}"
    made = [create(api, category=category) for _ in range(7)]
    shards = {api.handler.repository._listing_item(
        {**m, "price": Decimal(1)})["gsi2pk"] for m in made}
    assert len(shards) > 1  # the test only means something if items span shards
    base = {"path": f"/categories/{category}/listings",
            "resource": "/categories/{category}/listings", "path_params": {"category": category}}
    seen: list[str] = []
    cursor = None
    while True:
        query = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = api.request("GET", **base, query=query)
        assert page["statusCode"] == 200
        seen += [i["id"] for i in page["json"]["items"]]
        cursor = page["json"]["cursor"]
        if not cursor:
            break
    expected = [m["id"] for m in sorted(made, key=lambda m: (m["created_at"], m["id"]),
                                        reverse=True)]
    assert seen == expected


def test_featured_lists_only_featured(api: Api) -> None:
    featured = create(api, featured=True)
    plain = create(api)
    response = api.request("GET", "/listings/featured", query={"limit": "100"})
    ids = [i["id"] for i in response["json"]["items"]]
    assert featured["id"] in ids
    assert plain["id"] not in ids
    assert all(i["featured"] for i in response["json"]["items"])


def test_search_is_title_prefix_within_category_and_emits_count(api: Api) -> None:
    category = f"cat-{uuid.uuid4().hex[:6]}"
    hit = create(api, category=category, title="Canon AE-1 camera")
    create(api, category=category, title="Nikon F3")
    create(api, title="Canon lens")  # other category
    response = api.request("GET", "/search", query={"q": "canon", "category": category})
    assert response["statusCode"] == 200
    assert [i["id"] for i in response["json"]["items"]] == [hit["id"]]
    event = published(api, "SearchPerformed")[-1]
    assert event["result_count"] == 1
    assert event["category"] == category


def test_contact_emits_contact_requested(api: Api) -> None:
    listing = create(api)
    response = api.request("POST", **item_path(listing["id"], "/contact"),
                           claims=user("buyer-1"))
    assert response["statusCode"] == 202
    event = published(api, "ContactRequested")[-1]
    assert (event["listing_id"], event["seller_id"], event["user_id"]) == (
        listing["id"], listing["seller_id"], "buyer-1")
    missing = api.request("POST", **item_path("nope", "/contact"), claims=user("buyer-1"))
    assert missing["statusCode"] == 404


@pytest.mark.parametrize(("body", "field"), [
    ({"price": -1}, "price"),
    ({"price": "12"}, "price"),
    ({"price": 1.234}, "price"),
    ({"currency": "XXX"}, "currency"),
    ({"title": 5}, "title"),
    ({"title": ""}, "title"),
    ({"category": "Not A Slug"}, "category"),
    ({"featured": "yes"}, "featured"),
    ({"colour": "red"}, "colour"),
])
def test_bad_fields_are_400_naming_the_field(api: Api, body: dict, field: str) -> None:
    listing = new_listing(**body)
    response = api.request("POST", "/listings", body=listing,
                           claims=user(listing["seller_id"]))
    assert response["statusCode"] == 400
    assert response["json"]["message"].startswith(f"{field}:")


def test_missing_field_is_400(api: Api) -> None:
    listing = new_listing()
    del listing["currency"]
    response = api.request("POST", "/listings", body=listing, claims=user(listing["seller_id"]))
    assert response["statusCode"] == 400
    assert response["json"]["message"].startswith("currency:")


def test_lone_surrogate_in_a_string_is_400(api: Api) -> None:
    listing = new_listing()
    raw = json.dumps(listing).replace('"Vintage road bike"', '"bike \\ud800"')
    assert "\\ud800" in raw
    response = api.request("POST", "/listings", raw_body=raw, claims=user(listing["seller_id"]))
    assert response["statusCode"] == 400
    assert response["json"]["message"].startswith("title:")


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", "", '{"price": NaN}'])
def test_invalid_json_is_400(api: Api, raw: str) -> None:
    response = api.request("POST", "/listings", raw_body=raw, claims=user("s"))
    assert response["statusCode"] == 400
    assert response["json"]["message"].startswith("body:")


@pytest.mark.parametrize(("query", "field"), [
    ({"limit": "0"}, "limit"), ({"limit": "101"}, "limit"), ({"limit": "x"}, "limit"),
    ({"limit": "\u00b2"}, "limit"), ({"limit": "-1"}, "limit"),
    ({"cursor": "!!!"}, "cursor"), ({"cursor": "eyJzIjoiZmVhdHVyZWQifQ"}, "cursor"),
])
def test_bad_paging_is_400(api: Api, query: dict, field: str) -> None:
    response = api.request("GET", "/listings/featured", query=query)
    assert response["statusCode"] == 400
    assert response["json"]["message"].startswith(f"{field}:")


def test_cursor_of_another_feed_is_400(api: Api) -> None:
    seller = f"seller-{uuid.uuid4().hex[:8]}"
    for _ in range(2):
        create(api, seller_id=seller)
    base = {"path": f"/sellers/{seller}/listings", "resource": "/sellers/{seller_id}/listings"}
    cursor = api.request("GET", **base, path_params={"seller_id": seller},
                         query={"limit": "1"})["json"]["cursor"]
    other = api.request("GET", path="/sellers/x/listings",
                        resource="/sellers/{seller_id}/listings",
                        path_params={"seller_id": "x"}, query={"cursor": cursor})
    assert other["statusCode"] == 400
    assert other["json"]["message"].startswith("cursor:")


@pytest.mark.parametrize(("body", "message"), [
    ({"ids": []}, "ids:"), ({"ids": "a"}, "ids:"), ({"ids": [1]}, "ids[0]:"),
    ({"ids": [f"id{i}" for i in range(501)]}, "ids:"), ({}, "ids:"),
])
def test_bad_batch_requests_are_400(api: Api, body: dict, message: str) -> None:
    response = api.request("POST", "/listings/batch-get", body=body)
    assert response["statusCode"] == 400
    assert response["json"]["message"].startswith(message)


def test_search_needs_query_and_category(api: Api) -> None:
    assert api.request("GET", "/search", query={"category": "bikes"})["json"][
        "message"].startswith("q:")
    assert api.request("GET", "/search", query={"q": "bike"})["json"][
        "message"].startswith("category:")


def test_update_validation_names_version(api: Api) -> None:
    listing = create(api)
    response = api.request("PUT", **item_path(listing["id"]), body={"title": "x"},
                           claims=user(listing["seller_id"]))
    assert response["statusCode"] == 400
    assert response["json"]["message"].startswith("version:")


def audit_events(group: str = ENV["AUDIT_LOG_GROUP"]) -> list[dict[str, Any]]:
    logs = boto3.client("logs")
    events = []
    for stream in logs.describe_log_streams(logGroupName=group)["logStreams"]:
        for e in logs.get_log_events(logGroupName=group,
                                     logStreamName=stream["logStreamName"])["events"]:
            events.append(json.loads(e["message"]))
    return events


def test_write_without_sign_in_is_401_and_audited(api: Api) -> None:
    response = api.request("POST", "/listings", body=new_listing())
    assert response["statusCode"] == 401
    assert any(e["event"] == "auth_failed" and e["path"] == "/listings"
               for e in audit_events())


def test_changing_someone_elses_listing_is_403_and_audited(api: Api) -> None:
    listing = create(api)
    response = api.request("DELETE", **item_path(listing["id"]), claims=user("intruder"))
    assert response["statusCode"] == 403
    assert api.request("GET", **item_path(listing["id"]))["statusCode"] == 200
    assert any(e["event"] == "permission_denied" and e["listing_id"] == listing["id"]
               and e["user_id"] == "intruder" for e in audit_events())
    other = new_listing()
    assert api.request("POST", "/listings", body=other,
                       claims=user("not-the-seller"))["statusCode"] == 403


def test_admin_may_change_any_listing_and_is_audited(api: Api) -> None:
    listing = create(api)
    response = api.request("DELETE", **item_path(listing["id"]), claims=user("root", "admins"))
    assert response["statusCode"] == 204
    assert any(e["event"] == "admin_action" and e["listing_id"] == listing["id"]
               and e["action"] == "delete" for e in audit_events())


def test_api_emits_no_business_counter(
        api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    create(api)
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines()
           if line.startswith("{") and "_aws" in line]
    assert not [d for d in emf if LISTINGS_CREATED in d]
    assert published(api, "ListingCreated")
    namespace = emf[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"]
    assert namespace == ENV["POWERTOOLS_METRICS_NAMESPACE"]


def test_shard_count_and_currencies_match_config() -> None:
    assert SHARDS > 1
    assert "EUR" in CURRENCIES


def test_health_reads_the_table_and_answers_200(api: Api) -> None:
    before = api.calls["GetItem"]
    response = api.request("GET", "/health")
    assert response["statusCode"] == 200
    assert response["json"] == {"status": "ok"}
    headers = response.get("multiValueHeaders") or response.get("headers") or {}
    assert headers["Cache-Control"] in ("no-store", ["no-store"])
    assert api.calls["GetItem"] == before + 1


def test_health_is_503_when_the_table_throttles(api: Api,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import ClientError

    def throttled(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException",
                                     "Message": "slow down"}}, "GetItem")

    monkeypatch.setattr(api.handler.repository.client, "get_item", throttled)
    response = api.request("GET", "/health")
    assert response["statusCode"] == 503
    headers = response.get("multiValueHeaders") or response.get("headers") or {}
    assert headers["Retry-After"] in ("1", ["1"])
