"""The Automation rules: bad runbook documents and targets that cannot start them fail."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from policy.rules import Subject, evaluate, evaluate_plan
from policy.rules.automation import automation_document_links_runbook, automation_document_schema
from tests.helpers import STACKS, plan, run_program, stack_registry, subjects

DOCUMENT = "aws:ssm/document:Document"
GOOD: dict[str, Any] = {
    "schemaVersion": "0.3",
    "description": "Do it. Runbook: https://example.com/docs/runbooks.md#automation-do-it",
    "assumeRole": "{{ AutomationAssumeRole }}",
    "parameters": {"AutomationAssumeRole": {"type": "String"}},
    "mainSteps": [
        {"name": "Approve", "action": "aws:approve",
         "inputs": {"Approvers": ["arn:aws:iam::123456789012:role/ops"],
                    "MinRequiredApprovals": 1}},
        {"name": "Run", "action": "aws:executeScript",
         "inputs": {"Runtime": "python3.11", "Handler": "handler",
                    "Script": "def handler(events, context):\n    return {}\n"}},
    ],
}


def _subject(content: dict[str, Any] | str) -> Subject:
    text = content if isinstance(content, str) else json.dumps(content)
    return Subject(DOCUMENT, "doc", {"documentType": "Automation", "documentFormat": "JSON",
                                     "content": text})


def _with(**changes: Any) -> dict[str, Any]:
    document = json.loads(json.dumps(GOOD))
    document.update(changes)
    return document


def test_a_good_runbook_passes_both_document_rules() -> None:
    assert list(automation_document_schema(_subject(GOOD))) == []
    assert list(automation_document_links_runbook(_subject(GOOD))) == []


def test_schema_role_runtime_and_approvers_are_checked() -> None:
    steps = json.loads(json.dumps(GOOD["mainSteps"]))
    steps[0]["inputs"] = {"Approvers": ["a"], "MinRequiredApprovals": 2}
    steps[1]["inputs"]["Runtime"] = "python3.8"
    bad = _with(schemaVersion="2.2", assumeRole="", mainSteps=steps)
    assert list(automation_document_schema(_subject(bad))) == [
        "schemaVersion is '2.2'; Automation takes '0.3'",
        "runs aws:executeScript without an assumeRole: its AWS calls would have no role",
        "step Run: Runtime python3.8 is retired; use python3.11",
        "step Approve: MinRequiredApprovals 2 is more than its 1 approvers",
    ]
    steps[0]["inputs"] = {"MinRequiredApprovals": 1}
    assert list(automation_document_schema(_subject(_with(mainSteps=steps[:1])))) == [
        "step Approve: aws:approve has no Approvers"]


def test_content_over_64_kb_fails() -> None:
    big = _with(description="x" * 70_000)
    (problem,) = list(automation_document_schema(_subject(big)))
    assert problem.startswith("content is 70")
    assert problem.endswith("bytes; SSM takes at most 65536")


def test_a_command_document_is_not_an_automation_one() -> None:
    command = Subject(DOCUMENT, "cmd", {"documentType": "Command",
                                        "content": json.dumps({"schemaVersion": "2.2"})})
    assert list(automation_document_schema(command)) == []


def test_a_description_without_its_runbook_link_fails() -> None:
    assert list(automation_document_links_runbook(_subject(_with(description="Do it.")))) == [
        "description does not end with a link to its runbooks.md section"]


def _target_violations(*, definition: str, start_resource: str, pass_role: bool,
                       role: bool = True) -> list[tuple[str, str]]:
    def program() -> None:
        runbook_role = aws.iam.Role("runbook-role", assume_role_policy="{}")
        aws.ssm.Document("doc", name="marketplace-dev-do-it", document_type="Automation",
                         document_format="JSON", content=pulumi.Output.json_dumps({
                             **GOOD, "parameters": {"AutomationAssumeRole": {
                                 "type": "String", "default": runbook_role.arn}}}))
        starter = aws.iam.Role("starter", assume_role_policy="{}")
        statements: list[dict[str, Any]] = [{"Effect": "Allow",
                                             "Action": ["ssm:StartAutomationExecution"],
                                             "Resource": start_resource}]
        if pass_role:
            statements.append({"Effect": "Allow", "Action": ["iam:PassRole"],
                               "Resource": runbook_role.arn})
        aws.iam.RolePolicy("starter-policy", role=starter.id, policy=pulumi.Output.json_dumps(
            {"Version": "2012-10-17", "Statement": statements}))
        rule = aws.cloudwatch.EventRule("rule", event_pattern='{"source": ["x"]}')
        aws.cloudwatch.EventTarget("target", rule=rule.name, arn=definition,
                                   role_arn=starter.arn if role else None)

    return [(name, message) for _rule, name, message in evaluate_plan(
        plan(run_program("dev", program)), only=("automation-targets-can-start",))]


DEFINITION = ("arn:aws:ssm:us-east-1:123456789012:automation-definition/"
              "marketplace-dev-do-it:$DEFAULT")


def test_a_target_whose_role_may_start_and_pass_passes() -> None:
    assert _target_violations(definition=DEFINITION, start_resource=DEFINITION,
                              pass_role=True) == []


def test_a_target_without_role_version_or_grants_fails() -> None:
    assert _target_violations(definition=DEFINITION, start_resource=DEFINITION,
                              pass_role=True, role=False) == [
        ("target", "starts an Automation runbook without a roleArn")]
    unversioned = DEFINITION.removesuffix(":$DEFAULT")
    assert _target_violations(definition=unversioned, start_resource=unversioned,
                              pass_role=True) == [
        ("target", f"arn {unversioned!r} is not automation-definition/<name>:$DEFAULT "
                   "(or :$LATEST, or a version)")]
    violations = _target_violations(
        definition=DEFINITION, start_resource="arn:aws:ssm:us-east-1:123456789012:"
        "automation-definition/other:$DEFAULT", pass_role=False)
    assert [m.split(" on ")[0].split(" the ")[0] for _, m in violations] == [
        "its role may not ssm:StartAutomationExecution", "its role may not iam:PassRole"]


def test_both_stacks_pass_the_automation_rules_on_their_runbooks() -> None:
    names = ("automation-document-schema", "automation-document-links-runbook",
             "automation-targets-can-start")
    for stack in STACKS:
        registry = stack_registry(stack)
        documents = [s for s in subjects(registry) if s.type == DOCUMENT]
        assert len(documents) >= 3  # the rules read real runbooks
        found = [*evaluate(documents), *evaluate_plan(plan(registry), only=names)]
        assert [f for f in found if f[0] in names] == []
