"""SnapStart restore hooks: what a handler made during init is made fresh after a restore.

With SnapStart (``lambdaColdStart``: ``snapstart``) Lambda runs the init once, when a version
is published, and resumes every new execution environment from a snapshot of it. Whatever
the init left in memory is then shared by every environment and may be minutes or days old
(https://docs.aws.amazon.com/lambda/latest/dg/snapstart-uniqueness.html,
https://docs.aws.amazon.com/lambda/latest/dg/snapstart-best-practices.html):

- open network connections (the boto3 clients' urllib3 pools, a Valkey or DAX client's
  sockets) point at peers that closed them long ago;
- the ``random`` module's state is the same in every restored environment.

:func:`restore` deals with both: it re-seeds ``random`` from the OS, closes the connection
pool of every client :mod:`functions.shared.clients` made (the client object stays, the next
call opens a new connection with the credentials botocore refreshes) and runs every callable
a handler gave :func:`after_restore` (the API drops its Valkey pool and re-creates its DAX
client). ``uuid.uuid4`` and ``secrets`` read the OS on every call, so they need nothing.

The hook goes through AWS's runtime hooks library, ``snapshot_restore_py``
(``register_after_restore``), built into the Lambda Python runtime; it runs only after a
restore, and works beside Powertools (its Logger, Tracer and Metrics hold no connections).
Where the library is not importable (tests without it, a runtime without it) importing this
module registers nothing and costs nothing, and :func:`restore` can still be called directly.
"""

from __future__ import annotations

import logging
import random
import weakref
from collections.abc import Callable
from typing import Any

LOG = logging.getLogger(__name__)

# Clients made by functions.shared.clients: weak, so a client a handler drops is not kept.
_clients: weakref.WeakSet[Any] = weakref.WeakSet()
_hooks: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []


def track(client: Any) -> Any:
    """Remember a boto3 client (or resource) so a restore drops its connections; returns it."""
    _clients.add(client)
    return client


def after_restore(hook: Callable[..., Any], *args: Any) -> Callable[..., Any]:
    """Run ``hook(*args)`` after every restore, in registration order; returns ``hook``."""
    _hooks.append((hook, args))
    return hook


def _http_session(client: Any) -> Any:
    """The botocore HTTP session of a client, or of a resource's client (None if neither)."""
    meta = getattr(client, "meta", None)
    inner = getattr(meta, "client", None) if meta is not None else None
    endpoint = getattr(inner if inner is not None else client, "_endpoint", None)
    return getattr(endpoint, "http_session", None)


def restore() -> int:
    """Re-seed ``random``, drop every tracked client's pool, run the hooks; clients dropped.

    Every hook runs even when one fails; the first failure is raised after the last one, so
    Lambda reports the restore as failed instead of serving from a half-restored init.
    """
    random.seed()
    dropped = 0
    for client in list(_clients):
        session = _http_session(client)
        if session is not None:
            session.close()  # urllib3 pools cleared; the next call connects anew
            dropped += 1
    failures: list[BaseException] = []
    for hook, args in _hooks:
        try:
            hook(*args)
        except Exception as error:  # every hook runs; the first failure is re-raised
            LOG.exception("after-restore hook %s failed", getattr(hook, "__name__", hook))
            failures.append(error)
    if failures:
        raise failures[0]
    return dropped


def _register() -> bool:
    """Register :func:`restore` with the runtime hooks library when it is importable."""
    try:
        from snapshot_restore_py import register_after_restore  # noqa: PLC0415
    except ImportError:
        return False
    register_after_restore(restore)
    return True


REGISTERED = _register()
