"""Lambda@Edge origin request on /media/*: serve ``?w=`` widths of an image, made once.

CloudFront runs this in the edge region nearest the viewer, after the CloudFront Function
has chosen the format (``.avif``/``.webp``/original) and on a cache miss only. A request
without ``w`` goes on to the media bucket unchanged. With ``w``:

1. the width is snapped to the configured list (clamped to the largest);
2. when ``_variants/w<width>/<key>`` is in the bucket, the request is rewritten to it;
3. otherwise the original is read, scaled with Pillow, written with ``If-None-Match: *``
   (a concurrent edge that wrote it first wins, nothing is written twice) and the request is
   rewritten to the new object, so S3 serves it through the origin access control.

Rewriting instead of returning the bytes keeps every response inside Lambda@Edge's 1 MB
limit on generated origin-request responses, whatever the image's size. A missing original
is a 404, a bad ``w`` a 400, an original Pillow cannot decode a 422; each names the field.

Lambda@Edge takes no environment variables: the bucket, its region, the widths and the
quality come from ``settings.json``, written into the deployment package by the stack.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from functions.image_variants import variants
from functions.shared import clients

SETTINGS_FILE = Path(__file__).with_name("settings.json")
# Lambda@Edge has no environment to carry POWERTOOLS_SERVICE_NAME.
logger = Logger(service="image-variants")
_MISSING = ("404", "NoSuchKey", "NotFound")
# S3's answers to If-None-Match when another writer got there first.
_LOST_RACE = ("PreconditionFailed", "ConditionalRequestConflict")


@cache
def settings() -> Mapping[str, Any]:
    """The stack's settings for this function, read once per container."""
    return json.loads(SETTINGS_FILE.read_text(encoding="utf-8"))


@cache
def s3() -> Any:
    """The S3 client of the media bucket's region (the function runs in another)."""
    # No AWS_RETRY_MODE reaches an edge function, so the retries are named here.
    return clients.client("s3", region_name=settings()["region"],
                          retries={"mode": "standard", "max_attempts": 3})


def _response(status: int, message: str) -> dict[str, Any]:
    """A generated CloudFront response: short-lived, so a fixed original is seen soon."""
    return {
        "status": str(status),
        "headers": {
            "content-type": [{"key": "Content-Type", "value": "application/json"}],
            "cache-control": [{"key": "Cache-Control", "value": "max-age=60"}],
        },
        "body": json.dumps({"message": message}),
    }


def _exists(bucket: str, key: str) -> bool:
    """Whether ``key`` is in ``bucket``; other errors (access, throttling) raise."""
    try:
        s3().head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in _MISSING:
            return False
        raise
    return True


def _original(bucket: str, keys: tuple[str, ...]) -> bytes | None:
    """The bytes of the first of ``keys`` that exists, ``None`` when none does."""
    for key in keys:
        try:
            return s3().get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in _MISSING:
                raise
    return None


def _store(bucket: str, variant: variants.Variant, body: bytes) -> None:
    """Write the variant unless another edge already has (S3 conditional write)."""
    try:
        s3().put_object(Bucket=bucket, Key=variant.variant_key, Body=body,
                        ContentType=variant.content_type, IfNoneMatch="*",
                        CacheControl="public, max-age=31536000, immutable")
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in _LOST_RACE:
            raise
        logger.info("variant written concurrently", extra={"key": variant.variant_key})


def serve(request: dict[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """The request (rewritten to the variant) or a generated error response."""
    try:
        width = variants.requested_width(request.get("querystring", ""))
        if width is None:
            return request
        variant = variants.plan(request["uri"], width, config["widths"])
    except variants.BadRequestError as exc:
        return _response(400, str(exc))
    bucket = config["bucket"]
    if not _exists(bucket, variant.variant_key):
        original = _original(bucket, variant.original_keys)
        if original is None:
            return _response(404, f"uri: no original for {request['uri']!r}")
        try:
            body = variants.render(original, variant, quality=config["quality"])
        except variants.BadImageError as exc:
            return _response(422, str(exc))
        _store(bucket, variant, body)
        logger.info("variant made", extra={"key": variant.variant_key, "bytes": len(body)})
    # The cache key already holds w and the format; S3 needs neither the query string.
    request["uri"] = "/" + variant.variant_key
    request["querystring"] = ""
    return request


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Origin-request entry point: one CloudFront record per invocation."""
    request = event["Records"][0]["cf"]["request"]
    return serve(request, settings())
