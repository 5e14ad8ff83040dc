"""The image-variant function against moto S3, with images Pillow makes here."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from PIL import Image

from functions.image_variants import handler
from tests.role_calls import PACKAGED_SETTINGS

FIXTURE = Path(__file__).parents[2] / "fixtures" / "edge" / "cloudfront-origin-request.json"
BUCKET = "media-bucket"
CONFIG = {"bucket": BUCKET, "region": "eu-west-1", "widths": [320, 640, 1280], "quality": 80}


class Context:
    """The fields of a Lambda context that Powertools' logger reads."""

    function_name = "us-east-1.marketplace-dev-image-variants"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:image-variants:3"
    aws_request_id = "4TyzHTaYWb1GX1qTfsHhEqV6HUDd"


def png(width: int, height: int) -> bytes:
    """A real PNG of the given size."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 90)).save(out, format="PNG")
    return out.getvalue()


def jpeg(width: int, height: int) -> bytes:
    """A real JPEG of the given size."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A moto media bucket in eu-west-1, and the handler reading CONFIG as its settings."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    cached_client = handler.s3
    with mock_aws():
        cached_client.cache_clear()
        handler.settings.cache_clear()
        monkeypatch.setattr(handler, "settings", lambda: CONFIG)
        # What tests/role_calls.py maps to the deployed package's settings.json.
        monkeypatch.setenv(PACKAGED_SETTINGS, json.dumps(CONFIG))
        client = boto3.client("s3", region_name="eu-west-1")
        client.create_bucket(Bucket=BUCKET,
                             CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        yield client
        cached_client.cache_clear()


def event(uri: str, querystring: str) -> dict[str, Any]:
    """The documented origin-request event, as the CloudFront Function left the request."""
    body = copy.deepcopy(json.loads(FIXTURE.read_text(encoding="utf-8")))
    request = body["Records"][0]["cf"]["request"]
    request["uri"] = uri
    request["querystring"] = querystring
    return body


def invoke(uri: str, querystring: str) -> dict[str, Any]:
    """The handler's answer to one request."""
    return handler.handler(event(uri, querystring), Context())


def stored(s3: Any, key: str) -> Image.Image:
    """The image at ``key`` in the bucket."""
    return Image.open(io.BytesIO(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()))


def keys(s3: Any) -> list[str]:
    """Every key in the bucket."""
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_a_negotiated_avif_is_made_from_the_jpeg_at_the_requested_width(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="media/l1/cat.jpg", Body=jpeg(2000, 1000))
    out = invoke("/media/l1/cat.avif", "w=640")
    assert out["uri"] == "/_variants/w640/media/l1/cat.avif"
    assert out["querystring"] == ""
    image = stored(s3, "_variants/w640/media/l1/cat.avif")
    assert (image.format, image.size) == ("AVIF", (640, 320))
    head = s3.head_object(Bucket=BUCKET, Key="_variants/w640/media/l1/cat.avif")
    assert head["ContentType"] == "image/avif"


def test_webp_from_a_png_and_an_unlisted_width_rounds_up(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="media/l1/dog.png", Body=png(1000, 500))
    out = invoke("/media/l1/dog.webp", "w=500")
    assert out["uri"] == "/_variants/w640/media/l1/dog.webp"
    image = stored(s3, "_variants/w640/media/l1/dog.webp")
    assert (image.format, image.size) == ("WEBP", (640, 320))


def test_the_original_format_is_kept_when_nothing_was_negotiated(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="media/l1/cat.jpg", Body=jpeg(800, 600))
    out = invoke("/media/l1/cat.jpg", "w=320")
    image = stored(s3, out["uri"].lstrip("/"))
    assert out["uri"] == "/_variants/w320/media/l1/cat.jpg"
    assert (image.format, image.size) == ("JPEG", (320, 240))


def test_an_oversized_width_is_clamped_to_the_largest(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="media/l1/big.jpg", Body=jpeg(3000, 1500))
    out = invoke("/media/l1/big.webp", "w=99999")
    assert out["uri"] == "/_variants/w1280/media/l1/big.webp"
    assert stored(s3, "_variants/w1280/media/l1/big.webp").size == (1280, 640)


def test_a_narrow_original_is_not_scaled_up(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="media/l1/icon.png", Body=png(200, 100))
    out = invoke("/media/l1/icon.png", "w=1280")
    assert stored(s3, out["uri"].lstrip("/")).size == (200, 100)


def test_a_missing_original_is_a_404_and_writes_nothing(s3: Any) -> None:
    out = invoke("/media/l1/ghost.avif", "w=640")
    assert out["status"] == "404"
    assert "ghost.avif" in json.loads(out["body"])["message"]
    assert keys(s3) == []


def test_a_corrupt_original_is_a_422_and_writes_nothing(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="media/l1/bad.jpg", Body=b"\xff\xd8not really a jpeg")
    out = invoke("/media/l1/bad.webp", "w=320")
    assert out["status"] == "422"
    assert "not a readable image" in json.loads(out["body"])["message"]
    assert keys(s3) == ["media/l1/bad.jpg"]


@pytest.mark.parametrize("query", ["w=abc", "w=0", "w=-5", "w="])
def test_a_bad_width_is_a_400_naming_w(s3: Any, query: str) -> None:
    out = invoke("/media/l1/cat.webp", query)
    assert out["status"] == "400"
    assert json.loads(out["body"])["message"].startswith("w=")


def test_a_path_that_is_no_image_is_a_400(s3: Any) -> None:
    out = invoke("/media/l1/notes.txt", "w=320")
    assert out["status"] == "400"
    assert "notes.txt" in json.loads(out["body"])["message"]


def test_without_w_the_request_goes_on_unchanged(s3: Any) -> None:
    out = invoke("/media/l1/cat.avif", "")
    assert out == event("/media/l1/cat.avif", "")["Records"][0]["cf"]["request"]
    assert keys(s3) == []


def test_an_existing_variant_is_served_and_never_written_twice(s3: Any,
                                                               monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    s3.put_object(Bucket=BUCKET, Key="media/l1/cat.jpg", Body=jpeg(2000, 1000))
    first = invoke("/media/l1/cat.webp", "w=640")
    etag = s3.head_object(Bucket=BUCKET, Key="_variants/w640/media/l1/cat.webp")["ETag"]
    puts: list[str] = []
    real = handler.s3()

    class Spy:
        """Counts put_object calls and passes every call on to the real client."""

        def __getattr__(self, name: str) -> Any:
            if name == "put_object":
                def put(**kwargs: Any) -> Any:
                    puts.append(kwargs["Key"])
                    return real.put_object(**kwargs)
                return put
            return getattr(real, name)

    monkeypatch.setattr(handler, "s3", Spy)
    second = invoke("/media/l1/cat.webp", "w=640")
    assert second["uri"] == first["uri"] == "/_variants/w640/media/l1/cat.webp"
    assert puts == []
    assert s3.head_object(Bucket=BUCKET, Key="_variants/w640/media/l1/cat.webp")["ETag"] == etag


def test_a_concurrent_writer_wins_and_the_request_still_goes_to_the_variant(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="media/l1/cat.jpg", Body=jpeg(2000, 1000))
    variant = handler.variants.plan("/media/l1/cat.webp", 640, CONFIG["widths"])
    s3.put_object(Bucket=BUCKET, Key=variant.variant_key, Body=b"first writer")
    handler._store(BUCKET, variant, b"second writer")
    body = s3.get_object(Bucket=BUCKET, Key=variant.variant_key)["Body"].read()
    assert body == b"first writer"


def test_the_original_is_never_changed(s3: Any) -> None:
    original = jpeg(2000, 1000)
    s3.put_object(Bucket=BUCKET, Key="media/l1/cat.jpg", Body=original)
    for query in ("w=320", "w=640", "w=1280"):
        invoke("/media/l1/cat.avif", query)
        invoke("/media/l1/cat.jpg", query)
    assert s3.get_object(Bucket=BUCKET, Key="media/l1/cat.jpg")["Body"].read() == original
    assert len(keys(s3)) == 7
