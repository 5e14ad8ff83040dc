"""Policy rules as plain functions, shared by the CrossGuard pack and the tests.

Two kinds of rule:

- a resource rule looks at one resource (:class:`Subject`: type, name, the inputs Pulumi sends,
  and the inputs of its explicit provider) and yields a message per violation; it is registered
  with :func:`rule`;
- a stack rule looks at the whole plan (:class:`policy.plan.Plan`) and yields
  ``(resource name, message)`` per violation, for what no single resource shows: a key policy
  and the services that use the key, two resources AWS refuses together, a singleton per
  account, metrics an alarm waits for. It is registered with :func:`stack_rule`, and its
  docstring names the AWS or provider documentation it comes from.

Modules in this package register rules at import; :func:`all_rules` and
:func:`all_stack_rules` import every module, so adding a file is all it takes to add rules.

Every rule has an enforcement level: :data:`MANDATORY` (the default: a violation fails
``pulumi preview`` and ``pulumi up``) or :data:`ADVISORY` (a violation is reported as a warning
and blocks nothing), for a rule whose violation is advice rather than a fault. The pack maps
them onto CrossGuard's ``EnforcementLevel``; :func:`blocking` keeps the mandatory findings of
an offline run.

Modules import each other relative to the package (``from ..plan import Plan``): the pack
directory is loaded as a package of its own by ``policy/__main__.py``, without the project.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..plan import Plan

Check = Callable[["Subject"], Iterable[str]]

# The values of pulumi_policy.EnforcementLevel, so the pack maps them by value.
MANDATORY = "mandatory"
ADVISORY = "advisory"
LEVELS = (MANDATORY, ADVISORY)


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
    enforcement: str = MANDATORY

    def applies_to(self, subject: Subject) -> bool:
        """Whether the rule looks at this resource."""
        return not self.types or subject.type in self.types

    def violations(self, subject: Subject) -> list[str]:
        """Messages for every way ``subject`` breaks the rule."""
        return list(self.check(subject)) if self.applies_to(subject) else []


_REGISTRY: dict[str, Rule] = {}
_STACK_REGISTRY: dict[str, StackRule] = {}

StackCheck = Callable[[Plan], Iterable[tuple[str, str]]]


@dataclass(frozen=True)
class StackRule:
    """A named check over the whole plan; its docstring names its sources."""

    name: str
    description: str
    check: StackCheck
    enforcement: str = MANDATORY

    @property
    def sources(self) -> str:
        """The check's docstring: what it enforces and the documentation it comes from."""
        return (self.check.__doc__ or "").strip()

    def violations(self, plan: Plan) -> list[tuple[str, str]]:
        """``(resource name, message)`` for every way ``plan`` breaks the rule."""
        return list(self.check(plan))


def _level(name: str, enforcement: str) -> str:
    if enforcement not in LEVELS:
        raise ValueError(f"policy rule {name!r}: enforcement {enforcement!r} is not one of "
                         f"{', '.join(LEVELS)}")
    return enforcement


def rule(name: str, description: str, types: Iterable[str] = (),
         enforcement: str = MANDATORY) -> Callable[[Check], Check]:
    """Register the decorated function as a rule."""

    def register(check: Check) -> Check:
        if name in _REGISTRY and _REGISTRY[name].check is not check:
            raise ValueError(f"two policy rules are named {name!r}")
        _REGISTRY[name] = Rule(name, description, check, frozenset(types),
                               _level(name, enforcement))
        return check

    return register


def stack_rule(name: str, description: str,
               enforcement: str = MANDATORY) -> Callable[[StackCheck], StackCheck]:
    """Register the decorated function as a stack rule (it must have a docstring)."""

    def register(check: StackCheck) -> StackCheck:
        if not (check.__doc__ or "").strip():
            raise ValueError(f"stack rule {name!r} has no docstring naming its source")
        if name in _REGISTRY or (name in _STACK_REGISTRY
                                 and _STACK_REGISTRY[name].check is not check):
            raise ValueError(f"two policy rules are named {name!r}")
        _STACK_REGISTRY[name] = StackRule(name, description, check, _level(name, enforcement))
        return check

    return register


def _import_all() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def all_rules() -> tuple[Rule, ...]:
    """Every resource rule of every module in this package, in name order."""
    _import_all()
    return tuple(_REGISTRY[name] for name in sorted(_REGISTRY))


def all_stack_rules() -> tuple[StackRule, ...]:
    """Every stack rule of every module in this package, in name order."""
    _import_all()
    return tuple(_STACK_REGISTRY[name] for name in sorted(_STACK_REGISTRY))


def evaluate_plan(plan: Plan, only: Iterable[str] = ()) -> list[tuple[str, str, str]]:
    """``(rule, resource name, message)`` for every stack-rule violation in ``plan``.

    ``only`` limits the run to the named rules (a test of one rule on a small program).
    """
    wanted = set(only)
    return [
        (r.name, resource, message)
        for r in all_stack_rules()
        if not wanted or r.name in wanted
        for resource, message in r.violations(plan)
    ]


def evaluate(subjects: Iterable[Subject]) -> list[tuple[str, str, str]]:
    """``(rule, resource name, message)`` for every violation among ``subjects``."""
    rules = all_rules()
    return [
        (r.name, s.name, message)
        for s in subjects
        for r in rules
        for message in r.violations(s)
    ]


def blocking(findings: Iterable[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The findings of :func:`evaluate` or :func:`evaluate_plan` whose rule is mandatory.

    What an offline run fails on; the advisory rest is for the reader.
    """
    levels = {r.name: r.enforcement for r in (*all_rules(), *all_stack_rules())}
    return [f for f in findings if levels[f[0]] == MANDATORY]
