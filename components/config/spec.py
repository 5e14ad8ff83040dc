"""Key specs: each config key declared once, and the loop that reads a section from them.

A :class:`KeySpec` says everything about one key: its name, its type, its default, its
range or choices, its description and the settings field it fills. Each area keeps its
table (a :class:`Section`) beside its package in ``components/<pkg>/config_keys.py``; the
Reader loop here, ``Pulumi.yaml``'s ``config:`` block and the docs tables are all built
from those tables (:mod:`components.config.generate`).

Pulumi project config declares only ``string``, ``integer``, ``boolean`` and ``array``
keys, so a spec's type maps onto one of those: decimals (``number``) are strings and
tables are arrays of ``name=value`` strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from components.config.reader import Reader
from components.config.values import NAMESPACE, one_of

KeyType = Literal["string", "optional", "integer", "number", "boolean", "array", "table",
                  "secret"]

# The Pulumi project config type each spec type is declared with.
PULUMI_TYPES: Mapping[str, str] = {
    "string": "string", "optional": "string", "number": "string", "secret": "string",
    "integer": "integer", "boolean": "boolean", "array": "array", "table": "array",
}


@dataclass(frozen=True)
class KeySpec:
    """One config key.

    ``name`` is the key in the ``marketplace`` namespace (or a full ``ns:key``); ``field``
    is the settings field it fills (``outer.inner`` fills one entry of a mapping field).
    ``choices`` are the allowed strings (of a string, or of each item of an ``array``), or
    the allowed integers of an ``integer``.
    ``pattern``/``what`` check a string (``what`` names what it must be; for array
    ``choices``, what an item must be). ``item`` turns
    one array item into its value or raises ValueError(why); ``parse`` does that for a
    ``table`` value, whose names must be among ``names``. A ``secret`` is ``required`` or
    reads as None when unset; an ``optional`` string reads as None when unset.
    """

    name: str
    field: str
    type: KeyType
    default: Any = None
    description: str = ""
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    choices: tuple[Any, ...] | None = None
    pattern: re.Pattern[str] | None = None
    what: str = ""
    item: Callable[[str], Any] | None = None
    parse: Callable[[str], Any] | None = None
    names: tuple[str, ...] | None = None
    required: bool = False

    @property
    def full(self) -> str:
        """The key as the engine passes it: ``marketplace:<name>``."""
        return self.name if ":" in self.name else f"{NAMESPACE}:{self.name}"

    @property
    def pulumi_type(self) -> str:
        """The type ``Pulumi.yaml`` declares the key with."""
        return PULUMI_TYPES[self.type]

    @property
    def secret(self) -> bool:
        """Whether the key is declared ``secret: true``."""
        return self.type == "secret"

    @property
    def declared_default(self) -> Any:
        """The default as ``Pulumi.yaml`` states it; None when the key is required.

        A secret's is what the program falls back on: None (required) or "" (optional,
        read as unset). ``Pulumi.yaml`` declares no default on a secret at all, since the
        CLI refuses a plaintext one.
        """
        if self.type == "secret":
            return None if self.required else ""
        if self.type == "optional":
            return ""
        if self.type == "number":
            return f"{self.default:g}"
        if self.type == "array":
            return list(self.default or ())
        if self.type == "table":
            return [f"{k}={v}" for k, v in (self.default or {}).items()]
        return self.default

    @property
    def item_check(self) -> Callable[[str], Any] | None:
        """The check of one array item: ``item``, else membership of ``choices``."""
        if self.item is None and self.choices is not None:
            return one_of(self.choices, self.what or "allowed")
        return self.item

    def read(self, r: Reader) -> Any:
        """The key's value from ``r`` (its default when unset or bad; bad ones are recorded)."""
        return READERS[self.type](r, self)


# One getter per spec type: the loop's only branch.
READERS: Mapping[str, Callable[[Reader, KeySpec], Any]] = {
    "string": lambda r, s: r.string(s.name, s.default, choices=s.choices, pattern=s.pattern,
                                    what=s.what),
    "optional": lambda r, s: r.optional_string(s.name, pattern=s.pattern, what=s.what),
    "integer": lambda r, s: r.integer(s.name, s.default, minimum=s.minimum, maximum=s.maximum,
                                      allowed=s.choices),
    "number": lambda r, s: r.number(s.name, s.default, minimum=s.minimum, maximum=s.maximum,
                                    exclusive_minimum=s.exclusive_minimum),
    "boolean": lambda r, s: r.boolean(s.name, s.default),
    "array": lambda r, s: r.strings(s.name, s.default or (), item=s.item_check),
    "table": lambda r, s: r.table(s.name, s.parse or str, names=s.names, default=s.default),
    "secret": lambda r, s: r.secret(s.name),
}


@dataclass(frozen=True)
class Section:
    """One area's key table: the settings dataclass it fills and the keys, in order.

    ``name`` is the :class:`~components.config.stack.StackConfig` field; ``title`` heads
    the keys in ``Pulumi.yaml`` and the docs; ``doc`` is the docs page (under ``docs/``)
    that carries the section's table.
    """

    name: str
    title: str
    doc: str
    settings: type
    keys: tuple[KeySpec, ...]


# A cross-field rule: it reads the section's values (and the sections read before it, plus
# ``project`` and ``stack``), records problems on the Reader and may set derived values.
Rule = Callable[[Reader, dict[str, Any], Mapping[str, Any]], None]


def read_section(r: Reader, section: Section, rules: tuple[Rule, ...],
                 before: Mapping[str, Any]) -> Any:
    """Read every key of ``section``, apply its rules, and build its settings."""
    values: dict[str, Any] = {}
    for spec in section.keys:
        value = spec.read(r)
        outer, dot, inner = spec.field.partition(".")
        if dot:
            values.setdefault(outer, {})[inner] = value
        else:
            values[spec.field] = value
    for rule in rules:
        rule(r, values, before)
    return section.settings(**values)
