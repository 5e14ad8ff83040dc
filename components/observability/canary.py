"""A Synthetics canary on the public API's health route, and the availability alarm on it.

Behind ``canaryEnabled``. The script is ``functions/canary/health_canary.py`` (Python
runtime, packaged under ``python/`` as Synthetics expects); artifacts go to a KMS-encrypted
bucket that keeps them ``canaryRetentionDays``. The role may write only its artifacts,
its own logs, X-Ray segments and metrics in the ``CloudWatchSynthetics`` namespace.
"""

from __future__ import annotations

import re

import pulumi
import pulumi_aws as aws

from components.blocks.naming import fit
from components.blocks.secure_bucket import SecureBucket, SecureBucketArgs
from components.blocks.service_role import service_role
from components.observability import alarm_factory
from components.platform.context import StackContext

SCRIPT = "functions/canary/health_canary.py"
HANDLER = "health_canary.handler"
# CreateCanary takes 1-255 characters of [0-9a-z_-] today but took 21 until recently; a name
# within 21 is valid under both and stays readable inside the canary's Lambda function name.
CANARY_NAME_LIMIT = 21
SUCCESS_THRESHOLD = 90  # % of runs in an evaluation window


def canary_name(prefix: str) -> str:
    """``<prefix>-hc`` when it fits Synthetics' 21 characters, else a shortened, hashed form.

    The hash keeps names of different stacks apart when their prefixes share a beginning.
    """
    cleaned = re.sub(r"[^0-9a-z_-]", "-", prefix.lower())
    return fit(f"{cleaned}-hc", CANARY_NAME_LIMIT, keep="-hc")


