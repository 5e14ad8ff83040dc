"""Deactivate the IAM user access key a high-severity GuardDuty credential finding names.

Only a long-term key of an IAM user can be deactivated (``AKIA...``, ``userType`` IAMUser).
A finding about temporary credentials (``ASIA...``: an assumed role's session) or the root
user is recorded as skipped, for a person to revoke the role's sessions instead
(https://docs.aws.amazon.com/guardduty/latest/ug/compromised-creds.html). The key must be
one of the user's (``ListAccessKeys``); it is then set ``Inactive``, not deleted, so it can
be turned back on once the finding is cleared.

Dry run: checks the key and reports what would be done.
"""

from __future__ import annotations

from typing import Any

from functions.automation import runbook
from functions.shared import clients

RUNBOOK = "deactivate-access-key"
iam = clients.client("iam", retries=runbook.RETRIES)


def why_not(events: dict[str, Any]) -> str | None:
    """Why the finding's key is not one this runbook can deactivate, or None."""
    user_type = str(events.get("UserType") or "")
    key = str(events.get("AccessKeyId") or "")
    if user_type != "IAMUser":
        return f"the key belongs to a {user_type or 'unknown'} principal, not an IAM user"
    if not key.startswith("AKIA"):
        return "the key is not a long-term IAM user access key"
    return None


def handler(events: dict[str, Any], context: Any) -> dict[str, Any]:
    """Set the finding's access key Inactive; dry run only checks it."""
    dry_run = runbook.flag(events.get("DryRun", True))
    key = runbook.required(events, "AccessKeyId")
    finding = {"finding_id": events.get("FindingId", ""),
               "finding_type": events.get("FindingType", ""),
               "severity": events.get("Severity", "")}
    reason = why_not(events)
    user = str(events.get("UserName") or "")
    if reason is None:
        keys = iam.list_access_keys(UserName=runbook.required(events, "UserName"))
        status = {k["AccessKeyId"]: k["Status"] for k in keys["AccessKeyMetadata"]}
        if key not in status:
            reason = f"user {user} has no access key {key}"
        elif status[key] == "Inactive":
            reason = "the key is already inactive"
    if reason is not None:
        runbook.record(events, runbook=RUNBOOK, action="deactivate-key", target=key,
                       dry_run=dry_run, outcome="skipped", reason=reason, user=user, **finding)
        return {"Deactivated": False, "Reason": reason}
    if not dry_run:
        iam.update_access_key(UserName=user, AccessKeyId=key, Status="Inactive")
    runbook.record(events, runbook=RUNBOOK, action="deactivate-key", target=key,
                   dry_run=dry_run, outcome="dry-run" if dry_run else "deactivated",
                   user=user, **finding)
    return {"Deactivated": not dry_run, "Reason": ""}
