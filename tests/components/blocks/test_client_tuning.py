"""Every function's boto3 clients get timeouts below its own, keep-alive pools and retries."""

from __future__ import annotations

import pytest

from components.blocks.client_tuning import client_environment
from tests.helpers import dev_features_on, stack_registry
from tools.mock_runtime import Registry

FUNCTION = "aws:lambda/function:Function"
NAMES = ("CLIENT_CONNECT_TIMEOUT_SECONDS", "CLIENT_READ_TIMEOUT_SECONDS",
         "CLIENT_MAX_POOL_CONNECTIONS", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS")


def _tuning(registry: Registry, suffix: str) -> tuple[str, ...]:
    [fn] = [r for r in registry.by_type(FUNCTION) if r.name.endswith(f"-{suffix}-function")]
    env = fn.inputs["environment"]["variables"]
    return tuple(env[name] for name in NAMES)


@pytest.mark.parametrize(("timeout", "connect", "read"), [
    (1, "0.25", "0.5"),    # read floor; 0.75 s of the 1 s
    (3, "0.75", "1.25"),   # a quarter to connect, a second of margin
    (10, "2", "7"),        # connect capped at 2 s
    (60, "2", "20"),       # read capped at 20 s
    (900, "2", "20"),
])
def test_timeouts_from_the_function_timeout(timeout: int, connect: str, read: str) -> None:
    env = client_environment(timeout)
    assert (env["CLIENT_CONNECT_TIMEOUT_SECONDS"], env["CLIENT_READ_TIMEOUT_SECONDS"]) == (
        connect, read)


def test_pool_follows_the_threads_and_retries_are_passed_on() -> None:
    assert client_environment(10)["CLIENT_MAX_POOL_CONNECTIONS"] == "10"
    assert client_environment(10, threads=8)["CLIENT_MAX_POOL_CONNECTIONS"] == "10"
    env = client_environment(10, threads=16, retry_mode="adaptive", max_attempts=5)
    assert (env["CLIENT_MAX_POOL_CONNECTIONS"], env["AWS_RETRY_MODE"],
            env["AWS_MAX_ATTEMPTS"]) == ("16", "adaptive", "5")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"retry_mode": "legacy"}, "client retry mode 'legacy': use one of standard, adaptive"),
    ({"max_attempts": 0}, r"client attempts \(0\) and threads \(1\) must be >= 1"),
    ({"threads": 0}, r"client attempts \(3\) and threads \(0\) must be >= 1"),
])
def test_bad_tuning_is_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        client_environment(10, **kwargs)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_function_of_the_stack_is_tuned_below_its_timeout(stack: str) -> None:
    functions = stack_registry(stack).by_type(FUNCTION)
    assert len(functions) >= 6
    for fn in functions:
        if (fn.inputs.get("tags") or {}).get("lambda-placement") == "edge":
            # Lambda@Edge takes no environment: its handler passes its own retries and runs on
            # clients.py's defaults (2 s + 5 s, inside its 30 s).
            assert "environment" not in fn.inputs, fn.name
            assert fn.inputs["timeout"] == 30, fn.name
            continue
        env = fn.inputs["environment"]["variables"]
        connect = float(env["CLIENT_CONNECT_TIMEOUT_SECONDS"])
        read = float(env["CLIENT_READ_TIMEOUT_SECONDS"])
        assert connect > 0, fn.name
        assert read > 0, fn.name
        assert connect + read < fn.inputs["timeout"], fn.name
        assert int(env["CLIENT_MAX_POOL_CONNECTIONS"]) >= 10, fn.name
        assert env["AWS_RETRY_MODE"] in ("standard", "adaptive"), fn.name
        assert int(env["AWS_MAX_ATTEMPTS"]) >= 1, fn.name


def test_literal_tuning_of_two_functions() -> None:
    registry = stack_registry("dev")
    # 10 s default timeout; 60 s cache purger.
    assert _tuning(registry, "api") == ("2", "7", "10", "standard", "3")
    assert _tuning(registry, "cache-purger") == ("2", "20", "10", "standard", "3")


def test_the_api_pool_matches_its_shard_threads() -> None:
    registry = dev_features_on()  # categoryShards: 16, lambdaTimeoutSeconds: 3
    assert _tuning(registry, "api") == ("0.75", "1.25", "16", "standard", "3")
    assert _tuning(registry, "post-confirmation") == ("0.75", "1.25", "10", "standard", "3")
