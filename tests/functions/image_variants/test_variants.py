"""The image variant logic on its own: widths, formats, keys, and Pillow's rendering."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from functions.image_variants.variants import (
    BadImageError,
    BadRequestError,
    plan,
    render,
    requested_width,
    snap,
)

WIDTHS = (320, 640, 1280)


def _image(width: int, height: int, fmt: str = "PNG", mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), (200, 10, 10, 255)[: len(mode)]).save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize(("query", "width"), [
    ("w=640", 640), ("a=1&w=7", 7), ("", None), ("x=1", None), ("w=640&w=320", 640)])
def test_requested_width_reads_the_first_w(query: str, width: int | None) -> None:
    assert requested_width(query) == width


@pytest.mark.parametrize("query", ["w=", "w=0", "w=-5", "w=12px", "w=1.5"])
def test_requested_width_refuses_what_is_not_a_positive_whole_number(query: str) -> None:
    with pytest.raises(BadRequestError, match="w="):
        requested_width(query)


@pytest.mark.parametrize(("asked", "served"), [
    (1, 320), (320, 320), (321, 640), (640, 640), (641, 1280), (1280, 1280), (5000, 1280)])
def test_snap_rounds_up_to_a_configured_width_and_clamps_at_the_largest(
        asked: int, served: int) -> None:
    assert snap(asked, (1280, 320, 640)) == served


def test_a_negotiated_format_is_made_from_any_original_extension() -> None:
    variant = plan("/media/listing/7/photo.avif", 500, WIDTHS)
    assert variant.width == 640
    assert variant.extension == ".avif"
    assert variant.content_type == "image/avif"
    assert variant.variant_key == "_variants/w640/media/listing/7/photo.avif"
    assert variant.original_keys == ("media/listing/7/photo.jpg", "media/listing/7/photo.jpeg",
                                     "media/listing/7/photo.png")


def test_an_original_format_is_made_from_that_original_only() -> None:
    variant = plan("/media/a.PNG", 2000, WIDTHS)
    assert variant.extension == ".png"
    assert variant.content_type == "image/png"
    assert variant.variant_key == "_variants/w1280/media/a.PNG"
    assert variant.original_keys == ("media/a.PNG",)


@pytest.mark.parametrize("uri", ["/media/a.gif", "/media/noextension", "/media/a.svg"])
def test_plan_refuses_what_it_cannot_resize(uri: str) -> None:
    with pytest.raises(BadRequestError, match="not a resizable image"):
        plan(uri, 320, WIDTHS)


@pytest.mark.parametrize(("extension", "pillow_format"), [
    (".avif", "AVIF"), (".webp", "WEBP"), (".jpg", "JPEG"), (".png", "PNG")])
def test_render_scales_down_keeping_the_aspect_and_encodes_the_format(
        extension: str, pillow_format: str) -> None:
    variant = plan(f"/media/a{extension}", 320, WIDTHS)
    out = render(_image(1000, 500), variant, quality=80)
    with Image.open(io.BytesIO(out)) as image:
        assert image.format == pillow_format
        assert image.size == (320, 160)


def test_render_never_scales_up() -> None:
    out = render(_image(200, 100), plan("/media/a.webp", 1280, WIDTHS), quality=80)
    with Image.open(io.BytesIO(out)) as image:
        assert image.size == (200, 100)


def test_render_turns_a_transparent_png_into_an_rgb_jpeg() -> None:
    out = render(_image(640, 640, mode="RGBA"), plan("/media/a.jpg", 320, WIDTHS), quality=80)
    with Image.open(io.BytesIO(out)) as image:
        assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (320, 320))


def test_quality_reaches_the_encoder() -> None:
    variant = plan("/media/a.jpg", 640, WIDTHS)
    noisy = Image.effect_noise((640, 640), 64).convert("RGB")
    buffer = io.BytesIO()
    noisy.save(buffer, format="PNG")
    assert len(render(buffer.getvalue(), variant, quality=20)) < len(
        render(buffer.getvalue(), variant, quality=95))


@pytest.mark.parametrize("data", [b"not an image", _image(64, 64)[:40]])
def test_render_reports_an_unreadable_original(data: bytes) -> None:
    with pytest.raises(BadImageError, match="not a readable image"):
        render(data, plan("/media/a.webp", 320, WIDTHS), quality=80)
