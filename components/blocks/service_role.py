"""An IAM role an AWS service assumes, with its least-privilege inline policy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from components.blocks.naming import autoname, limit


def service_role(
    name: str,
    *,
    service: str,
    description: str,
    statements: Sequence[Mapping[str, Any]],
    opts: pulumi.ResourceOptions,
    condition: Mapping[str, Any] | None = None,
) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
    """Role ``<name>-role`` that only ``service`` may assume, and its policy ``<name>-policy``.

    ``condition`` bounds the trust (e.g. ``aws:SourceAccount``, against the confused deputy);
    ``statements`` are the inline policy's statements (never ``*`` actions: the policy pack
    checks).
    """
    trust: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if condition:
        trust["Condition"] = dict(condition)
    role = aws.iam.Role(
        f"{name}-role",
        name=autoname(f"{name}-role", limit("aws:iam/role:Role")),
        description=description,
        assume_role_policy=pulumi.Output.json_dumps({"Version": "2012-10-17",
                                                     "Statement": [trust]}),
        opts=opts,
    )
    policy = aws.iam.RolePolicy(
        f"{name}-policy",
        role=role.id,
        policy=pulumi.Output.json_dumps({"Version": "2012-10-17",
                                         "Statement": list(statements)}),
        opts=opts,
    )
    return role, policy
