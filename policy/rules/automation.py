"""Systems Manager Automation runbooks and the EventBridge targets that start them.

Resource rules read an ``Automation`` document's content; the stack rule follows a target
to its role's policy. Each rule's docstring names the documentation it comes from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase
from typing import Any

from ..plan import Plan, PlanResource, as_list, statements
from . import Subject, rule, stack_rule

DOCUMENT = "aws:ssm/document:Document"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
ROLE_POLICIES = ("aws:iam/rolePolicy:RolePolicy",)
MAX_CONTENT_BYTES = 64 * 1024
# executeScript's Python runtimes that can no longer be created (2024-12-04) or run
# (2025-02-18); python3.11 is the one AWS recommends.
RETIRED_RUNTIMES = ("python3.6", "python3.7", "python3.8")
DEFINITION_RE = re.compile(
    r"^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:automation-definition/[A-Za-z0-9_.-]+:"
    r"(\$DEFAULT|\$LATEST|\d+)$")


def _automation(s: Subject) -> dict[str, Any] | None:
    """The content of an Automation document as JSON, or None (another type, or YAML)."""
    if s.props.get("documentType") != "Automation":
        return None
    content = s.props.get("content")
    if not isinstance(content, str) or s.props.get("documentFormat", "JSON") != "JSON":
        return None
    try:
        parsed = json.loads(content)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


@rule("automation-document-schema", "An Automation document is schema 0.3 JSON under 64 KB "
      "that assumes a role, on a Python runtime executeScript still runs, and every approval "
      "names approvers it can reach.", types=(DOCUMENT,))
def automation_document_schema(s: Subject) -> Iterator[str]:
    """Runbooks are schema 0.3 (https://docs.aws.amazon.com/systems-manager/latest/userguide/
    documents-schemas-features.html); a document's content is at most 64 KB
    (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreateDocument.html);
    a script calling AWS needs an assume role (https://docs.aws.amazon.com/systems-manager/
    latest/userguide/automation-document-script.html); python3.6-3.8 runbooks cannot be
    created since 2024-12-04 (https://docs.aws.amazon.com/systems-manager/latest/userguide/
    automation-action-executeScript.html); aws:approve requires Approvers, and needs as many
    as MinRequiredApprovals (https://docs.aws.amazon.com/systems-manager/latest/userguide/
    automation-action-approve.html)."""
    if s.props.get("documentType") != "Automation":
        return
    content = s.props.get("content")
    if isinstance(content, str) and len(content.encode()) > MAX_CONTENT_BYTES:
        yield f"content is {len(content.encode())} bytes; SSM takes at most {MAX_CONTENT_BYTES}"
    document = _automation(s)
    if document is None:
        return
    if document.get("schemaVersion") != "0.3":
        yield f"schemaVersion is {document.get('schemaVersion')!r}; Automation takes '0.3'"
    steps = [st for st in document.get("mainSteps") or [] if isinstance(st, Mapping)]
    scripts = [st for st in steps if st.get("action") == "aws:executeScript"]
    if scripts and not document.get("assumeRole"):
        yield "runs aws:executeScript without an assumeRole: its AWS calls would have no role"
    for step in scripts:
        runtime = str((step.get("inputs") or {}).get("Runtime") or "")
        if runtime in RETIRED_RUNTIMES or not runtime:
            yield (f"step {step.get('name')}: Runtime {runtime or '(none)'} is retired; "
                   "use python3.11")
    for step in (st for st in steps if st.get("action") == "aws:approve"):
        inputs = step.get("inputs") or {}
        approvers = inputs.get("Approvers") or []
        need = int(inputs.get("MinRequiredApprovals") or 1)
        if not approvers:
            yield f"step {step.get('name')}: aws:approve has no Approvers"
        elif isinstance(approvers, list) and len(approvers) < need:
            yield (f"step {step.get('name')}: MinRequiredApprovals {need} is more than its "
                   f"{len(approvers)} approvers")


@rule("automation-document-links-runbook", "An Automation document's description links its "
      "section of the runbooks (…/runbooks.md#<anchor>).", types=(DOCUMENT,))
def automation_document_links_runbook(s: Subject) -> Iterator[str]:
    """The project's rule: a runbook and its documentation point at each other."""
    document = _automation(s)
    if document is not None and not re.search(r"runbooks\.md#[a-z0-9-]+$",
                                              str(document.get("description") or "")):
        yield "description does not end with a link to its runbooks.md section"


def _allowed(plan: Plan, role: PlanResource) -> list[Mapping[str, Any]]:
    out: list[Mapping[str, Any]] = []
    for policy in plan.of_type(*ROLE_POLICIES):
        if role.urn not in policy.property_dependencies.get("role", ()):
            continue
        out += [s for s in statements(policy.props.get("policy")) if s.get("Effect") == "Allow"]
    return out


def _allows(allowed: list[Mapping[str, Any]], action: str, resource: str) -> bool:
    return any(any(fnmatchcase(action, str(a)) for a in as_list(s.get("Action")))
               and any(fnmatchcase(resource, str(r)) for r in as_list(s.get("Resource")))
               for s in allowed)


def _assume_role(plan: Plan, definition: str) -> str | None:
    """The AutomationAssumeRole default of the document the definition ARN names."""
    name = definition.split("automation-definition/", 1)[1].rsplit(":", 1)[0]
    for document in plan.find(DOCUMENT, "name", name):
        subject = Subject(document.type, document.name, document.props)
        content = _automation(subject) or {}
        default = ((content.get("parameters") or {}).get("AutomationAssumeRole") or {}).get(
            "default")
        if isinstance(default, str):
            return default
    return None


@stack_rule("automation-targets-can-start", "An EventBridge target that starts an Automation "
            "runbook names a version of its definition and a role that may start it and pass "
            "the runbook's role.")
def automation_targets_can_start(plan: Plan) -> Iterator[tuple[str, str]]:
    """The target ARN is ``arn:aws:ssm:<region>:<account>:automation-definition/<name>:$DEFAULT``
    and EventBridge needs a role allowing ``ssm:StartAutomationExecution`` on it, plus
    ``iam:PassRole`` on the role the runbook assumes
    (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-cwe-target.html,
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-identity-based.html).
    Without them the rule matches and every start fails, only visible as FailedInvocations.
    """
    for target in plan.of_type(TARGET):
        arn = str(target.props.get("arn") or "")
        if ":automation-definition/" not in arn:
            continue
        if not DEFINITION_RE.match(arn):
            yield (target.name, f"arn {arn!r} is not automation-definition/<name>:$DEFAULT "
                                "(or :$LATEST, or a version)")
            continue
        roles = plan.depends_on(target, "roleArn")
        if not target.props.get("roleArn") or not roles:
            yield (target.name, "starts an Automation runbook without a roleArn")
            continue
        allowed = _allowed(plan, roles[0])
        if not _allows(allowed, "ssm:StartAutomationExecution", arn):
            yield (target.name, f"its role may not ssm:StartAutomationExecution on {arn}")
        assumed = _assume_role(plan, arn)
        if assumed is not None and not _allows(allowed, "iam:PassRole", assumed):
            yield (target.name, f"its role may not iam:PassRole the runbook's role {assumed}")
