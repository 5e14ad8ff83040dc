"""HyperLogLog: a fixed-size estimate of how many distinct ids a stream holds.

Active users are counted per day without keeping the ids: a sketch of ``2**PRECISION``
one-byte registers (4 KiB at p=12) whatever the traffic, with a standard error of
``1.04 / sqrt(m)`` (1.6 %). Sketches merge register by register (max), so the day's sketch is
the merge of its windows' sketches and the week's the merge of seven days'; a merged sketch
is exactly the sketch of the union.

Ids are hashed with BLAKE2b (64 bits), which is stable across processes and Python versions,
unlike ``hash()``; the estimate uses the raw HyperLogLog formula with linear counting for
small cardinalities (Flajolet et al. 2007, "HyperLogLog: the analysis of a near-optimal
cardinality estimation algorithm"; Heule et al. 2013 for the 64-bit hash).
"""

from __future__ import annotations

import base64
import hashlib
import math

PRECISION = 12
REGISTERS = 1 << PRECISION
STANDARD_ERROR = 1.04 / math.sqrt(REGISTERS)
_ALPHA = 0.7213 / (1 + 1.079 / REGISTERS)  # bias constant for m >= 128
_REST_BITS = 64 - PRECISION


def _hash(item: str) -> int:
    return int.from_bytes(hashlib.blake2b(item.encode(), digest_size=8).digest(), "big")


class HyperLogLog:
    """A HyperLogLog sketch with :data:`PRECISION` bits of register index."""

    __slots__ = ("registers",)

    def __init__(self, registers: bytes | bytearray | None = None) -> None:
        if registers is not None and len(registers) != REGISTERS:
            raise ValueError(f"a sketch has {REGISTERS} registers, not {len(registers)}")
        self.registers = bytearray(registers) if registers is not None else bytearray(REGISTERS)

    def add(self, item: str) -> None:
        """Count ``item`` (adding it again changes nothing)."""
        value = _hash(item)
        index = value >> _REST_BITS
        rest = value & ((1 << _REST_BITS) - 1)
        # Rank: position of the leftmost 1 in the remaining 52 bits (53 when all are 0).
        rank = _REST_BITS - rest.bit_length() + 1
        self.registers[index] = max(self.registers[index], rank)

    def merge(self, other: HyperLogLog) -> None:
        """Fold ``other`` into this sketch: afterwards it estimates the union."""
        self.registers = bytearray(max(a, b) for a, b in zip(self.registers, other.registers,
                                                             strict=True))

    def estimate(self) -> int:
        """The estimated number of distinct items added."""
        total = math.fsum(2.0 ** -r for r in self.registers)
        raw = _ALPHA * REGISTERS * REGISTERS / total
        zeros = self.registers.count(0)
        if raw <= 2.5 * REGISTERS and zeros:
            return round(REGISTERS * math.log(REGISTERS / zeros))  # linear counting
        return round(raw)

    def is_empty(self) -> bool:
        """Whether nothing was added."""
        return not any(self.registers)

    def to_text(self) -> str:
        """The registers as base64 (JSON window state, a DynamoDB string attribute)."""
        return base64.b64encode(bytes(self.registers)).decode()

    @classmethod
    def from_text(cls, text: str) -> HyperLogLog:
        """The sketch :meth:`to_text` wrote."""
        return cls(base64.b64decode(text.encode(), validate=True))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HyperLogLog) and self.registers == other.registers

    __hash__ = None  # type: ignore[assignment]  # mutable


def merged(sketches: list[HyperLogLog]) -> HyperLogLog:
    """A new sketch of the union of ``sketches`` (empty for none)."""
    result = HyperLogLog()
    for sketch in sketches:
        result.merge(sketch)
    return result
