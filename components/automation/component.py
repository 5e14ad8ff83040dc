"""Automated responses: Systems Manager Automation runbooks the stack owns, started by events.

Each runbook (:mod:`components.automation.runbooks`) becomes an ``Automation`` document with
its own least-privilege assume role, and an EventBridge rule whose target starts it:

========================  ======================================  ============================
runbook                   started by                              where
========================  ======================================  ============================
redrive-dead-letters      the depth alarms of the DLQs whose      default bus, stack region
                          messages name a Lambda function
block-ip                  the edge WAF rate-limit alarm            default bus, us-east-1
expire-blocked-ips        a schedule (``automationExpiryMinutes``) us-east-1
deactivate-access-key     GuardDuty credential findings >= 7       default bus, stack region
invalidate-listing        ``ListingCacheInvalidationRequested``    the stack's bus
========================  ======================================  ============================

The target's ARN is the document's ``automation-definition/<name>:$DEFAULT``; EventBridge
starts it with a role that may only start that definition and pass that runbook's role
(https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-cwe-target.html);
an input transformer maps the event's fields onto the document's parameters, each value a
one-item list as StartAutomationExecution takes them. Every target retries for an hour and
keeps what still fails in a dead-letter queue of its region. The WAF runbooks live in
us-east-1 with the CloudFront-scoped web ACL, its alarm and the expiry record.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.automation.config_keys import AutomationConfig
from components.automation.documents import Runbook, content
from components.automation.runbooks import (
    BLOCK_IP,
    DEACTIVATE_KEY,
    EXPIRE_IPS,
    INVALIDATE_LISTING,
    REDRIVE,
)
from components.automation.triggers import (
    INVALIDATION_REQUEST,
    OPERATIONS_SOURCE,
    Trigger,
    alarm_pattern,
    dlq_alarms,
    finding_pattern,
    template,
)
from components.blocks.dead_letter_queue import DeadLetterQueue, DeadLetterQueueArgs
from components.blocks.monitored_items import MonitoredItem
from components.blocks.naming import autoname, fit, limit
from components.blocks.service_role import service_role
from components.edge.waf import BlockList
from components.observability import alarm_factory
from components.observability.alarm_plans import AlarmPlan, alarm_name, describe
from components.platform.context import StackContext

EDGE_REGION = "us-east-1"
# An automation started an hour late is better started by hand from its runbook.
MAX_EVENT_AGE_SECONDS = 3600
MAX_RETRY_ATTEMPTS = 10
RATE_LIMIT_ALARM = ("edge-waf", "rate-limited")


@dataclass(frozen=True)
class ResponsesArgs:
    """Inputs of :class:`Responses`.

    ``items`` are the monitored items of everything watched (the DLQ depth alarms come from
    them, named by the one alarm naming scheme); ``block_list`` is the edge web ACL's (None:
    the stack has no AWS WAF, and no block runbooks).
    """

    context: StackContext
    config: AutomationConfig
    items: Sequence[MonitoredItem]
    audit_log_group_name: pulumi.Input[str]
    audit_log_stream_arn: pulumi.Input[str]
    event_bus_name: pulumi.Input[str]
    distribution_id: pulumi.Input[str]
    distribution_arn: pulumi.Input[str]
    block_list: BlockList | None = None


class Responses(pulumi.ComponentResource):
    """The runbooks, their roles, the rules that start them and their dead-letter queues."""

    documents: dict[str, aws.ssm.Document]
    document_names: dict[str, pulumi.Output[str]]
    redrive_alarms: tuple[str, ...]
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: ResponsesArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:automation:Responses", name, None, opts)
        self._name, self._args, self._ctx = name, args, args.context
        ctx = args.context
        self._here = pulumi.ResourceOptions(parent=self)
        self._edge = pulumi.ResourceOptions(parent=self, provider=ctx.us_east_1)
        self.documents = {}
        # region -> rules, and their targets, made once every rule of the region exists
        self._pending: dict[str, list[tuple[str, aws.cloudwatch.EventRule, dict[str, Any]]]] = {
            ctx.region: [], EDGE_REGION: []}
        self._audit = [{"Sid": "WriteAuditRecords", "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": args.audit_log_stream_arn}]
        alarms = dlq_alarms(args.items, ctx.prefix, ctx.keeps_alarm)
        self.redrive_alarms = tuple(sorted(alarms))
        if args.config.approver_roles and alarms:
            self._redrive(alarms)
        self._deactivate_key()
        self._invalidate()
        if args.block_list is not None:
            self._block(args.block_list)
        dead_letters = self._targets()
        self.document_names = {k: d.name for k, d in self.documents.items()}
        self.monitored_items = tuple(i for q in dead_letters for i in q.monitored_items)
        self.register_outputs({"documents": self.document_names})

    # -- one runbook: its role, its document, its rule ------------------------------------

    def _runbook(self, job: Runbook, statements: list[dict[str, Any]], *, edge: bool = False,
                 defaults: Mapping[str, pulumi.Input[Any]] | None = None,
                 approvers: Sequence[pulumi.Input[str]] = ()
                 ) -> tuple[aws.ssm.Document, aws.iam.Role]:
        ctx, cfg = self._ctx, self._args.config
        region = EDGE_REGION if edge else ctx.region
        opts = self._edge if edge else self._here
        logical = f"{self._name}-{job.key}"
        role, policy = service_role(
            logical, service="ssm.amazonaws.com",
            description=f"{ctx.prefix}: the {job.key} runbook's automation",
            statements=[*statements, *self._audit],
            # Only automations of this account and region assume it (confused deputy).
            condition={"StringEquals": {"aws:SourceAccount": ctx.account_id},
                       "ArnLike": {"aws:SourceArn": pulumi.Output.concat(
                           "arn:aws:ssm:", region, ":", ctx.account_id,
                           ":automation-execution/*")}},
            opts=self._here)
        document = aws.ssm.Document(
            logical,
            name=f"{ctx.prefix}-{job.key}",
            document_type="Automation",
            document_format="JSON",
            content=content(job, role_arn=role.arn, dry_run=cfg.dry_run,
                            audit_log_group=self._args.audit_log_group_name,
                            audit_region=ctx.region,
                            runbook_url=f"{ctx.runbook_base_url}#{job.anchor}",
                            defaults=defaults, approvers=approvers),
            # The role's permissions exist before anything can start the runbook.
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(
                depends_on=[policy])))
        self.documents[job.key] = document
        return document, role

    def _start(self, job: Runbook, document: aws.ssm.Document, role: aws.iam.Role,
               trigger: Trigger, description: str, *, edge: bool = False) -> None:
        """The rule of ``job`` and, once its region's DLQ exists, its target."""
        ctx = self._ctx
        region = EDGE_REGION if edge else ctx.region
        logical = f"{self._name}-{job.key}"
        rule = aws.cloudwatch.EventRule(
            f"{logical}-rule",
            name=fit(f"{ctx.prefix}-{job.key}", limit("aws:cloudwatch/eventRule:EventRule")),
            description=description,
            event_bus_name=trigger.bus,
            event_pattern=(json.dumps(trigger.pattern, sort_keys=True)
                           if trigger.pattern is not None else None),
            schedule_expression=trigger.schedule,
            state="ENABLED",
            opts=self._edge if edge else self._here)
        definition = pulumi.Output.concat("arn:aws:ssm:", region, ":", ctx.account_id,
                                          ":automation-definition/", document.name, ":$DEFAULT")
        starter, policy = service_role(
            f"{logical}-start", service="events.amazonaws.com",
            description=f"{ctx.prefix}: EventBridge starts the {job.key} runbook",
            statements=[
                {"Sid": "StartRunbook", "Effect": "Allow",
                 "Action": ["ssm:StartAutomationExecution"], "Resource": definition},
                {"Sid": "PassRunbookRole", "Effect": "Allow", "Action": ["iam:PassRole"],
                 "Resource": role.arn,
                 "Condition": {"StringEquals": {"iam:PassedToService": "ssm.amazonaws.com"}}},
            ],
            condition={"StringEquals": {"aws:SourceAccount": ctx.account_id}},
            opts=self._here)
        target: dict[str, Any] = {"arn": definition, "role_arn": starter.arn,
                                  "event_bus_name": trigger.bus, "policy": policy}
        if trigger.input_template is not None:
            target["input_transformer"] = aws.cloudwatch.EventTargetInputTransformerArgs(
                input_paths=dict(trigger.input_paths or {}),
                input_template=trigger.input_template)
        else:
            target["input"] = "{}"  # the document's defaults
        self._pending[region].append((logical, rule, target))

    def _targets(self) -> list[DeadLetterQueue]:
        """One DLQ per region for its rules, then every target with retries and that DLQ."""
        ctx = self._ctx
        queues = []
        for region, pending in self._pending.items():
            if not pending:
                continue
            edge = region != ctx.region
            suffix = "-edge" if edge else ""
            queue = DeadLetterQueue(
                f"{self._name}-dead-letters{suffix}",
                DeadLetterQueueArgs(
                    kms_key_arn=ctx.us_east_1_kms_key_arn if edge else ctx.kms_key_arn,
                    retention_days=ctx.lambdas.dlq_retention_days, region=region,
                    owner=ctx.owner, sender_service="events.amazonaws.com",
                    sender_arns=tuple(rule.arn for _, rule, _ in pending)),
                opts=self._edge if edge else self._here)
            queues.append(queue)
            for logical, rule, target in pending:
                policy = target.pop("policy")
                aws.cloudwatch.EventTarget(
                    f"{logical}-target",
                    target_id=autoname(f"{logical}-target",
                                       limit("aws:cloudwatch/eventTarget:EventTarget",
                                             "targetId")),
                    rule=rule.name,
                    retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(
                        maximum_event_age_in_seconds=MAX_EVENT_AGE_SECONDS,
                        maximum_retry_attempts=MAX_RETRY_ATTEMPTS),
                    dead_letter_config=aws.cloudwatch.EventTargetDeadLetterConfigArgs(
                        arn=queue.arn),
                    opts=pulumi.ResourceOptions.merge(
                        self._edge if edge else self._here,
                        pulumi.ResourceOptions(depends_on=[policy])),
                    **target)
        return queues

    # -- the jobs ------------------------------------------------------------------------

    def _redrive(self, alarms: Mapping[str, MonitoredItem]) -> None:
        ctx, cfg = self._ctx, self._args.config
        names = {a: i.dimensions["QueueName"] for a, i in alarms.items()}
        queue_arns = [pulumi.Output.concat("arn:aws:sqs:", ctx.region, ":", ctx.account_id,
                                           ":", n) for n in names.values()]
        queues = pulumi.Output.all(*names.values()).apply(lambda ns: ns)
        urls = pulumi.Output.all(ctx.account_id, queues).apply(lambda v: {
            alarm: f"https://sqs.{ctx.region}.amazonaws.com/{v[0]}/{queue}"
            for alarm, queue in zip(names, v[1], strict=True)})
        prefix = pulumi.Output.concat("arn:aws:lambda:", ctx.region, ":", ctx.account_id,
                                      ":function:", ctx.prefix, "-")
        approvers = [pulumi.Output.concat("arn:aws:iam::", ctx.account_id, ":role/", r)
                     for r in cfg.approver_roles]
        document, role = self._runbook(REDRIVE, [
            {"Sid": "ReadAndDeleteDeadLetters", "Effect": "Allow",
             "Action": ["sqs:GetQueueAttributes", "sqs:ReceiveMessage", "sqs:DeleteMessage"],
             "Resource": queue_arns},
            {"Sid": "DecryptDeadLetters", "Effect": "Allow", "Action": ["kms:Decrypt"],
             "Resource": ctx.kms_key_arn},
            {"Sid": "ReplayIntoStackFunctions", "Effect": "Allow",
             "Action": ["lambda:InvokeFunction"],
             "Resource": pulumi.Output.concat(prefix, "*")},
        ], defaults={"Queues": urls, "FunctionArnPrefix": prefix,
                     "MaxMessages": cfg.redrive_max_messages}, approvers=approvers)
        self._start(REDRIVE, document, role, Trigger(
            pattern=alarm_pattern(list(alarms)), input_paths={"alarm": "$.detail.alarmName"},
            input_template=template({"AlarmName": "alarm"})),
            "A dead-letter queue holds messages: redrive it after approval")

    def _deactivate_key(self) -> None:
        ctx = self._ctx
        document, role = self._runbook(DEACTIVATE_KEY, [
            # IAM users are the only resource UpdateAccessKey takes; no condition key narrows
            # it further (https://docs.aws.amazon.com/service-authorization/latest/reference/
            # list_awsidentityandaccessmanagementiam.html).
            {"Sid": "DeactivateUserKeys", "Effect": "Allow",
             "Action": ["iam:ListAccessKeys", "iam:UpdateAccessKey"],
             "Resource": pulumi.Output.concat("arn:aws:iam::", ctx.account_id, ":user/*")},
        ])
        key = "$.detail.resource.accessKeyDetails"
        self._start(DEACTIVATE_KEY, document, role, Trigger(
            pattern=finding_pattern(),
            input_paths={"key": f"{key}.accessKeyId", "user": f"{key}.userName",
                         "type": f"{key}.userType", "finding": "$.detail.id",
                         "kind": "$.detail.type", "severity": "$.detail.severity"},
            input_template=template({"AccessKeyId": "key", "UserName": "user",
                                     "UserType": "type", "FindingId": "finding",
                                     "FindingType": "kind", "Severity": "severity"})),
            "High-severity GuardDuty credential finding: deactivate the access key")

    def _invalidate(self) -> None:
        args = self._args
        document, role = self._runbook(INVALIDATE_LISTING, [
            {"Sid": "InvalidateDistribution", "Effect": "Allow",
             "Action": ["cloudfront:CreateInvalidation"], "Resource": args.distribution_arn},
        ], defaults={"DistributionId": args.distribution_id})
        self._start(INVALIDATE_LISTING, document, role, Trigger(
            pattern={"source": [OPERATIONS_SOURCE], "detail-type": [INVALIDATION_REQUEST]},
            input_paths={"listing": "$.detail.listing_id", "id": "$.id"},
            input_template=template({"ListingId": "listing", "Reference": "id"}),
            bus=args.event_bus_name),
            "A listing's cached paths are asked to be invalidated")

    def _block(self, block: BlockList) -> None:
        ctx, cfg = self._ctx, self._args.config
        expiry = aws.ssm.Parameter(
            f"{self._name}-blocked-ips",
            name=f"/{ctx.prefix}/automation/blocked-ips",
            description="When each IP the block-ip runbook blocked expires (JSON)",
            type="String",
            tier="Standard",
            value="{}",
            # The runbooks own the value once it exists.
            opts=pulumi.ResourceOptions.merge(
                self._edge, pulumi.ResourceOptions(ignore_changes=["value"])))
        ip_set = [{"Sid": "ChangeBlockList", "Effect": "Allow",
                   "Action": ["wafv2:GetIPSet", "wafv2:UpdateIPSet"],
                   "Resource": block.ip_set_arn},
                  {"Sid": "KeepExpiries", "Effect": "Allow",
                   "Action": ["ssm:GetParameter", "ssm:PutParameter"],
                   "Resource": expiry.arn}]
        common = {"IpSetName": block.ip_set_name, "IpSetId": block.ip_set_id,
                  "ExpiryParameter": expiry.name}
        document, role = self._runbook(BLOCK_IP, [
            *ip_set,
            {"Sid": "ReadRateLimitedIps", "Effect": "Allow",
             "Action": ["wafv2:GetRateBasedStatementManagedKeys"],
             "Resource": block.web_acl_arn},
        ], edge=True, defaults={**common, "WebAclName": block.web_acl_name,
                                "WebAclId": block.web_acl_id,
                                "RuleName": block.rate_rule_name,
                                "BlockHours": cfg.block_hours})
        alarm = self._rate_alarm(block)
        self._start(BLOCK_IP, document, role, Trigger(
            pattern=alarm_pattern([alarm]), input_paths={"alarm": "$.detail.alarmName"},
            input_template=template({"AlarmName": "alarm"})),
            "The edge rate limit is blocking clients: block them for longer", edge=True)
        document, role = self._runbook(EXPIRE_IPS, ip_set, edge=True, defaults=common)
        self._start(EXPIRE_IPS, document, role, Trigger(
            schedule=f"rate({cfg.expiry_minutes} minutes)"),
            "Unblock the client IPs whose block has expired", edge=True)

    def _rate_alarm(self, block: BlockList) -> str:
        """The alarm the block runbook starts on: the rate rule blocked requests (us-east-1)."""
        ctx = self._ctx
        severity = "warning"
        url = f"{ctx.runbook_base_url}#{BLOCK_IP.anchor}"
        name = alarm_name(ctx.prefix, *RATE_LIMIT_ALARM, severity=severity)
        plan = AlarmPlan(
            resource_name=f"{self._name}-{'-'.join(RATE_LIMIT_ALARM)}-{severity}",
            alarm_name=name,
            description=describe(severity, (
                f"WAF web ACL {ctx.prefix}-edge: the {block.rate_rule_name} rule blocked "
                "requests in the last 5 minutes; the block-ip runbook blocks those clients "
                "for longer."), url),
            severity=severity, runbook_url=url, namespace="AWS/WAFV2",
            comparison_operator="GreaterThanThreshold", threshold=0, period=300,
            evaluation_periods=1, datapoints_to_alarm=1, treat_missing_data="notBreaching",
            # CloudFront web ACLs' metrics carry no Region dimension.
            dimensions={"WebACL": f"{ctx.prefix}-edge", "Rule": block.rate_rule_name},
            metric_name="BlockedRequests", statistic="Sum", label="Rate-limited requests")
        alarm_factory.create(plan, ctx.edge_topic_arns, self._edge)
        return name
