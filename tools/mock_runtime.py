"""Run the real Pulumi program offline under Pulumi's mock runtime and record every resource.

One implementation serves the tests (``tests/conftest.py``), the offline preview
(``tools/preview.py``) and the benchmarks. The mocks return realistic outputs per resource
type (ARNs, ids, names, endpoints) so code that derives values from outputs runs as it would
against the engine.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import runpy
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import resource as pulumi_resource
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.stack import wait_for_rpcs
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from tools.mock_outputs import fake_call, fake_outputs

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "marketplace"
ACCOUNT_ID = "123456789012"
SECRET_PLACEHOLDER = "[secret]"


@dataclass
class Resource:
    """One registered resource as the engine would see it."""

    type: str
    name: str
    urn: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    parent: str
    provider: str
    custom: bool
    dependencies: tuple[str, ...] = ()
    property_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # The ignoreChanges option as the engine receives it (property paths).
    ignore_changes: tuple[str, ...] = ()

    @property
    def region(self) -> str | None:
        """The region of the resource's explicit provider, if recorded."""
        return self.outputs.get("__region")


@dataclass
class Registry:
    """Every resource a program registered, with lookups by type, name and parent."""

    resources: list[Resource] = field(default_factory=list)
    exports: dict[str, Any] = field(default_factory=dict)
    secret_exports: set[str] = field(default_factory=set)
    stack_urn: str = ""

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources)

    def __len__(self) -> int:
        return len(self.resources)

    def by_type(self, type_: str) -> list[Resource]:
        """All resources of a type token, e.g. ``aws:lambda/function:Function``."""
        return [r for r in self.resources if r.type == type_]

    def by_name(self, name: str) -> Resource:
        """The one resource with this logical name."""
        found = [r for r in self.resources if r.name == name]
        if len(found) != 1:
            raise KeyError(f"{len(found)} resources named {name!r}")
        return found[0]

    def named(self, type_: str, name: str) -> Resource:
        """The one resource of ``type_`` called ``name``."""
        found = [r for r in self.by_type(type_) if r.name == name]
        if len(found) != 1:
            raise KeyError(f"{len(found)} resources of {type_} named {name!r}")
        return found[0]

    def children(self, parent: Resource | str) -> list[Resource]:
        """Direct children of a resource (or URN)."""
        urn = parent if isinstance(parent, str) else parent.urn
        return [r for r in self.resources if r.parent == urn]

    def descendants(self, parent: Resource | str) -> list[Resource]:
        """Every resource below ``parent`` in the tree."""
        out: list[Resource] = []
        for child in self.children(parent):
            out.append(child)
            out.extend(self.descendants(child))
        return out

    def by_urn(self, urn: str) -> Resource:
        """The resource with this URN."""
        for r in self.resources:
            if r.urn == urn:
                return r
        raise KeyError(urn)

    def provider_of(self, resource: Resource) -> Resource | None:
        """The explicit provider resource a custom resource uses, or None for the default."""
        if not resource.provider:
            return None
        urn = resource.provider.rsplit("::", 1)[0]
        try:
            return self.by_urn(urn)
        except KeyError:
            return None


