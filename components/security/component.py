"""Security monitoring: CloudTrail, the CIS benchmark alarms, GuardDuty, Security Hub.

The trail records every region's management events with log file validation, encrypted with
the stack key, to its own bucket (versioned, public access blocked, TLS only, Object Lock per
config) and to a CloudWatch log group. The CIS AWS Foundations Benchmark monitoring controls
(CloudWatch.1-14) are metric filters on that group, each alarmed to a severity topic: one
table, one loop, every alarm planned by the one alarm factory and named
``<prefix>-cis-<check>-<severity>``. GuardDuty and Security Hub findings reach the topics
through EventBridge rules by severity, also a table (:mod:`.finding_routes`). Security Hub
subscribes to the standards of ``securityHubStandards``; with it, a weekly compliance report
(:mod:`.compliance_report`) goes to the info topic and the lake.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.blocks.monitored_items import MonitoredItem
from components.blocks.secure_bucket import SecureBucket, SecureBucketArgs
from components.blocks.service_role import service_role
from components.config import SecurityConfig
from components.observability import alarm_factory
from components.platform.context import StackContext
from components.platform.event_routes import EventRoute, route_events
from components.security.compliance_report import ComplianceReport, ComplianceReportArgs
from components.security.data_events import DELETION_WATCHES, advanced_selectors
from components.security.finding_routes import GUARDDUTY_ROUTES, SECURITYHUB_ROUTES
from components.security.standards import standard_slug, standards_arn


@dataclass(frozen=True)
class CisCheck:
    """One CIS monitoring control: metric filter pattern and the topic its alarm goes to."""

    name: str
    control: str
    description: str
    pattern: str
    severity: str


# CIS AWS Foundations Benchmark v1.4/v3.0 section 4 (Security Hub CloudWatch.1-14) patterns.
CIS_CHECKS: tuple[CisCheck, ...] = (
    CisCheck("unauthorized-api-calls", "CloudWatch.2", "Unauthorized API calls",
             '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
             "warning"),
    CisCheck("console-signin-without-mfa", "CloudWatch.3", "Console sign-in without MFA",
             '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
             '($.userIdentity.type = "IAMUser") && '
             '($.responseElements.ConsoleLogin = "Success") }', "critical"),
    CisCheck("root-account-usage", "CloudWatch.1", "Use of the root account",
             '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && '
             '$.eventType != "AwsServiceEvent" }', "critical"),
    CisCheck("iam-policy-changes", "CloudWatch.4", "IAM policy changes",
             "{ ($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || "
             "($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || "
             "($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || "
             "($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || "
             "($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || "
             "($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || "
             "($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || "
             "($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy) }", "warning"),
    CisCheck("cloudtrail-config-changes", "CloudWatch.5", "CloudTrail configuration changes",
             "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || "
             "($.eventName = DeleteTrail) || ($.eventName = StartLogging) || "
             "($.eventName = StopLogging) }", "critical"),
    CisCheck("console-auth-failures", "CloudWatch.6", "Console authentication failures",
             '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
             "warning"),
    CisCheck("cmk-disabled-or-deleted", "CloudWatch.7",
             "Disabling or scheduled deletion of customer managed keys",
             "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || "
             "($.eventName = ScheduleKeyDeletion)) }", "critical"),
    CisCheck("s3-bucket-policy-changes", "CloudWatch.8", "S3 bucket policy changes",
             "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || "
             "($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || "
             "($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || "
             "($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || "
             "($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }",
             "warning"),
    CisCheck("aws-config-changes", "CloudWatch.9", "AWS Config configuration changes",
             "{ ($.eventSource = config.amazonaws.com) && "
             "(($.eventName = StopConfigurationRecorder) || ($.eventName = DeleteDeliveryChannel) "
             "|| ($.eventName = PutDeliveryChannel) || "
             "($.eventName = PutConfigurationRecorder)) }", "warning"),
    CisCheck("security-group-changes", "CloudWatch.10", "Security group changes",
             "{ ($.eventName = AuthorizeSecurityGroupIngress) || "
             "($.eventName = AuthorizeSecurityGroupEgress) || "
             "($.eventName = RevokeSecurityGroupIngress) || "
             "($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) "
             "|| ($.eventName = DeleteSecurityGroup) }", "warning"),
    CisCheck("nacl-changes", "CloudWatch.11", "Network ACL changes",
             "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || "
             "($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || "
             "($.eventName = ReplaceNetworkAclEntry) || "
             "($.eventName = ReplaceNetworkAclAssociation) }", "warning"),
    CisCheck("network-gateway-changes", "CloudWatch.12", "Network gateway changes",
             "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) "
             "|| ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) "
             "|| ($.eventName = DeleteInternetGateway) || "
             "($.eventName = DetachInternetGateway) }", "warning"),
    CisCheck("route-table-changes", "CloudWatch.13", "Route table changes",
             "{ ($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || "
             "($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || "
             "($.eventName = ReplaceRouteTableAssociation) || "
             "($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || "
             "($.eventName = DisassociateRouteTable)) }", "warning"),
    CisCheck("vpc-changes", "CloudWatch.14", "VPC changes",
             "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || "
             "($.eventName = ModifyVpcAttribute) || "
             "($.eventName = AcceptVpcPeeringConnection) || "
             "($.eventName = CreateVpcPeeringConnection) || "
             "($.eventName = DeleteVpcPeeringConnection) || "
             "($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) "
             "|| ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) "
             "|| ($.eventName = EnableVpcClassicLink) }", "warning"),
)

CIS_PERIOD_SECONDS = 300


@dataclass(frozen=True)
class LakeTarget:
    """The data lake's bucket and Glue database, as the analytics component names them."""

    bucket_name: pulumi.Input[str]
    bucket_arn: pulumi.Input[str]
    database_name: pulumi.Input[str]


