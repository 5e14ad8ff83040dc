"""The account baseline: prod (ownsAccountBaseline) makes the per-account singletons.

dev relies on prod's.

The singletons are the API Gateway account settings with their CloudWatch role, the ``stack``
cost allocation tag activation, GuardDuty and Security Hub (tests/components/
test_security_monitoring.py covers those two).
"""

from __future__ import annotations

import pytest

from components.config import ConfigError
from tests.components.alerting.helpers import stack_config
from tests.helpers import platform, policy_document
from tools.mock_runtime import Registry

ACCOUNT = "aws:apigateway/account:Account"
TAG = "aws:costexplorer/costAllocationTag:CostAllocationTag"
BUDGET = "aws:budgets/budget:Budget"
MONITOR = "aws:costexplorer/anomalyMonitor:AnomalyMonitor"
MANAGED = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"


def test_only_prod_owns_the_account_baseline() -> None:
    assert platform("prod").owns_account_baseline is True
    assert platform("dev").owns_account_baseline is False
    assert stack_config("dev", ownsAccountBaseline=None).platform.owns_account_baseline is False
    with pytest.raises(ConfigError) as error:
        stack_config("dev", ownsAccountBaseline="sometimes")
    assert error.value.keys == ("marketplace:ownsAccountBaseline",)


def test_api_gateway_role_carries_the_aws_managed_logging_policy(prod: Registry) -> None:
    [account] = prod.by_type(ACCOUNT)
    role = prod.named("aws:iam/role:Role", "marketplace-prod-backend-rest-cloudwatch-role")
    assert account.inputs["cloudwatchRoleArn"] == role.outputs["arn"]
    [trust] = policy_document(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust == {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                     "Action": "sts:AssumeRole"}
    [attachment] = [a for a in prod.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                    if a.inputs["role"] == role.outputs["name"]]
    assert attachment.inputs["policyArn"] == MANAGED
    # No inline policy any more: DescribeLogGroups on a log-group ARN never matched.
    assert [p for p in prod.by_type("aws:iam/rolePolicy:RolePolicy")
            if p.inputs["role"] in (role.outputs["id"], role.outputs["name"])] == []
    assert attachment.urn in account.dependencies
    [stage] = prod.by_type("aws:apigateway/stage:Stage")
    assert account.urn in stage.dependencies  # access logs need the role first


def test_dev_relies_on_the_baseline_for_the_api_gateway_role(dev: Registry) -> None:
    assert dev.by_type(ACCOUNT) == []
    assert [r.name for r in dev.by_type("aws:iam/role:Role") if "cloudwatch-role" in r.name] == []


def test_prod_activates_the_stack_cost_allocation_tag(prod: Registry) -> None:
    [tag] = prod.by_type(TAG)
    assert tag.inputs == {"tagKey": "stack", "status": "Active"}
    for type_ in (BUDGET, MONITOR):
        [resource] = prod.by_type(type_)
        assert "cost-allocation-tags" not in (resource.inputs.get("tags") or {})


def test_dev_declares_it_relies_on_the_baselines_activation(dev: Registry) -> None:
    assert dev.by_type(TAG) == []
    [budget] = dev.by_type(BUDGET)
    [monitor] = dev.by_type(MONITOR)
    assert monitor.inputs["tags"] == {"cost-allocation-tags": "activated-by-account-baseline"}
    # The budget also carries dev's costCeilingUsd for the policy pack's ceiling rule.
    assert budget.inputs["tags"] == {"cost-allocation-tags": "activated-by-account-baseline",
                                     "fixed-cost-ceiling-usd": "30"}
