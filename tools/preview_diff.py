"""What a change does to a stack: two preview documents compared, as Markdown for a PR comment.

    python -m tools.preview --stack dev --diff out/main-dev.json > diff.md

Resources are matched by URN. A URN only in the new document is added, one only in the old
is removed, and one in both whose ``inputs`` differ is changed, with each input that differs
as ``path: old → new``; a table first counts them per top-level component. Paths are the
engine's property paths (``tags.Name``, ``rules[0].action``, ``tags["kubernetes.io/role"]``);
a JSON document held in a string (an IAM policy, a dashboard body) is compared inside, so
its paths go on into the document.

Secrets stay masked: where either side shows ``[secret]``, neither side's value is printed,
so a document from an older preview that did not mask a value cannot leak it. Long values are
cut in the middle, and long lists say how many more there are, so a comment stays well
under the 64,000 characters a GitHub comment may hold.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi.runtime.rpc import UNKNOWN

from policy.cost.estimate import STACK_LEVEL, STACK_TYPE
from tools.mock_runtime import SECRET_PLACEHOLDER
from tools.preview_layout import elide

MAX_LISTED = 100  # URNs per section
MAX_INPUTS = 30  # changed inputs per resource
VALUE_WIDTH = 80
SIMPLE_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


class _Missing:
    """The side of a change where the input is not set."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


@dataclass(frozen=True)
class Change:
    """One input that differs: its property path and both values (``MISSING`` where unset)."""

    path: str
    old: Any
    new: Any
    secret: bool = False


@dataclass(frozen=True)
class Diff:
    """Two previews compared: URNs added, removed and changed (with their inputs' changes)."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[tuple[str, tuple[Change, ...]], ...]
    unchanged: int
    # (top-level component, added, removed, changed), for each component with any.
    by_component: tuple[tuple[str, int, int, int], ...] = ()


class UnreadablePreviewError(ValueError):
    """A saved preview that cannot be compared: missing, not JSON, or not a preview document."""


def load(path: Path) -> Mapping[str, Any]:
    """The preview document at ``path``; ``UnreadablePreviewError`` saying why it cannot be used."""
    try:
        doc = json.loads(path.read_text())
    except OSError as error:
        raise UnreadablePreviewError(f"cannot read {path}: {error.strerror or error}") from error
    except ValueError as error:
        raise UnreadablePreviewError(f"{path} is not JSON: {error}") from error
    if not isinstance(doc, Mapping) or not isinstance(doc.get("steps"), list):
        raise UnreadablePreviewError(f"{path} is not a preview document (no steps)")
    return doc


def _states(doc: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {step["urn"]: step.get("newState") or {} for step in doc["steps"]
            if isinstance(step, Mapping) and "urn" in step}


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if SIMPLE_KEY.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


def _document(value: Any) -> Any:
    """A JSON object or array held in a string, parsed; anything else as it is."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _same(old: Any, new: Any) -> bool:
    # json.dumps, not ==: in Python True == 1 and 1 == 1.0, which the engine tells apart.
    return json.dumps(old, sort_keys=True) == json.dumps(new, sort_keys=True)


def changes(old: Any, new: Any, path: str = "") -> list[Change]:
    """Every leaf that differs between ``old`` and ``new``, depth first, keys sorted."""
    if old is MISSING and new is MISSING:
        return []
    if SECRET_PLACEHOLDER in (old, new):
        if old == new:
            return []
        return [Change(path, SECRET_PLACEHOLDER if old is not MISSING else MISSING,
                       SECRET_PLACEHOLDER if new is not MISSING else MISSING, secret=True)]
    if old is not MISSING and new is not MISSING and _same(old, new):
        return []
    old_doc, new_doc = _document(old), _document(new)
    # Into two maps or two lists only: a value added or removed whole reads best whole.
    if isinstance(old_doc, dict) and isinstance(new_doc, dict):
        keys: list[str | int] = sorted(old_doc.keys() | new_doc.keys())
    elif isinstance(old_doc, list) and isinstance(new_doc, list):
        keys = list(range(max(len(old_doc), len(new_doc))))
    else:
        return [Change(path, old, new)]
    return [change for key in keys
            for change in changes(_at(old_doc, key), _at(new_doc, key), _join(path, key))]


def _at(value: Any, key: str | int) -> Any:
    if isinstance(value, Mapping):
        return value.get(key, MISSING) if isinstance(key, str) else MISSING
    if isinstance(value, list) and isinstance(key, int) and key < len(value):
        return value[key]
    return MISSING


