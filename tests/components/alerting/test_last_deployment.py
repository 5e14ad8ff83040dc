"""The last-deployment parameter the deploy workflow writes and only the router reads."""

from __future__ import annotations

import json

from components.alerting.last_deployment import parameter_name
from tests.components.alerting.helpers import stack_config
from tests.helpers import policy_document
from tools.mock_runtime import Registry

PARAMETER = "aws:ssm/parameter:Parameter"


def test_the_stack_owns_an_empty_standard_parameter_it_never_resets(
        registry: Registry, stack: str) -> None:
    parameter = registry.named(PARAMETER, f"marketplace-{stack}-alert-routing-last-deployment")
    assert parameter.inputs["name"] == f"/marketplace-{stack}/delivery/last-deployment"
    assert parameter.inputs["type"] == "String"
    assert parameter.inputs["tier"] == "Standard"
    assert parameter.inputs["insecureValue"] == "{}"
    assert "value" not in parameter.inputs
    assert parameter.parent.endswith(f"marketplace-{stack}-alert-routing")


def test_the_workflow_and_the_stack_name_the_same_parameter() -> None:
    assert parameter_name("marketplace-prod") == "/marketplace-prod/delivery/last-deployment"


def test_the_router_reads_exactly_that_parameter_with_the_configured_window(
        registry: Registry, stack: str) -> None:
    parameter = registry.named(PARAMETER, f"marketplace-{stack}-alert-routing-last-deployment")
    policy = registry.named("aws:iam/rolePolicy:RolePolicy",
                            f"marketplace-{stack}-alert-router-policy")
    statements = {s.get("Sid"): s for s in policy_document(policy.inputs["policy"])["Statement"]}
    assert statements["LastDeployment"] == {
        "Sid": "LastDeployment", "Effect": "Allow", "Action": ["ssm:GetParameter"],
        "Resource": parameter.outputs["arn"]}
    assert parameter.outputs["arn"].endswith(":parameter/marketplace-" + stack
                                             + "/delivery/last-deployment")
    env = registry.named("aws:lambda/function:Function",
                         f"marketplace-{stack}-alert-router-function").inputs[
        "environment"]["variables"]
    assert env["LAST_DEPLOYMENT_PARAMETER"] == f"/marketplace-{stack}/delivery/last-deployment"
    minutes = stack_config(stack).alerting.change_failure_window_minutes
    assert env["CHANGE_FAILURE_WINDOW_SECONDS"] == str(minutes * 60)
    assert json.loads(json.dumps(env))  # plain strings, as Lambda takes them
