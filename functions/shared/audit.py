"""Security audit events: failed logins, permission violations and admin actions.

Handlers call :func:`record`. The event is logged through the handler's Powertools logger
(so it is in the function's own logs with the request context) and, when ``AUDIT_LOG_GROUP``
is set, also written to the stack's audit log group, which keeps them for their own,
longer retention and carries the metric filters and alarms on them. The field names below
are the contract those metric filters match on.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Mapping
from typing import Any

# The names live in a data module the config Reader can read too; handlers keep audit.X.
from functions.shared.audit_events import ADMIN_ACTION, AUTH_FAILED, EVENTS, PERMISSION_DENIED

__all__ = ["ADMIN_ACTION", "AUTH_FAILED", "EVENTS", "PERMISSION_DENIED", "AuditWriter",
           "audit_event", "record", "writer_from_env"]

# CloudWatch Logs metric filter patterns per event, matching what record() writes.
FILTER_PATTERNS: dict[str, str] = {
    event: f'{{ $.audit IS TRUE && $.event = "{event}" }}' for event in EVENTS
}


def audit_event(event: str, **fields: Any) -> dict[str, Any]:
    """The JSON document of one audit event."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}; use one of {', '.join(EVENTS)}")
    return {"audit": True, "event": event, **fields}


class AuditWriter:
    """Writes audit events to a CloudWatch Logs group, one stream per execution environment."""

    def __init__(self, logs_client: Any, log_group: str, stream: str) -> None:
        self._logs = logs_client
        self._group = log_group
        self._stream = stream
        self._created = False

    def write(self, document: Mapping[str, Any]) -> None:
        """Put one event; creates the stream on first use."""
        if not self._created:
            # Another invocation of this environment may have created it first.
            with contextlib.suppress(self._logs.exceptions.ResourceAlreadyExistsException):
                self._logs.create_log_stream(logGroupName=self._group, logStreamName=self._stream)
            self._created = True
        self._logs.put_log_events(
            logGroupName=self._group,
            logStreamName=self._stream,
            logEvents=[{"timestamp": int(time.time() * 1000),
                        "message": json.dumps(document, default=str)}],
        )


def writer_from_env(logs_client: Any) -> AuditWriter | None:
    """An :class:`AuditWriter` for ``AUDIT_LOG_GROUP``, or None when it is not set."""
    group = os.environ.get("AUDIT_LOG_GROUP")
    if not group:
        return None
    stream = f"{os.environ.get('AWS_LAMBDA_FUNCTION_NAME', 'local')}/{os.getpid()}-{time.time_ns()}"
    return AuditWriter(logs_client, group, stream)


def record(logger: Any, writer: AuditWriter | None, event: str, **fields: Any) -> dict[str, Any]:
    """Log an audit event and, when a writer is configured, keep it in the audit log group.

    A failure to write the audit copy is logged and does not fail the request: the event is
    already in the function's own log.
    """
    document = audit_event(event, **fields)
    logger.warning("audit event", extra=document)
    if writer is not None:
        try:
            writer.write(document)
        except Exception:
            logger.exception("could not write audit event to the audit log group")
    return document
