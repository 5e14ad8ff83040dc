"""The CloudFront-scoped AWS WAF web ACL (us-east-1) and its logging."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.platform.context import StackContext

# AWS managed rule groups, in evaluation order: (priority, name). The IP reputation list
# goes first: it is the cheapest way to drop known-bad sources.
MANAGED_RULE_GROUPS: tuple[tuple[int, str], ...] = (
    (10, "AWSManagedRulesAmazonIpReputationList"),
    (20, "AWSManagedRulesCommonRuleSet"),
    (30, "AWSManagedRulesKnownBadInputsRuleSet"),
)
RATE_RULE_PRIORITY = 40
RATE_RULE_NAME = "RateLimitPerIp"
# The block list goes before everything: an address the block runbook added is dropped first.
BLOCK_RULE_PRIORITY = 0
BLOCK_RULE_NAME = "BlockedIps"
# Headers that carry credentials never reach the WAF logs.
REDACTED_HEADERS = ("authorization", "cookie")
WAF_LOG_GROUP_PREFIX = "aws-waf-logs-"  # WAF only logs to groups named like this


def log_web_acl(name: str, *, web_acl: aws.wafv2.WebAcl, log_group_name: str,
                kms_key_arn: pulumi.Input[str], retention_days: int,
                redacted_headers: tuple[str, ...],
                opts: pulumi.ResourceOptions) -> aws.cloudwatch.LogGroup:
    """Log ``web_acl`` to a KMS-encrypted ``aws-waf-logs-<log_group_name>`` group.

    ``redacted_headers`` never reach the logs (credentials, shared secrets). ``opts`` carries
    the parent and the provider of the web ACL's region (CLOUDFRONT scope: us-east-1).
    """
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-logs",
        name=f"{WAF_LOG_GROUP_PREFIX}{log_group_name}",
        retention_in_days=retention_days,
        kms_key_id=kms_key_arn,
        opts=opts,
    )
    # WAF delivers through CloudWatch vended logs; the resource policy lets the delivery
    # service write only to this group, only on behalf of this account's log deliveries.
    logs_arn = log_group.arn.apply(lambda arn: arn.split(":log-group:")[0])
    aws.cloudwatch.LogResourcePolicy(
        f"{name}-log-delivery",
        policy_name=f"{log_group_name}-waf-logs",
        policy_document=pulumi.Output.json_dumps({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "WafDeliversLogs",
                "Effect": "Allow",
                "Principal": {"Service": "delivery.logs.amazonaws.com"},
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": pulumi.Output.concat(log_group.arn, ":*"),
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": logs_arn.apply(
                        lambda arn: arn.split(":")[4])},
                    "ArnLike": {"aws:SourceArn": pulumi.Output.concat(logs_arn, ":*")},
                },
            }],
        }),
        opts=opts,
    )
    aws.wafv2.WebAclLoggingConfiguration(
        f"{name}-logging",
        resource_arn=web_acl.arn,
        log_destination_configs=[log_group.arn],
        redacted_fields=[{"single_header": {"name": h}} for h in redacted_headers],
        opts=opts,
    )
    return log_group


@dataclass(frozen=True)
class EdgeWafArgs:
    """Inputs of :class:`EdgeWaf`: the stack context (prefix, the us-east-1 provider, the key
    there and the log retention) and the per-IP rate limit."""

    context: StackContext
    rate_limit: int


def _visibility(metric: str) -> dict[str, Any]:
    return {"cloudwatch_metrics_enabled": True, "metric_name": metric,
            "sampled_requests_enabled": True}


@dataclass(frozen=True)
class BlockList:
    """The web ACL's IP block list, as the block runbook (components/automation) changes it:
    the IP set's name, id and ARN, and the web ACL and rate rule whose limited IPs it takes."""

    ip_set_name: pulumi.Output[str]
    ip_set_id: pulumi.Output[str]
    ip_set_arn: pulumi.Output[str]
    web_acl_name: pulumi.Output[str]
    web_acl_id: pulumi.Output[str]
    web_acl_arn: pulumi.Output[str]
    rate_rule_name: str = RATE_RULE_NAME