class HealthCanary:
    """The canary, its artifact bucket and role, and its SuccessPercent alarm."""

    def __init__(self, name: str, *, context: StackContext, url: str, runtime_version: str,
                 interval_minutes: int, retention_days: int,
                 opts: pulumi.ResourceOptions) -> None:
        self.name = canary_name(context.prefix)
        self._ctx = context
        self.artifacts = self._artifacts(name, retention_days, opts)
        # Synthetics supports active X-Ray tracing on syn-nodejs-2.0 and later only; a Python
        # canary with tracing on is refused.
        tracing = runtime_version.startswith("syn-nodejs-")
        self.role, policy = self._role(name, tracing, opts)
        self.canary = self._canary(name, url, runtime_version, interval_minutes,
                                   retention_days, tracing, policy, opts)
        planned = alarm_factory.canary_plan(
            resource_name=f"{name}-canary-success-critical", prefix=context.prefix,
            canary_name=self.canary.name, url=url, success_threshold=SUCCESS_THRESHOLD,
            period=interval_minutes * 60,
            runbook_url=alarm_factory.runbook(context.runbook_base_url,
                                              "canary-success-percent"))
        self.alarm_name = planned.alarm_name
        self._alarm = alarm_factory.create(planned, context.topic_arns, opts)

    @property
    def canary_name(self) -> pulumi.Output[str]:
        """The canary's name as deployed."""
        return self.canary.name

    @property
    def alarm(self) -> aws.cloudwatch.MetricAlarm:
        """The SuccessPercent alarm."""
        return self._alarm

    def _artifacts(self, name: str, retention_days: int,
                   opts: pulumi.ResourceOptions) -> SecureBucket:
        """The KMS-encrypted bucket of the script and the runs, expiring after retention."""
        return SecureBucket(
            f"{name}-canary-artifacts",
            SecureBucketArgs(
                kms_key_arn=self._ctx.kms_key_arn,
                noncurrent_days=1,
                lifecycle_rules=[{
                    "id": "expire-canary-artifacts",
                    "status": "Enabled",
                    "filter": {"prefix": ""},
                    "expiration": {"days": retention_days},
                }],
                access_log_bucket=self._ctx.access_log_bucket,
                access_log_prefix="canary-artifacts/",
            ),
            opts=opts,
        )

    def _role(self, name: str, tracing: bool, opts: pulumi.ResourceOptions,
              ) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
        """The execution role: its artifacts, its own logs, its metrics, the stack key."""
        ctx = self._ctx
        logs_arn = pulumi.Output.concat(
            "arn:aws:logs:", ctx.region, ":", ctx.account_id, ":log-group:/aws/lambda/cwsyn-",
            self.name, "-*")
        traces = [{"Sid": "WriteTraces", "Effect": "Allow",
                   "Action": ["xray:PutTraceSegments"], "Resource": "*"}] if tracing else []
        return service_role(
            f"{name}-canary",
            service="lambda.amazonaws.com",
            description=f"Execution role of the {self.name} canary",
            statements=[
                {"Sid": "WriteArtifacts", "Effect": "Allow",
                 "Action": ["s3:PutObject", "s3:GetObject"],
                 "Resource": pulumi.Output.concat(self.artifacts.arn, "/*")},
                {"Sid": "LocateArtifactBucket", "Effect": "Allow",
                 "Action": ["s3:GetBucketLocation"], "Resource": self.artifacts.arn},
                {"Sid": "ListBucketsForSynthetics", "Effect": "Allow",
                 "Action": ["s3:ListAllMyBuckets"], "Resource": "*"},
                {"Sid": "WriteOwnLogs", "Effect": "Allow",
                 "Action": ["logs:CreateLogGroup", "logs:CreateLogStream",
                            "logs:PutLogEvents"],
                 "Resource": [logs_arn, pulumi.Output.concat(logs_arn, ":*")]},
                {"Sid": "PublishCanaryMetrics", "Effect": "Allow",
                 "Action": ["cloudwatch:PutMetricData"], "Resource": "*",
                 "Condition": {"StringEquals": {
                     "cloudwatch:namespace": "CloudWatchSynthetics"}}},
                *traces,
                {"Sid": "UseStackKey", "Effect": "Allow",
                 "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                 "Resource": ctx.kms_key_arn},
            ],
            opts=opts,
        )

    def _canary(self, name: str, url: str, runtime_version: str, interval_minutes: int,
                retention_days: int, tracing: bool, policy: aws.iam.RolePolicy,
                opts: pulumi.ResourceOptions) -> aws.synthetics.Canary:
        """The script object and the canary running it every ``interval_minutes``."""
        kms_key_arn = self._ctx.kms_key_arn
        code = aws.s3.BucketObjectv2(
            f"{name}-canary-code",
            bucket=self.artifacts.name,
            key="code/health_canary.zip",
            source=pulumi.AssetArchive({
                "python/health_canary.py": pulumi.FileAsset(SCRIPT),
            }),
            server_side_encryption="aws:kms",
            kms_key_id=kms_key_arn,
            opts=opts,
        )
        return aws.synthetics.Canary(
            f"{name}-canary",
            name=self.name,
            runtime_version=runtime_version,
            handler=HANDLER,
            execution_role_arn=self.role.arn,
            s3_bucket=self.artifacts.name,
            s3_key=code.key,
            s3_version=code.version_id,
            artifact_s3_location=pulumi.Output.concat("s3://", self.artifacts.name, "/runs/"),
            artifact_config=aws.synthetics.CanaryArtifactConfigArgs(
                s3_encryption=aws.synthetics.CanaryArtifactConfigS3EncryptionArgs(
                    encryption_mode="SSE_KMS", kms_key_arn=kms_key_arn)),
            schedule=aws.synthetics.CanaryScheduleArgs(
                expression=(f"rate({interval_minutes} minute"
                            f"{'s' if interval_minutes != 1 else ''})"),
                retry_config=aws.synthetics.CanaryScheduleRetryConfigArgs(max_retries=1)),
            run_config=aws.synthetics.CanaryRunConfigArgs(
                active_tracing=tracing, timeout_in_seconds=60, memory_in_mb=960,
                environment_variables={"HEALTH_URL": url}),
            success_retention_period=retention_days,
            failure_retention_period=retention_days,
            start_canary=True,
            delete_lambda=True,
            # The canary starts at once: its first run needs the role's policy in place.
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[policy])),
        )
