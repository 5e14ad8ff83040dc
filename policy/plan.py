"""The whole plan as a stack rule sees it: every resource with its inputs, parent and links.

The CrossGuard pack builds a :class:`Plan` from ``StackValidationArgs`` and the tests build one
from the recording mocks, so a stack rule is a plain function of a ``Plan`` in both places.
Values Pulumi does not know yet at preview time (ARNs of resources still to be created) may be
missing or unknown; rules skip what they cannot read rather than guess.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class PlanResource:
    """One custom resource of the plan; ``props`` use Pulumi's camelCase property names."""

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    parent: str = ""
    provider_props: Mapping[str, Any] = field(default_factory=dict)
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def prop(self, *path: str, default: Any = None) -> Any:
        """A nested input (``prop("tracingConfig", "mode")``); ``default`` where it is absent."""
        value: Any = self.props
        for key in path:
            if not isinstance(value, Mapping) or key not in value:
                return default
            value = value[key]
        return value

    def document(self, key: str) -> Mapping[str, Any]:
        """A JSON policy input as a dict, whether it was sent as text or as an object."""
        return as_document(self.props.get(key))

    @property
    def region(self) -> str:
        """The region of the resource's explicit provider, or "" when it is not known."""
        return str(self.provider_props.get("region") or "")


def as_document(value: Any) -> Mapping[str, Any]:
    """A policy document (JSON text or object) as a dict; {} when it is unknown or invalid."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, Mapping) else {}


def statements(document: Any) -> list[Mapping[str, Any]]:
    """The statements of a policy document, always as a list of dicts."""
    found = as_document(document).get("Statement", [])
    found = [found] if isinstance(found, Mapping) else found
    return [s for s in found if isinstance(s, Mapping)] if isinstance(found, list) else []


def as_list(value: Any) -> list[Any]:
    """A policy element that may be a scalar or a list, as a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


@dataclass(frozen=True)
class Plan:
    """Every custom resource the program registers, with lookups the stack rules share."""

    resources: tuple[PlanResource, ...]

    def __iter__(self) -> Iterator[PlanResource]:
        return iter(self.resources)

    def __len__(self) -> int:
        return len(self.resources)

    @cached_property
    def _by_urn(self) -> dict[str, PlanResource]:
        return {r.urn: r for r in self.resources}

    def of_type(self, *types: str) -> list[PlanResource]:
        """The resources of any of these type tokens, in registration order."""
        return [r for r in self.resources if r.type in types]

    def get(self, urn: str) -> PlanResource | None:
        """The resource with this URN, if it is in the plan."""
        return self._by_urn.get(urn)

    def children(self, parent: PlanResource | str) -> list[PlanResource]:
        """Direct children of a resource or URN."""
        urn = parent if isinstance(parent, str) else parent.urn
        return [r for r in self.resources if r.parent == urn]

    def depends_on(self, resource: PlanResource, key: str | None = None) -> list[PlanResource]:
        """What ``resource`` depends on (through input ``key`` only, when it is given)."""
        urns: Iterable[str] = (resource.property_dependencies.get(key, ()) if key is not None
                               else resource.dependencies)
        return [d for d in (self.get(u) for u in urns) if d is not None]

    def find(self, type_: str, key: str, value: Any) -> list[PlanResource]:
        """Resources of ``type_`` whose input ``key`` equals ``value``."""
        return [r for r in self.of_type(type_) if r.props.get(key) == value]
