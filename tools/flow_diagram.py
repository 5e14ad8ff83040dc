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
from collections.abc import Iterable, Iterator
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
        matcher = TokenMatcher(producers)
        for resource in registry:
            consumer = tops[resource.urn].urn
            for text in strings(resource.inputs):
                for value in matcher.tokens(text):
                    for producer, kind in producers[value]:
                        if producer != consumer:
                            found[(producer, consumer)].add(kind)
    order = list(nodes)
    edges = [Edge(nodes[s].key, nodes[t].key, tuple(sorted(kinds)))
             for (s, t), kinds in sorted(found.items(),
                                         key=lambda e: (order.index(e[0][0]),
                                                        order.index(e[0][1])))]
    return list(nodes.values()), edges


class TokenMatcher:
    """Finds the given values where they occur in a text as whole tokens.

    One regex alternating some 1,700 values scans the prod run's inputs in seconds: it tries
    every value at every position. Here a scan for the values' few dozen first-eight-character
    heads finds where a value can start, and a value can only end where a token does, so only
    those few slices are looked up. Matches are what the alternation would give: leftmost,
    longest first (so an alias ARN wins over the function ARN it starts with), and never
    overlapping.
    """

    def __init__(self, values: Iterable[str]) -> None:
        self._values = frozenset(values)
        self._longest = max(map(len, self._values), default=0)
        heads = "|".join(sorted({re.escape(value[:MIN_VALUE_LENGTH]) for value in self._values}))
        # A lookahead, so that a head inside a rejected candidate can still start a match.
        self._starts = re.compile(f"(?<![{TOKEN_CHARS}])(?={heads})")
        self._token_ends = re.compile(f"[^{TOKEN_CHARS}]")

    def tokens(self, text: str) -> Iterator[str]:
        """The values found in ``text``, in order."""
        resume = 0
        for start in self._starts.finditer(text):
            at = start.start()
            if at < resume:
                continue
            last = min(at + self._longest, len(text))
            ends = [end.start() for end in
                    self._token_ends.finditer(text, at + MIN_VALUE_LENGTH, last + 1)]
            if last == len(text):
                ends.append(last)
            for end in reversed(ends):
                if text[at:end] in self._values:
                    yield text[at:end]
                    resume = end
                    break


def _node_key(name: str) -> str:
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", name)


def mermaid(registry: Registry) -> str:
    """The Mermaid ``flowchart LR`` text of the run's components and flows."""
    nodes, edges = flows(registry)
    lines = ["flowchart LR"]
    lines += [f'    {n.key}["{n.label}"]' for n in nodes]
    lines += [f'    {e.source} -->|"{", ".join(e.kinds)}"| {e.target}' for e in edges]
    return "\n".join(lines) + "\n"
