"""The price table: every row has a source and a date; lookups fall back to global only."""

from __future__ import annotations

import csv
import datetime
import re
from pathlib import Path

import pytest

from policy.cost.price_table import COLUMNS, PRICES, PriceTableError, parse, read, table

ROW = {"item": "kms.key", "region": "us-east-1", "usd": "1.00", "unit": "month",
       "source": "https://aws.amazon.com/kms/pricing/", "read_on": "2026-12-02",
       "free_tier": "", "note": ""}


def test_every_committed_row_names_its_source_and_the_day_it_was_read() -> None:
    with PRICES.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) > 100
    for row in rows:
        assert row["source"].strip(), row
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["read_on"]), row


def test_the_committed_table_prices_three_regions_for_every_aws_item() -> None:
    prices = table().prices
    for item in {i for i, region in prices if region != "global"}:
        assert {r for i, r in prices if i == item} >= {"us-east-1", "eu-west-1",
                                                       "eu-central-1"}, item


def test_a_row_without_a_source_is_refused_with_its_line() -> None:
    with pytest.raises(PriceTableError, match=r"line 3 \(kms.key, eu-west-1\): no source"):
        parse([ROW, {**ROW, "region": "eu-west-1", "source": " "}])


@pytest.mark.parametrize(("change", "message"), [
    ({"read_on": ""}, "no read_on"),
    ({"read_on": "yesterday"}, "Invalid isoformat string"),
    ({"usd": "$1"}, "could not convert"),
    ({"usd": "-0.01"}, "negative price -0.01"),
    ({"unit": "year"}, "unit 'year' is not one of"),
])
def test_malformed_rows_are_refused(change: dict[str, str], message: str) -> None:
    with pytest.raises(PriceTableError, match=re.escape(message)):
        parse([{**ROW, **change}])


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(PriceTableError) as error:
        parse([{**ROW, "source": ""}, {**ROW, "usd": "x"}, ROW, ROW])
    assert str(error.value).count("line ") == 3
    assert "line 5 (kms.key, us-east-1): a second price for kms.key in us-east-1" in str(
        error.value)


def test_a_regional_price_wins_and_global_is_the_fallback() -> None:
    prices = parse([ROW, {**ROW, "region": "global", "usd": "2"},
                    {**ROW, "item": "cloudflare.plan.pro", "region": "global", "usd": "25"}])
    assert prices.get("kms.key", "us-east-1").usd == 1.0
    assert prices.get("kms.key", "eu-west-1").usd == 2.0
    assert prices.get("cloudflare.plan.pro", "us-east-1").usd == 25.0
    assert prices.get("kms.key", "us-east-1").read_on == datetime.date(2026, 12, 2)


def test_a_missing_price_names_the_item_region_and_what_the_table_has() -> None:
    prices = parse([ROW])
    with pytest.raises(PriceTableError,
                       match=re.escape("no price for kms.key in ap-south-1 (the table has "
                                       "us-east-1)")):
        prices.get("kms.key", "ap-south-1")
    with pytest.raises(PriceTableError, match=re.escape("no price for dax.x in us-east-1 "
                                                        "(not in the table)")):
        prices.get("dax.x", "us-east-1")


def test_a_file_with_other_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_text("item,region,usd\nkms.key,us-east-1,1\n")
    with pytest.raises(PriceTableError, match="columns must be " + ", ".join(COLUMNS)):
        read(path)
