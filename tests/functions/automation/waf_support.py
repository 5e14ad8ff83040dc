"""The WAF block list in moto: an IP set, its expiry parameter, and reading them back."""

from __future__ import annotations

import json
from typing import Any

import boto3

from tests.functions.automation.support import audit_inputs

PARAMETER = "/marketplace-prod/automation/blocked-ips"


def setup_block_list(addresses: list[str] | None = None,
                     expiries: dict[str, str] | None = None) -> dict[str, Any]:
    """An IP set and its expiry parameter; the runbook inputs that name them."""
    waf = boto3.client("wafv2", region_name="us-east-1")
    created = waf.create_ip_set(Name="marketplace-prod-blocked", Scope="CLOUDFRONT",
                                IPAddressVersion="IPV4", Addresses=addresses or [],
                                Description="Blocked by the block-ip runbook")["Summary"]
    boto3.client("ssm", region_name="us-east-1").put_parameter(
        Name=PARAMETER, Value=json.dumps(expiries or {}), Type="String")
    return {"IpSetName": created["Name"], "IpSetId": created["Id"], "Scope": "CLOUDFRONT",
            "ExpiryParameter": PARAMETER, "WebAclName": "marketplace-prod-edge",
            "WebAclId": "acl-1", "RuleName": "RateLimitPerIp", **audit_inputs()}


def addresses(inputs: dict[str, Any]) -> list[str]:
    """The IP set's addresses now."""
    got = boto3.client("wafv2", region_name="us-east-1").get_ip_set(
        Name=inputs["IpSetName"], Scope="CLOUDFRONT", Id=inputs["IpSetId"])
    return sorted(got["IPSet"]["Addresses"])


def expiries() -> dict[str, str]:
    """The expiry parameter's record now."""
    value = boto3.client("ssm", region_name="us-east-1").get_parameter(Name=PARAMETER)
    return json.loads(value["Parameter"]["Value"])


