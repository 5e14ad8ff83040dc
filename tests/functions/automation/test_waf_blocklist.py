"""The block list's IP set under WAF's lock token, and its address and expiry helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from functions.automation import waf_blocklist
from tests.functions.automation.support import aws
from tests.functions.automation.waf_support import addresses, setup_block_list

__all__ = ["aws"]


def test_a_stale_lock_token_is_read_again(aws: None) -> None:
    inputs = setup_block_list(addresses=["192.0.2.1/32"])
    real = boto3.client("wafv2", region_name="us-east-1")

    class Racing:
        """A WAF client whose first read is followed by someone else's update."""

        exceptions = real.exceptions
        raced = False

        def get_ip_set(self, **kwargs: Any) -> Any:
            got = real.get_ip_set(**kwargs)
            if not self.raced:
                self.raced = True
                real.update_ip_set(Name=kwargs["Name"], Scope="CLOUDFRONT", Id=kwargs["Id"],
                                   Addresses=["192.0.2.1/32", "192.0.2.2/32"],
                                   LockToken=got["LockToken"])
            return got

        def update_ip_set(self, **kwargs: Any) -> Any:
            return real.update_ip_set(**kwargs)

    after = waf_blocklist.change(Racing(), name=inputs["IpSetName"], set_id=inputs["IpSetId"],
                                 scope="CLOUDFRONT", add=["198.51.100.7/32"])
    # The other writer's address survives: the second attempt read it.
    assert after == ["192.0.2.1/32", "192.0.2.2/32", "198.51.100.7/32"]
    assert addresses(inputs) == after


def test_a_set_that_never_stops_changing_gives_up() -> None:
    class AlwaysStale:
        class exceptions:  # noqa: N801 - the shape of a boto3 client's exceptions
            class WAFOptimisticLockException(Exception):  # noqa: N818 - boto3's name
                """Raised by every update."""

        def get_ip_set(self, **_: Any) -> Any:
            return {"IPSet": {"Addresses": []}, "LockToken": "t"}

        def update_ip_set(self, **_: Any) -> Any:
            raise self.exceptions.WAFOptimisticLockException()

    with pytest.raises(waf_blocklist.LockedError, match="5 attempts"):
        waf_blocklist.change(AlwaysStale(), name="s", set_id="i", scope="CLOUDFRONT",
                             add=["192.0.2.1/32"])


def test_cidr_and_expired() -> None:
    assert waf_blocklist.cidr("198.51.100.7") == "198.51.100.7/32"
    assert waf_blocklist.cidr("198.51.100.0/24") == "198.51.100.0/24"
    with pytest.raises(ValueError, match="not IPv4"):
        waf_blocklist.cidr("2001:db8::1")
    now = datetime(2026, 12, 4, 12, tzinfo=UTC)
    assert waf_blocklist.expired({"a": "2026-12-04T12:00:00Z", "b": "2026-12-04T12:00:01Z"},
                                 now) == ["a"]