def component_of(urn: str, states: Mapping[str, Mapping[str, Any]]) -> str:
    """The name of the top-level component ``urn`` sits in, by its document's parent chain.

    As in the cost estimate, a resource created directly in the stack (or whose chain the
    document does not hold) counts under ``(stack)``; a top-level component is its own.
    """
    while (state := states.get(urn)) is not None:
        parent = states.get(state.get("parent") or "")
        if parent is None:  # the stack itself, or a chain the document does not hold
            return STACK_LEVEL
        if parent.get("type") == STACK_TYPE:
            return STACK_LEVEL if state.get("custom") else urn.rsplit("::", 1)[-1]
        urn = state["parent"]
    return STACK_LEVEL


def compare(old_doc: Mapping[str, Any], new_doc: Mapping[str, Any]) -> Diff:
    """``old_doc`` and ``new_doc`` compared resource by resource (by URN)."""
    old, new = _states(old_doc), _states(new_doc)
    changed = []
    for urn in sorted(old.keys() & new.keys()):
        found = changes(old[urn].get("inputs") or {}, new[urn].get("inputs") or {})
        if found:
            changed.append((urn, tuple(found)))
    added = tuple(sorted(new.keys() - old.keys()))
    removed = tuple(sorted(old.keys() - new.keys()))
    tally: dict[str, list[int]] = {}
    for column, urns, states in ((0, added, new), (1, removed, old),
                                 (2, [urn for urn, _ in changed], new)):
        for urn in urns:
            tally.setdefault(component_of(urn, states), [0, 0, 0])[column] += 1
    return Diff(added=added, removed=removed, changed=tuple(changed),
                unchanged=len(old.keys() & new.keys()) - len(changed),
                by_component=tuple((name, *counts) for name, counts in sorted(tally.items())))


def _code(text: str) -> str:
    """``text`` as a Markdown code span, whatever backticks it holds."""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _shown(value: Any, secret: bool) -> str:
    if value is MISSING:
        return "(unset)"
    if secret:
        return _code(SECRET_PLACEHOLDER)
    if value == UNKNOWN:
        return "(unknown)"
    return _code(elide(json.dumps(value, ensure_ascii=False), VALUE_WIDTH))


def _listed(urns: Sequence[str]) -> list[str]:
    lines = [f"- {_code(urn)}" for urn in urns[:MAX_LISTED]]
    if len(urns) > MAX_LISTED:
        lines.append(f"- … and {len(urns) - MAX_LISTED} more")
    return lines


def _change_lines(found: Sequence[Change]) -> list[str]:
    lines = []
    for change in found[:MAX_INPUTS]:
        # Both sides set but only one masked: the value's secrecy changed, and neither is shown.
        one_sided = change.secret and change.old is not MISSING and change.new is not MISSING
        note = " (secret on one side only)" if one_sided else ""
        lines.append(f"  - {_code(change.path or '(all inputs)')}: "
                     f"{_shown(change.old, change.secret)} → "
                     f"{_shown(change.new, change.secret)}{note}")
    if len(found) > MAX_INPUTS:
        lines.append(f"  - … and {len(found) - MAX_INPUTS} more inputs")
    return lines


def markdown(diff: Diff, title: str) -> str:
    """The diff as a Markdown section headed ``title``: counts, then each list that is not empty."""
    counts = (f"{len(diff.added)} added, {len(diff.removed)} removed, "
              f"{len(diff.changed)} changed, {diff.unchanged} unchanged")
    lines = [f"### {title}: {counts}", ""]
    if not (diff.added or diff.removed or diff.changed):
        lines += ["No resource is added, removed or changed.", ""]
    if diff.by_component:
        lines += ["| component | added | removed | changed |", "|---|---:|---:|---:|"]
        lines += [f"| {name} | {a} | {r} | {c} |" for name, a, r, c in diff.by_component]
        lines.append("")
    for heading, urns in (("Added", diff.added), ("Removed", diff.removed)):
        if urns:
            lines += [f"**{heading}**", "", *_listed(urns), ""]
    if diff.changed:
        lines += ["**Changed** (inputs: old → new)", ""]
        shown = diff.changed[:MAX_LISTED]
        for urn, found in shown:
            lines += [f"- {_code(urn)}", *_change_lines(found)]
        if len(diff.changed) > MAX_LISTED:
            lines.append(f"- … and {len(diff.changed) - MAX_LISTED} more")
        lines.append("")
    return "\n".join(lines)


def unreadable_note(title: str, error: UnreadablePreviewError) -> str:
    """The one line printed instead of a diff when the saved preview cannot be used."""
    return f"### {title}: no diff ({error})\n"
