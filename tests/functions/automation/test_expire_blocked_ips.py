"""Unblocking the addresses whose block expired (moto WAFv2 and SSM)."""

from __future__ import annotations

from tests.functions.automation.support import audit_records, aws
from tests.functions.automation.support import script as load
from tests.functions.automation.waf_support import addresses, expiries, setup_block_list

__all__ = ["aws"]


def test_expiry_removes_only_what_is_due(aws: None) -> None:
    inputs = setup_block_list(addresses=["192.0.2.1/32", "198.51.100.7/32", "203.0.113.5/32"],
                    expiries={"192.0.2.1/32": "2020-01-01T00:00:00Z",
                              "198.51.100.7/32": "2999-01-01T00:00:00Z"})
    result = load("expire_blocked_ips").handler({**inputs, "DryRun": False}, None)
    assert result == {"Removed": ["192.0.2.1/32"], "Due": ["192.0.2.1/32"]}
    # 203.0.113.5 has no expiry (added by hand): it stays.
    assert addresses(inputs) == ["198.51.100.7/32", "203.0.113.5/32"]
    assert expiries() == {"198.51.100.7/32": "2999-01-01T00:00:00Z"}
    (record,) = audit_records()
    assert (record["runbook"], record["outcome"]) == ("expire-blocked-ips", "unblocked")


def test_expiry_dry_run_and_nothing_due(aws: None) -> None:
    inputs = setup_block_list(addresses=["192.0.2.1/32"],
                              expiries={"192.0.2.1/32": "2020-01-01T00:00:00Z"})
    module = load("expire_blocked_ips")
    assert module.handler({**inputs, "DryRun": True}, None)["Removed"] == []
    assert addresses(inputs) == ["192.0.2.1/32"]
    assert audit_records()[0]["outcome"] == "dry-run"


def test_expiry_with_nothing_due_writes_no_record(aws: None) -> None:
    inputs = setup_block_list(expiries={"192.0.2.1/32": "2999-01-01T00:00:00Z"})
    assert load("expire_blocked_ips").handler({**inputs, "DryRun": False}, None)["Due"] == []
    assert audit_records() == []
