"""The ``pulumi preview --json`` document for a recorded run: one ``create`` step per resource.

Pulumi's shape is kept (``display.PreviewDigest`` with ``display.PreviewStep`` steps, whose
``newState`` is an ``apitype.ResourceV3``; pkg/display/json.go and sdk/go/common/apitype in
pulumi/pulumi), including which empty fields are left out, so tools that read the CLI's
preview JSON read this one. Like the CLI, the stack itself, providers and components are
steps too, secret values are shown as ``[secret]`` and unknown values as Pulumi's unknown
sentinel. docs/preview-and-bench.md lists what still differs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pulumi.runtime.rpc import UNKNOWN, is_rpc_secret

from tools.mock_runtime import ROOT, SECRET_PLACEHOLDER, Registry, Resource

STACK_TYPE = "pulumi:pulumi:Stack"


def masked(value: Any) -> Any:
    """``value`` as plain JSON data with every secret replaced by ``[secret]``.

    Asset paths are made relative to the project so a preview document is the same on every
    machine.
    """
    if is_rpc_secret(value):
        return SECRET_PLACEHOLDER
    if isinstance(value, Mapping):
        out = {k: masked(v) for k, v in value.items()}
        if "__asset" in out and isinstance(out.get("path"), str):
            out["path"] = _relative(out["path"])
        return out
    if isinstance(value, list | tuple):
        return [masked(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    # pulumi.output.Unknown and anything else the engine could not know at preview time.
    return UNKNOWN


def _relative(path: str) -> str:
    try:
        return Path(path).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path


def stack_step(registry: Registry) -> dict[str, Any]:
    """The create step of the stack resource itself, the root of every parent chain.

    Like the CLI's, its state has no ``parent`` and no ``inputs``: Go's ``omitempty`` drops
    the empty URN and the empty map.
    """
    return {
        "op": "create",
        "urn": registry.stack_urn,
        "newState": {"urn": registry.stack_urn, "custom": False, "type": STACK_TYPE},
        "detailedDiff": None,
    }


def resource_step(resource: Resource) -> dict[str, Any]:
    """The create step of one recorded resource, its fields in ``apitype.ResourceV3`` order.

    ``dependencies`` and ``propertyDependencies`` are what the engine stores from the
    registration (``source_eval.go``): the dependency URNs as a set, and for every input
    property the URNs it depends on, ``[]`` for none. Sets have no order in the engine; here
    they are sorted so a document is the same on every run. ``detailedDiff`` is ``null``, as
    on every create in the CLI's document (the field has no ``omitempty``).
    """
    state: dict[str, Any] = {"urn": resource.urn, "custom": resource.custom,
                             "type": resource.type}
    inputs = masked(resource.inputs)
    if inputs:
        state["inputs"] = inputs
    if resource.parent:
        state["parent"] = resource.parent
    if resource.dependencies:
        state["dependencies"] = sorted(set(resource.dependencies))
    if resource.provider:
        state["provider"] = resource.provider
    by_property = {key: sorted(set(resource.property_dependencies.get(key, ())))
                   for key in {*resource.inputs, *resource.property_dependencies}}
    if by_property:
        state["propertyDependencies"] = dict(sorted(by_property.items()))
    if resource.ignore_changes:
        state["ignoreChanges"] = list(resource.ignore_changes)
    step: dict[str, Any] = {"op": "create", "urn": resource.urn}
    if resource.provider:
        step["provider"] = resource.provider
    step["newState"] = state
    step["detailedDiff"] = None
    return step


def document(registry: Registry, config: Mapping[str, str], secret_keys: set[str],
             duration_ns: int) -> dict[str, Any]:
    """The whole preview document for a run of ``registry`` with ``config``.

    ``diagnostics`` is left out: the CLI omits it when empty, and the mocks emit none.
    """
    steps = [stack_step(registry), *(resource_step(r) for r in registry)]
    return {
        "config": {k: SECRET_PLACEHOLDER if k in secret_keys else v
                   for k, v in sorted(config.items())},
        "steps": steps,
        "duration": duration_ns,
        "changeSummary": {"create": len(steps)},
    }
