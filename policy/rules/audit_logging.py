"""Audit trails a scanner expects and AWS's rules for them: WAF logs, S3 access logs, trail SNS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policy.plan import Plan, PlanResource, as_list
from policy.rules import stack_rule

WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WAF_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
WAF_LOG_PREFIX = "aws-waf-logs-"


def _get(value: Any, *keys: str) -> Any:
    """A nested input, tolerant of camelCase and snake_case keys (both reach the plan)."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in key)
        value = value.get(key, value.get(snake))
    return value


def _exact_headers(acl: PlanResource) -> set[str]:
    """Headers a rule of ``acl`` compares EXACTLY with a fixed value: shared secrets."""
    found = set()
    for rule in as_list(acl.props.get("rules")):
        match = _get(rule, "statement", "byteMatchStatement")
        header = _get(match, "fieldToMatch", "singleHeader", "name")
        if header and _get(match, "positionalConstraint") == "EXACTLY":
            found.add(str(header).lower())
    return found


@stack_rule("waf-web-acl-logging",
            "Every WAF web ACL logs to an aws-waf-logs- log group and redacts the headers it "
            "matches exactly (shared secrets).")
def waf_logging(plan: Plan) -> Iterator[tuple[str, str]]:
    """WAF sends logs only to a CloudWatch Logs log group whose name starts with
    ``aws-waf-logs-`` (https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html),
    through WebAclLoggingConfiguration
    (https://www.pulumi.com/registry/packages/aws/api-docs/wafv2/webacllogingconfiguration/),
    one per web ACL. Logs hold full request headers unless ``RedactedFields`` names them
    (https://docs.aws.amazon.com/waf/latest/developerguide/logging-management.html): a header
    the ACL compares EXACTLY with a value is a credential and must be redacted.
    """
    configs: dict[str, PlanResource] = {}
    for config in plan.of_type(WAF_LOGGING):
        for acl in plan.depends_on(config, "resourceArn"):
            configs[acl.urn] = config
        for group in plan.depends_on(config, "logDestinationConfigs"):
            if group.type == LOG_GROUP and not str(group.props.get("name", "")).startswith(
                    WAF_LOG_PREFIX):
                yield (config.name, f"log group {group.props.get('name')!r} does not start "
                       f"with {WAF_LOG_PREFIX!r}; WAF refuses it as a destination")
    for acl in plan.of_type(WEB_ACL):
        config = configs.get(acl.urn)
        if config is None:
            yield (acl.name, "web ACL has no WebAclLoggingConfiguration: requests it allows "
                   "or blocks leave no trace")
            continue
        redacted = {str(_get(f, "singleHeader", "name")).lower()
                    for f in as_list(config.props.get("redactedFields"))}
        for header in sorted(_exact_headers(acl) - redacted):
            yield (config.name, f"header {header!r} carries the value the web ACL matches "
                   "exactly (a secret) but is not in redactedFields: the logs would leak it")

