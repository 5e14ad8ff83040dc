"""Request validation of the listings API: every problem is a 400 naming the field.

The functions here take untrusted input (JSON bodies, path and query parameters) and return
clean values or raise :class:`InvalidInputError`, whose message starts with the field's name.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from functions.shared.events import CURRENCIES

ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}\Z")
SELLER_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}\Z")
CATEGORY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}\Z")
LIMIT_RE = re.compile(r"^[0-9]{1,4}\Z")
MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_QUERY = 100
MAX_PRICE = Decimal("1000000000")
MAX_BATCH_IDS = 500
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
CREATE_FIELDS = {"title", "description", "price", "currency", "category", "seller_id",
                 "featured"}
UPDATE_FIELDS = {"title", "description", "price", "currency", "category", "featured"}


class InvalidInputError(ValueError):
    """Bad request input; the message names the field."""


def parse_json(body: str | None) -> dict[str, Any]:
    """The request body as a JSON object (numbers with decimals kept exact)."""
    if body is None or not body.strip():
        raise InvalidInputError("body: a JSON object is required")
    try:
        value = json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)
    except InvalidInputError:
        raise
    except (ValueError, RecursionError):
        raise InvalidInputError("body: not valid JSON") from None
    if not isinstance(value, dict):
        raise InvalidInputError("body: must be a JSON object")
    return value


def _encodable(text: str) -> bool:
    """Whether ``text`` is valid UTF-8 material (JSON escapes can smuggle lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _reject_constant(name: str) -> Any:
    raise InvalidInputError(f"body: {name} is not a valid JSON number")


def _string(body: dict[str, Any], field: str, *, maximum: int, minimum: int = 1,
            pattern: re.Pattern[str] | None = None) -> str:
    value = body.get(field)
    if not isinstance(value, str):
        raise InvalidInputError(f"{field}: must be a string")
    value = value.strip()
    if not minimum <= len(value) <= maximum:
        raise InvalidInputError(f"{field}: must be {minimum} to {maximum} characters")
    if not _encodable(value):
        raise InvalidInputError(f"{field}: is not valid Unicode text")
    if pattern is not None and not pattern.match(value):
        raise InvalidInputError(f"{field}: has characters that are not allowed")
    return value


def _price(body: dict[str, Any]) -> Decimal:
    value = body.get("price")
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise InvalidInputError("price: must be a number")
    try:
        price = Decimal(value)
    except InvalidOperation:
        raise InvalidInputError("price: must be a number") from None
    if not price.is_finite():
        raise InvalidInputError("price: must be a finite number")
    if price < 0:
        raise InvalidInputError("price: must not be negative")
    if price > MAX_PRICE:
        raise InvalidInputError(f"price: must be at most {MAX_PRICE}")
    if price != price.quantize(Decimal("0.01")):
        raise InvalidInputError("price: at most 2 decimal places")
    return price.quantize(Decimal("0.01")) if price.as_tuple().exponent < 0 else price


def _currency(body: dict[str, Any]) -> str:
    value = body.get("currency")
    if not isinstance(value, str) or value not in CURRENCIES:
        raise InvalidInputError(f"currency: must be one of {', '.join(CURRENCIES)}")
    return value


def _featured(body: dict[str, Any]) -> bool:
    value = body.get("featured", False)
    if not isinstance(value, bool):
        raise InvalidInputError("featured: must be true or false")
    return value


def _unknown(body: dict[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(body) - allowed)
    if extra:
        raise InvalidInputError(f"{extra[0]}: unknown field")


_FIELDS = {
    "title": lambda b: _string(b, "title", maximum=MAX_TITLE),
    "description": lambda b: _string(b, "description", maximum=MAX_DESCRIPTION, minimum=0),
    "price": _price,
    "currency": _currency,
    "category": lambda b: _string(b, "category", maximum=64, pattern=CATEGORY_RE),
    "seller_id": lambda b: _string(b, "seller_id", maximum=128, pattern=SELLER_RE),
    "featured": _featured,
}


def listing_input(body: dict[str, Any]) -> dict[str, Any]:
    """A new listing's fields: all required except ``featured`` (default false)."""
    _unknown(body, CREATE_FIELDS)
    for field in sorted(CREATE_FIELDS - {"featured"}):
        if field not in body:
            raise InvalidInputError(f"{field}: is required")
    return {field: parse(body) for field, parse in _FIELDS.items()}


def update_input(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The expected ``version`` and the fields to change (at least one)."""
    _unknown(body, UPDATE_FIELDS | {"version"})
    version = body.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InvalidInputError("version: must be a whole number >= 1")
    changes = {field: _FIELDS[field](body) for field in UPDATE_FIELDS if field in body}
    if not changes:
        raise InvalidInputError(f"body: give at least one of {', '.join(sorted(UPDATE_FIELDS))}")
    return version, changes


def batch_ids(body: dict[str, Any]) -> list[str]:
    """1 to 500 listing ids, duplicates dropped, request order kept."""
    _unknown(body, {"ids"})
    ids = body.get("ids")
    if not isinstance(ids, list) or not ids:
        raise InvalidInputError("ids: must be a non-empty list of listing ids")
    if len(ids) > MAX_BATCH_IDS:
        raise InvalidInputError(f"ids: at most {MAX_BATCH_IDS} ids")
    for index, value in enumerate(ids):
        if not isinstance(value, str) or not ID_RE.match(value):
            raise InvalidInputError(f"ids[{index}]: not a listing id")
    return list(dict.fromkeys(ids))


def path_value(name: str, value: str | None, pattern: re.Pattern[str]) -> str:
    """A path parameter that must match ``pattern``."""
    if not isinstance(value, str) or not pattern.match(value):
        raise InvalidInputError(f"{name}: not valid")
    return value


def limit(value: str | None) -> int:
    """The page size: 1..100, default 20."""
    if value is None:
        return DEFAULT_LIMIT
    # ASCII digits only: str.isdigit() accepts "²", which int() refuses.
    if not LIMIT_RE.match(value) or not 1 <= int(value) <= MAX_LIMIT:
        raise InvalidInputError(f"limit: must be a whole number from 1 to {MAX_LIMIT}")
    return int(value)


def search_query(value: str | None) -> str:
    """The title prefix to search for: 1..100 characters, compared case-insensitively."""
    if value is None or not value.strip():
        raise InvalidInputError("q: is required")
    text = value.strip()
    if len(text) > MAX_QUERY:
        raise InvalidInputError(f"q: at most {MAX_QUERY} characters")
    if not _encodable(text):
        raise InvalidInputError("q: is not valid Unicode text")
    return text.casefold()
