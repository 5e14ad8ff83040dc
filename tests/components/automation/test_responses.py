"""The runbooks as both stacks deploy them: documents, rules, targets and roles (mocks)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from components.automation.scripts import bundle
from tests.components.automation.eventbridge import matches, transform
from tests.helpers import policy_document, stack_registry
from tools.mock_runtime import Registry, Resource

DOCUMENT = "aws:ssm/document:Document"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
FIXTURES = Path(__file__).parents[2] / "fixtures" / "alerting"
RUNBOOKS_DOC = Path(__file__).parents[3] / "docs" / "runbooks.md"
# Which runbooks each stack has: dev runs without AWS WAF, so without the block list.
EXPECTED = {
    "dev": ["deactivate-access-key", "invalidate-listing", "redrive-dead-letters"],
    "prod": ["block-ip", "deactivate-access-key", "expire-blocked-ips", "invalidate-listing",
             "redrive-dead-letters"],
}
DRY_RUN = {"dev": True, "prod": False}


def _documents(registry: Registry) -> dict[str, Resource]:
    return {d.inputs["name"].split("-", 2)[2]: d for d in registry.by_type(DOCUMENT)}


def _content(document: Resource) -> dict[str, Any]:
    return json.loads(document.inputs["content"])


def _rule(registry: Registry, stack: str, key: str) -> Resource:
    (rule,) = [r for r in registry.by_type(RULE)
               if r.inputs["name"] == f"marketplace-{stack}-{key}"]
    return rule


def _target(registry: Registry, rule: Resource) -> Resource:
    (target,) = [t for t in registry.by_type(TARGET) if t.inputs["rule"] == rule.inputs["name"]]
    return target


def _policy_of(registry: Registry, role_arn: str) -> dict[str, Any]:
    (role,) = [r for r in registry.by_type(ROLE) if r.outputs["arn"] == role_arn]
    (policy,) = [p for p in registry.by_type(ROLE_POLICY) if p.inputs["role"] == role.outputs["id"]]
    return {"trust": policy_document(role.inputs["assumeRolePolicy"]),
            "statements": policy_document(policy.inputs["policy"])["Statement"]}


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    return {a for s in statements for a in s["Action"]}


def test_each_stack_has_its_runbooks_as_automation_documents(registry: Registry,
                                                             stack: str) -> None:
    documents = _documents(registry)
    assert sorted(documents) == EXPECTED[stack]
    for key, document in documents.items():
        assert document.inputs["documentType"] == "Automation"
        assert document.inputs["documentFormat"] == "JSON"
        content = _content(document)
        assert content["schemaVersion"] == "0.3"
        assert content["assumeRole"] == "{{ AutomationAssumeRole }}"
        assert content["parameters"]["DryRun"] == {
            "type": "Boolean", "default": DRY_RUN[stack],
            "description": "Report what would be done and change nothing."}
        assert content["parameters"]["AuditLogGroup"]["default"] == f"/marketplace-{stack}/audit"
        # The description links the runbook's section, and the section exists.
        assert content["description"].endswith(f"docs/runbooks.md#automation-{key}")
        assert f'<a id="automation-{key}"></a>' in RUNBOOKS_DOC.read_text()
        run = content["mainSteps"][-1]
        assert run["action"] == "aws:executeScript"
        assert run["inputs"]["Runtime"] == "python3.11"
        assert run["inputs"]["Handler"] == "handler"
        module = "functions.automation." + key.replace("-", "_")
        assert run["inputs"]["Script"] == bundle(module)
        assert run["inputs"]["InputPayload"]["DryRun"] == "{{ DryRun }}"
        assert run["inputs"]["InputPayload"]["ExecutionId"] == "{{ automation:EXECUTION_ID }}"


def test_the_redrive_waits_for_an_approver_unless_dry(registry: Registry, stack: str) -> None:
    content = _content(_documents(registry)["redrive-dead-letters"])
    branch, approve, run = content["mainSteps"]
    assert branch == {"name": "DryRunSkipsApproval", "action": "aws:branch", "inputs": {
        "Choices": [{"NextStep": "Run", "Variable": "{{ DryRun }}", "BooleanEquals": True}],
        "Default": "Approve"}}
    assert approve["action"] == "aws:approve"
    assert (approve["nextStep"], approve["onFailure"], approve["timeoutSeconds"]) == (
        "Run", "Abort", 86400)
    account = registry.by_type(DOCUMENT)[0].outputs.get("arn", "::::123456789012").split(":")[4]
    roles = {"dev": ["marketplace-dev-operator"],
             "prod": ["marketplace-prod-oncall", "marketplace-prod-platform-lead"]}[stack]
    assert approve["inputs"]["Approvers"] == [f"arn:aws:iam::{account}:role/{r}" for r in roles]
    assert approve["inputs"]["MinRequiredApprovals"] == 1
    assert run["name"] == "Run"


def test_the_redrive_rule_names_exactly_the_existing_redrivable_dlq_alarms(
        registry: Registry, stack: str) -> None:
    pattern = json.loads(_rule(registry, stack, "redrive-dead-letters").inputs["eventPattern"])
    names = pattern["detail"]["alarmName"]
    existing = {a.inputs["name"] for a in registry.by_type(ALARM)}
    assert set(names) <= existing
    # dev keeps only critical alarms (alarmSeverityFloor); prod's lowest kept is warning.
    severity = {"dev": "critical", "prod": "warning"}[stack]
    assert all(re.fullmatch(rf"marketplace-{stack}-.+-depth-{severity}", n) for n in names)
    assert f"marketplace-{stack}-cache-purger-failures-depth-{severity}" in names
    # Queues SNS or Kinesis fill cannot be replayed into a function: not listed.
    assert not [n for n in names if "alerts" in n and "router" not in n]
    assert pattern["detail"]["state"] == {"value": ["ALARM"]}
    queues = _content(_documents(registry)["redrive-dead-letters"])["parameters"]["Queues"]
    assert sorted(queues["default"]) == sorted(names)
    assert all(u.startswith("https://sqs.us-east-1.amazonaws.com/")
               for u in queues["default"].values())


def test_every_target_starts_its_definition_with_a_role_and_keeps_failures(
        registry: Registry, stack: str) -> None:
    documents = _documents(registry)
    (dlq,) = [q for q in registry.by_type("aws:sqs/queue:Queue")
              if "automation-dead-letters" in q.name]
    for key, document in documents.items():
        target = _target(registry, _rule(registry, stack, key))
        account = target.inputs["arn"].split(":")[4]
        definition = (f"arn:aws:ssm:us-east-1:{account}:automation-definition/"
                      f"marketplace-{stack}-{key}:$DEFAULT")
        assert target.inputs["arn"] == definition
        assert target.inputs["retryPolicy"] == {"maximumEventAgeInSeconds": 3600,
                                                "maximumRetryAttempts": 10}
        assert target.inputs["deadLetterConfig"] == {"arn": dlq.outputs["arn"]}
        starter = _policy_of(registry, target.inputs["roleArn"])
        assert starter["trust"]["Statement"][0]["Principal"] == {
            "Service": "events.amazonaws.com"}
        start, pass_role = starter["statements"]
        assert (start["Action"], start["Resource"]) == (["ssm:StartAutomationExecution"],
                                                        definition)
        runbook_role = _content(document)["parameters"]["AutomationAssumeRole"]["default"]
        assert (pass_role["Action"], pass_role["Resource"]) == (["iam:PassRole"], runbook_role)
        assert pass_role["Condition"] == {
            "StringEquals": {"iam:PassedToService": "ssm.amazonaws.com"}}


# What each runbook's role may do, besides writing its audit record: exactly its script's calls.
ROLE_ACTIONS = {
    "redrive-dead-letters": {"sqs:GetQueueAttributes", "sqs:ReceiveMessage",
                             "sqs:DeleteMessage", "kms:Decrypt", "lambda:InvokeFunction"},
    "block-ip": {"wafv2:GetIPSet", "wafv2:UpdateIPSet", "ssm:GetParameter", "ssm:PutParameter",
                 "wafv2:GetRateBasedStatementManagedKeys"},
    "expire-blocked-ips": {"wafv2:GetIPSet", "wafv2:UpdateIPSet", "ssm:GetParameter",
                           "ssm:PutParameter"},
    "deactivate-access-key": {"iam:ListAccessKeys", "iam:UpdateAccessKey"},
    "invalidate-listing": {"cloudfront:CreateInvalidation"},
}


def test_each_runbook_role_allows_only_its_script_and_only_ssm_assumes_it(
        registry: Registry, stack: str) -> None:
    for key, document in _documents(registry).items():
        role = _policy_of(registry, _content(document)["parameters"]["AutomationAssumeRole"]
                          ["default"])
        (trust,) = role["trust"]["Statement"]
        assert trust["Principal"] == {"Service": "ssm.amazonaws.com"}
        assert trust["Condition"]["ArnLike"]["aws:SourceArn"].endswith(
            ":automation-execution/*")
        audit = [s for s in role["statements"] if s["Sid"] == "WriteAuditRecords"]
        assert audit[0]["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
        assert audit[0]["Resource"].endswith(f":log-group:/marketplace-{stack}/audit:log-stream:*")
        own = [s for s in role["statements"] if s["Sid"] != "WriteAuditRecords"]
        assert _actions(own) == ROLE_ACTIONS[key]
        assert all("*" not in a for a in _actions(own))
    deactivate = _policy_of(registry, _content(_documents(registry)["deactivate-access-key"])
                            ["parameters"]["AutomationAssumeRole"]["default"])
    (keys,) = [s for s in deactivate["statements"] if s["Sid"] == "DeactivateUserKeys"]
    assert re.fullmatch(r"arn:aws:iam::\d{12}:user/\*", keys["Resource"])


def test_the_guardduty_fixture_starts_the_deactivation_with_its_key() -> None:
    registry = stack_registry("prod")
    rule = _rule(registry, "prod", "deactivate-access-key")
    finding = json.loads((FIXTURES / "eventbridge-guardduty-finding.json").read_text())
    pattern = json.loads(rule.inputs["eventPattern"])
    assert matches(pattern, finding)
    low = json.loads(json.dumps(finding))
    low["detail"]["severity"] = 6.9
    assert not matches(pattern, low)
    other = json.loads(json.dumps(finding))
    other["detail"]["type"] = "Recon:EC2/PortProbeUnprotectedPort"
    assert not matches(pattern, other)
    transformer = _target(registry, rule).inputs["inputTransformer"]
    assert transform(transformer["inputPaths"], transformer["inputTemplate"], finding) == {
        "AccessKeyId": ["ASIAEXAMPLEKEYID"], "UserName": ["marketplace-prod-listings-role"],
        "UserType": ["AssumedRole"], "FindingId": ["16afba5c5c43e07c9e3e5e2e544e95df"],
        "FindingType": ["UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS"],
        "Severity": ["8"]}


def test_an_alarm_event_of_a_listed_dlq_starts_the_redrive() -> None:
    registry = stack_registry("prod")
    rule = _rule(registry, "prod", "redrive-dead-letters")
    event = json.loads((FIXTURES / "eventbridge-alarm-state-change.json").read_text())
    event["detail"]["alarmName"] = "marketplace-prod-cache-purger-failures-depth-warning"
    event["detail"]["state"]["value"] = "ALARM"
    assert matches(json.loads(rule.inputs["eventPattern"]), event)
    event["detail"]["state"]["value"] = "OK"
    assert not matches(json.loads(rule.inputs["eventPattern"]), event)
    transformer = _target(registry, rule).inputs["inputTransformer"]
    assert transform(transformer["inputPaths"], transformer["inputTemplate"], event) == {
        "AlarmName": ["marketplace-prod-cache-purger-failures-depth-warning"]}


def test_the_invalidation_request_on_the_bus_carries_the_listing() -> None:
    registry = stack_registry("dev")
    rule = _rule(registry, "dev", "invalidate-listing")
    assert rule.inputs["eventBusName"] == "marketplace-dev-events"
    request = {"id": "evt-7", "source": "marketplace.operations",
               "detail-type": "ListingCacheInvalidationRequested",
               "detail": {"listing_id": "lst-42"}}
    assert matches(json.loads(rule.inputs["eventPattern"]), request)
    transformer = _target(registry, rule).inputs["inputTransformer"]
    assert transform(transformer["inputPaths"], transformer["inputTemplate"], request) == {
        "ListingId": ["lst-42"], "Reference": ["evt-7"]}
    params = _content(_documents(registry)["invalidate-listing"])["parameters"]
    (distribution,) = registry.by_type("aws:cloudfront/distribution:Distribution")
    assert params["DistributionId"]["default"] == distribution.outputs["id"]


def test_prod_blocks_rate_limited_ips_and_expires_them_on_a_schedule() -> None:
    registry = stack_registry("prod")
    (alarm,) = [a for a in registry.by_type(ALARM)
                if a.inputs["name"] == "marketplace-prod-edge-waf-rate-limited-warning"]
    assert alarm.region == "us-east-1"
    assert (alarm.inputs["namespace"], alarm.inputs["metricName"], alarm.inputs["statistic"],
            alarm.inputs["threshold"]) == ("AWS/WAFV2", "BlockedRequests", "Sum", 0)
    assert alarm.inputs["dimensions"] == {"WebACL": "marketplace-prod-edge",
                                          "Rule": "RateLimitPerIp"}
    assert alarm.inputs["alarmDescription"].endswith("docs/runbooks.md#automation-block-ip")
    block = json.loads(_rule(registry, "prod", "block-ip").inputs["eventPattern"])
    assert block["detail"]["alarmName"] == ["marketplace-prod-edge-waf-rate-limited-warning"]
    expire = _rule(registry, "prod", "expire-blocked-ips")
    assert expire.inputs["scheduleExpression"] == "rate(60 minutes)"
    assert _target(registry, expire).inputs["input"] == "{}"
    (ip_set,) = registry.by_type("aws:wafv2/ipSet:IpSet")
    params = _content(_documents(registry)["block-ip"])["parameters"]
    assert params["IpSetId"]["default"] == ip_set.outputs["id"]
    assert params["BlockHours"]["default"] == 24
    assert params["ExpiryParameter"]["default"] == "/marketplace-prod/automation/blocked-ips"
    (expiry,) = [p for p in registry.by_type("aws:ssm/parameter:Parameter")
                 if p.inputs["name"] == "/marketplace-prod/automation/blocked-ips"]
    value = expiry.inputs["value"]  # the provider marks a parameter's value secret
    assert (expiry.region, value.get("value") if isinstance(value, dict) else value) == (
        "us-east-1", "{}")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_documents_fit_ssm_s_content_limit(stack: str) -> None:
    for document in stack_registry(stack).by_type(DOCUMENT):
        assert len(document.inputs["content"].encode()) < 64 * 1024
