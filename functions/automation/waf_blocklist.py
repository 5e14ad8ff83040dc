"""The WAF block list: its IP set (changed under WAF's lock token) and its expiry record.

WAFv2 replaces an IP set's whole address list on ``UpdateIPSet`` and refuses the call with
``WAFOptimisticLockException`` when the ``LockToken`` from ``GetIPSet`` is stale (someone
changed the set in between): :func:`change` reads, changes and writes again, a few times
(https://docs.aws.amazon.com/waf/latest/APIReference/API_UpdateIPSet.html). When each address
expires is kept as one JSON object (address -> ISO time) in an SSM parameter beside the set.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

LOCK_ATTEMPTS = 5


class LockedError(RuntimeError):
    """The IP set kept changing under us for every attempt."""


def cidr(address: str) -> str:
    """``address`` (a bare IPv4 address or a CIDR) as WAF stores it: ``a.b.c.d/nn``."""
    network = ipaddress.ip_network(address.strip(), strict=False)
    if network.version != 4:
        raise ValueError(f"{address} is not IPv4: the block list is an IPV4 set")
    return str(network)


def change(waf: Any, *, name: str, set_id: str, scope: str, add: Iterable[str] = (),
           remove: Iterable[str] = ()) -> list[str]:
    """Add and remove addresses; returns the set's addresses after the change."""
    add, remove = set(add), set(remove)
    for _ in range(LOCK_ATTEMPTS):
        got = waf.get_ip_set(Name=name, Scope=scope, Id=set_id)
        current = set(got["IPSet"]["Addresses"])
        wanted = (current | add) - remove
        if wanted == current:
            return sorted(current)
        update: dict[str, Any] = {"Name": name, "Scope": scope, "Id": set_id,
                                  "Addresses": sorted(wanted), "LockToken": got["LockToken"]}
        if got["IPSet"].get("Description"):
            # Update replaces the set: a description left out would be dropped.
            update["Description"] = got["IPSet"]["Description"]
        try:
            waf.update_ip_set(**update)
        except waf.exceptions.WAFOptimisticLockException:
            continue  # changed since our read: read again
        return sorted(wanted)
    raise LockedError(f"IP set {name} changed under every one of {LOCK_ATTEMPTS} attempts")


def read_expiries(ssm: Any, parameter: str) -> dict[str, str]:
    """Address -> expiry (ISO 8601, UTC) from the parameter (empty when it holds none)."""
    value = ssm.get_parameter(Name=parameter)["Parameter"]["Value"]
    try:
        found = json.loads(value)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def write_expiries(ssm: Any, parameter: str, expiries: dict[str, str]) -> None:
    """Replace the parameter's record with ``expiries``."""
    ssm.put_parameter(Name=parameter, Value=json.dumps(dict(sorted(expiries.items()))),
                      Type="String", Overwrite=True)


def expired(expiries: dict[str, str], now: datetime) -> list[str]:
    """The addresses whose expiry is at or before ``now``."""
    return sorted(a for a, t in expiries.items()
                  if datetime.fromisoformat(t.replace("Z", "+00:00")) <= now)


def iso(moment: datetime) -> str:
    """``moment`` as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
