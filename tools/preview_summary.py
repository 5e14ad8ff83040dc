"""The preview's per-component summary: what each top-level component creates, and its cost.

A top-level component is anything the program creates directly in the stack, the grouping
the cost estimate uses (``policy.cost.estimate.component_of``); a custom resource created
directly in the stack counts under ``(stack)``, as it does there. Each gets one line with its
resource count and fixed monthly cost, then its resources counted by type (every resource
below it, nested components included), most numerous first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from policy.cost.estimate import STACK_LEVEL
from tools.mock_runtime import Registry, Resource
from tools.preview_layout import INDENT, WIDTH, display_type, elide, wrapped


def groups(registry: Registry) -> dict[str, tuple[str, list[Resource]]]:
    """``name -> (type, resources below it)`` per top-level component, in registration order."""
    children: dict[str, list[Resource]] = {}
    for resource in registry:
        children.setdefault(resource.parent, []).append(resource)

    def below(urn: str) -> list[Resource]:
        out: list[Resource] = []
        for child in children.get(urn, []):
            out += [child, *below(child.urn)]
        return out

    out: dict[str, tuple[str, list[Resource]]] = {}
    for top in children.get(registry.stack_urn, []):
        if top.custom:
            out.setdefault(STACK_LEVEL, ("", []))[1].extend([top, *below(top.urn)])
        else:
            out[top.name] = (top.type, below(top.urn))
    return out


def counts(resources: list[Resource]) -> list[tuple[str, int]]:
    """``(display type, count)``, most numerous first, then by type."""
    counted = Counter(display_type(r.type) for r in resources)
    return sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))


def summary_lines(registry: Registry, fixed_usd: Mapping[str, float]) -> list[str]:
    """The summary section: a title, then per component its line and its counts by type.

    Components come dearest first (then by name), as in the cost table.

    ``fixed_usd`` is the fixed monthly cost per component name (the cost report's); a
    component with nothing priced costs $0.00.
    """
    lines = ["Components (resources below each, by type; fixed USD a month):"]
    found = groups(registry)
    for name in sorted(found, key=lambda n: (-fixed_usd.get(n, 0.0), n)):
        type_, resources = found[name]
        kind = f" ({type_})" if type_ else ""
        plural = "" if len(resources) == 1 else "s"
        head = (f"{INDENT}{name}{kind}: {len(resources)} resource{plural}, "
                f"${fixed_usd.get(name, 0.0):,.2f} fixed")
        lines += ["", elide(head, WIDTH)]
        lines += wrapped((f"{n} {t}" for t, n in counts(resources)), INDENT * 2)
    return lines
