"""Fitting the text preview into 120 columns: short type tokens, elided names, wrapped values.

A type token is first shortened the way the Pulumi CLI shows it (``tokens.Type.DisplayName``
in pulumi/pulumi: the module's last path segment is dropped when it only repeats the type's
name, so ``aws:cloudwatch/metricAlarm:MetricAlarm`` reads ``aws:cloudwatch:MetricAlarm``).
Whatever is still too long for its column is cut in the middle with ``…``, so both the
start (project and stack) and the end (what the resource is) stay readable. The full values
are always in ``--json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

WIDTH = 120
ELLIPSIS = "…"
# " +   " before the type column, "create" after the name column.
MARK = " +   "
PLAN = "create"
GAP = 2
# However deep the tree, a type cell keeps this many columns after its branch glyphs.
MIN_TYPE = 12
INDENT = "    "


def display_type(token: str) -> str:
    """The type token as the Pulumi CLI displays it: ``pkg:mod/member:Member`` → ``pkg:mod:Member``.

    A port of ``tokens.Type.DisplayName`` (sdk/go/common/tokens/tokens.go): anything that is
    not three ``:``-separated parts with a ``/`` in the module, whose last segment is the
    name with a lower-case first letter, is returned as it is.
    """
    parts = token.split(":")
    if len(parts) != 3:
        return token
    package, module, name = parts
    if not name or "/" not in module:
        return token
    head, _, file = module.rpartition("/")
    if file != name[0].lower() + name[1:]:
        return token
    return f"{package}:{head}:{name}"


def elide(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns by replacing its middle with ``…``."""
    if len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    keep = width - 1
    head, tail = (keep + 1) // 2, keep // 2
    return text[:head] + ELLIPSIS + (text[-tail:] if tail else "")


def tree_lines(rows: Sequence[tuple[str, str, str]]) -> list[str]:
    """The preview's table: a header, then one ``+ <prefix+type> <name> create`` line a row.

    ``rows`` are ``(branch glyphs, type token, name)``. Columns are as wide as their longest
    cell when that fits in ``WIDTH``; otherwise the split between them is the one that cuts
    the fewest cells, a type counting twice (ties: the wider name column). A cell too long
    for its column is elided in the middle; the glyphs never are, so the tree keeps its shape.
    """
    types = [(prefix, display_type(type_)) for prefix, type_, _ in rows]
    type_column, name_column = _columns([len(p + t) for p, t in types],
                                        [len(name) for _, _, name in rows],
                                        max(len(p) for p, _ in types) + MIN_TYPE)
    lines = [f"{' ' * len(MARK)}{'Type':{type_column}}{'Name':{name_column}}Plan"]
    for (prefix, type_), (_, _, name) in zip(types, rows, strict=True):
        cell = prefix + elide(type_, type_column - GAP - len(prefix))
        lines.append(f"{MARK}{cell:{type_column}}{elide(name, name_column - GAP):{name_column}}"
                     f"{PLAN}")
    return lines


def _columns(types: list[int], names: list[int], narrowest: int) -> tuple[int, int]:
    """``(type column, name column)`` widths, gaps included, for cells of these lengths."""
    room = WIDTH - len(MARK) - len(PLAN)
    widest_type, widest_name = max(types) + GAP, max(names) + GAP
    if widest_type + widest_name <= room:
        return widest_type, widest_name

    def elided(type_column: int) -> int:
        name_column = room - type_column
        # A cut type loses more than a cut name, whose start repeats the stack's prefix.
        return (2 * sum(n + GAP > type_column for n in types)
                + sum(n + GAP > name_column for n in names))

    low = min(narrowest + GAP, widest_type)
    best = min(range(low, widest_type + 1), key=lambda column: (elided(column), column))
    return best, min(room - best, widest_name)


def property_lines(values: Mapping[str, Any], indent: str = INDENT) -> list[str]:
    """``key: value`` lines the way the CLI prints outputs, fitted to ``WIDTH``.

    Keys are sorted and padded to the longest; a map or list spreads over lines, one entry
    a line, indented one more step (lists as ``[i]: value``); a scalar too long for the line
    is elided in the middle.
    """
    if not values:
        return []
    align = max(len(key) for key in values)
    lines: list[str] = []
    for key in sorted(values):
        lines += _value_lines(f"{indent}{key:{align}}: ", values[key], indent)
    return lines


def _value_lines(title: str, value: Any, indent: str) -> list[str]:
    if isinstance(value, Mapping) and value:
        return [title + "{", *property_lines(value, indent + INDENT), indent + "}"]
    if isinstance(value, list) and value:
        items = {f"[{i}]": v for i, v in enumerate(value)}
        inner = indent + INDENT
        body = [line for key, item in items.items()
                for line in _value_lines(f"{inner}{key}: ", item, inner)]
        return [title + "[", *body, indent + "]"]
    return [title + elide(json.dumps(value, ensure_ascii=False), WIDTH - len(title))]


def wrapped(items: Iterable[str], indent: str, width: int = WIDTH) -> list[str]:
    """``items`` joined with ``, `` into lines of at most ``width`` columns after ``indent``."""
    lines: list[str] = []
    line = ""
    for raw in items:
        item = elide(raw, width - len(indent) - 1)  # -1: room for a trailing comma
        candidate = f"{line}, {item}" if line else item
        if line and len(indent) + len(candidate) + 1 > width:
            lines.append(f"{indent}{line},")
            candidate = item
        line = candidate
    if line:
        lines.append(indent + line)
    return lines

