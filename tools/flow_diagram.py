"""The component view: the stack's top-level components and the values they hand each other.

``python -m tools.preview --mermaid-components OUT`` writes it; the architecture diagram
(``--mermaid``) is ``tools/architecture.py``.

Edges are found in the recorded run, not listed by hand: when an input of a resource under
one top-level component contains an ARN, name, URL or endpoint that a resource under another
top-level component produced, the value flows from the producer to the consumer. A new
component therefore appears, with its wiring, as soon as ``__main__.py`` creates it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tools.mock_runtime import Registry, Resource

# Output keys that identify a resource to another (its address), as opposed to settings.
ADDRESS_KEYS = ("arn", "name", "url")
ADDRESS_SUFFIXES = ("Arn", "Url", "DomainName", "Endpoint", "Address")
# Shorter values (stage names like "live", ids) would match by coincidence.
MIN_VALUE_LENGTH = 8
# A value counts only as a whole token, not as part of a longer name that shares its prefix.
TOKEN_CHARS = "A-Za-z0-9_.-"


@dataclass(frozen=True)
class Node:
    """A top-level component (or a resource created directly in the stack)."""

    key: str
    type: str
    name: str

    @property
    def label(self) -> str:
        """The node's text: the type's short name over the logical name."""
        return f"{self.type.rsplit(':', 1)[-1]}<br/>{self.name}"


@dataclass(frozen=True)
class Edge:
    """Values produced under ``source`` used by resources under ``target``."""

    source: str
    target: str
    kinds: tuple[str, ...]


def top_level(registry: Registry) -> dict[str, Resource]:
    """URN of every resource -> its ancestor created directly in the stack."""
    by_urn = {r.urn: r for r in registry}
    tops: dict[str, Resource] = {}
    for resource in registry:
        node = resource
        while node.parent in by_urn:
            node = by_urn[node.parent]
        tops[resource.urn] = node
    return tops


def _kind(type_: str) -> str:
    """``aws:sns/topic:Topic`` -> ``sns Topic``: short enough for an edge label."""
    parts = type_.split(":")
    module = parts[1].split("/")[0] if len(parts) > 1 else type_
    return f"{module} {parts[-1]}"


def addresses(resource: Resource) -> Iterator[str]:
    """The values by which other resources can refer to ``resource``."""
    if not resource.custom or resource.type.startswith("pulumi:providers:"):
        return
    for key, value in resource.outputs.items():
        # Inputs copied to outputs that name *another* resource (e.g. ``topicArn``) are not
        # this resource's address; only its own name and computed addresses are.
        computed = key not in resource.inputs or key == "name"
        if not isinstance(value, str) or len(value) < MIN_VALUE_LENGTH or not computed:
            continue
        if key in ADDRESS_KEYS or key.endswith(ADDRESS_SUFFIXES):
            yield value


def strings(value: Any) -> Iterator[str]:
    """Every string inside a (nested) input value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def flows(registry: Registry) -> tuple[list[Node], list[Edge]]:
    """The top-level nodes in registration order and the data flows between them."""
    tops = top_level(registry)
    nodes: dict[str, Node] = {}
    for resource in registry:
        top = tops[resource.urn]
        nodes.setdefault(top.urn, Node(_node_key(top.name), top.type, top.name))
    producers: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for resource in registry:
        for value in addresses(resource):
            producers[value].add((tops[resource.urn].urn, _kind(resource.type)))
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    if producers:
        pattern = _pattern(producers)
        for resource in registry:
            consumer = tops[resource.urn].urn
            for text in strings(resource.inputs):
                for match in pattern.finditer(text):
                    for producer, kind in producers[match.group(1)]:
                        if producer != consumer:
                            found[(producer, consumer)].add(kind)
    order = list(nodes)
    edges = [Edge(nodes[s].key, nodes[t].key, tuple(sorted(kinds)))
             for (s, t), kinds in sorted(found.items(),
                                         key=lambda e: (order.index(e[0][0]),
                                                        order.index(e[0][1])))]
    return list(nodes.values()), edges


def _pattern(values: dict[str, Any]) -> re.Pattern[str]:
    # Longest first so an alias ARN wins over the function ARN it starts with.
    alternatives = "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))
    return re.compile(f"(?<![{TOKEN_CHARS}])({alternatives})(?![{TOKEN_CHARS}])")


def _node_key(name: str) -> str:
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", name)


def mermaid(registry: Registry) -> str:
    """The Mermaid ``flowchart LR`` text of the run's components and flows."""
    nodes, edges = flows(registry)
    lines = ["flowchart LR"]
    lines += [f'    {n.key}["{n.label}"]' for n in nodes]
    lines += [f'    {e.source} -->|"{", ".join(e.kinds)}"| {e.target}' for e in edges]
    return "\n".join(lines) + "\n"
