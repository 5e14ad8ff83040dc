"""Deactivating the access key of a GuardDuty credential finding (moto IAM)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3

from tests.functions.automation.support import audit_inputs, audit_records, aws
from tests.functions.automation.support import script as load

__all__ = ["aws"]
FINDING = json.loads((Path(__file__).parents[2] / "fixtures" / "alerting"
                      / "eventbridge-guardduty-finding.json").read_text())


def _inputs(finding: dict[str, Any], dry_run: bool) -> dict[str, Any]:
    """What the rule's input transformer gives the document, from the finding."""
    detail = finding["detail"]
    key = detail["resource"]["accessKeyDetails"]
    return {"AccessKeyId": key["accessKeyId"], "UserName": key["userName"],
            "UserType": key["userType"], "FindingId": detail["id"],
            "FindingType": detail["type"], "Severity": str(detail["severity"]),
            "DryRun": dry_run, **audit_inputs()}


def _user_finding() -> tuple[dict[str, Any], str]:
    iam = boto3.client("iam")
    iam.create_user(UserName="ci-deployer")
    key = iam.create_access_key(UserName="ci-deployer")["AccessKey"]["AccessKeyId"]
    finding = json.loads(json.dumps(FINDING))
    finding["detail"]["resource"]["accessKeyDetails"].update(
        accessKeyId=key, userType="IAMUser", userName="ci-deployer")
    return finding, key


def _status(key: str) -> str:
    keys = boto3.client("iam").list_access_keys(UserName="ci-deployer")["AccessKeyMetadata"]
    return next(k["Status"] for k in keys if k["AccessKeyId"] == key)


def test_deactivates_the_user_key_of_the_finding(aws: None) -> None:
    finding, key = _user_finding()
    result = load("deactivate_access_key").handler(_inputs(finding, dry_run=False), None)
    assert result == {"Deactivated": True, "Reason": ""}
    assert _status(key) == "Inactive"
    (record,) = audit_records()
    assert (record["outcome"], record["target"], record["user"], record["severity"]) == (
        "deactivated", key, "ci-deployer", "8")
    assert record["finding_type"] == ("UnauthorizedAccess:IAMUser/"
                                      "InstanceCredentialExfiltration.OutsideAWS")


def test_a_dry_run_leaves_the_key_active(aws: None) -> None:
    finding, key = _user_finding()
    result = load("deactivate_access_key").handler(_inputs(finding, dry_run=True), None)
    assert result["Deactivated"] is False
    assert _status(key) == "Active"
    assert audit_records()[0]["outcome"] == "dry-run"


def test_temporary_credentials_of_the_fixture_are_skipped(aws: None) -> None:
    # The recorded finding is about an assumed role's session key (ASIA...).
    result = load("deactivate_access_key").handler(_inputs(FINDING, dry_run=False), None)
    assert result == {"Deactivated": False,
                      "Reason": "the key belongs to a AssumedRole principal, not an IAM user"}
    (record,) = audit_records()
    assert (record["outcome"], record["target"]) == ("skipped", "ASIAEXAMPLEKEYID")


def test_a_key_the_user_does_not_have_is_skipped(aws: None) -> None:
    finding, _key = _user_finding()
    finding["detail"]["resource"]["accessKeyDetails"]["accessKeyId"] = "AKIAOTHERKEY00000000"
    result = load("deactivate_access_key").handler(_inputs(finding, dry_run=False), None)
    assert result["Reason"] == "user ci-deployer has no access key AKIAOTHERKEY00000000"


def test_an_inactive_key_is_left_as_it_is(aws: None) -> None:
    finding, key = _user_finding()
    boto3.client("iam").update_access_key(UserName="ci-deployer", AccessKeyId=key,
                                          Status="Inactive")
    result = load("deactivate_access_key").handler(_inputs(finding, dry_run=False), None)
    assert result["Reason"] == "the key is already inactive"