def waf_rules(rate_limit: int, block_list_arn: pulumi.Input[str] | None = None
              ) -> list[dict[str, Any]]:
    """The web ACL's rules: the block list (when given), the managed groups, then a per-IP
    rate-based block."""
    blocked: list[dict[str, Any]] = [] if block_list_arn is None else [{
        "name": BLOCK_RULE_NAME,
        "priority": BLOCK_RULE_PRIORITY,
        "action": {"block": {}},
        "statement": {"ip_set_reference_statement": {"arn": block_list_arn}},
        "visibility_config": _visibility(BLOCK_RULE_NAME),
    }]
    rules: list[dict[str, Any]] = blocked + [
        {
            "name": group,
            "priority": priority,
            "override_action": {"none": {}},
            "statement": {"managed_rule_group_statement": {"vendor_name": "AWS", "name": group}},
            "visibility_config": _visibility(group),
        }
        for priority, group in MANAGED_RULE_GROUPS
    ]
    rules.append({
        "name": RATE_RULE_NAME,
        "priority": RATE_RULE_PRIORITY,
        "action": {"block": {}},
        "statement": {"rate_based_statement": {
            "limit": rate_limit,
            "aggregate_key_type": "IP",
            "evaluation_window_sec": 300,
        }},
        "visibility_config": _visibility(RATE_RULE_NAME),
    })
    return rules


class EdgeWaf(pulumi.ComponentResource):
    """Web ACL with an IP block list, AWS managed rule groups and a rate-based rule, logging to
    CloudWatch Logs."""

    web_acl: aws.wafv2.WebAcl
    blocked_ips: aws.wafv2.IpSet
    arn: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    block_list: BlockList

    def __init__(self, name: str, args: EdgeWafArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:edge:EdgeWaf", name, None, opts)
        context = args.context
        child = pulumi.ResourceOptions(parent=self, provider=context.us_east_1)
        # Empty at first: the block runbook adds addresses and its scheduled run expires them,
        # so the stack must not put back what the runbooks changed.
        self.blocked_ips = aws.wafv2.IpSet(
            f"{name}-blocked-ips",
            name=f"{context.prefix}-blocked-ips",
            description=f"{context.prefix}: client IPs blocked by the block-ip runbook",
            scope="CLOUDFRONT",
            ip_address_version="IPV4",
            addresses=[],
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(ignore_changes=["addresses"])),
        )
        self.web_acl = aws.wafv2.WebAcl(
            f"{name}-acl",
            name=f"{context.prefix}-edge",
            description=f"{context.prefix}: CloudFront web ACL",
            scope="CLOUDFRONT",
            default_action={"allow": {}},
            rules=waf_rules(args.rate_limit, self.blocked_ips.arn),
            visibility_config=_visibility(f"{context.prefix}-edge"),
            opts=child,
        )
        log_group = log_web_acl(
            name, web_acl=self.web_acl, log_group_name=f"{context.prefix}-edge",
            kms_key_arn=context.us_east_1_kms_key_arn,
            retention_days=context.lambdas.log_retention_days,
            redacted_headers=REDACTED_HEADERS, opts=child)
        self.arn = self.web_acl.arn
        self.log_group_name = log_group.name
        self.block_list = BlockList(
            ip_set_name=self.blocked_ips.name, ip_set_id=self.blocked_ips.id,
            ip_set_arn=self.blocked_ips.arn, web_acl_name=self.web_acl.name,
            web_acl_id=self.web_acl.id, web_acl_arn=self.web_acl.arn)
        self.register_outputs({"arn": self.arn, "logGroup": self.log_group_name,
                               "blockedIps": self.blocked_ips.arn})
