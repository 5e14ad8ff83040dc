"""The content of an Automation runbook (schema 0.3) from one job's description.

Every runbook has the same frame: an ``AutomationAssumeRole`` parameter the document assumes
(https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-setup.html), a
``DryRun`` Boolean whose default comes from config, where its audit record goes, then one
``aws:executeScript`` step running the job's module (bundled by
:mod:`components.automation.scripts`) on ``python3.11``, the Python runtime executeScript
recommends since 3.6-3.8 were retired
(https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-executeScript.html).
A job that needs approval first branches on ``DryRun`` (``aws:branch``, ``BooleanEquals``):
a dry run goes straight to the script, a real one waits at ``aws:approve`` for one of the
approvers (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-approve.html).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from components.automation.scripts import bundle

SCHEMA_VERSION = "0.3"
RUNTIME = "python3.11"
SCRIPT_TIMEOUT_SECONDS = 600  # executeScript's most
APPROVAL_TIMEOUT_SECONDS = 86_400  # a day; aws:approve allows up to 30
RUN_STEP = "Run"
# Parameters every runbook has, before its own.
COMMON = ("AutomationAssumeRole", "DryRun", "AuditLogGroup", "AuditRegion")


@dataclass(frozen=True)
class Parameter:
    """One document parameter: its type (String, StringList, StringMap, Integer, Boolean),
    what it is, and its default (None: required)."""

    name: str
    type: str
    description: str
    default: Any = None


@dataclass(frozen=True)
class Runbook:
    """One job: the document's name suffix, the script module, what it does, its runbook
    anchor in docs/runbooks.md, its own parameters and whether it waits for approval."""

    key: str
    module: str
    summary: str
    anchor: str
    parameters: tuple[Parameter, ...]
    approval: bool = False


def _parameter(p: Parameter) -> dict[str, Any]:
    out: dict[str, Any] = {"type": p.type, "description": p.description}
    if p.default is not None:
        out["default"] = p.default
    return out


def steps(job: Runbook, approvers: Sequence[pulumi.Input[str]]) -> list[dict[str, Any]]:
    """The main steps: (branch, approve,) then the script with every parameter as input."""
    names = [*COMMON[1:], *(p.name for p in job.parameters)]
    payload = {n: f"{{{{ {n} }}}}" for n in names}
    payload["ExecutionId"] = "{{ automation:EXECUTION_ID }}"
    run = {
        "name": RUN_STEP,
        "action": "aws:executeScript",
        "timeoutSeconds": SCRIPT_TIMEOUT_SECONDS,
        "onFailure": "Abort",
        "isEnd": True,
        "inputs": {"Runtime": RUNTIME, "Handler": "handler", "Script": bundle(job.module),
                   "InputPayload": payload},
    }
    if not job.approval:
        return [run]
    if not approvers:
        raise ValueError(f"runbook {job.key} waits for an approval: it needs an approver")
    return [
        {"name": "DryRunSkipsApproval", "action": "aws:branch",
         "inputs": {"Choices": [{"NextStep": RUN_STEP, "Variable": "{{ DryRun }}",
                                 "BooleanEquals": True}],
                    "Default": "Approve"}},
        {"name": "Approve", "action": "aws:approve",
         "timeoutSeconds": APPROVAL_TIMEOUT_SECONDS, "onFailure": "Abort",
         "nextStep": RUN_STEP,
         "inputs": {"Approvers": list(approvers), "MinRequiredApprovals": 1,
                    "Message": f"{job.summary}. Runbook: {{{{ RunbookUrl }}}}"}},
        run,
    ]


def content(job: Runbook, *, role_arn: pulumi.Input[str], dry_run: bool,
            audit_log_group: pulumi.Input[str], audit_region: str, runbook_url: str,
            defaults: Mapping[str, pulumi.Input[Any]] | None = None,
            approvers: Sequence[pulumi.Input[str]] = ()) -> pulumi.Output[str]:
    """The document's JSON: the job's parameters with ``defaults`` (stack values) applied."""
    given = dict(defaults or {})
    own = [Parameter(p.name, p.type, p.description, given.get(p.name, p.default))
           for p in job.parameters]
    if job.approval:
        own.append(Parameter("RunbookUrl", "String", "Where this runbook is explained.",
                             runbook_url))
    parameters = {
        "AutomationAssumeRole": _parameter(Parameter(
            "AutomationAssumeRole", "String",
            "The role the automation runs with (the stack's role for this runbook).", role_arn)),
        "DryRun": _parameter(Parameter(
            "DryRun", "Boolean", "Report what would be done and change nothing.", dry_run)),
        "AuditLogGroup": _parameter(Parameter(
            "AuditLogGroup", "String", "The stack's audit log group.", audit_log_group)),
        "AuditRegion": _parameter(Parameter(
            "AuditRegion", "String", "The audit log group's region.", audit_region)),
        **{p.name: _parameter(p) for p in own},
    }
    document = {
        "schemaVersion": SCHEMA_VERSION,
        "description": f"{job.summary}. Runbook: {runbook_url}",
        "assumeRole": "{{ AutomationAssumeRole }}",
        "parameters": parameters,
        "mainSteps": steps(job, approvers),
    }
    return pulumi.Output.json_dumps(document)
