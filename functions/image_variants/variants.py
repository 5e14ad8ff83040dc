"""What a ``?w=`` request for a media image asks for, and how its variant is made.

Pure logic, no AWS: the handler reads and writes S3 around it.

* ``plan`` turns the request's URI and query string into a :class:`Variant`: the width
  rounded up to the next width in the configured list (a width above the largest is clamped
  to the largest), the format taken from the extension the CloudFront Function chose
  (``.avif``/``.webp`` for a negotiated request, the original's own extension otherwise),
  the key the variant is stored under and the keys its original may have.
* ``render`` decodes the original with Pillow, scales it down (never up) to the width keeping
  its aspect ratio, and encodes it in the variant's format.

Variants live under their own prefix (``_variants/w<width>/...``), so the original and the
uploader's full-size ``.avif``/``.webp`` are never overwritten.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs

from PIL import Image, UnidentifiedImageError

VARIANT_PREFIX = "_variants"
# The originals the uploader accepts; a negotiated .avif/.webp is made from one of them.
ORIGINAL_EXTENSIONS = (".jpg", ".jpeg", ".png")
# Pillow's encoder name and the Content-Type of each served extension.
FORMATS: dict[str, tuple[str, str]] = {
    ".avif": ("AVIF", "image/avif"),
    ".webp": ("WEBP", "image/webp"),
    ".jpg": ("JPEG", "image/jpeg"),
    ".jpeg": ("JPEG", "image/jpeg"),
    ".png": ("PNG", "image/png"),
}
_EXTENSION = re.compile(r"(\.[A-Za-z0-9]+)$")


class BadRequestError(ValueError):
    """The request names a width or a format that cannot be served (a 400)."""


class BadImageError(ValueError):
    """The original exists but Pillow cannot decode it (a 422)."""


@dataclass(frozen=True)
class Variant:
    """One width of one image in one format."""

    width: int
    extension: str
    variant_key: str
    original_keys: tuple[str, ...]

    @property
    def content_type(self) -> str:
        """The Content-Type the variant is stored and served with."""
        return FORMATS[self.extension][1]


def requested_width(querystring: str) -> int | None:
    """The ``w`` parameter as a positive int, ``None`` when absent; BadRequestError otherwise."""
    values = parse_qs(querystring, keep_blank_values=True).get("w")
    if not values:
        return None
    raw = values[0]
    if not raw.isdigit() or int(raw) == 0:
        raise BadRequestError(f"w={raw!r} is not a positive whole number of pixels")
    return int(raw)


def snap(width: int, widths: Sequence[int]) -> int:
    """The smallest configured width >= ``width``; the largest when ``width`` is above all."""
    ordered = sorted(widths)
    for candidate in ordered:
        if candidate >= width:
            return candidate
    return ordered[-1]


def plan(uri: str, width: int, widths: Sequence[int]) -> Variant:
    """The variant a request for ``uri`` at ``width`` pixels is served from."""
    match = _EXTENSION.search(uri)
    extension = match.group(1).lower() if match else ""
    if extension not in FORMATS:
        raise BadRequestError(f"uri {uri!r} is not a resizable image "
                         f"(one of {', '.join(sorted(FORMATS))})")
    key = uri.lstrip("/")
    stem = key[: -len(extension)]
    chosen = snap(width, widths)
    if extension in ORIGINAL_EXTENSIONS:
        originals: tuple[str, ...] = (key,)
    else:
        originals = tuple(stem + ext for ext in ORIGINAL_EXTENSIONS)
    return Variant(width=chosen, extension=extension,
                   variant_key=f"{VARIANT_PREFIX}/w{chosen}/{key}", original_keys=originals)


def render(original: bytes, variant: Variant, *, quality: int) -> bytes:
    """``original`` scaled to at most ``variant.width`` wide, encoded in its format."""
    try:
        with Image.open(io.BytesIO(original)) as image:
            image.load()
            scaled = _scaled(image, variant.width)
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise BadImageError(f"the original of {variant.variant_key!r} is not a readable image: "
                       f"{exc}") from None
    encoder = FORMATS[variant.extension][0]
    if encoder == "JPEG" and scaled.mode not in ("RGB", "L"):
        scaled = scaled.convert("RGB")
    out = io.BytesIO()
    options: dict[str, object] = {} if encoder == "PNG" else {"quality": quality}
    scaled.save(out, format=encoder, **options)
    return out.getvalue()


def _scaled(image: Image.Image, width: int) -> Image.Image:
    """``image`` at ``width`` pixels wide (aspect kept), or a copy when already narrower."""
    if image.width <= width:
        return image.copy()
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.LANCZOS)
