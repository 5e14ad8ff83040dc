"""Lambda function URLs: a public URL is reachable only with both resource-policy grants."""

from __future__ import annotations

from collections.abc import Iterator

from ..plan import Plan
from . import stack_rule

URL = "aws:lambda/functionUrl:FunctionUrl"
PERMISSION = "aws:lambda/permission:Permission"


def _grants(plan: Plan, function: str, qualifier: str) -> set[str]:
    """Actions granted to everyone (``*``) on ``function``:``qualifier`` as a URL needs them."""
    found: set[str] = set()
    for permission in plan.of_type(PERMISSION):
        props = permission.props
        if (str(props.get("function")) != function or props.get("principal") != "*"
                or str(props.get("qualifier") or "") != qualifier):
            continue
        action = props.get("action")
        if action == "lambda:InvokeFunctionUrl" and props.get("functionUrlAuthType") == "NONE":
            found.add("lambda:InvokeFunctionUrl")
        if action == "lambda:InvokeFunction" and props.get("invokedViaFunctionUrl") is True:
            found.add("lambda:InvokeFunction")
    return found


@stack_rule("function-url-public-permissions",
            "A function URL with AuthType NONE has both lambda:InvokeFunctionUrl "
            "(FunctionUrlAuthType NONE) and lambda:InvokeFunction (invoked via the URL) granted "
            "to '*' on the same function and qualifier.")
def public_url_permissions(plan: Plan) -> Iterator[tuple[str, str]]:
    """"Starting in October 2025, new function URLs will require both
    lambda:InvokeFunctionUrl and lambda:InvokeFunction permissions", and with AuthType NONE
    "your function's resource-based policy is always in effect and must grant public access"
    (https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html). Without both, the URL
    answers 403 Forbidden to every caller: the plan deploys, the endpoint never works.
    ``invokedViaFunctionUrl`` keeps the second grant from opening direct invocation.
    """
    needed = {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"}
    for url in plan.of_type(URL):
        if url.props.get("authorizationType") != "NONE":
            continue
        function = str(url.props.get("functionName"))
        qualifier = str(url.props.get("qualifier") or "")
        missing = needed - _grants(plan, function, qualifier)
        if missing:
            yield (url.name, f"public function URL of {function} lacks "
                   f"{', '.join(sorted(missing))} for principal '*' (qualifier "
                   f"{qualifier or 'none'})")
