"""What a listing is cached as in CloudFront: its id's shape and its invalidation paths.

Data and one function, standard library only: the cache purger (Lambda) and the listing
invalidation runbook (an SSM Automation script, :mod:`functions.automation.invalidate_listing`,
which carries this module inside its script) both read it.
"""

from __future__ import annotations

import re

LISTING_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}\Z")
# CloudFront paths of one listing; the media wildcard counts as one path.
# A trailing * also covers every query string variant of the API URL.
INVALIDATION_PATHS = ("/listings/{id}", "/api/listings/{id}*", "/media/listings/{id}/*")


def invalidation_paths(listing_id: str) -> list[str]:
    """The CloudFront paths of ``listing_id``; :class:`ValueError` when a path cannot carry it."""
    if not LISTING_ID.match(listing_id):
        raise ValueError("listing_id has characters a URL path cannot carry")
    return [p.format(id=listing_id) for p in INVALIDATION_PATHS]
