"""Take the addresses whose block has expired out of the WAF block list (scheduled).

Reads the expiry parameter :mod:`.block_ip` writes, removes every address whose time has
come from the IP set, then from the record. An address in the set with no expiry (put there
by hand) is left alone.

Dry run: reports what would be removed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from functions.automation import runbook, waf_blocklist
from functions.shared import clients

RUNBOOK = "expire-blocked-ips"
waf = clients.client("wafv2", region_name="us-east-1", retries=runbook.RETRIES)
ssm = clients.client("ssm", region_name="us-east-1", retries=runbook.RETRIES)


def handler(events: dict[str, Any], context: Any) -> dict[str, Any]:
    """Unblock the expired addresses; dry run only lists them."""
    dry_run = runbook.flag(events.get("DryRun", True))
    parameter = runbook.required(events, "ExpiryParameter")
    name = runbook.required(events, "IpSetName")
    expiries = waf_blocklist.read_expiries(ssm, parameter)
    due = waf_blocklist.expired(expiries, datetime.now(UTC))
    if dry_run or not due:
        if due or dry_run:
            runbook.record(events, runbook=RUNBOOK, action="unblock", target=name,
                           dry_run=dry_run, outcome="dry-run" if dry_run else "nothing-due",
                           addresses=due)
        return {"Removed": [], "Due": due}
    waf_blocklist.change(waf, name=name, set_id=runbook.required(events, "IpSetId"),
                         scope=events.get("Scope") or "CLOUDFRONT", remove=due)
    # Read again: a block written since the first read must not be lost.
    latest = waf_blocklist.read_expiries(ssm, parameter)
    waf_blocklist.write_expiries(ssm, parameter,
                                 {a: t for a, t in latest.items() if a not in due})
    runbook.record(events, runbook=RUNBOOK, action="unblock", target=name, dry_run=False,
                   outcome="unblocked", addresses=due)
    return {"Removed": due, "Due": due}
