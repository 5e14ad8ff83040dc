"""Block the client IPs behind a rate-limit alarm in the edge web ACL, until they expire.

The addresses are ``Addresses`` when a person names them, else the ones the web ACL's
rate-based rule is limiting now (``GetRateBasedStatementManagedKeys``). Each goes into the
block list's IP set (a rule ahead of every other in the web ACL blocks it) and gets an
expiry ``BlockHours`` from now in the expiry parameter; :mod:`.expire_blocked_ips` takes
them out again once that passes. IPv6 addresses are reported, not blocked (the set is IPv4).

Dry run: finds and reports the addresses, changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from functions.automation import runbook, waf_blocklist
from functions.shared import clients

RUNBOOK = "block-ip"
# CLOUDFRONT-scoped WAF resources are managed through us-east-1 only.
waf = clients.client("wafv2", region_name="us-east-1", retries=runbook.RETRIES)
ssm = clients.client("ssm", region_name="us-east-1", retries=runbook.RETRIES)


def limited(events: dict[str, Any]) -> tuple[list[str], list[str]]:
    """``(IPv4, IPv6)`` addresses the rate-based rule is limiting now."""
    keys = waf.get_rate_based_statement_managed_keys(
        Scope=events.get("Scope") or "CLOUDFRONT",
        WebACLName=runbook.required(events, "WebAclName"),
        WebACLId=runbook.required(events, "WebAclId"),
        RuleName=runbook.required(events, "RuleName"))
    return (list(keys.get("ManagedKeysIPV4", {}).get("Addresses", [])),
            list(keys.get("ManagedKeysIPV6", {}).get("Addresses", [])))


def handler(events: dict[str, Any], context: Any) -> dict[str, Any]:
    """Add the addresses to the block list with their expiry; dry run only reports them."""
    dry_run = runbook.flag(events.get("DryRun", True))
    named = [a for a in (events.get("Addresses") or []) if str(a).strip()]
    if named:
        candidates, ipv6 = named, []
    else:
        candidates, ipv6 = limited(events)
    addresses, skipped = [], list(ipv6)
    for address in candidates:
        try:
            addresses.append(waf_blocklist.cidr(str(address)))
        except ValueError:
            skipped.append(str(address))
    hours = int(events.get("BlockHours") or 24)
    until = waf_blocklist.iso(datetime.now(UTC) + timedelta(hours=hours))
    name = runbook.required(events, "IpSetName")
    if dry_run or not addresses:
        runbook.record(events, runbook=RUNBOOK, action="block", target=name, dry_run=dry_run,
                       outcome="dry-run" if dry_run else "nothing-to-block",
                       addresses=addresses, skipped=skipped, expires=until)
        return {"Blocked": [], "Found": addresses, "Skipped": skipped, "Expires": until}
    parameter = runbook.required(events, "ExpiryParameter")
    waf_blocklist.change(waf, name=name, set_id=runbook.required(events, "IpSetId"),
                         scope=events.get("Scope") or "CLOUDFRONT", add=addresses)
    expiries = waf_blocklist.read_expiries(ssm, parameter)
    expiries.update(dict.fromkeys(addresses, until))
    waf_blocklist.write_expiries(ssm, parameter, expiries)
    runbook.record(events, runbook=RUNBOOK, action="block", target=name, dry_run=False,
                   outcome="blocked", addresses=addresses, skipped=skipped, expires=until)
    return {"Blocked": addresses, "Found": addresses, "Skipped": skipped, "Expires": until}
