"""Blocking and unblocking client IPs in the edge web ACL's IP set (moto WAFv2 and SSM)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from functions.automation import waf_blocklist
from tests.functions.automation.support import audit_inputs, audit_records, aws
from tests.functions.automation.support import script as load

__all__ = ["aws"]
PARAMETER = "/marketplace-prod/automation/blocked-ips"


def _setup(addresses: list[str] | None = None, expiries: dict[str, str] | None = None
           ) -> dict[str, Any]:
    waf = boto3.client("wafv2", region_name="us-east-1")
    created = waf.create_ip_set(Name="marketplace-prod-blocked", Scope="CLOUDFRONT",
                                IPAddressVersion="IPV4", Addresses=addresses or [],
                                Description="Blocked by the block-ip runbook")["Summary"]
    boto3.client("ssm", region_name="us-east-1").put_parameter(
        Name=PARAMETER, Value=json.dumps(expiries or {}), Type="String")
    return {"IpSetName": created["Name"], "IpSetId": created["Id"], "Scope": "CLOUDFRONT",
            "ExpiryParameter": PARAMETER, "WebAclName": "marketplace-prod-edge",
            "WebAclId": "acl-1", "RuleName": "RateLimitPerIp", **audit_inputs()}


def _addresses(inputs: dict[str, Any]) -> list[str]:
    got = boto3.client("wafv2", region_name="us-east-1").get_ip_set(
        Name=inputs["IpSetName"], Scope="CLOUDFRONT", Id=inputs["IpSetId"])
    return sorted(got["IPSet"]["Addresses"])


def _expiries() -> dict[str, str]:
    value = boto3.client("ssm", region_name="us-east-1").get_parameter(Name=PARAMETER)
    return json.loads(value["Parameter"]["Value"])


def test_blocks_the_named_addresses_with_an_expiry(aws: None) -> None:
    inputs = _setup(addresses=["192.0.2.1/32"])
    result = load("block_ip").handler(
        {**inputs, "DryRun": False, "BlockHours": 6,
         "Addresses": ["198.51.100.7", "2001:db8::1", "nonsense"]}, None)
    assert result["Blocked"] == ["198.51.100.7/32"]
    assert result["Skipped"] == ["2001:db8::1", "nonsense"]
    assert _addresses(inputs) == ["192.0.2.1/32", "198.51.100.7/32"]
    expires = datetime.fromisoformat(_expiries()["198.51.100.7/32"].replace("Z", "+00:00"))
    hours = (expires - datetime.now(UTC)).total_seconds() / 3600
    assert 5.9 < hours <= 6.0
    (record,) = audit_records()
    assert (record["runbook"], record["outcome"], record["addresses"]) == (
        "block-ip", "blocked", ["198.51.100.7/32"])
    described = boto3.client("wafv2", region_name="us-east-1").get_ip_set(
        Name=inputs["IpSetName"], Scope="CLOUDFRONT", Id=inputs["IpSetId"])["IPSet"]
    assert described["Description"] == "Blocked by the block-ip runbook"  # kept on update


def test_a_dry_run_changes_neither_the_set_nor_the_record(aws: None) -> None:
    inputs = _setup()
    result = load("block_ip").handler({**inputs, "DryRun": True,
                                       "Addresses": ["198.51.100.7"]}, None)
    assert (result["Blocked"], result["Found"]) == ([], ["198.51.100.7/32"])
    assert _addresses(inputs) == []
    assert _expiries() == {}
    assert audit_records()[0]["outcome"] == "dry-run"


def test_without_addresses_it_asks_the_rate_based_rule(aws: None) -> None:
    inputs = _setup()
    module = load("block_ip")
    with Stubber(module.waf) as stub:
        stub.add_response("get_rate_based_statement_managed_keys", {
            "ManagedKeysIPV4": {"IPAddressVersion": "IPV4", "Addresses": ["203.0.113.9/32"]},
            "ManagedKeysIPV6": {"IPAddressVersion": "IPV6", "Addresses": ["2001:db8::/128"]},
        }, {"Scope": "CLOUDFRONT", "WebACLName": "marketplace-prod-edge", "WebACLId": "acl-1",
            "RuleName": "RateLimitPerIp"})
        result = module.handler({**inputs, "DryRun": True}, None)
    assert result["Found"] == ["203.0.113.9/32"]
    assert result["Skipped"] == ["2001:db8::/128"]


def test_a_stale_lock_token_is_read_again(aws: None) -> None:
    inputs = _setup(addresses=["192.0.2.1/32"])
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
    assert _addresses(inputs) == after


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


def test_expiry_removes_only_what_is_due(aws: None) -> None:
    inputs = _setup(addresses=["192.0.2.1/32", "198.51.100.7/32", "203.0.113.5/32"],
                    expiries={"192.0.2.1/32": "2020-01-01T00:00:00Z",
                              "198.51.100.7/32": "2999-01-01T00:00:00Z"})
    result = load("expire_blocked_ips").handler({**inputs, "DryRun": False}, None)
    assert result == {"Removed": ["192.0.2.1/32"], "Due": ["192.0.2.1/32"]}
    # 203.0.113.5 has no expiry (added by hand): it stays.
    assert _addresses(inputs) == ["198.51.100.7/32", "203.0.113.5/32"]
    assert _expiries() == {"198.51.100.7/32": "2999-01-01T00:00:00Z"}
    (record,) = audit_records()
    assert (record["runbook"], record["outcome"]) == ("expire-blocked-ips", "unblocked")


def test_expiry_dry_run_and_nothing_due(aws: None) -> None:
    inputs = _setup(addresses=["192.0.2.1/32"], expiries={"192.0.2.1/32": "2020-01-01T00:00:00Z"})
    module = load("expire_blocked_ips")
    assert module.handler({**inputs, "DryRun": True}, None)["Removed"] == []
    assert _addresses(inputs) == ["192.0.2.1/32"]
    assert audit_records()[0]["outcome"] == "dry-run"


def test_expiry_with_nothing_due_writes_no_record(aws: None) -> None:
    inputs = _setup(expiries={"192.0.2.1/32": "2999-01-01T00:00:00Z"})
    assert load("expire_blocked_ips").handler({**inputs, "DryRun": False}, None)["Due"] == []
    assert audit_records() == []


def test_cidr_and_expired() -> None:
    assert waf_blocklist.cidr("198.51.100.7") == "198.51.100.7/32"
    assert waf_blocklist.cidr("198.51.100.0/24") == "198.51.100.0/24"
    with pytest.raises(ValueError, match="not IPv4"):
        waf_blocklist.cidr("2001:db8::1")
    now = datetime(2026, 12, 4, 12, tzinfo=UTC)
    assert waf_blocklist.expired({"a": "2026-12-04T12:00:00Z", "b": "2026-12-04T12:00:01Z"},
                                 now) == ["a"]
