"""The runbook scripts' recorded AWS calls against the runbook roles of the prod plan, both ways.

The scripts' moto tests (tests/functions/automation) record every call the scripts make; a
call no runbook role allows would fail in the runbook, and a grant no script call uses is
more than least privilege. Per runbook, the roles' actions are pinned in test_responses.py.
"""

from __future__ import annotations

import json

import pytest

from tests.helpers import policy_document, stack_registry
from tests.recording import recording

# IAM actions whose API operation has another name.
ACTION_OF = {"lambda:Invoke": "lambda:InvokeFunction"}
# Granted, but called by a service on the script's behalf, which moto does not do.
EXERCISED_ELSEWHERE = {
    "kms:Decrypt": "SQS decrypts a KMS-encrypted queue's messages with the caller's "
                   "credentials on ReceiveMessage (https://docs.aws.amazon.com/AWSSimpleQueue"
                   "Service/latest/SQSDeveloperGuide/sqs-key-management.html)",
    "wafv2:GetRateBasedStatementManagedKeys": "moto lacks the call: test_block_ip answers it "
                                              "with botocore's Stubber, which replies before "
                                              "the recording hook sees it",
}


def _runbook_actions() -> set[str]:
    registry = stack_registry("prod")  # prod has all five runbooks
    roles = set()
    for document in registry.by_type("aws:ssm/document:Document"):
        content = json.loads(document.inputs["content"])
        roles.add(content["parameters"]["AutomationAssumeRole"]["default"])
    ids = {r.outputs["id"] for r in registry.by_type("aws:iam/role:Role")
           if r.outputs["arn"] in roles}
    assert len(ids) == 5
    return {a for p in registry.by_type("aws:iam/rolePolicy:RolePolicy")
            if p.inputs["role"] in ids
            for s in policy_document(p.inputs["policy"])["Statement"] for a in s["Action"]}


@pytest.mark.after_handler_tests
@pytest.mark.parametrize("function", ["automation"], ids=["fn:automation"])
def test_runbook_roles_allow_every_script_call_and_grant_nothing_unused(function: str) -> None:
    calls = recording(function).calls
    called = {ACTION_OF.get(f"{c.signing_name}:{c.operation}", f"{c.signing_name}:{c.operation}")
              for c in calls}
    granted = _runbook_actions()
    assert sorted(called - granted) == []
    assert sorted(granted - called - set(EXERCISED_ELSEWHERE)) == []
