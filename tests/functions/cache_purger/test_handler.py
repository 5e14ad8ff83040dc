"""The cache purger against a local stand-in for the Cloudflare API and moto's AWS."""

from __future__ import annotations

import copy
import importlib
import json
import random
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.parameters import GetParameterError
from aws_lambda_powertools.utilities.parameters import base as powertools_base
from moto import mock_aws
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from functions.shared import retry
from functions.shared.events import SOURCE, envelope
from tests.functions.lambda_context import FakeLambdaContext

FIXTURE = Path(__file__).parents[2] / "fixtures" / "edge" / "eventbridge-scheduled-event.json"
ZONE = "0123456789abcdef0123456789abcdef"
TOKEN = "cf-purge-token-value"
HOSTS = ("shop.example.com", "www.shop.example.com", "api.shop.example.com")
PURGE_PATH = f"/client/v4/zones/{ZONE}/purge_cache"
OK = {"success": True, "errors": [], "messages": [], "result": {"id": ZONE}}


def listing_event(event_type: str = "ListingUpdated", listing_id: str = "lst-42",
                  **fields: Any) -> dict[str, Any]:
    """A real EventBridge envelope carrying a marketplace listing event."""
    event = json.loads(FIXTURE.read_text())
    detail = {"listing_id": listing_id, "seller_id": "s-1", "category": "bikes", "version": 3,
              **fields}
    if event_type == "ListingDeleted":
        detail.pop("version")
    event.update({"source": SOURCE, "detail-type": event_type,
                  "detail": envelope(event_type, detail)})
    return event


# The function, a ticking clock: a Retry-After runs it down.
Context = partial(FakeLambdaContext, "marketplace-dev-cache-purger", memory_limit_in_mb=512,
                  remaining_ms=60_000, ticking=True)


