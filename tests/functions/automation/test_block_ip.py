"""Blocking the rate-limited client IPs in the edge web ACL's IP set (moto WAFv2 and SSM)."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
from botocore.stub import Stubber

from tests.functions.automation.support import audit_records, aws
from tests.functions.automation.support import script as load
from tests.functions.automation.waf_support import addresses, expiries, setup_block_list

__all__ = ["aws"]


def test_blocks_the_named_addresses_with_an_expiry(aws: None) -> None:
    inputs = setup_block_list(addresses=["192.0.2.1/32"])
    result = load("block_ip").handler(
        {**inputs, "DryRun": False, "BlockHours": 6,
         "Addresses": ["198.51.100.7", "2001:db8::1", "nonsense"]}, None)
    assert result["Blocked"] == ["198.51.100.7/32"]
    assert result["Skipped"] == ["2001:db8::1", "nonsense"]
    assert addresses(inputs) == ["192.0.2.1/32", "198.51.100.7/32"]
    expires = datetime.fromisoformat(expiries()["198.51.100.7/32"].replace("Z", "+00:00"))
    hours = (expires - datetime.now(UTC)).total_seconds() / 3600
    assert 5.9 < hours <= 6.0
    (record,) = audit_records()
    assert (record["runbook"], record["outcome"], record["addresses"]) == (
        "block-ip", "blocked", ["198.51.100.7/32"])
    described = boto3.client("wafv2", region_name="us-east-1").get_ip_set(
        Name=inputs["IpSetName"], Scope="CLOUDFRONT", Id=inputs["IpSetId"])["IPSet"]
    assert described["Description"] == "Blocked by the block-ip runbook"  # kept on update


def test_a_dry_run_changes_neither_the_set_nor_the_record(aws: None) -> None:
    inputs = setup_block_list()
    result = load("block_ip").handler({**inputs, "DryRun": True,
                                       "Addresses": ["198.51.100.7"]}, None)
    assert (result["Blocked"], result["Found"]) == ([], ["198.51.100.7/32"])
    assert addresses(inputs) == []
    assert expiries() == {}
    assert audit_records()[0]["outcome"] == "dry-run"


def test_without_addresses_it_asks_the_rate_based_rule(aws: None) -> None:
    inputs = setup_block_list()
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
