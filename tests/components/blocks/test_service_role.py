"""The service role helper: only the named service assumes it, bounded by the condition."""

from __future__ import annotations

import pulumi

from components.blocks.service_role import service_role
from tests.helpers import policy_document, run_program


def test_trust_names_one_service_with_its_condition_and_the_policy_its_statements() -> None:
    statement = {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": "arn:q"}

    def program() -> None:
        service_role("thing", service="events.amazonaws.com", description="d",
                     statements=[statement], opts=pulumi.ResourceOptions(),
                     condition={"StringEquals": {"aws:SourceAccount": "123456789012"}})

    registry = run_program("dev", program)
    role = registry.named("aws:iam/role:Role", "thing-role")
    (trust,) = policy_document(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "events.amazonaws.com"}
    assert trust["Action"] == "sts:AssumeRole"
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    policy = registry.named("aws:iam/rolePolicy:RolePolicy", "thing-policy")
    assert policy.inputs["role"] == role.outputs["id"]
    assert policy_document(policy.inputs["policy"])["Statement"] == [statement]
