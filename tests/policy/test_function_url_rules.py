"""Function URL stack rule: a public URL without both grants fails with a clear message."""

from __future__ import annotations

import pulumi_aws as aws

from policy.rules import evaluate_plan
from tests.helpers import plan, run_program

RULE = "function-url-public-permissions"


def _program(*, invoke: bool, invoke_url: bool = True):
    def program() -> None:
        fn = aws.lambda_.Function(
            "fn", name="fn", role="arn:aws:iam::123456789012:role/fn", runtime="python3.13",
            handler="h.handler", architectures=["arm64"])
        aws.lambda_.FunctionUrl("url", function_name=fn.name, qualifier="live",
                                authorization_type="NONE")
        if invoke_url:
            aws.lambda_.Permission("url-grant", action="lambda:InvokeFunctionUrl",
                                   function=fn.name, qualifier="live", principal="*",
                                   function_url_auth_type="NONE")
        if invoke:
            aws.lambda_.Permission("invoke-grant", action="lambda:InvokeFunction",
                                   function=fn.name, qualifier="live", principal="*",
                                   invoked_via_function_url=True)
    return program


def test_a_public_url_with_only_the_url_grant_fails() -> None:
    [(rule, name, message)] = evaluate_plan(plan(run_program("dev", _program(invoke=False))),
                                            only=(RULE,))
    assert (rule, name) == (RULE, "url")
    assert message == ("public function URL of fn lacks lambda:InvokeFunction for principal "
                       "'*' (qualifier live)")


def test_a_public_url_with_neither_grant_names_both() -> None:
    [(_rule, _name, message)] = evaluate_plan(
        plan(run_program("dev", _program(invoke=False, invoke_url=False))), only=(RULE,))
    assert "lacks lambda:InvokeFunction, lambda:InvokeFunctionUrl" in message


def test_both_grants_pass() -> None:
    assert evaluate_plan(plan(run_program("dev", _program(invoke=True))), only=(RULE,)) == []
