"""Enrichment: the device class of a User-Agent and the category of a listing event."""

from __future__ import annotations

from typing import Any

import pytest

from functions.stream_processor.enrichment import (
    DEVICE_CLASSES,
    UNKNOWN,
    device_class,
    listing_category,
)

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")
IPAD = "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) Mobile/15E148"
ANDROID_TABLET = "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 Safari/537.36"
ANDROID_PHONE = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
                 "Mobile Safari/537.36")
WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/120.0 Safari/537.36")
GOOGLEBOT_PHONE = ("Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X) AppleWebKit/537.36 "
                   "Mobile Safari/537.36 (compatible; Googlebot/2.1)")


def test_device_classes_are_few_and_fixed() -> None:
    assert DEVICE_CLASSES == ("bot", "tablet", "mobile", "desktop", "unknown")
    assert UNKNOWN == "unknown"


@pytest.mark.parametrize(("agent", "expected"), [
    (IPHONE, "mobile"), (IPAD, "tablet"), (ANDROID_TABLET, "tablet"),
    (ANDROID_PHONE, "mobile"), (WINDOWS, "desktop"),
    (GOOGLEBOT_PHONE, "bot"),  # bots first: this one claims to be a phone
    (None, "unknown"), ("", "unknown"), ("something odd", "unknown"),
])
def test_real_user_agents(agent: str | None, expected: str) -> None:
    assert device_class(agent) == expected


# One keyword alone per case, so each alternative of each pattern is proven on its own.
@pytest.mark.parametrize(("agent", "expected"), [
    ("Googlebot/2.1", "bot"), ("ia_archiver crawler", "bot"), ("Baiduspider", "bot"),
    ("Yahoo! Slurp", "bot"), ("HeadlessChrome/120", "bot"), ("curl/8.4.0", "bot"),
    ("Wget/1.21", "bot"), ("python-requests/2.31", "bot"),
    ("iPad", "tablet"), ("Tablet PC", "tablet"), ("Kindle/3.0", "tablet"),
    ("Silk/44", "tablet"), ("PlayBook", "tablet"), ("Android 14", "tablet"),
    ("Mobi", "mobile"), ("iPhone", "mobile"), ("iPod touch", "mobile"),
    ("Android 14 Mobile", "mobile"), ("Windows Phone 10", "mobile"), ("BlackBerry", "mobile"),
    ("Windows NT 10.0", "desktop"), ("Macintosh", "desktop"), ("X11", "desktop"),
    ("Linux x86_64", "desktop"), ("CrOS", "desktop"),
])
def test_each_keyword(agent: str, expected: str) -> None:
    assert device_class(agent) == expected
    assert device_class(agent.upper()) == expected  # header values vary in case


@pytest.mark.parametrize(("agent", "expected"), [
    ("iPad Mobile", "tablet"),  # tablets before phones: iPad says "Mobile"
    ("curl iPhone", "bot"),
    ("iPhone Macintosh", "mobile"),  # phones before desktops
    ("Kindle Windows NT", "tablet"),
])
def test_the_first_matching_class_wins(agent: str, expected: str) -> None:
    assert device_class(agent) == expected


def test_each_distinct_agent_is_classified_once() -> None:
    device_class.cache_clear()
    device_class(WINDOWS)
    device_class(WINDOWS)
    info = device_class.cache_info()
    assert (info.hits, info.misses, info.maxsize) == (1, 1, 4096)


@pytest.mark.parametrize(("detail", "known", "expected"), [
    ({"category": "cars", "listing_id": "l-1"}, {"l-1": "bikes"}, "cars"),
    ({"category": "", "listing_id": "l-1"}, {"l-1": "bikes"}, "bikes"),
    ({"category": None, "listing_id": "l-1"}, {"l-1": "bikes"}, "bikes"),
    ({"category": 3, "listing_id": "l-1"}, {"l-1": "bikes"}, "bikes"),
    ({"listing_id": "l-1"}, {"l-1": "bikes"}, "bikes"),
    ({"listing_id": "l-2"}, {"l-1": "bikes"}, "unknown"),
    ({"listing_id": 7}, {7: "bikes"}, "unknown"),  # ids are strings; anything else is unknown
    ({}, {"l-1": "bikes"}, "unknown"),
    ({"category": ""}, {}, "unknown"),
])
def test_listing_category(detail: dict[str, Any], known: dict[Any, str], expected: str) -> None:
    assert listing_category(detail, known) == expected
