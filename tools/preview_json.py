"""The ``pulumi preview --json`` document for a recorded run: one ``create`` step per resource.

Pulumi's shape is kept (``config``, ``steps[].op/urn/provider/newState``, ``diagnostics``,
``duration``, ``changeSummary``) so tools that read the CLI's preview JSON read this one.
Like the CLI, the stack itself, providers and components are steps too, secret values are
shown as ``[secret]`` and unknown values as Pulumi's unknown sentinel.
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
    """The create step of the stack resource itself, the root of every parent chain."""
    return {
        "op": "create",
        "urn": registry.stack_urn,
        "newState": {"type": STACK_TYPE, "urn": registry.stack_urn, "custom": False,
                     "parent": "", "inputs": {}},
    }


def resource_step(resource: Resource) -> dict[str, Any]:
    """The create step of one recorded resource."""
    state: dict[str, Any] = {
        "type": resource.type,
        "urn": resource.urn,
        "custom": resource.custom,
        "parent": resource.parent,
        "inputs": masked(resource.inputs),
    }
    step: dict[str, Any] = {"op": "create", "urn": resource.urn, "newState": state}
    if resource.provider:
        state["provider"] = resource.provider
        step["provider"] = resource.provider
    return step


def document(registry: Registry, config: Mapping[str, str], secret_keys: set[str],
             duration_ns: int) -> dict[str, Any]:
    """The whole preview document for a run of ``registry`` with ``config``."""
    steps = [stack_step(registry), *(resource_step(r) for r in registry)]
    return {
        "config": {k: SECRET_PLACEHOLDER if k in secret_keys else v
                   for k, v in sorted(config.items())},
        "steps": steps,
        "diagnostics": [],
        "duration": duration_ns,
        "changeSummary": {"create": len(steps)},
    }