@dataclass(frozen=True)
class SecurityMonitoringArgs:
    """Inputs of :class:`SecurityMonitoring`: the stack context (names, region, owner, key,
    severity topics, runbook, access log target, the DLQ retention) and the security config."""

    context: StackContext
    security: SecurityConfig
    # Data events (``dataEvents``) cover these; their owners hand them over as typed outputs.
    data_event_table_arns: tuple[pulumi.Input[str], ...] = ()
    data_event_bucket_names: tuple[pulumi.Input[str], ...] = ()
    # Where the weekly compliance report goes (``complianceReportEnabled``): the lake.
    lake: LakeTarget | None = None


class SecurityMonitoring(pulumi.ComponentResource):
    """CloudTrail to S3 and CloudWatch Logs, CIS alarms, GuardDuty, Security Hub routing."""

    trail: aws.cloudtrail.Trail
    trail_bucket: SecureBucket
    trail_log_group: aws.cloudwatch.LogGroup
    cis_alarms: dict[str, aws.cloudwatch.MetricAlarm]
    cis_alarm_arns: list[pulumi.Output[str]]  # none when another stack owns the baseline
    deletion_alarms: dict[str, aws.cloudwatch.MetricAlarm]
    detector: aws.guardduty.Detector | None
    compliance_report: ComplianceReport | None
    trail_name: pulumi.Output[str]
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: SecurityMonitoringArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:security:SecurityMonitoring", name, None, opts)
        self._name, self._ctx, self._cfg = name, args.context, args.security
        self._selectors = advanced_selectors(args.security.data_events,
                                             args.data_event_table_arns,
                                             args.data_event_bucket_names)
        self._child = pulumi.ResourceOptions(parent=self)
        self._trail()
        # The CIS checks watch account-wide management events: like GuardDuty and Security
        # Hub they belong to the account baseline, or every stack in the account pages twice.
        self.cis_alarms = self._cis_alarms() if self._ctx.owns_account_baseline else {}
        self.cis_alarm_arns = [alarm.arn for alarm in self.cis_alarms.values()]
        # Deletions are data events: write selection (writes or all) is what logs them.
        self.deletion_alarms = self._deletion_alarms() if self._selectors else {}
        routes = [*self._guardduty(), *self._securityhub()]
        self.compliance_report = self._compliance_report(args.lake)
        self.monitored_items = (*self._route_findings(routes), *(
            self.compliance_report.monitored_items if self.compliance_report else ()))
        self.register_outputs({
            "trailName": self.trail_name,
            "trailBucket": self.trail_bucket.name,
            "trailLogGroup": self.trail_log_group.name,
            "guardDutyDetectorId": self.detector.id if self.detector else None,
        })

    @property
    def trail_bucket_name(self) -> pulumi.Output[str]:
        """The name of the bucket the trail delivers to."""
        return self.trail_bucket.name

    @property
    def trail_log_group_name(self) -> pulumi.Output[str]:
        """The CloudWatch log group the trail delivers to (the CIS filters read it)."""
        return self.trail_log_group.name

    def _trail(self) -> None:
        """The multi-region trail, its bucket, its log group and the role that writes there."""
        name, ctx, cfg, child = self._name, self._ctx, self._cfg, self._child
        trail_name = f"{ctx.prefix}-trail"
        trail_arn = pulumi.Output.concat("arn:aws:cloudtrail:", ctx.region, ":",
                                         ctx.account_id, ":trail/", trail_name)
        self.trail_bucket = SecureBucket(
            f"{name}-trail",
            SecureBucketArgs(
                kms_key_arn=ctx.kms_key_arn,
                object_lock_days=cfg.trail_object_lock_days or None,
                lifecycle_rules=[{
                    "id": "expire-trail-logs", "status": "Enabled", "filter": {"prefix": ""},
                    "expiration": {"days": cfg.trail_retention_days},
                }],
                policy_statements=trail_bucket_statements(f"{name}-trail", ctx.account_id,
                                                          trail_arn),
                access_log_bucket=ctx.access_log_bucket,
                access_log_prefix="trail/",
            ),
            opts=child,
        )
        self.trail_log_group = aws.cloudwatch.LogGroup(
            f"{name}-trail-logs",
            name=f"/aws/cloudtrail/{trail_name}",
            retention_in_days=cfg.trail_log_retention_days,
            kms_key_id=ctx.kms_key_arn,
            opts=child,
        )
        logs_role, logs_policy = service_role(
            f"{name}-trail-logs",
            service="cloudtrail.amazonaws.com",
            description="Lets CloudTrail deliver the trail to its CloudWatch log group",
            condition={"StringEquals": {"aws:SourceArn": trail_arn}},
            statements=[{
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": pulumi.Output.concat(self.trail_log_group.arn, ":log-stream:*"),
            }],
            opts=child,
        )
        self.trail = aws.cloudtrail.Trail(
            f"{name}-trail",
            name=trail_name,
            s3_bucket_name=self.trail_bucket.name,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            enable_logging=True,
            kms_key_id=ctx.kms_key_arn,
            cloud_watch_logs_group_arn=pulumi.Output.concat(self.trail_log_group.arn, ":*"),
            cloud_watch_logs_role_arn=logs_role.arn,
            advanced_event_selectors=self._selectors,
            opts=pulumi.ResourceOptions(parent=self,
                                        depends_on=[self.trail_bucket, logs_policy]),
        )
        self.trail_name = self.trail.name

    def _cis_alarms(self) -> dict[str, aws.cloudwatch.MetricAlarm]:
        """One metric filter on the trail's log group and one alarm per CIS check."""
        ctx = self._ctx
        return {
            check.name: self._log_alarm(
                check.name, check.pattern, check.severity, f"{ctx.prefix}/CISBenchmark",
                subject="cis", threshold=1, runbook_anchor=f"cis-{check.name}",
                summary=f"CIS {check.control}: {check.description} recorded by CloudTrail.")
            for check in CIS_CHECKS if ctx.keeps_alarm(check.severity)
        }

    def _deletion_alarms(self) -> dict[str, aws.cloudwatch.MetricAlarm]:
        """A filter on the trail's log group and one alarm per kind of data deletion."""
        ctx = self._ctx
        return {
            watch.name: self._log_alarm(
                watch.name, watch.pattern, watch.severity, f"{ctx.prefix}/DataEvents",
                subject="data", threshold=watch.threshold,
                runbook_anchor=f"security-data-{watch.name}",
                summary=f"{watch.description}: {watch.threshold} or more in 5 minutes.")
            for watch in DELETION_WATCHES if ctx.keeps_alarm(watch.severity)
        }

    def _log_alarm(self, metric: str, pattern: str, severity: str, namespace: str, *,
                   subject: str, threshold: int, runbook_anchor: str,
                   summary: str) -> aws.cloudwatch.MetricAlarm:
        """A metric filter counting ``pattern`` in the trail's log group, and its alarm."""
        name, ctx = self._name, self._ctx
        metric_filter = aws.cloudwatch.LogMetricFilter(
            f"{name}-{metric}",
            name=f"{ctx.prefix}-{metric}",
            log_group_name=self.trail_log_group.name,
            pattern=pattern,
            metric_transformation=aws.cloudwatch.LogMetricFilterMetricTransformationArgs(
                name=metric, namespace=namespace, value="1", default_value="0", unit="Count"),
            opts=self._child,
        )
        planned = alarm_factory.log_pattern_plan(
            # The logical name predates the severity suffix; kept, so no new URN.
            resource_name=f"{name}-{metric}-alarm", prefix=ctx.prefix, subject=subject,
            metric=metric, severity=severity, namespace=namespace, metric_name=metric,
            summary=summary, runbook_url=alarm_factory.runbook(ctx.runbook_base_url,
                                                               runbook_anchor),
            threshold=threshold, comparison="GreaterThanOrEqualToThreshold")
        return alarm_factory.create(planned, ctx.topic_arns,
                                    pulumi.ResourceOptions(parent=self, depends_on=[metric_filter]))

    def _guardduty(self) -> tuple[EventRoute, ...]:
        """The detector and its features when ``guardDutyEnabled``; the routes of its findings."""
        self.detector = None
        cfg = self._cfg
        if not cfg.guardduty_enabled:
            return ()
        self.detector = aws.guardduty.Detector(
            f"{self._name}-guardduty",
            enable=True,
            finding_publishing_frequency=cfg.guardduty_frequency,
            opts=self._child,
        )
        for feature in cfg.guardduty_features:
            aws.guardduty.DetectorFeature(
                f"{self._name}-guardduty-{feature.lower().replace('_', '-')}",
                detector_id=self.detector.id,
                name=feature,
                status="ENABLED",
                opts=self._child,
            )
        return GUARDDUTY_ROUTES

    def _securityhub(self) -> tuple[EventRoute, ...]:
        """Security Hub and its standards when ``securityHubEnabled``; its finding routes."""
        if not self._cfg.securityhub_enabled:
            return ()
        hub = aws.securityhub.Account(
            f"{self._name}-securityhub",
            enable_default_standards=False,
            control_finding_generator="SECURITY_CONTROL",
            auto_enable_controls=True,
            opts=self._child,
        )
        for short in self._cfg.securityhub_standards:
            # AWS refuses a subscription until the hub is enabled: depends_on orders it.
            aws.securityhub.StandardsSubscription(
                f"{self._name}-securityhub-{standard_slug(short)}",
                standards_arn=standards_arn(self._ctx.region, short),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[hub]),
            )
        return SECURITYHUB_ROUTES

    def _compliance_report(self, lake: LakeTarget | None) -> ComplianceReport | None:
        """The weekly report of the hub's standards (``complianceReportEnabled``)."""
        if not self._cfg.compliance_report_enabled or lake is None:
            return None
        return ComplianceReport(f"{self._ctx.prefix}-compliance-report", ComplianceReportArgs(
            context=self._ctx, standards=self._cfg.securityhub_standards,
            lake_bucket_name=lake.bucket_name, lake_bucket_arn=lake.bucket_arn,
            database_name=lake.database_name), opts=self._child)

    def _route_findings(self, routes: list[EventRoute]) -> tuple[MonitoredItem, ...]:
        """EventBridge rules from the findings to the severity topics; their monitored items."""
        if not routes:
            return ()
        ctx = self._ctx
        routed = route_events(f"{ctx.prefix}-findings", routes, ctx.topic_arns,
                              ctx.kms_key_arn, ctx.lambdas.dlq_retention_days, ctx.region,
                              ctx.owner, self)
        return routed.monitored_items


def trail_bucket_statements(bucket_component: str, account_id: pulumi.Input[str],
                            trail_arn: pulumi.Input[str]) -> list[dict[str, object]]:
    """CloudTrail's write access to its bucket, only on behalf of this stack's trail.

    SecureBucket names the bucket ``<component name>-<random>``, so the statements name it
    by that prefix; the ``aws:SourceArn`` condition limits them to the one trail.
    """
    bucket = f"arn:aws:s3:::{bucket_component[:36]}-*"
    condition = {"StringEquals": {"aws:SourceArn": trail_arn}}
    return [
        {"Sid": "CloudTrailAclCheck", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": bucket, "Condition": condition},
        {"Sid": "CloudTrailWrite", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject",
         "Resource": pulumi.Output.concat(bucket, "/AWSLogs/", account_id, "/*"),
         "Condition": {"StringEquals": {"aws:SourceArn": trail_arn,
                                        "s3:x-amz-acl": "bucket-owner-full-control"}}},
    ]
