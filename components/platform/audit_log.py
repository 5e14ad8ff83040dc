"""The audit log group: security events of the platform's own handlers, kept on their own terms."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.platform.context import StackContext


@dataclass(frozen=True)
class AuditLogArgs:
    """Inputs of :class:`AuditLog`: the stack context (prefix, key, and the platform's
    ``auditLogRetentionDays``)."""

    context: StackContext


class AuditLog(pulumi.ComponentResource):
    """KMS-encrypted log group ``/<prefix>/audit`` with its own retention.

    Handlers write failed logins, permission violations and admin actions here
    (``functions/shared/audit.py``); the observability component puts metric filters and
    alarms on it. Writers need ``logs:CreateLogStream`` and ``logs:PutLogEvents`` on
    :attr:`stream_arn`.
    """

    log_group: aws.cloudwatch.LogGroup
    name: pulumi.Output[str]
    arn: pulumi.Output[str]
    stream_arn: pulumi.Output[str]

    def __init__(self, name: str, args: AuditLogArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:security:AuditLog", name, None, opts)
        ctx = args.context
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/{ctx.prefix}/audit",
            retention_in_days=ctx.platform.audit_log_retention_days,
            kms_key_id=ctx.kms_key_arn,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.name = self.log_group.name
        self.arn = self.log_group.arn
        self.stream_arn = pulumi.Output.concat(self.log_group.arn, ":log-stream:*")
        self.register_outputs({"name": self.name, "arn": self.arn})