@pytest.fixture
def aws(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    """moto Secrets Manager and CloudFront, env pointing the handler at the local server."""
    for key, value in {
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing", "POWERTOOLS_SERVICE_NAME": "cache-purger",
        "POWERTOOLS_METRICS_NAMESPACE": "marketplace/test", "POWERTOOLS_TRACE_DISABLED": "true",
        "CLOUDFLARE_ZONE_ID": ZONE, "SITE_HOSTS": ",".join(HOSTS), "PURGE_BATCH_SIZE": "100",
        "CLOUDFLARE_API_BASE": httpserver.url_for("/client/v4"),
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        secret = boto3.client("secretsmanager").create_secret(Name="purge-token",
                                                              SecretString=TOKEN)
        cloudfront = boto3.client("cloudfront")
        distribution = cloudfront.create_distribution(DistributionConfig={
            "CallerReference": "test", "Comment": "", "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{
                "Id": "assets", "DomainName": "assets.s3.us-east-1.amazonaws.com",
                "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "assets",
                                     "ViewerProtocolPolicy": "https-only",
                                     "ForwardedValues": {"QueryString": False,
                                                         "Cookies": {"Forward": "none"}},
                                     "MinTTL": 0, "TrustedSigners": {"Enabled": False,
                                                                     "Quantity": 0}},
        })["Distribution"]
        monkeypatch.setenv("CLOUDFLARE_TOKEN_SECRET_ARN", secret["ARN"])
        monkeypatch.setenv("DISTRIBUTION_ID", distribution["Id"])
        module = importlib.import_module("functions.cache_purger.handler")
        module = importlib.reload(module)  # fresh clients inside moto, empty token cache
        pauses: list[float] = []
        monkeypatch.setattr(retry, "sleep", pauses.append)
        yield SimpleNamespace(handler=module, cloudfront=cloudfront,
                              distribution_id=distribution["Id"], pauses=pauses,
                              secret_arn=secret["ARN"])


def bodies(httpserver: HTTPServer) -> list[dict[str, Any]]:
    return [json.loads(request.get_data()) for request, _ in httpserver.log]


def invalidated_paths(aws: SimpleNamespace) -> list[list[str]]:
    listed = aws.cloudfront.list_invalidations(DistributionId=aws.distribution_id)
    out = []
    for item in listed["InvalidationList"].get("Items", []):
        got = aws.cloudfront.get_invalidation(DistributionId=aws.distribution_id, Id=item["Id"])
        out.append(got["Invalidation"]["InvalidationBatch"]["Paths"]["Items"])
    return out


def test_success_purges_every_url_and_prefix_and_invalidates_once(
        aws: SimpleNamespace, httpserver: HTTPServer, capsys: pytest.CaptureFixture) -> None:
    httpserver.expect_request(PURGE_PATH, method="POST").respond_with_json(OK)
    result = aws.handler.handler(listing_event(listing_id="lst-42"), Context())

    files = sorted(f"https://{h}{p}" for h in HOSTS
                   for p in ("/listings/lst-42", "/api/listings/lst-42"))
    prefixes = sorted(f"{h}/media/listings/lst-42/" for h in HOSTS)
    sent = bodies(httpserver)
    assert sorted(u for b in sent for u in b.get("files", [])) == files
    assert sorted(u for b in sent for u in b.get("prefixes", [])) == prefixes
    for request, _ in httpserver.log:
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert request.headers["Content-Type"] == "application/json"
    (paths,) = invalidated_paths(aws)
    assert sorted(paths) == sorted(["/listings/lst-42", "/api/listings/lst-42*",
                                    "/media/listings/lst-42/*"])
    assert result["purge_requests"] == len(sent) == 2
    assert TOKEN not in capsys.readouterr().out  # logs and metrics never carry the token


def test_deleted_listings_are_purged_too(aws: SimpleNamespace, httpserver: HTTPServer) -> None:
    httpserver.expect_request(PURGE_PATH, method="POST").respond_with_json(OK)
    aws.handler.handler(listing_event("ListingDeleted", listing_id="gone-1"), Context())
    assert any("https://shop.example.com/listings/gone-1" in b.get("files", [])
               for b in bodies(httpserver))


def test_items_are_sent_in_batches_of_the_configured_size(
        aws: SimpleNamespace, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PURGE_BATCH_SIZE", "4")
    httpserver.expect_request(PURGE_PATH, method="POST").respond_with_json(OK)
    aws.handler.handler(listing_event(), Context())

    sent = bodies(httpserver)
    files = [b["files"] for b in sent if "files" in b]
    prefixes = [b["prefixes"] for b in sent if "prefixes" in b]
    n_files, n_prefixes = len(HOSTS) * 2, len(HOSTS)
    assert [len(b) for b in files] == [4, n_files - 4]
    assert [len(b) for b in prefixes] == [n_prefixes]
    assert len(invalidated_paths(aws)) == 1  # one invalidation for the whole event


def test_429_waits_as_long_as_retry_after_says(aws: SimpleNamespace,
                                               httpserver: HTTPServer) -> None:
    limited = {"success": False, "errors": [{"code": 10000, "message": "rate limited"}]}
    httpserver.expect_ordered_request(PURGE_PATH, method="POST").respond_with_json(
        limited, status=429, headers={"Retry-After": "3"})
    httpserver.expect_ordered_request(PURGE_PATH, method="POST").respond_with_json(OK)
    httpserver.expect_ordered_request(PURGE_PATH, method="POST").respond_with_json(OK)
    aws.handler.handler(listing_event(), Context())
    assert aws.pauses == [3.0]
    assert len(httpserver.log) == 3
    assert len(invalidated_paths(aws)) == 1


def test_5xx_is_retried_with_urllib3s_jittered_backoff(aws: SimpleNamespace,
                                                      httpserver: HTTPServer,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(random, "random", lambda: 0.5)  # urllib3's jitter draw
    for _ in range(2):
        httpserver.expect_ordered_request(PURGE_PATH, method="POST").respond_with_data(
            "upstream error", status=502)
    httpserver.expect_ordered_request(PURGE_PATH, method="POST").respond_with_json(OK)
    httpserver.expect_ordered_request(PURGE_PATH, method="POST").respond_with_json(OK)
    aws.handler.handler(listing_event(), Context())
    # At once after the first failure, then 0.5 * 2 s plus 0.5 * 0.5 s of jitter.
    assert aws.pauses == [0.0, 1.25]
    assert len(httpserver.log) == 4


def test_persistent_5xx_raises_and_creates_no_invalidation(aws: SimpleNamespace,
                                                           httpserver: HTTPServer) -> None:
    httpserver.expect_request(PURGE_PATH, method="POST").respond_with_data("down", status=503)
    with pytest.raises(aws.handler.PurgeFailedError, match="HTTP 503"):
        aws.handler.handler(listing_event(), Context())
    assert len(httpserver.log) == aws.handler.BACKOFF.attempts
    assert invalidated_paths(aws) == []  # the async retry redoes the whole event


def test_retries_stop_when_the_function_runs_out_of_time(aws: SimpleNamespace,
                                                         httpserver: HTTPServer) -> None:
    httpserver.expect_request(PURGE_PATH, method="POST").respond_with_json(
        {"success": False, "errors": []}, status=429, headers={"Retry-After": "30"})
    with pytest.raises(aws.handler.PurgeFailedError, match="HTTP 429"):
        aws.handler.handler(listing_event(), Context(remaining_ms=10_000))
    assert len(httpserver.log) == 1  # a 30 s pause does not fit in what is left
    assert aws.pauses == []


def test_a_timeout_is_retried(aws: SimpleNamespace, httpserver: HTTPServer,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aws.handler, "READ_TIMEOUT", 0.2)
    calls = {"n": 0}

    def slow_then_fast(request: Request) -> Response:
        calls["n"] += 1
        if calls["n"] == 1:
            time.sleep(0.5)
        return Response(json.dumps(OK), status=200, content_type="application/json")

    httpserver.expect_request(PURGE_PATH, method="POST").respond_with_handler(slow_then_fast)
    aws.handler.handler(listing_event(), Context())
    # The stand-in serves one request at a time, so retries sent while it still sleeps time
    # out too; the purge goes through once it answers, well within the attempts.
    assert 1 <= len(aws.pauses) < aws.handler.BACKOFF.attempts
    assert len(invalidated_paths(aws)) == 1


def test_a_refusal_is_not_retried(aws: SimpleNamespace, httpserver: HTTPServer) -> None:
    refused = {"success": False, "errors": [{"code": 10000, "message": "Authentication error"}]}
    httpserver.expect_request(PURGE_PATH, method="POST").respond_with_json(refused, status=403)
    with pytest.raises(aws.handler.PurgeFailedError, match="10000: Authentication error"):
        aws.handler.handler(listing_event(), Context())
    assert len(httpserver.log) == 1
    assert aws.pauses == []


@pytest.mark.parametrize(("change", "field"), [
    ({"detail-type": "ListingCreated"}, "detail-type"),
    ({"source": "aws.events"}, "source"),
    ({"detail": {"seller_id": "s-1"}}, "listing_id"),
    ({"detail": "not json"}, "detail"),
])
def test_bad_events_raise_naming_the_field_and_purge_nothing(
        aws: SimpleNamespace, httpserver: HTTPServer, change: dict, field: str) -> None:
    event = copy.deepcopy(listing_event())
    if isinstance(change.get("detail"), dict):
        event["detail"] = {**change["detail"], "event_id": "e", "occurred_at": "t",
                           "schema_version": 1, "category": "bikes", "version": 1}
    else:
        event.update(change)
    with pytest.raises(aws.handler.BadEventError, match=field):
        aws.handler.handler(event, Context())
    assert httpserver.log == []
    assert invalidated_paths(aws) == []


def test_listing_ids_that_would_change_the_url_are_refused(aws: SimpleNamespace,
                                                           httpserver: HTTPServer) -> None:
    with pytest.raises(aws.handler.BadEventError, match="listing_id"):
        aws.handler.handler(listing_event(listing_id="../admin"), Context())
    assert httpserver.log == []


def test_the_token_is_kept_for_five_minutes(aws: SimpleNamespace,
                                            httpserver: HTTPServer) -> None:
    httpserver.expect_request(PURGE_PATH, method="POST").respond_with_json(OK)
    aws.handler.handler(listing_event(listing_id="a"), Context())
    boto3.client("secretsmanager").delete_secret(SecretId=aws.secret_arn,
                                                 ForceDeleteWithoutRecovery=True)
    aws.handler.handler(listing_event(listing_id="b"), Context())  # warm: cached token
    assert [r.headers["Authorization"] for r, _ in httpserver.log][-1] == f"Bearer {TOKEN}"
    assert aws.handler.TOKEN_CACHE_SECONDS == 300
    # Once the cache has expired the secret is read again (and now it is gone).
    aws.handler.secrets.clear_cache()
    with pytest.raises(GetParameterError, match="ResourceNotFoundException"):
        aws.handler.handler(listing_event(listing_id="c"), Context())


def test_a_rotated_token_is_used_after_the_cache_expires(
        aws: SimpleNamespace, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    start = datetime(2026, 12, 1, 12, 0, 0)
    now = {"at": start}
    monkeypatch.setattr(powertools_base, "datetime",
                        type("FakeDatetime", (), {"now": staticmethod(lambda: now["at"])}))
    httpserver.expect_request(PURGE_PATH, method="POST").respond_with_json(OK)
    aws.handler.handler(listing_event(listing_id="a"), Context())
    boto3.client("secretsmanager").put_secret_value(SecretId=aws.secret_arn,
                                                    SecretString=" rotated\n")
    now["at"] = start + timedelta(seconds=300)
    aws.handler.handler(listing_event(listing_id="b"), Context())
    now["at"] = start + timedelta(seconds=300.5)
    aws.handler.handler(listing_event(listing_id="c"), Context())
    tokens = [r.headers["Authorization"] for r, _ in httpserver.log]
    assert tokens == [f"Bearer {TOKEN}"] * 4 + ["Bearer rotated"] * 2


def test_purge_items_and_batches_follow_the_tables() -> None:
    from functions.cache_purger.handler import PAGE_PATHS, batches, purge_items

    files, prefixes = purge_items("x1", ["a.test", "b.test"])
    assert len(files) == 2 * len(PAGE_PATHS)
    assert prefixes == ["a.test/media/listings/x1/", "b.test/media/listings/x1/"]
    assert [len(b) for b in batches(list(range(7)), 3)] == [3, 3, 1]


# -- exact refusals, settings and error text ---------------------------------------------
@pytest.fixture
def purger(aws: SimpleNamespace) -> Any:
    """The handler module, loaded inside moto."""
    return aws.handler


@pytest.mark.parametrize("event", [None, [], "ListingUpdated", 7])
def test_an_event_that_is_no_object_is_refused(purger: Any, event: Any) -> None:
    with pytest.raises(purger.BadEventError) as caught:
        purger.listing_of(event)
    assert str(caught.value) == "event is not a JSON object"


def test_a_foreign_source_is_named(purger: Any) -> None:
    with pytest.raises(purger.BadEventError) as caught:
        purger.listing_of({**listing_event(), "source": "aws.events"})
    assert str(caught.value) == "source is 'aws.events', not 'marketplace.listings'"


def test_a_foreign_detail_type_lists_the_ones_purged(purger: Any) -> None:
    with pytest.raises(purger.BadEventError) as caught:
        purger.listing_of({**listing_event(), "detail-type": "ListingCreated"})
    assert str(caught.value) == (
        "detail-type 'ListingCreated' is not one of ListingUpdated, ListingDeleted")


@pytest.mark.parametrize(("listing_id", "ok"), [
    ("a", True), ("A-z_0" + "9" * 59, True), ("a" * 65, False), ("lst-1\n", False),
    ("lst 1", False), ("lst/1", False), ("", False),
])
def test_listing_ids_must_be_url_path_safe(purger: Any, listing_id: str, ok: bool) -> None:
    event = listing_event(listing_id=listing_id)
    if ok:
        assert purger.listing_of(event) == ("ListingUpdated", listing_id)
    else:
        with pytest.raises(purger.BadEventError) as caught:
            purger.listing_of(event)
        assert str(caught.value) == (
            "ListingUpdated.listing_id has characters a URL path cannot carry")


def test_a_bad_event_is_logged_with_its_id(aws: SimpleNamespace,
                                           caplog: pytest.LogCaptureFixture) -> None:
    event = {**listing_event(), "source": "aws.events"}
    with caplog.at_level("ERROR"), pytest.raises(aws.handler.BadEventError):
        aws.handler.handler(event, Context())
    (record,) = [r for r in caplog.records if r.getMessage() == "Not a purgeable listing event"]
    assert record.__dict__["event_id"] == "fae0433b-7a0e-e383-7849-7e10153eaa47"
    assert record.__dict__["problem"] == "source is 'aws.events', not 'marketplace.listings'"


def test_an_event_that_is_no_object_is_logged_without_an_id(
        aws: SimpleNamespace, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("ERROR"), pytest.raises(aws.handler.BadEventError):
        aws.handler.handler(["not", "an", "object"], Context())
    (record,) = [r for r in caplog.records if r.getMessage() == "Not a purgeable listing event"]
    assert record.__dict__["event_id"] is None


def caller_references(aws: SimpleNamespace) -> list[str]:
    listed = aws.cloudfront.list_invalidations(DistributionId=aws.distribution_id)
    return [aws.cloudfront.get_invalidation(DistributionId=aws.distribution_id, Id=i["Id"])
            ["Invalidation"]["InvalidationBatch"]["CallerReference"]
            for i in listed["InvalidationList"].get("Items", [])]


def test_the_invalidation_is_keyed_on_the_event_id(aws: SimpleNamespace,
                                                   httpserver: HTTPServer) -> None:
    httpserver.expect_request(PURGE_PATH, method="POST").respond_with_json(OK)
    result = aws.handler.handler(listing_event(listing_id="lst-7"), Context())
    assert caller_references(aws) == ["fae0433b-7a0e-e383-7849-7e10153eaa47"]
    assert result["listing_id"] == "lst-7"
    assert result["invalidation"]


def test_without_an_event_id_the_invalidation_is_keyed_on_type_and_listing(
        aws: SimpleNamespace, httpserver: HTTPServer) -> None:
    httpserver.expect_request(PURGE_PATH, method="POST").respond_with_json(OK)
    event = listing_event("ListingDeleted", listing_id="lst-8")
    del event["id"]
    aws.handler.handler(event, Context())
    assert caller_references(aws) == ["ListingDeleted-lst-8"]


def test_settings_defaults_and_trimming(purger: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PURGE_BATCH_SIZE")
    monkeypatch.delenv("CLOUDFLARE_API_BASE")
    monkeypatch.setenv("SITE_HOSTS", "a.test,,b.test,")
    settings = purger._settings()
    assert settings["batch"] == 100
    assert settings["api"] == "https://api.cloudflare.com/client/v4"
    assert settings["hosts"] == ["a.test", "b.test"]
    assert settings["zone"] == ZONE
    monkeypatch.setenv("CLOUDFLARE_API_BASE", "http://cf.test/MOCKX//")
    assert purger._settings()["api"] == "http://cf.test/MOCKX"


@pytest.mark.parametrize(("status", "data", "text"), [
    (502, b"<html>bad gateway</html>", "HTTP 502"),
    (500, b"", "HTTP 500"),
    (500, b'{"success": false, "errors": []}', "HTTP 500"),
    (403, b'{"errors": [{"code": 10000, "message": "Authentication error"},'
          b' "junk", {"code": 7003, "message": "No route"}]}',
     "HTTP 403 (10000: Authentication error; 7003: No route)"),
])
def test_cloudflare_errors_are_described(purger: Any, status: int, data: bytes,
                                         text: str) -> None:
    assert purger._errors(SimpleNamespace(status=status, data=data)) == text


def test_the_final_failure_says_what_was_not_purged(aws: SimpleNamespace,
                                                    httpserver: HTTPServer) -> None:
    httpserver.expect_request(PURGE_PATH, method="POST").respond_with_data("", status=503)
    with pytest.raises(aws.handler.PurgeFailedError) as caught:
        aws.handler.handler(listing_event(), Context())
    assert str(caught.value) == f"Cloudflare did not purge {len(HOSTS) * 2} files: HTTP 503"
