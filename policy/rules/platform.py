"""Foundation rules: tags, key rotation, log retention, Lambda shape, no wildcard IAM actions."""

from __future__ import annotations

import importlib
import inspect
import json
from collections.abc import Iterator
from functools import cache
from typing import Any

from ..plan import as_list, statements
from . import ADVISORY, Subject, rule

REQUIRED_TAGS = ("project", "stack", "owner", "cost-center")
IAM_POLICY_TYPES = ("aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy")


@cache
def is_taggable(type_: str) -> bool:
    """Whether the pulumi-aws resource type takes ``tags`` (read from the SDK itself)."""
    parts = type_.split(":")
    if len(parts) != 3 or parts[0] != "aws":
        return False
    module, kind = parts[1].split("/")[0], parts[2]
    for name in (f"pulumi_aws.{module}", f"pulumi_aws.{module}_"):
        try:
            cls = getattr(importlib.import_module(name), kind)
        except (ImportError, AttributeError):
            continue
        return "tags" in inspect.signature(cls._internal_init).parameters
    return False


@rule("required-tags", f"Every taggable AWS resource carries the tags {', '.join(REQUIRED_TAGS)} "
      "(its own or its provider's default tags).")
def required_tags(s: Subject) -> Iterator[str]:
    if not is_taggable(s.type):
        return
    defaults = s.provider_props.get("defaultTags") or {}
    if isinstance(defaults, str):  # providers receive their object inputs as JSON text
        defaults = json.loads(defaults)
    tags = dict(defaults.get("tags") or {})
    tags.update(s.props.get("tags") or {})
    missing = [t for t in REQUIRED_TAGS if not tags.get(t)]
    if missing:
        yield f"missing tags: {', '.join(missing)}"


@rule("kms-key-rotation", "Every customer-managed KMS key rotates automatically.",
      types=("aws:kms/key:Key",))
def kms_rotation(s: Subject) -> Iterator[str]:
    if not s.props.get("enableKeyRotation"):
        yield "enableKeyRotation is not true"


@rule("log-group-retention", "Every log group has a retention period.",
      types=("aws:cloudwatch/logGroup:LogGroup",))
def log_retention(s: Subject) -> Iterator[str]:
    if not s.props.get("retentionInDays"):
        yield "retentionInDays is not set (logs would be kept forever)"


@rule("lambda-arm64-tracing", "Every Lambda function runs on arm64 with X-Ray active tracing.",
      types=("aws:lambda/function:Function",),
      # x86_64 costs more and an untraced function is harder to debug; both still work.
      enforcement=ADVISORY)
def lambda_shape(s: Subject) -> Iterator[str]:
    if _is_edge(s):
        # Documented exception: Lambda@Edge runs only on x86_64; lambda-edge-placement
        # checks the rest of its shape.
        return
    if list(s.props.get("architectures") or []) != ["arm64"]:
        yield f"architectures is {s.props.get('architectures')!r}, not ['arm64']"
    if (s.props.get("tracingConfig") or {}).get("mode") != "Active":
        yield "tracingConfig.mode is not Active"


EDGE_RESTRICTIONS = ("https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/"
                     "lambda-at-edge-function-restrictions.html")


# Current Python runtimes on the Lambda@Edge restrictions page (the pack imports no component).
EDGE_RUNTIMES = ("python3.12", "python3.13")


def _is_edge(s: Subject) -> bool:
    """Whether the function is tagged for Lambda@Edge (components/blocks/lambda_placement)."""
    return (s.props.get("tags") or {}).get("lambda-placement") == "edge"


@rule("lambda-edge-placement",
      "A Lambda@Edge function is in us-east-1, on x86_64, on a runtime Lambda@Edge supports, "
      "without environment variables or layers, and published so CloudFront can reference a "
      "numbered version.",
      types=("aws:lambda/function:Function",))
def lambda_edge_shape(s: Subject) -> Iterator[str]:
    """Restrictions on Lambda@Edge: https://docs.aws.amazon.com/AmazonCloudFront/latest/
    DeveloperGuide/lambda-at-edge-function-restrictions.html (region, version), and
    https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/edge-functions-restrictions.html
    (no environment variables, no layers, x86_64 only); the supported runtimes are that
    page's list (Python 3.7 to 3.13 on 2026-12-03), the current ones in ``EDGE_RUNTIMES``
    (the same as ``components.blocks.lambda_placement.EDGE_ORIGIN.runtimes``)."""
    if not _is_edge(s):
        return
    if list(s.props.get("architectures") or []) != ["x86_64"]:
        yield f"architectures is {s.props.get('architectures')!r}: Lambda@Edge needs ['x86_64']"
    region = s.props.get("region") or s.provider_props.get("region")
    if region != "us-east-1":
        yield f"region is {region!r}: a Lambda@Edge function must be in us-east-1"
    if (s.props.get("environment") or {}).get("variables"):
        yield "environment.variables is set: Lambda@Edge takes no environment variables"
    if s.props.get("layers"):
        yield "layers is set: Lambda@Edge takes no layers"
    if not s.props.get("publish"):
        yield "publish is not true: CloudFront must reference a numbered version"
    runtime = s.props.get("runtime")
    if runtime not in EDGE_RUNTIMES:
        yield (f"runtime is {runtime!r}: Lambda@Edge supports "
               f"{', '.join(EDGE_RUNTIMES)} (of the current Python runtimes)")


def _documents(s: Subject) -> list[Any]:
    """A policy's document, or a role's inline policies' documents."""
    return [s.props.get("policy"),
            *(p.get("policy") for p in s.props.get("inlinePolicies") or [])]


def wildcard_actions(document: Any) -> list[str]:
    """Actions in Allow statements of a policy document that are ``*`` or ``service:*``."""
    found = []
    for statement in statements(document):
        if statement.get("Effect") != "Allow":
            continue
        for action in as_list(statement.get("Action")):
            if action == "*" or str(action).endswith(":*"):
                found.append(str(action))
    return found


@rule("iam-no-wildcard-actions", "No IAM policy statement allows '*' or 'service:*' actions.",
      types=(*IAM_POLICY_TYPES, "aws:iam/role:Role"))
def no_wildcard_actions(s: Subject) -> Iterator[str]:
    for document in _documents(s):
        for action in wildcard_actions(document):
            yield f"statement allows {action!r}"


@rule("iam-describe-alarms-on-star",
      "cloudwatch:DescribeAlarms is granted on '*': narrower, it cannot read composite alarms.",
      types=(*IAM_POLICY_TYPES, "aws:iam/role:Role"))
def describe_alarms_on_star(s: Subject) -> Iterator[str]:
    """A DescribeAlarms grant scoped to alarm ARNs returns no composite alarm, silently.

    "To use this operation and return information about composite alarms, you must be signed
    on with the cloudwatch:DescribeAlarms permission that is scoped to *":
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
    (the alert router reads its upstream composites' states this way).
    """
    for document in _documents(s):
        for statement in statements(document):
            actions = as_list(statement.get("Action"))
            resources = as_list(statement.get("Resource"))
            if (statement.get("Effect") == "Allow" and "cloudwatch:DescribeAlarms" in actions
                    and "*" not in resources):
                yield (f"cloudwatch:DescribeAlarms on {', '.join(map(str, resources))}: "
                       "composite alarms need '*'")
