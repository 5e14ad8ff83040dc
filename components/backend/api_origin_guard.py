"""Only CloudFront reaches the API: a shared secret header, checked by a regional web ACL.

An API Gateway stage has a public execute-api address; without a guard, anyone who finds it
skips Cloudflare's and CloudFront's WAF, rate limits and caches. CloudFront adds the header
:data:`HEADER` with a random secret to every request it sends the API origin; the web ACL on
the stage allows exactly those requests and blocks the rest. The web ACL logs every request
to CloudWatch Logs with that header (and the caller's credentials) redacted.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.edge.waf import log_web_acl
from components.platform.context import StackContext

HEADER = "x-origin-verify"
# The secret itself and the caller's credentials never reach the WAF logs.
REDACTED_HEADERS = (HEADER, "authorization", "cookie")


def _visibility(metric: str) -> dict[str, object]:
    return {"cloudwatch_metrics_enabled": True, "metric_name": metric,
            "sampled_requests_enabled": True}


@dataclass(frozen=True)
class ApiOriginGuardArgs:
    """Inputs of :class:`ApiOriginGuard`: the stack context (key and retention of the logs),
    a name for the web ACL and the stage to guard."""

    context: StackContext
    acl_name: str
    stage_arn: pulumi.Input[str]


class ApiOriginGuard(pulumi.ComponentResource):
    """The secret, the regional web ACL that requires it, and its association with the stage.

    :attr:`headers` is what the CloudFront API origin sends (the value is a secret Output).
    """

    headers: dict[str, pulumi.Output[str]]
    web_acl: aws.wafv2.WebAcl

    def __init__(self, name: str, args: ApiOriginGuardArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:backend:ApiOriginGuard", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        secret = random.RandomPassword(f"{name}-secret", length=48, special=False, opts=child)
        self.web_acl = aws.wafv2.WebAcl(
            f"{name}-acl",
            name=args.acl_name,
            description="Requests to the API stage must come through CloudFront",
            scope="REGIONAL",
            default_action={"block": {}},
            rules=[{
                "name": "FromCloudFront",
                "priority": 0,
                "action": {"allow": {}},
                "statement": {"byte_match_statement": {
                    "search_string": secret.result,
                    "field_to_match": {"single_header": {"name": HEADER}},
                    "positional_constraint": "EXACTLY",
                    "text_transformations": [{"priority": 0, "type": "NONE"}],
                }},
                "visibility_config": _visibility("FromCloudFront"),
            }],
            visibility_config=_visibility(args.acl_name),
            opts=child,
        )
        aws.wafv2.WebAclAssociation(
            f"{name}-association",
            resource_arn=args.stage_arn,
            web_acl_arn=self.web_acl.arn,
            opts=child,
        )
        log_web_acl(name, web_acl=self.web_acl, log_group_name=args.acl_name,
                    kms_key_arn=args.context.kms_key_arn,
                    retention_days=args.context.lambdas.log_retention_days,
                    redacted_headers=REDACTED_HEADERS, opts=child)
        self.headers = {HEADER: secret.result}
        self.register_outputs({"webAclArn": self.web_acl.arn})
