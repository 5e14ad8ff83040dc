"""The Reader: typed, validating access to raw config values that records every problem.

The key spec loop (:mod:`components.config.spec`) calls one getter per key; cross-field
rules call :meth:`Reader.fail` and :meth:`Reader.is_set`. Messages name the key and what
is allowed; a secret's value never appears in one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import pulumi

from components.config.errors import Problem
from components.config.values import NAMESPACE, as_int, as_list, did_you_mean, short

T = TypeVar("T")


class Reader:
    """Typed, validating access to raw config values that records every problem.

    ``raw`` maps full keys (``marketplace:lambdaMemoryMb``) to the strings Pulumi passes to
    the program (arrays and objects as JSON text). Each getter returns a usable value even
    when the raw one is bad (the default), so validation goes on and reports everything.
    """

    def __init__(self, raw: Mapping[str, Any], secret_keys: Iterable[str] = ()) -> None:
        self._raw = dict(raw)
        self._secret_keys = set(secret_keys)
        self.problems: list[Problem] = []
        # Every key read, with its Pulumi.yaml type: the unknown-key check reads it.
        self.declared: dict[str, str] = {}
        self.secrets: set[str] = set()

    # -- bookkeeping -------------------------------------------------------------------
    def _full(self, key: str) -> str:
        return key if ":" in key else f"{NAMESPACE}:{key}"

    def _take(self, key: str, kind: str) -> tuple[str, Any]:
        full = self._full(key)
        self.declared[full] = kind
        return full, self._raw.get(full)

    def fail(self, key: str, message: str) -> None:
        """Record a problem with ``key`` (short or full name)."""
        self.problems.append(Problem(self._full(key), message))

    def is_set(self, key: str) -> bool:
        """Whether ``key`` has a value: the CLI hands empty Pulumi.yaml defaults to unset keys."""
        return self._raw.get(self._full(key)) not in (None, "", "[]")

    def entries(self, key: str) -> list[tuple[int, str]]:
        """The string items of array ``key`` with their indexes (for rules that name items)."""
        items = as_list(self._raw.get(self._full(key))) or []
        return [(i, v) for i, v in enumerate(items) if isinstance(v, str)]

    # -- scalar getters ----------------------------------------------------------------
    def string(self, key: str, default: str, *, choices: Iterable[str] | None = None,
               pattern: re.Pattern[str] | None = None, what: str = "") -> str:
        """A string, optionally one of ``choices`` or matching ``pattern``."""
        full, value = self._take(key, "string")
        if value is None:
            return default
        value = str(value)
        options = tuple(choices) if choices is not None else None
        if options is not None and value not in options:
            hint = did_you_mean(value, options)
            self.fail(full, f"{value!r} is not allowed; use one of {', '.join(options)}{hint}")
            return default
        if pattern is not None and not pattern.match(value):
            self.fail(full, f"{value!r} is not {what or 'valid'}")
            return default
        return value

    def optional_string(self, key: str, *, pattern: re.Pattern[str] | None = None,
                        what: str = "") -> str | None:
        """A string that may be absent (``None``)."""
        full, value = self._take(key, "string")
        if value is None or value == "":
            return None
        if pattern is not None and not pattern.match(str(value)):
            self.fail(full, f"{value!r} is not {what or 'valid'}")
            return None
        return str(value)

    def integer(self, key: str, default: int, *, minimum: int | None = None,
                maximum: int | None = None, allowed: Iterable[int] | None = None) -> int:
        """An integer within ``minimum``..``maximum`` or one of ``allowed``."""
        full, value = self._take(key, "integer")
        if value is None:
            return default
        number = as_int(value)
        if number is None:
            self.fail(full, f"{value!r} is not a whole number")
            return default
        if allowed is not None:
            options = tuple(allowed)
            if number not in options:
                self.fail(full, f"{number} is not allowed; use one of "
                          f"{', '.join(str(o) for o in options)}")
                return default
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            low = "" if minimum is None else str(minimum)
            high = "" if maximum is None else str(maximum)
            self.fail(full, f"{number} is out of range; allowed {low}..{high}")
            return default
        return number

    def number(self, key: str, default: float, *, minimum: float | None = None,
               maximum: float | None = None, exclusive_minimum: bool = False) -> float:
        """A decimal number (declared as a string: Pulumi config has no float type)."""
        full, value = self._take(key, "string")
        if value is None:
            return default
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(full, f"{value!r} is not a number")
            return default
        if not math.isfinite(number):
            self.fail(full, f"{value!r} is not a finite number")
            return default
        if minimum is not None and (number < minimum or (exclusive_minimum and number == minimum)):
            bound = f"> {minimum:g}" if exclusive_minimum else f">= {minimum:g}"
            self.fail(full, f"{number:g} is out of range; allowed {bound}"
                      + (f" and <= {maximum:g}" if maximum is not None else ""))
            return default
        if maximum is not None and number > maximum:
            self.fail(full, f"{number:g} is out of range; allowed <= {maximum:g}")
            return default
        return number

    def boolean(self, key: str, default: bool) -> bool:
        """A boolean (``true``/``false``)."""
        full, value = self._take(key, "boolean")
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "false"):
            return text == "true"
        self.fail(full, f"{value!r} is not a boolean; use true or false")
        return default

    # -- arrays ------------------------------------------------------------------------
    def strings(self, key: str, default: Iterable[Any] = (), *,
                item: Callable[[str], Any] | None = None) -> tuple[Any, ...]:
        """An array of strings; ``item`` returns an item's value or raises ValueError(why)."""
        full, value = self._take(key, "array")
        if value is None:
            return tuple(default)
        items = as_list(value)
        if items is None:
            self.fail(full, f"{short(value)} is not a list of strings")
            return tuple(default)
        good: list[Any] = []
        for index, entry in enumerate(items):
            if not isinstance(entry, str):
                self.fail(f"{full}[{index}]", f"{short(entry)} is not a string")
                continue
            try:
                good.append(item(entry) if item else entry)
            except ValueError as exc:
                self.fail(f"{full}[{index}]", str(exc))
        return tuple(good)

    def table(self, key: str, parse: Callable[[str], T], *, names: Iterable[str] | None = None,
              default: Mapping[str, T] | None = None) -> dict[str, T]:
        """An array of ``name=value`` strings as a dict; ``parse`` raises ValueError."""
        known = tuple(names) if names is not None else None
        result: dict[str, T] = dict(default or {})

        def entry(text: str) -> None:
            name, sep, value = text.partition("=")
            name = name.strip()
            if not sep or not name:
                raise ValueError(f"{text!r} is not of the form name=value")
            if known is not None and name not in known:
                raise ValueError(f"unknown name {name!r}; use one of {', '.join(known)}"
                                 + did_you_mean(name, known))
            try:
                result[name] = parse(value.strip())
            except ValueError as exc:
                raise ValueError(f"{text!r}: {exc}") from None

        self.strings(key, item=entry)
        return result

    # -- secrets -----------------------------------------------------------------------
    def secret(self, key: str) -> pulumi.Output[str] | None:
        """A secret string as a secret Output, or ``None`` when unset. Never printed.

        Every secret is declared ``secret: true`` in Pulumi.yaml, so the CLI refuses a plain
        value for it. The CLI refuses a default on such a key too, so each stack sets every
        secret; an optional one the stack does not use is set empty, which reads as unset.
        """
        full, value = self._take(key, "string")
        self.secrets.add(full)
        if value is None or value == "":
            return None
        return pulumi.Output.secret(str(value))

    def unknown_keys(self) -> None:
        """Record a problem for every ``marketplace:`` key nobody reads, with a suggestion."""
        declared = [k for k in self.declared if k.startswith(f"{NAMESPACE}:")]
        for full in sorted(self._raw):
            if full.startswith(f"{NAMESPACE}:") and full not in self.declared:
                hint = did_you_mean(full, declared)
                self.fail(full, f"unknown key{hint or '; see Pulumi.yaml for the declared keys'}")
