"""Policy rules as plain functions, shared by the CrossGuard pack and the tests.

A rule looks at one resource (:class:`Subject`: type, name, the inputs Pulumi sends, and the
inputs of its explicit provider) and yields a message per violation. Modules in this package
register rules with :func:`rule`; :func:`all_rules` imports every module, so adding a file is
all it takes to add rules.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Check = Callable[["Subject"], Iterable[str]]


@dataclass(frozen=True)
class Subject:
    """One resource as a rule sees it; ``props`` use Pulumi's camelCase property names."""

    type: str
    name: str
    props: Mapping[str, Any]
    provider_props: Mapping[str, Any] = field(default_factory=dict)
    stack: str = ""


@dataclass(frozen=True)
class Rule:
    """A named check with a description; ``types`` limits it to some resource types."""

    name: str
    description: str
    check: Check
    types: frozenset[str] = frozenset()

    def applies_to(self, subject: Subject) -> bool:
        """Whether the rule looks at this resource."""
        return not self.types or subject.type in self.types

    def violations(self, subject: Subject) -> list[str]:
        """Messages for every way ``subject`` breaks the rule."""
        return list(self.check(subject)) if self.applies_to(subject) else []


_REGISTRY: dict[str, Rule] = {}


def rule(name: str, description: str, types: Iterable[str] = ()) -> Callable[[Check], Check]:
    """Register the decorated function as a rule."""

    def register(check: Check) -> Check:
        if name in _REGISTRY and _REGISTRY[name].check is not check:
            raise ValueError(f"two policy rules are named {name!r}")
        _REGISTRY[name] = Rule(name, description, check, frozenset(types))
        return check

    return register


def all_rules() -> tuple[Rule, ...]:
    """Every rule of every module in this package, in name order."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return tuple(_REGISTRY[name] for name in sorted(_REGISTRY))


def evaluate(subjects: Iterable[Subject]) -> list[tuple[str, str, str]]:
    """``(rule, resource name, message)`` for every violation among ``subjects``."""
    rules = all_rules()
    return [
        (r.name, s.name, message)
        for s in subjects
        for r in rules
        for message in r.violations(s)
    ]
