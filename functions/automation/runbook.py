"""What every automation script shares: reading its inputs, and its audit record.

An Automation ``Boolean`` parameter reaches the script as a bool, but a value an EventBridge
input transformer passed along may arrive as the text ``"true"``; :func:`flag` reads both.
Every run, dry or not, ends in one audit record (``admin_action``, ``actor: automation``) in
the stack's audit log group, written through :mod:`functions.shared.audit`, so the metric
filters and alarms on that group see automated actions like any other admin action.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from functions.shared import audit, clients

logger = logging.getLogger("automation")
logger.setLevel(logging.INFO)
# executeScript does not retry throttled calls for the script: botocore's standard mode does.
RETRIES = {"mode": "standard", "max_attempts": 5}
_log_clients: dict[str, Any] = {}


class InputError(ValueError):
    """An input the runbook cannot act on; the message names it."""


def flag(value: Any) -> bool:
    """A Boolean parameter as the script receives it (bool, or ``"true"``/``"false"``)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise InputError(f"DryRun is {value!r}, not true or false")


def required(events: Mapping[str, Any], name: str) -> str:
    """The non-empty text input ``name``; :class:`InputError` names it when missing."""
    value = events.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"input {name} is missing or empty")
    return value.strip()


def _logs(region: str | None) -> Any:
    key = region or ""
    if key not in _log_clients:
        _log_clients[key] = clients.client("logs", retries=RETRIES,
                                           **({"region_name": region} if region else {}))
    return _log_clients[key]


def record(events: Mapping[str, Any], *, runbook: str, action: str, target: str,
           dry_run: bool, outcome: str, **fields: Any) -> dict[str, Any]:
    """Write the run's audit record to ``AuditLogGroup`` (in ``AuditRegion``); return it.

    The stream is the runbook and the execution id, so one execution's records sit together.
    """
    execution = str(events.get("ExecutionId") or "manual")
    group = events.get("AuditLogGroup")
    writer = None
    if group:
        writer = audit.AuditWriter(_logs(events.get("AuditRegion") or None), str(group),
                                   f"{runbook}/{execution}")
    return audit.record(logger, writer, audit.ADMIN_ACTION, actor="automation",
                        runbook=runbook, action=action, target=target, dry_run=dry_run,
                        outcome=outcome, execution_id=execution, **fields)
