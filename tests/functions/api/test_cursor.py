"""Pagination cursors: the exact token format, and every way a token can be refused."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from functions.api import cursor
from functions.api.validation import InvalidInputError

NOT_VALID = "cursor: not a valid cursor"
OTHER_FEED = "cursor: belongs to a different listing feed"


def token(raw: bytes, *, padded: bool = False) -> str:
    """``raw`` as a cursor token is written: URL-safe base64, padding dropped unless asked."""
    text = base64.urlsafe_b64encode(raw).decode()
    return text if padded else text.rstrip("=")


def refused(scope: str, value: Any) -> str:
    """The message decoding ``value`` in ``scope`` is refused with."""
    with pytest.raises(InvalidInputError) as caught:
        cursor.decode(scope, value)
    return str(caught.value)


# Worked out with `base64.urlsafe_b64encode` on the compact JSON by hand, once.
@pytest.mark.parametrize(("scope", "position", "expected"), [
    ("featured", "2024-05-01T10:00:00.000000Z#abc",
     "eyJzIjoiZmVhdHVyZWQiLCJwIjoiMjAyNC0wNS0wMVQxMDowMDowMC4wMDAwMDBaI2FiYyJ9"),
    ("seller:s-1", "2024-05-01T10:00:00.123456Z#L_1",
     "eyJzIjoic2VsbGVyOnMtMSIsInAiOiIyMDI0LTA1LTAxVDEwOjAwOjAwLjEyMzQ1NlojTF8xIn0"),
    ("category:bikes", "2024-05-01T10:00:00Z#x",
     "eyJzIjoiY2F0ZWdvcnk6YmlrZXMiLCJwIjoiMjAyNC0wNS0wMVQxMDowMDowMFojeCJ9"),
])
def test_encode_is_compact_json_in_unpadded_urlsafe_base64(scope: str, position: str,
                                                           expected: str) -> None:
    assert cursor.encode(scope, position) == expected
    assert cursor.decode(scope, expected) == position


def test_decode_without_a_token_is_none() -> None:
    assert cursor.decode("featured", None) is None


def test_decode_accepts_a_token_that_kept_its_padding() -> None:
    padded = "eyJzIjoic2VsbGVyOnMtMSIsInAiOiIyMDI0LTA1LTAxVDEwOjAwOjAwLjEyMzQ1NlojTF8xIn0="
    assert cursor.decode("seller:s-1", padded) == "2024-05-01T10:00:00.123456Z#L_1"


@pytest.mark.parametrize(("digits", "length", "ok"), [(335, 511, True), (336, 512, True),
                                                      (337, 514, False)])
def test_tokens_up_to_512_characters(digits: int, length: int, ok: bool) -> None:
    # Fractional-second digits pad the JSON to 383, 384 and 385 bytes.
    position = "2024-05-01T10:00:00." + "1" * digits + "Z#abc"
    value = token(b'{"s":"featured","p":"' + position.encode() + b'"}')
    assert len(value) == length
    if ok:
        assert cursor.decode("featured", value) == position
    else:
        assert refused("featured", value) == NOT_VALID


@pytest.mark.parametrize("value", [
    "",                          # empty
    "a",                         # one base64 character is never whole bytes
    "abcde",
    token(b"hello"),             # not JSON
    token(b"\xff\xfe"),          # not UTF-8
    token(b"[1]"),               # JSON, not an object
    token(b'"x"'),
    token(b'{"s":"featured"}'),  # no position
    token(b'{"s":"featured","p":5}'),
    token(b'{"s":"featured","p":null}'),
])
def test_malformed_tokens(value: str) -> None:
    assert refused("featured", value) == NOT_VALID


@pytest.mark.parametrize("position", [
    "2024-05-01T10:00:00Z#abc\n",      # "$" would have let the newline through
    "2024-05-01T10:00:00Z#abc\nmore",
    "2024-05-01T10:00:00Z#" + "a" * 65,
    "2024-05-01T10:00:00Z#",
    "2024-05-01T10:00:00#abc",
    "24-05-01T10:00:00Z#abc",
    "2024-05-01 10:00:00Z#abc",
    "x2024-05-01T10:00:00Z#abc",
    "2024-05-01T10:00:00Z#a b",
    "LISTING#abc",
])
def test_positions_that_are_not_sort_keys(position: str) -> None:
    value = token(b'{"s":"featured","p":"' + position.encode().replace(b"\n", b"\\n") + b'"}')
    assert refused("featured", value) == NOT_VALID


@pytest.mark.parametrize("position", ["2024-05-01T10:00:00Z#" + "a" * 64,
                                      "2024-05-01T10:00:00.5Z#A-z_9"])
def test_positions_that_are_sort_keys(position: str) -> None:
    value = token(b'{"s":"featured","p":"' + position.encode() + b'"}')
    assert cursor.decode("featured", value) == position


@pytest.mark.parametrize(("scope", "value"), [
    ("featured", "eyJzIjoiY2F0ZWdvcnk6YmlrZXMiLCJwIjoiMjAyNC0wNS0wMVQxMDowMDowMFojeCJ9"),
    ("category:bike", "eyJzIjoiY2F0ZWdvcnk6YmlrZXMiLCJwIjoiMjAyNC0wNS0wMVQxMDowMDowMFojeCJ9"),
    # No scope in the token at all.
    ("featured", "eyJwIjoiMjAyNC0wNS0wMVQxMDowMDowMFojeCJ9"),
])
def test_a_cursor_of_another_feed_is_refused(scope: str, value: str) -> None:
    assert refused(scope, value) == OTHER_FEED


def test_scope_is_checked_before_the_position() -> None:
    value = token(b'{"s":"seller:x","p":"not a key"}')
    assert refused("featured", value) == OTHER_FEED
