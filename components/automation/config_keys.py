"""Config keys of the automated responses (Systems Manager Automation runbooks).

Data only: read by :mod:`components.config`, which imports nothing downstream of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from components.config.spec import KeySpec, Section
from components.config.values import matching

# An IAM role name (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html).
ROLE_NAME_RE = re.compile(r"^[\w+=,.@-]{1,64}$")


@dataclass(frozen=True)
class AutomationConfig:
    """How the runbooks act: dry or not, who approves a redrive, how long a block lasts."""

    # Every runbook's DryRun parameter defaults to this: it reports, and changes nothing.
    dry_run: bool
    # IAM role names in the stack's account whose users may approve a DLQ redrive; none:
    # the redrive runbook is not deployed (aws:approve needs an approver).
    approver_roles: tuple[str, ...]
    block_hours: int
    expiry_minutes: int
    redrive_max_messages: int


AUTOMATION = Section("automation", "automated responses", "alerting.md", AutomationConfig, (
    KeySpec("automationDryRun", "dry_run", "boolean", True,
            description=("Runbooks started by alarms and findings only report what they would "
                         "do (their DryRun parameter's default); false lets them act.")),
    KeySpec("automationApproverRoles", "approver_roles", "array",
            item=matching(ROLE_NAME_RE, "{value!r} is not an IAM role name"),
            description=("IAM role names (this account) allowed to approve a dead-letter "
                         "redrive; empty: no redrive runbook.")),
    KeySpec("automationBlockHours", "block_hours", "integer", 24, minimum=1, maximum=720,
            description="Hours an IP the block runbook adds to the WAF block list stays there."),
    KeySpec("automationExpiryMinutes", "expiry_minutes", "integer", 60, minimum=5,
            maximum=1440,
            description="Minutes between the scheduled runs that unblock expired IPs."),
    KeySpec("automationRedriveMaxMessages", "redrive_max_messages", "integer", 100, minimum=1,
            maximum=10_000,
            description="Most messages one dead-letter redrive replays."),
))
