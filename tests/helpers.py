"""Helpers the tests share: running the program or a piece of it under the recording mocks."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from components.config import LambdaDefaults, PlatformConfig, build
from policy.plan import Plan
from policy.rules import Subject
from tools.mock_runtime import Registry, config_from_file, run, stack_file
from tools.plans import plan_of

STACKS = ("dev", "prod")
# One dev run with every optional feature the "off" tests look at turned off: each of those
# tests asserts only on its own feature's absence, so they can share one whole-stack run.
DEV_FEATURES_OFF: dict[str, Any] = {
    "alertPathWatch": "false", "alertPathEmails": "[]", "dataEvents": "off",
    "pagerDutyRoutingKey": None, "slackWebhookUrls": None, "rumEnabled": "false",
    "cloudflareTieredCacheTopology": "off",
}
API_CLIENTS_LAYER = "arn:aws:lambda:us-east-1:123456789012:layer:api-clients:3"
# One dev run with the optional features the "on" tests look at switched on, for the same
# reason: each of those tests asserts only on its own feature, with the values given here.
DEV_FEATURES_ON: dict[str, Any] = {
    # Client tuning follows the shards and the timeout (tests/components/blocks).
    "categoryShards": 16, "lambdaTimeoutSeconds": 3,
    # Memory sizes pasted by `make tune` (tests/tools/test_tune.py).
    "apiMemoryMb": 256, "lambdaFunctionMemoryMb": ["streamProcessor=128"],
    # Regional Tiered Cache, on Enterprise under the smart topology (tests/components/edge).
    "cloudflarePlan": "enterprise", "cloudflareRegionalTieredCache": True,
    # The Valkey app cache (tests/components/backend).
    "appCacheEnabled": True, "apiClientsLayerArn": API_CLIENTS_LAYER,
    # Chatbot (critical only), routing secrets given in config, the Slack app with its
    # secrets, the account baseline owned with GuardDuty off (tests/components/alerting and
    # security).
    "chatbotSlackTeamId": "T0123ABCDE", "chatbotSlackChannelId": "C0123ABCDE",
    "chatbotSeverities": ["critical"], "pagerDutyRoutingKey": "pd-key",
    "slackWebhookUrls": '{"dev-alerts": "https://hooks.slack.com/x"}',
    "slackDelivery": "app", "slackBotToken": "xoxb-1-2-abc",
    "slackSigningSecret": "8f742231b10e8888abcd99yyyzzz85a5",
    "ownsAccountBaseline": True, "guardDutyEnabled": False,
}
# dev outside us-east-1 with the Lambda@Edge image function on python3.14, so that the region
# of each key, alarm, topic and log group and the edge runtime fallback show, and on Cloudflare
# Enterprise with the generic tiered-cache topology (which Regional Tiered Cache, on above,
# cannot join): one run for the edge tests that need either.
DEV_EU_ENTERPRISE: dict[str, Any] = {
    "aws:region": "eu-west-1", "edgeImageVariants": True, "lambdaRuntime": "python3.14",
    "cloudflarePlan": "enterprise", "cloudflareTieredCacheTopology": "generic",
}
# One prod run with its optional features switched the other way: RUM and the compliance
# report off and other Security Hub standards, and what both stacks leave off (real-time edge
# logs, the app cache, InfluxDB for the time series) on, for the cost tests.
PROD_FEATURES_SWITCHED: dict[str, Any] = {
    "rumEnabled": "false", "complianceReportEnabled": False,
    "securityHubStandards": ["cis", "nist-800-53", "cis-1.4"],
    "edgeRealtimeLogs": True, "appCacheEnabled": True, "analyticsTimeseries": "influxdb",
    "analyticsInfluxPassword": "correct-horse-battery-1",
}


@cache
def stack_config(stack: str) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """The stack file's config as the CLI would pass it (hashable, for caching)."""
    config, secrets = config_from_file(stack_file(stack))
    return tuple(sorted(config.items())), tuple(secrets)


def config_of(stack: str, **overrides: Any) -> dict[str, str]:
    """The stack file's raw config with ``overrides`` (short keys) applied."""
    config = dict(stack_config(stack)[0])
    for key, value in overrides.items():
        full = key if ":" in key else f"marketplace:{key}"
        if value is None:
            config.pop(full, None)
        elif isinstance(value, bool):
            config[full] = "true" if value else "false"
        elif isinstance(value, list | dict):
            config[full] = json.dumps(value)
        else:
            config[full] = str(value)
    return config


