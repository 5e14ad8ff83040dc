"""How the boto3 clients of a function are tuned: the variables the Lambda block sets.

``functions/shared/clients.py`` reads them in the function; botocore itself reads the two
``AWS_`` ones.
"""

from __future__ import annotations

from collections.abc import Mapping

# How the boto3 clients of every function (functions/shared/clients.py) are tuned from its
# timeout T: connect within min(CONNECT_CAP, T x CONNECT_SHARE); read within what is left
# after the connect and READ_MARGIN (the handler's own work), between READ_FLOOR and
# READ_CAP. One call's connect + read thus stays below T; the pool holds one connection per
# thread the handler calls AWS from, and never fewer than botocore's default of 10.
CLIENT_TUNING: Mapping[str, float] = {
    "CONNECT_CAP": 2.0,
    "CONNECT_SHARE": 0.25,
    "READ_MARGIN": 1.0,
    "READ_FLOOR": 0.5,
    "READ_CAP": 20.0,
    "MIN_POOL": 10,
}
RETRY_MODES = ("standard", "adaptive")


def _seconds(value: float) -> str:
    """``value`` as an environment string: ``2`` rather than ``2.0``, ``0.75`` as it is."""
    return f"{value:g}"


def client_environment(timeout_seconds: int, *, threads: int = 1,
                       retry_mode: str = "standard", max_attempts: int = 3) -> dict[str, str]:
    """The variables ``functions/shared/clients.py`` tunes a function's boto3 clients from.

    Timeouts follow :data:`CLIENT_TUNING`; ``AWS_RETRY_MODE`` and ``AWS_MAX_ATTEMPTS`` are
    read by botocore itself. A retry mode botocore does not know, or fewer than one attempt
    or thread, is refused.
    """
    if retry_mode not in RETRY_MODES:
        raise ValueError(f"client retry mode {retry_mode!r}: use one of {', '.join(RETRY_MODES)}")
    if max_attempts < 1 or threads < 1:
        raise ValueError(f"client attempts ({max_attempts}) and threads ({threads}) must be >= 1")
    t = CLIENT_TUNING
    connect = min(t["CONNECT_CAP"], timeout_seconds * t["CONNECT_SHARE"])
    read = max(t["READ_FLOOR"], min(t["READ_CAP"], timeout_seconds - connect - t["READ_MARGIN"]))
    return {
        "CLIENT_CONNECT_TIMEOUT_SECONDS": _seconds(connect),
        "CLIENT_READ_TIMEOUT_SECONDS": _seconds(read),
        "CLIENT_MAX_POOL_CONNECTIONS": str(max(int(t["MIN_POOL"]), threads)),
        "AWS_RETRY_MODE": retry_mode,
        "AWS_MAX_ATTEMPTS": str(max_attempts),
    }
