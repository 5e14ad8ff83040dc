"""The security audit events' names: the contract between handlers, alarms and config.

Data only, so the config Reader (``securityAlarmThresholds``), the observability metric
filters and the Lambda package (:mod:`functions.shared.audit`) all read the one list.
"""

from __future__ import annotations

AUTH_FAILED = "auth_failed"  # 401
PERMISSION_DENIED = "permission_denied"  # 403
ADMIN_ACTION = "admin_action"
EVENTS = (AUTH_FAILED, PERMISSION_DENIED, ADMIN_ACTION)
