"""The architecture diagram of a recorded run: actors, grouped by capability, and their flows.

What is drawn comes from the tables in ``tools/architecture_map.py`` and what the plan holds:
an actor only when a resource stands for it, a flow only when both ends are drawn and a
resource ties them through the dependencies the engine records (``propertyDependencies``).
A dev stack without a DAX cluster therefore has no DAX box, and its API function talks to
DynamoDB directly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from tools.architecture_map import ACTORS, FLOWS, GROUPS, STANDS_FOR, Actor, Link, Select
from tools.mock_runtime import Resource

# Mermaid wraps a node's text in these per shape: stadium for outside parties, cylinder for
# data stores, rectangle for the rest.
SHAPES = {"outside": ('(["', '"])'), "store": ('[("', '")]'), "box": ('["', '"]')}


@dataclass(frozen=True)
class Arrow:
    """A flow the plan proves: ``source`` is an actor key or a group key."""

    source: str
    target: str
    label: str
    dotted: bool


@dataclass(frozen=True)
class Architecture:
    """The actors the plan turns on (in table order) and the arrows between them."""

    actors: tuple[Actor, ...]
    arrows: tuple[Arrow, ...]

    @property
    def keys(self) -> list[str]:
        """The keys of the actors drawn."""
        return [a.key for a in self.actors]


class _Relations:
    """The plan's custom resources and what each depends on, per property."""

    def __init__(self, resources: Iterable[Resource]) -> None:
        self.by_urn: dict[str, Resource] = {}
        self.by_type: dict[str, list[Resource]] = defaultdict(list)
        for r in resources:
            if r.custom and not r.type.startswith("pulumi:providers:"):
                self.by_urn[r.urn] = r
                self.by_type[r.type].append(r)

    def of_type(self, type_: str) -> list[Resource]:
        """The resources of a type token, in registration order."""
        return self.by_type.get(type_, [])

    def deps(self, resource: Resource, prop: str) -> set[str]:
        """URNs ``resource`` depends on through ``prop``, an alias also as its function."""
        found: set[str] = set()
        for urn in resource.property_dependencies.get(prop, ()):
            found.add(urn)
            dep = self.by_urn.get(urn)
            if dep is not None and dep.type in STANDS_FOR:
                found.update(dep.property_dependencies.get(STANDS_FOR[dep.type], ()))
        return found

    def selected(self, select: Select) -> set[str]:
        """URNs of the resources ``select`` keeps."""
        candidates = self.of_type(select.type)
        if select.used_by is not None:
            holder_type, prop = select.used_by
            used = set().union(*(self.deps(h, prop) for h in self.of_type(holder_type)))
            candidates = [r for r in candidates if r.urn in used]
        if select.where is not None:
            candidates = [r for r in candidates if select.where(r)]
        return {r.urn for r in candidates}

    def holds(self, link: Link, sources: set[str], targets: set[str]) -> bool:
        """Whether one resource of ``link.via`` ties a source resource to a target resource."""
        def ends(via: Resource, prop: str | None, members: set[str]) -> bool:
            return via.urn in members if prop is None else bool(self.deps(via, prop) & members)

        return any(ends(via, link.source, sources) and ends(via, link.target, targets)
                   for via in self.of_type(link.via))


def architecture(registry: Iterable[Resource]) -> Architecture:
    """The actors and flows of a run, by the tables of ``tools/architecture_map.py``."""
    plan = _Relations(registry)
    members = {a.key: set().union(*(plan.selected(s) for s in a.selects)) for a in ACTORS}
    drawn = tuple(a for a in ACTORS if members[a.key])
    on = {a.key for a in drawn}
    for group, _title in GROUPS:
        members[group] = set().union(*(members[a.key] for a in drawn if a.group == group))
        if members[group]:
            on.add(group)
    arrows = tuple(
        Arrow(f.source, f.target, f.label, f.dotted) for f in FLOWS
        if f.source in on and f.target in on and f.unless not in on
        and (not f.links or any(plan.holds(link, members[f.source], members[f.target])
                                for link in f.links)))
    return Architecture(drawn, arrows)


def _node(actor: Actor) -> str:
    opening, closing = SHAPES[actor.shape]
    return f"{actor.key}{opening}{actor.label}{closing}"


def mermaid(registry: Iterable[Resource]) -> str:
    """The Mermaid ``flowchart LR`` text of the run's architecture."""
    drawn = architecture(registry)
    lines = ["flowchart LR"]
    # Outside parties listed before the first grouped actor (users) come first, the others
    # (Slack, PagerDuty, email) last: the layout reads from users on the left to the people
    # alerted on the right.
    first = next((i for i, a in enumerate(drawn.actors) if a.group), len(drawn.actors))
    lines += [f"    {_node(a)}" for a in drawn.actors[:first] if not a.group]
    for group, title in GROUPS:
        inside = [a for a in drawn.actors if a.group == group]
        if inside:
            lines.append(f'    subgraph {group}["{title}"]')
            lines += [f"        {_node(a)}" for a in inside]
            lines.append("    end")
    lines += [f"    {_node(a)}" for a in drawn.actors[first:] if not a.group]
    for arrow in drawn.arrows:
        line = "-.->" if arrow.dotted else "-->"
        lines.append(f'    {arrow.source} {line}|"{arrow.label}"| {arrow.target}')
    return "\n".join(lines) + "\n"
