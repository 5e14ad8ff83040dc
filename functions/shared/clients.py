"""The one way a handler builds its boto3 clients: tuned for Lambda from the environment.

The Lambda block sets, for every function, timeouts below the function's own timeout and a
connection pool sized to the handler's threads:

===================================  ==========================================  =========
Variable                             Botocore ``Config`` field                   Unset
===================================  ==========================================  =========
``CLIENT_CONNECT_TIMEOUT_SECONDS``   ``connect_timeout``                         2
``CLIENT_READ_TIMEOUT_SECONDS``      ``read_timeout``                            5
``CLIENT_MAX_POOL_CONNECTIONS``      ``max_pool_connections``                    10
===================================  ==========================================  =========

TCP keep-alive (``tcp_keepalive``) is always on: a warm container keeps its connections, and
the probes find a peer that went away before a call hangs on it.

The retry mode and the number of attempts are not parsed here: botocore itself reads
``AWS_RETRY_MODE`` (``standard`` or ``adaptive``) and ``AWS_MAX_ATTEMPTS`` (attempts in all,
the first included) from the environment when a client's config names no ``retries``, and
the stack sets both. A site that owns its retries passes ``retries=...``, which wins.

Every client made here is tracked by :mod:`functions.shared.snapstart`, whose after-restore
hook drops its connections when a SnapStart function resumes from a snapshot.

Keyword overrides are ``Config`` fields and win over the environment (a single try, a longer
read); ``region_name`` and ``endpoint_url`` go to the client itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from botocore.config import Config

from functions.shared import snapstart

CONNECT_TIMEOUT = "CLIENT_CONNECT_TIMEOUT_SECONDS"
READ_TIMEOUT = "CLIENT_READ_TIMEOUT_SECONDS"
MAX_POOL_CONNECTIONS = "CLIENT_MAX_POOL_CONNECTIONS"

# Safe when a function (or a test) runs without the stack's variables: short enough that a
# dead endpoint fails inside the default 10 s function timeout.
DEFAULTS: Mapping[str, float] = {CONNECT_TIMEOUT: 2.0, READ_TIMEOUT: 5.0,
                                 MAX_POOL_CONNECTIONS: 10}

# Arguments of boto3.client/resource itself rather than of botocore's Config.
_CLIENT_ARGUMENTS = ("region_name", "endpoint_url")


def _positive(name: str, parse: Callable[[str], float], env: Mapping[str, str]) -> float:
    """The variable ``name`` as a positive number, or its default when unset or empty."""
    raw = env.get(name, "").strip()
    if not raw:
        return DEFAULTS[name]
    try:
        value = parse(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number") from None
    if not value > 0:
        raise ValueError(f"{name}={raw!r} must be greater than 0")
    return value


def config(env: Mapping[str, str] | None = None, **overrides: Any) -> Config:
    """The botocore ``Config`` from ``env`` (default: the process environment), overrides last.

    A bad value raises :class:`ValueError` naming the variable.
    """
    env = os.environ if env is None else env
    fields: dict[str, Any] = {
        "connect_timeout": _positive(CONNECT_TIMEOUT, float, env),
        "read_timeout": _positive(READ_TIMEOUT, float, env),
        "max_pool_connections": int(_positive(MAX_POOL_CONNECTIONS, int, env)),
        "tcp_keepalive": True,
    }
    fields.update(overrides)
    return Config(**fields)


def _split(overrides: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``overrides`` as (client arguments, ``Config`` fields)."""
    direct = {k: v for k, v in overrides.items() if k in _CLIENT_ARGUMENTS}
    fields = {k: v for k, v in overrides.items() if k not in _CLIENT_ARGUMENTS}
    return direct, fields


def client(service: str, **overrides: Any) -> Any:
    """A boto3 client of ``service`` with the stack's tuning; see the module docstring."""
    direct, fields = _split(overrides)
    return snapstart.track(boto3.client(service, config=config(**fields), **direct))


def resource(service: str, **overrides: Any) -> Any:
    """A boto3 resource of ``service`` with the stack's tuning; see the module docstring."""
    direct, fields = _split(overrides)
    return snapstart.track(boto3.resource(service, config=config(**fields), **direct))
