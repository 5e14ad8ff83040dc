"""Invalidate one listing's CloudFront paths on request.

The paths are the cache purger's (:mod:`functions.shared.cdn_paths`): the page, the API
URL with every query string, the media prefix. ``Reference`` (the request event's id) is the
invalidation's caller reference, so a request EventBridge delivers twice invalidates once.

Dry run: reports the paths.
"""

from __future__ import annotations

from typing import Any

from functions.automation import runbook
from functions.shared import clients
from functions.shared.cdn_paths import invalidation_paths

RUNBOOK = "invalidate-listing"
cloudfront = clients.client("cloudfront", retries=runbook.RETRIES)


def handler(events: dict[str, Any], context: Any) -> dict[str, Any]:
    """Create the listing's invalidation; dry run only lists the paths."""
    dry_run = runbook.flag(events.get("DryRun", True))
    listing = runbook.required(events, "ListingId")
    distribution = runbook.required(events, "DistributionId")
    try:
        paths = invalidation_paths(listing)
    except ValueError as exc:
        raise runbook.InputError(str(exc)) from None
    invalidation = ""
    if not dry_run:
        reference = str(events.get("Reference") or events.get("ExecutionId") or listing)
        created = cloudfront.create_invalidation(
            DistributionId=distribution,
            InvalidationBatch={"Paths": {"Quantity": len(paths), "Items": paths},
                               "CallerReference": reference})
        invalidation = created["Invalidation"]["Id"]
    runbook.record(events, runbook=RUNBOOK, action="invalidate", target=listing,
                   dry_run=dry_run, outcome="dry-run" if dry_run else "invalidated",
                   distribution=distribution, paths=paths, invalidation=invalidation)
    return {"Paths": paths, "InvalidationId": invalidation}
