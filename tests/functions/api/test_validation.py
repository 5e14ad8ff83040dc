"""Request validation: every bound just below, at and just above, and the exact 400 message."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from functions.api import validation
from functions.api.validation import InvalidInputError

CURRENCY_MESSAGE = ("currency: must be one of USD, EUR, GBP, CAD, AUD, JPY, CHF, SEK, NOK, "
                    "DKK, PLN, INR")


def message(call: Callable[..., Any], *args: Any) -> str:
    """The message of the InvalidInputError ``call(*args)`` raises."""
    with pytest.raises(InvalidInputError) as caught:
        call(*args)
    return str(caught.value)


def body(**overrides: Any) -> dict[str, Any]:
    """A valid create body with ``overrides`` applied (a value of ``...`` drops the field)."""
    fields: dict[str, Any] = {"title": "Road bike", "description": "Steel frame",
                              "price": Decimal("350.50"), "currency": "EUR",
                              "category": "bikes", "seller_id": "seller-1"}
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not ...}


# -- parse_json ----------------------------------------------------------------------------
@pytest.mark.parametrize("raw", [None, "", "   \n"])
def test_parse_json_needs_a_body(raw: str | None) -> None:
    assert message(validation.parse_json, raw) == "body: a JSON object is required"


@pytest.mark.parametrize("raw", ["{", "{'a': 1}", "[" * 100_000, '{"a": 1} x'])
def test_parse_json_refuses_what_is_not_json(raw: str) -> None:
    assert message(validation.parse_json, raw) == "body: not valid JSON"


@pytest.mark.parametrize("raw", ["[1]", '"text"', "3", "null"])
def test_parse_json_wants_an_object(raw: str) -> None:
    assert message(validation.parse_json, raw) == "body: must be a JSON object"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_parse_json_names_the_non_number(constant: str) -> None:
    assert (message(validation.parse_json, f'{{"price": {constant}}}')
            == f"body: {constant} is not a valid JSON number")


def test_parse_json_keeps_decimals_exact() -> None:
    parsed = validation.parse_json('{"price": 0.10, "n": 3, "s": "x"}')
    assert parsed == {"price": Decimal("0.10"), "n": 3, "s": "x"}
    assert isinstance(parsed["price"], Decimal)
    assert str(parsed["price"]) == "0.10"


# -- listing_input: strings ----------------------------------------------------------------
@pytest.mark.parametrize(("field", "length", "ok"), [
    ("title", 1, True), ("title", 199, True), ("title", 200, True), ("title", 201, False),
    ("description", 4999, True), ("description", 5000, True), ("description", 5001, False),
    ("category", 63, True), ("category", 64, True), ("category", 65, False),
    ("seller_id", 127, True), ("seller_id", 128, True), ("seller_id", 129, False),
])
def test_string_length_bounds(field: str, length: int, ok: bool) -> None:
    value = "a" * length
    if ok:
        assert validation.listing_input(body(**{field: value}))[field] == value
    else:
        bounds = {"title": "1 to 200", "description": "0 to 5000", "category": "1 to 64",
                  "seller_id": "1 to 128"}[field]
        assert (message(validation.listing_input, body(**{field: value}))
                == f"{field}: must be {bounds} characters")


@pytest.mark.parametrize(("field", "bounds"), [
    ("title", "1 to 200"), ("category", "1 to 64"), ("seller_id", "1 to 128"),
])
@pytest.mark.parametrize("value", ["", "   "])
def test_empty_strings_are_refused_where_text_is_required(field: str, bounds: str,
                                                          value: str) -> None:
    assert (message(validation.listing_input, body(**{field: value}))
            == f"{field}: must be {bounds} characters")


def test_description_may_be_empty_and_strings_are_stripped() -> None:
    got = validation.listing_input(body(description="", title="  Road bike \n"))
    assert got["description"] == ""
    assert got["title"] == "Road bike"


def test_length_is_counted_after_stripping() -> None:
    assert validation.listing_input(body(title=" " + "a" * 200 + " "))["title"] == "a" * 200


@pytest.mark.parametrize("field", ["title", "description", "category", "seller_id"])
@pytest.mark.parametrize("value", [5, None, ["a"], True])
def test_strings_must_be_strings(field: str, value: Any) -> None:
    assert message(validation.listing_input, body(**{field: value})) == f"{field}: must be a string"


@pytest.mark.parametrize("field", ["title", "description"])
def test_lone_surrogates_are_refused(field: str) -> None:
    assert (message(validation.listing_input, body(**{field: "bad \ud800 text"}))
            == f"{field}: is not valid Unicode text")


@pytest.mark.parametrize(("field", "value"), [
    ("category", "Bikes"), ("category", "-bikes"), ("category", "road bikes"),
    ("category", "bikes_2"), ("seller_id", "seller 1"), ("seller_id", "seller/1"),
    ("seller_id", "sélleur"),
])
def test_pattern_fields_refuse_other_characters(field: str, value: str) -> None:
    assert (message(validation.listing_input, body(**{field: value}))
            == f"{field}: has characters that are not allowed")


@pytest.mark.parametrize(("field", "value"), [
    ("category", "a"), ("category", "0-road-bikes"), ("seller_id", "Ab_9-z"),
])
def test_pattern_fields_accept_their_alphabet(field: str, value: str) -> None:
    assert validation.listing_input(body(**{field: value}))[field] == value


# -- listing_input: price, currency, featured ----------------------------------------------
@pytest.mark.parametrize(("price", "stored"), [
    (0, "0"), (Decimal("0.00"), "0.00"), (Decimal("0.01"), "0.01"), (7, "7"),
    (Decimal("1.5"), "1.50"), (Decimal("999999999.99"), "999999999.99"),
    (1_000_000_000, "1000000000"), (Decimal("1000000000.00"), "1000000000.00"),
])
def test_prices_in_range_are_kept_to_the_cent(price: Any, stored: str) -> None:
    got = validation.listing_input(body(price=price))["price"]
    assert isinstance(got, Decimal)
    assert str(got) == stored


@pytest.mark.parametrize(("price", "expected"), [
    (Decimal("1000000000.01"), "price: must be at most 1000000000"),
    (1_000_000_001, "price: must be at most 1000000000"),
    (-1, "price: must not be negative"),
    (Decimal("-0.01"), "price: must not be negative"),
    (Decimal("1.005"), "price: at most 2 decimal places"),
    (Decimal("0.001"), "price: at most 2 decimal places"),
    (Decimal("Infinity"), "price: must be a finite number"),
    (Decimal("NaN"), "price: must be a finite number"),
    (True, "price: must be a number"),
    (False, "price: must be a number"),
    ("5", "price: must be a number"),
    (None, "price: must be a number"),
    (5.0, "price: must be a number"),
])
def test_bad_prices(price: Any, expected: str) -> None:
    assert message(validation.listing_input, body(price=price)) == expected


@pytest.mark.parametrize("currency", ["USD", "INR", "JPY"])
def test_known_currencies(currency: str) -> None:
    assert validation.listing_input(body(currency=currency))["currency"] == currency


@pytest.mark.parametrize("currency", ["usd", "XXX", "", 5, None, ["USD"]])
def test_unknown_currencies_list_the_choices(currency: Any) -> None:
    assert message(validation.listing_input, body(currency=currency)) == CURRENCY_MESSAGE


def test_featured_defaults_to_false() -> None:
    assert validation.listing_input(body())["featured"] is False


@pytest.mark.parametrize("featured", [True, False])
def test_featured_is_kept(featured: bool) -> None:
    assert validation.listing_input(body(featured=featured))["featured"] is featured


@pytest.mark.parametrize("featured", ["true", 1, 0, None])
def test_featured_must_be_a_boolean(featured: Any) -> None:
    assert (message(validation.listing_input, body(featured=featured))
            == "featured: must be true or false")


# -- listing_input: shape ------------------------------------------------------------------
def test_listing_input_returns_every_field_clean() -> None:
    assert validation.listing_input(body(featured=True)) == {
        "title": "Road bike", "description": "Steel frame", "price": Decimal("350.50"),
        "currency": "EUR", "category": "bikes", "seller_id": "seller-1", "featured": True}


@pytest.mark.parametrize(("missing", "named"), [
    (["title"], "title"), (["description"], "description"), (["price"], "price"),
    (["currency"], "currency"), (["category"], "category"), (["seller_id"], "seller_id"),
    # Several missing: the first in alphabetical order is named.
    (["title", "seller_id", "price"], "price"),
])
def test_required_fields(missing: list[str], named: str) -> None:
    assert (message(validation.listing_input, body(**dict.fromkeys(missing, ...)))
            == f"{named}: is required")


@pytest.mark.parametrize(("extra", "named"), [
    ({"id": "x"}, "id"), ({"version": 1}, "version"),
    ({"zeta": 1, "alpha": 2}, "alpha"),
])
def test_unknown_fields_are_named(extra: dict[str, Any], named: str) -> None:
    assert message(validation.listing_input, {**body(), **extra}) == f"{named}: unknown field"


def test_unknown_field_is_named_before_a_missing_one() -> None:
    assert message(validation.listing_input, {"colour": "red"}) == "colour: unknown field"


# -- update_input --------------------------------------------------------------------------
def test_update_returns_version_and_only_the_given_fields() -> None:
    assert validation.update_input({"version": 3, "title": " New ", "featured": False}) == (
        3, {"title": "New", "featured": False})


def test_update_validates_each_field() -> None:
    assert (message(validation.update_input, {"version": 1, "price": Decimal("1.001")})
            == "price: at most 2 decimal places")


@pytest.mark.parametrize("version", [None, 0, -1, True, "1", Decimal("1.0"), 1.0])
def test_update_version_must_be_a_whole_number_from_one(version: Any) -> None:
    assert (message(validation.update_input, {"version": version, "title": "x"})
            == "version: must be a whole number >= 1")


def test_update_version_one_is_the_least() -> None:
    assert validation.update_input({"version": 1, "title": "x"}) == (1, {"title": "x"})


def test_update_without_version_names_it() -> None:
    assert (message(validation.update_input, {"title": "x"})
            == "version: must be a whole number >= 1")


def test_update_needs_a_change() -> None:
    assert message(validation.update_input, {"version": 2}) == (
        "body: give at least one of category, currency, description, featured, price, title")


@pytest.mark.parametrize("field", ["seller_id", "id", "created_at"])
def test_update_cannot_touch_other_fields(field: str) -> None:
    assert (message(validation.update_input, {"version": 1, "title": "x", field: "y"})
            == f"{field}: unknown field")


# -- batch_ids -----------------------------------------------------------------------------
@pytest.mark.parametrize("count", [1, 499, 500])
def test_batch_up_to_500_ids(count: int) -> None:
    ids = [f"id-{n}" for n in range(count)]
    assert validation.batch_ids({"ids": ids}) == ids


def test_batch_of_501_is_refused() -> None:
    ids = [f"id-{n}" for n in range(501)]
    assert message(validation.batch_ids, {"ids": ids}) == "ids: at most 500 ids"


@pytest.mark.parametrize("ids", [None, [], "abc", {"a": 1}, 5])
def test_batch_needs_a_non_empty_list(ids: Any) -> None:
    assert (message(validation.batch_ids, {"ids": ids})
            == "ids: must be a non-empty list of listing ids")


def test_batch_without_ids_field() -> None:
    assert message(validation.batch_ids, {}) == "ids: must be a non-empty list of listing ids"


@pytest.mark.parametrize(("bad", "index"), [
    (5, 1), ("", 1), ("a" * 65, 1), ("has space", 1), ("abc\n", 1), ("a.b", 1), (None, 1),
])
def test_batch_names_the_bad_id(bad: Any, index: int) -> None:
    assert message(validation.batch_ids, {"ids": ["ok", bad]}) == f"ids[{index}]: not a listing id"


def test_batch_id_of_64_characters_is_fine() -> None:
    assert validation.batch_ids({"ids": ["a" * 64]}) == ["a" * 64]


def test_batch_drops_duplicates_keeping_order() -> None:
    assert validation.batch_ids({"ids": ["b", "a", "b", "c", "a"]}) == ["b", "a", "c"]


def test_batch_refuses_other_fields() -> None:
    assert message(validation.batch_ids, {"ids": ["a"], "all": True}) == "all: unknown field"


# -- path_value ----------------------------------------------------------------------------
@pytest.mark.parametrize(("pattern", "value"), [
    (validation.ID_RE, "a"), (validation.ID_RE, "A-z_09" * 10 + "abcd"),
    (validation.SELLER_RE, "s" * 128), (validation.CATEGORY_RE, "c" * 64),
])
def test_path_values_that_match(pattern: Any, value: str) -> None:
    assert validation.path_value("id", value, pattern) == value


@pytest.mark.parametrize(("pattern", "value"), [
    (validation.ID_RE, None), (validation.ID_RE, ""), (validation.ID_RE, "a" * 65),
    (validation.ID_RE, "abc\n"), (validation.ID_RE, "abc\nx"), (validation.ID_RE, "a/b"),
    (validation.SELLER_RE, "s" * 129), (validation.SELLER_RE, "seller\n"),
    (validation.CATEGORY_RE, "c" * 65), (validation.CATEGORY_RE, "bikes\n"),
    (validation.CATEGORY_RE, "-bikes"), (validation.CATEGORY_RE, "Bikes"),
])
def test_path_values_that_do_not_match(pattern: Any, value: str | None) -> None:
    assert message(validation.path_value, "seller_id", value, pattern) == "seller_id: not valid"


# -- limit ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "expected"), [
    (None, 20), ("1", 1), ("2", 2), ("20", 20), ("99", 99), ("100", 100), ("0100", 100),
])
def test_limit_in_range(raw: str | None, expected: int) -> None:
    assert validation.limit(raw) == expected


@pytest.mark.parametrize("raw", ["0", "101", "9999", "00001", "", "-1", "+5", "1.5", " 5",
                                 "5\n", "²", "٣", "ten"])
def test_limit_out_of_range_or_not_digits(raw: str) -> None:
    assert message(validation.limit, raw) == "limit: must be a whole number from 1 to 100"


# -- search_query --------------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "expected"), [
    ("a", "a"), ("  Road Bike ", "road bike"), ("STRASSE", "strasse"), ("Straße", "strasse"),
    ("x" * 99, "x" * 99), ("x" * 100, "x" * 100), (" " + "x" * 100 + " ", "x" * 100),
])
def test_search_query_is_stripped_and_casefolded(raw: str, expected: str) -> None:
    assert validation.search_query(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_search_query_is_required(raw: str | None) -> None:
    assert message(validation.search_query, raw) == "q: is required"


def test_search_query_of_101_characters_is_refused() -> None:
    assert message(validation.search_query, "x" * 101) == "q: at most 100 characters"


def test_search_query_with_a_lone_surrogate_is_refused() -> None:
    assert message(validation.search_query, "bike\udc00") == "q: is not valid Unicode text"
