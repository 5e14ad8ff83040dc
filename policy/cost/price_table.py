"""The price table: ``prices.csv``, one list price per item and region, each with its source.

Columns: ``item, region, usd, unit, source, read_on, free_tier, note``. ``region`` is an AWS
region or ``global``. Free tiers are stated, not subtracted: a stack does not own its account,
so it cannot know what of the free tier is left.
"""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PRICES = Path(__file__).resolve().parent / "prices.csv"
COLUMNS = ("item", "region", "usd", "unit", "source", "read_on", "free_tier", "note")
UNITS = frozenset({"month", "hour", "GB-month", "GB-second", "run", "million requests",
                   "million events", "GB", "100k events", "day", "unit-hour"})


class PriceTableError(ValueError):
    """The table is malformed, or has no price for an item in a region."""


@dataclass(frozen=True)
class Price:
    """One list price."""

    item: str
    region: str
    usd: float
    unit: str
    source: str
    read_on: datetime.date
    free_tier: str = ""
    note: str = ""


@dataclass(frozen=True)
class PriceTable:
    """Prices by ``(item, region)``."""

    prices: dict[tuple[str, str], Price]

    def get(self, item: str, region: str) -> Price:
        """The price of ``item`` in ``region``, or its ``global`` price."""
        for key in ((item, region), (item, "global")):
            if key in self.prices:
                return self.prices[key]
        known = sorted({r for (i, r) in self.prices if i == item})
        raise PriceTableError(
            f"no price for {item} in {region}"
            + (f" (the table has {', '.join(known)})" if known else " (not in the table)"))

    @property
    def items(self) -> set[str]:
        """Every item the table prices."""
        return {item for item, _ in self.prices}


def parse(rows: list[dict[str, str]]) -> PriceTable:
    """Validate rows read from the CSV; one error lists every bad row."""
    problems: list[str] = []
    prices: dict[tuple[str, str], Price] = {}
    for number, row in enumerate(rows, 2):  # line 1 is the header
        where = f"line {number} ({row.get('item') or '?'}, {row.get('region') or '?'})"
        missing = [c for c in ("item", "region", "usd", "unit", "source", "read_on")
                   if not (row.get(c) or "").strip()]
        if missing:
            problems.append(f"{where}: no {', '.join(missing)}")
            continue
        try:
            usd = float(row["usd"])
            read_on = datetime.date.fromisoformat(row["read_on"].strip())
        except ValueError as error:
            problems.append(f"{where}: {error}")
            continue
        if usd < 0:
            problems.append(f"{where}: negative price {usd}")
        if row["unit"] not in UNITS:
            problems.append(f"{where}: unit {row['unit']!r} is not one of {sorted(UNITS)}")
        key = (row["item"].strip(), row["region"].strip())
        if key in prices:
            problems.append(f"{where}: a second price for {key[0]} in {key[1]}")
        prices[key] = Price(key[0], key[1], usd, row["unit"], row["source"].strip(), read_on,
                            (row.get("free_tier") or "").strip(), (row.get("note") or "").strip())
    if problems:
        raise PriceTableError("price table: " + "; ".join(problems))
    return PriceTable(prices)


def read(path: Path) -> PriceTable:
    """The table in the CSV file at ``path``."""
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise PriceTableError(f"{path.name}: columns must be {', '.join(COLUMNS)}")
        return parse(list(reader))


@cache
def table() -> PriceTable:
    """The project's price table."""
    return read(PRICES)