class RecordingMocks(pulumi_mocks.Mocks):
    """Pulumi mocks that record every resource and answer with realistic outputs."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.pending_parent: list[str] = []
        self.provider_regions: dict[str, str] = {}

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        region = self._region(args.provider)
        if args.typ.startswith("pulumi:providers:"):
            region = args.inputs.get("region", region)
        resource_id, outputs = fake_outputs(args.typ, args.name, args.inputs, region, ACCOUNT_ID)
        return resource_id, outputs

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict[str, Any], list | None]:
        return fake_call(args.token, args.args, self._region(args.provider), ACCOUNT_ID), []

    def _region(self, provider_ref: str | None) -> str:
        if provider_ref:
            urn = provider_ref.rsplit("::", 1)[0]
            if urn in self.provider_regions:
                return self.provider_regions[urn]
        return os.environ.get("AWS_REGION", "us-east-1")


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A mock monitor that also keeps the parent URN and provider of each registration."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.recorder = mocks
        # The event loop the base monitor makes for each worker thread it is called on.
        self.thread_loops: set[asyncio.AbstractEventLoop] = set()

    def _note_thread_loop(self) -> None:
        self.thread_loops.add(_ensure_event_loop())

    def close_thread_loops(self) -> None:
        """Close the worker threads' loops once the threads are done with them."""
        for loop in self.thread_loops:
            if not loop.is_running() and not loop.is_closed():
                loop.close()
        self.thread_loops.clear()

    def Invoke(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        response = super().Invoke(request)
        self._note_thread_loop()
        return response

    def ReadResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        response = super().ReadResource(request)
        self._note_thread_loop()
        return response

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        self._note_thread_loop()
        if request.type == "pulumi:pulumi:Stack":
            self.recorder.registry.stack_urn = response.urn
            return response
        registration = self.resources[response.urn]
        state = dict(registration.state)
        inputs = pulumi.runtime.rpc.deserialize_properties(request.object)
        if request.type.startswith("pulumi:providers:"):
            self.recorder.provider_regions[response.urn] = inputs.get("region", "")
        region = self.recorder._region(request.provider) if request.custom else None
        if request.type.startswith("pulumi:providers:"):
            region = inputs.get("region")
        if region:
            state["__region"] = region
        self.recorder.registry.resources.append(Resource(
            type=request.type,
            name=request.name,
            urn=response.urn,
            id=registration.id or "",
            inputs=_plain(inputs),
            outputs=_plain(state),
            parent=request.parent,
            provider=request.provider,
            custom=bool(request.custom),
            dependencies=tuple(request.dependencies),
            property_dependencies={key: tuple(deps.urns) for key, deps
                                   in request.propertyDependencies.items()},
            ignore_changes=tuple(request.ignoreChanges),
        ))
        return response


def _plain(value: Any) -> Any:
    """Turn deserialized property values into plain JSON-able Python values."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, pulumi.asset.Archive | pulumi.asset.Asset):
        members = getattr(value, "assets", {}) or {}
        plain: dict[str, Any] = {"__asset": type(value).__name__,
                                 "path": getattr(value, "path", None), "assets": sorted(members)}
        # A file the program writes into a package (a Lambda@Edge function's settings, which
        # stand in for the environment it cannot have) is content the checks must read.
        texts = {name: member.text for name, member in members.items()
                 if isinstance(member, pulumi.StringAsset)}
        if texts:
            plain["texts"] = texts
        return plain
    return value


def stack_file(stack: str) -> Path:
    """The stack's settings file, ``Pulumi.<stack>.yaml`` at the project root."""
    return ROOT / f"Pulumi.{stack}.yaml"


def config_from_file(path: Path) -> tuple[dict[str, str], list[str]]:
    """Read a stack file the way the Pulumi CLI hands it to a program.

    Values become strings (lists and maps as JSON); ``secure:`` values cannot be decrypted
    offline and become a placeholder, marked secret, and so do secrets Pulumi.yaml declares
    that the file does not set.
    """
    document = yaml.safe_load(path.read_text()) or {}
    if not isinstance(document, dict):
        raise ValueError(f"{path.name}: not a mapping of settings")
    values = document.get("config") or {}
    if not isinstance(values, dict):
        raise ValueError(f"{path.name}: 'config' is not a mapping")
    config: dict[str, str] = {}
    secrets: list[str] = []
    for key, value in values.items():
        full = key if ":" in key else f"{PROJECT}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            config[full] = SECRET_PLACEHOLDER
            secrets.append(full)
        else:
            config[full] = _as_config_text(value)
    # The CLI hands Pulumi.yaml defaults to the program for keys the stack file leaves out.
    for key, value in declared_defaults().items():
        if key not in config:
            config[key] = _as_config_text(value)
    # The program's own defaults tell a required secret (None) from an optional one ("").
    from components.config import declared_defaults as program_defaults  # noqa: PLC0415
    fallbacks = program_defaults()
    for key in declared_secrets():
        if key not in config:
            # Each stack sets its secrets with `pulumi config set --secret` (or ESC), which
            # cannot be decrypted offline: a required one becomes a placeholder so the program
            # previews without anyone's credentials, an optional one reads as unset.
            fallback = fallbacks.get(key)
            config[key] = SECRET_PLACEHOLDER if fallback is None else str(fallback)
            secrets.append(key)
    return config, secrets


def _as_config_text(value: Any) -> str:
    """A config value as the program receives it: scalars as text, lists and maps as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return "" if value is None else str(value)


def _project_config() -> dict[str, Any]:
    return _parsed_project_config((ROOT / "Pulumi.yaml").read_text())


@functools.cache
def _parsed_project_config(text: str) -> dict[str, Any]:
    # Pulumi.yaml's config block is some 2,000 lines and read on every preview: libyaml's
    # loader, where the build has it, and once per content, not once per call.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    project = yaml.load(text, Loader=loader) or {}
    return project.get("config") or {}


def declared_defaults() -> dict[str, Any]:
    """Defaults Pulumi.yaml declares, by namespaced key."""
    return {f"{PROJECT}:{key}": spec["default"] for key, spec in _project_config().items()
            if isinstance(spec, dict) and "default" in spec}


def declared_secrets() -> list[str]:
    """Keys Pulumi.yaml declares ``secret: true``, with their namespace."""
    return [f"{PROJECT}:{key}" for key, spec in _project_config().items()
            if isinstance(spec, dict) and spec.get("secret")]


def _reset_runtime() -> None:
    pulumi_settings.SETTINGS.rpc_manager.clear()
    pulumi_settings.SETTINGS.outputs.clear()
    pulumi_settings.reset_options()


@contextmanager
def _without_engine_extras() -> Iterator[None]:
    """Skip, while the mocks run, the two things the SDK makes for the engine that no mock reads.

    The SDK walks and formats the whole Python stack for every resource it registers, so that
    the engine can point at the line that made it, and it sends debug lines about each one as
    tasks of their own. Together they are about a sixth of a run's time. Info, warnings and
    errors are still logged.
    """
    saved_trace = getattr(pulumi_resource, "_get_stack_trace", None)
    saved_debug = pulumi.log.debug
    if saved_trace is not None:  # a later SDK may not have the hook: nothing to skip then
        pulumi_resource._get_stack_trace = source_pb2.StackTrace
    pulumi.log.debug = _no_debug
    try:
        yield
    finally:
        if saved_trace is not None:
            pulumi_resource._get_stack_trace = saved_trace
        pulumi.log.debug = saved_debug


def _no_debug(*_args: Any, **_kwargs: Any) -> None:
    return None


def run(
    stack: str,
    config: Mapping[str, str] | None = None,
    secret_keys: list[str] | None = None,
    program: Callable[[], None] | None = None,
    *,
    config_file: Path | None = None,
) -> Registry:
    """Run ``program`` (default: the project's ``__main__.py``) for ``stack`` under mocks.

    Config comes from ``config`` or from ``config_file`` (default: ``Pulumi.<stack>.yaml``).
    Raises what the program raises (a ``ConfigError`` for a bad stack file).
    """
    if config is None:
        config, secret_keys = config_from_file(config_file or stack_file(stack))
    registry = Registry()
    mocks = RecordingMocks(registry)
    monitor = RecordingMonitor(mocks)
    _reset_runtime()
    pulumi_mocks.set_mocks(mocks, project=PROJECT, stack=stack, preview=True, monitor=monitor)
    pulumi.runtime.set_all_config(dict(config), list(secret_keys or []))
    root = pulumi_settings.get_root_resource()
    # The SDK calls the monitor from worker threads, and the mock monitor gives each worker
    # thread an event loop. A pool per run, shut down at the end, lets those loops be closed
    # here rather than at interpreter exit, where closing them can fail with a spurious
    # "Exception ignored ... Invalid file descriptor" traceback after a successful preview.
    executor = ThreadPoolExecutor(thread_name_prefix="pulumi-mock")
    _ensure_event_loop().set_default_executor(executor)
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        with _without_engine_extras():
            if program is None:
                runpy.run_path(str(ROOT / "__main__.py"), run_name="__pulumi_program__")
            else:
                program()
            _sync_await(wait_for_rpcs())
        registry.exports, registry.secret_exports = _collect_exports(root)
    finally:
        os.chdir(cwd)
        _reset_runtime()
        executor.shutdown(wait=True)
        monitor.close_thread_loops()
    return registry


def _collect_exports(root: Any) -> tuple[dict[str, Any], set[str]]:
    """The stack's exported values, and which of them are secret (so a display can mask them)."""
    outputs = getattr(root, "outputs", None) or {}
    exports: dict[str, Any] = {}
    secrets: set[str] = set()
    for key, value in outputs.items():
        output = pulumi.Output.from_input(value)
        exports[key] = _sync_await(output.future())
        if _sync_await(output.is_secret()):
            secrets.add(key)
    return exports, secrets
