"""Enrichment of a domain event: the device class of its user agent and its listing category.

Device classes are few and fixed, so they make a safe (low-cardinality) metric dimension.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

DEVICE_CLASSES = ("bot", "tablet", "mobile", "desktop", "unknown")
UNKNOWN = "unknown"
# The countries that get a metric series of their own (ISO 3166-1 alpha-2, as CloudFront's
# CloudFront-Viewer-Country header gives them); every other country is "other". Each entry
# adds a series per country-broken-down metric: keep the list short.
TOP_COUNTRIES = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "CA", "AU", "IN")
OTHER_COUNTRY = "other"
# Order matters: bots first (some claim to be mobile), tablets before phones (iPad says
# "Mobile", Android tablets omit it).
_DEVICE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("bot", re.compile(r"bot|crawl|spider|slurp|headless|curl|wget|python-requests", re.I)),
    ("tablet", re.compile(r"ipad|tablet|kindle|silk|playbook|android(?!.*mobile)", re.I)),
    ("mobile", re.compile(r"mobi|iphone|ipod|android.*mobile|windows phone|blackberry", re.I)),
    ("desktop", re.compile(r"windows nt|macintosh|x11|linux x86_64|cros", re.I)),
)


# Traffic repeats a small set of browsers; classifying each distinct agent once keeps the
# regexes off the per-record path.
@lru_cache(maxsize=4096)
def device_class(user_agent: str | None) -> str:
    """``bot``, ``tablet``, ``mobile``, ``desktop`` or ``unknown`` for a User-Agent header."""
    if not user_agent:
        return UNKNOWN
    for name, pattern in _DEVICE_PATTERNS:
        if pattern.search(user_agent):
            return name
    return UNKNOWN


def country_group(country: object) -> str:
    """The viewer's country when it is a top country, ``unknown`` without one, else ``other``."""
    if not isinstance(country, str) or not country:
        return UNKNOWN
    code = country.upper()
    return code if code in TOP_COUNTRIES else OTHER_COUNTRY


def listing_category(detail: Mapping[str, Any], known: Mapping[str, str]) -> str:
    """The event's category, else the one a listing event earlier in the batch named."""
    category = detail.get("category")
    if isinstance(category, str) and category:
        return category
    listing = detail.get("listing_id")
    return known.get(listing, UNKNOWN) if isinstance(listing, str) else UNKNOWN