def shared_dir(run_id: str | None = None) -> Path | None:
    """A folder the xdist workers of one run share, or None outside xdist."""
    run_id = run_id or os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not run_id:
        return None
    folder = Path(tempfile.gettempdir()) / f"marketplace-tests-{run_id}"
    folder.mkdir(exist_ok=True)
    return folder


def _shared_run(key: str, compute: Callable[[], Registry]) -> Registry:
    """``compute()`` once per test run: the first worker to ask runs it, the others read it.

    A whole-stack run takes seconds; sharing it (a pickle behind a file lock) spares every
    other worker the same run. Outside xdist the callers' in-process caches are enough.
    """
    folder = shared_dir()
    if folder is None:
        return compute()
    saved = folder / f"{key}.pickle"
    with (folder / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # waits while another worker is running the same
        if saved.exists():
            return pickle.loads(saved.read_bytes())
        registry = compute()
        partial = saved.with_suffix(".partial")
        partial.write_bytes(pickle.dumps(registry))
        partial.replace(saved)
        return registry


@cache
def _stack(stack: str) -> Registry:
    config, secrets = stack_config(stack)
    return _shared_run(stack, lambda: run(stack, dict(config), list(secrets)))


@cache
def _variant(stack: str, config: tuple[tuple[str, str], ...]) -> Registry:
    key = f"{stack}-" + hashlib.sha256(repr(config).encode()).hexdigest()[:16]
    _config, secrets = stack_config(stack)
    return _shared_run(key, lambda: run(stack, dict(config), list(secrets)))


def warm_stack_for_worker(worker_id: str) -> None:
    """Run one stack per xdist worker at start, so the workers run different stacks at once."""
    if worker_id.startswith("gw") and worker_id[2:].isdigit():
        _stack(STACKS[int(worker_id[2:]) % len(STACKS)])


def stack_registry(stack: str) -> Registry:
    """The whole program run for ``stack`` (once per test process)."""
    return _stack(stack)


def run_program(stack: str = "dev", program: Callable[[], None] | None = None,
                **overrides: Any) -> Registry:
    """Run the program (or ``program``) for ``stack`` with config ``overrides``.

    A whole-stack run is shared by every test (and worker) that asks for the same config.
    """
    if program is None:
        if not overrides:
            return _stack(stack)
        return _variant(stack, tuple(sorted(config_of(stack, **overrides).items())))
    _config, secrets = stack_config(stack)
    return run(stack, config_of(stack, **overrides), list(secrets), program)


def dev_features_off() -> Registry:
    """The dev stack with :data:`DEV_FEATURES_OFF` (one run shared by the "off" tests)."""
    return run_program("dev", **DEV_FEATURES_OFF)


def dev_features_on() -> Registry:
    """The dev stack with :data:`DEV_FEATURES_ON` (one run shared by the "on" tests)."""
    return run_program("dev", **DEV_FEATURES_ON)


def prod_features_switched() -> Registry:
    """The prod stack with :data:`PROD_FEATURES_SWITCHED` (one run those tests share)."""
    return run_program("prod", **PROD_FEATURES_SWITCHED)


def platform(stack: str = "dev") -> PlatformConfig:
    """The validated platform section of a stack file."""
    return build(dict(stack_config(stack)[0]), project="marketplace", stack=stack).platform


def lambda_defaults(stack: str = "dev") -> LambdaDefaults:
    """The validated Lambda defaults of a stack file."""
    return build(dict(stack_config(stack)[0]), project="marketplace", stack=stack).lambdas


def subjects(registry: Registry) -> list[Subject]:
    """Every custom resource of a run, as policy rules see it."""
    out = []
    for r in registry:
        if not r.custom or r.type.startswith("pulumi:providers:"):
            continue
        provider = registry.provider_of(r)
        out.append(Subject(type=r.type, name=r.name, props=r.inputs,
                           provider_props=provider.inputs if provider else {}))
    return out


def plan(registry: Registry) -> Plan:
    """Every custom resource of a run as the stack rules see it (what the engine would send)."""
    return plan_of(registry)


def policy_document(value: Any) -> Mapping[str, Any]:
    """A policy input as a dict, whether it was sent as JSON text or as an object."""
    return json.loads(value) if isinstance(value, str) else value
