"""The one building block every Lambda function in the stack is made with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from components.blocks.dead_letter_queue import DeadLetterQueue, DeadLetterQueueArgs
from components.blocks.monitored_items import Kind, MonitoredItem
from components.blocks.naming import fit, limit
from components.blocks.service_role import service_role
from components.config import LambdaDefaults

FUNCTIONS_DIR = "functions"
POWERTOOLS_LAYER_ACCOUNT = "017000801446"  # AWS's publisher account for the Powertools layers

@dataclass(frozen=True)
class VpcPlacement:
    """Subnets and security groups for a function that must run inside the VPC."""

    subnet_ids: pulumi.Input[Sequence[str]]
    security_group_ids: pulumi.Input[Sequence[str]]


@dataclass(frozen=True)
class LambdaFunctionArgs:
    """Inputs of :class:`LambdaFunction`.

    ``package`` is the folder under ``functions/`` that holds the handler; the deployment
    package carries it and ``functions/shared``. ``statements`` are the IAM statements the
    function needs beyond logs, X-Ray and its own failure queue; a ``*`` action is refused.
    ``memory_mb``/``timeout_seconds``/``provisioned_concurrency`` override the defaults.
    ``invoked_async`` says that something invokes the function asynchronously (an EventBridge
    target, an SNS subscription): only then does it get a failure queue and its depth alarm,
    because Lambda sends to an on-failure destination only for asynchronous invocations.
    ``concurrency_key`` names the function's row in the reserved-concurrency table
    (``LambdaDefaults.reserved_concurrency``); only the API, on the hot path, leaves it unset
    and stays unreserved.
    """

    package: str
    handler: str
    description: str
    defaults: LambdaDefaults
    kms_key_arn: pulumi.Input[str]
    region: str
    powertools_namespace: str
    owner: str
    statements: Sequence[Mapping[str, Any]] = ()
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    memory_mb: int | None = None
    timeout_seconds: int | None = None
    concurrency_key: str | None = None
    provisioned_concurrency: int = 0
    vpc: VpcPlacement | None = None
    consumes_stream: bool = False
    layers: Sequence[pulumi.Input[str]] = ()
    invoked_async: bool = False


def check_statements(statements: Sequence[Mapping[str, Any]]) -> None:
    """Refuse statements that allow every action of a service or of all services."""
    for statement in statements:
        actions = statement.get("Action", [])
        for action in [actions] if isinstance(actions, str) else actions:
            if action == "*" or (isinstance(action, str) and action.endswith(":*")):
                raise ValueError(f"IAM statement allows {action!r}; list the actions needed")


def code_archive(package: str) -> pulumi.AssetArchive:
    """The deployment package: ``functions/<package>`` plus ``functions/shared``.

    Handlers import ``functions.shared...``, the same module path in tests and in Lambda.
    """
    root = Path(FUNCTIONS_DIR)
    return pulumi.AssetArchive({
        f"{FUNCTIONS_DIR}/__init__.py": pulumi.FileAsset(str(root / "__init__.py")),
        f"{FUNCTIONS_DIR}/shared": pulumi.FileArchive(str(root / "shared")),
        f"{FUNCTIONS_DIR}/{package}": pulumi.FileArchive(str(root / package)),
    })


class LambdaFunction(pulumi.ComponentResource):
    """An arm64 Python function with least-privilege role, logs, tracing and a failure queue.

    Creates: the role and its inline policy; a KMS-encrypted log group with retention (JSON
    logs); the function (X-Ray active tracing, Powertools layer and env vars); a ``live``
    alias (callers invoke it) with provisioned concurrency when asked; and, for a function
    invoked asynchronously, an encrypted SQS queue that receives the invocations that still
    fail after the retries.
    """

    function: aws.lambda_.Function
    alias: aws.lambda_.Alias
    role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup
    failure_queue: aws.sqs.Queue | None
    function_name: pulumi.Output[str]
    arn: pulumi.Output[str]
    alias_arn: pulumi.Output[str]
    invoke_arn: pulumi.Output[str]
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: LambdaFunctionArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:compute:LambdaFunction", name, None, opts)
        check_statements(args.statements)
        d = args.defaults
        child = pulumi.ResourceOptions(parent=self)
        memory = args.memory_mb or d.memory_mb
        reserved = None
        if args.concurrency_key is not None:
            if args.concurrency_key not in d.reserved_concurrency:
                raise ValueError(f"{args.concurrency_key!r} has no reserved concurrency; "
                                 f"use one of {', '.join(d.reserved_concurrency)}")
            reserved = d.reserved_concurrency[args.concurrency_key]
        timeout = args.timeout_seconds or d.timeout_seconds

        # Lambda sends to an on-failure destination only what an asynchronous invocation
        # still fails with after its retries; a function nothing invokes that way would get a
        # queue that stays empty and a depth alarm that can never fire.
        failures = (
            DeadLetterQueue(
                f"{name}-failures",
                DeadLetterQueueArgs(kms_key_arn=args.kms_key_arn,
                                    retention_days=d.dlq_retention_days,
                                    region=args.region, owner=args.owner),
                opts=child,
            )
            if args.invoked_async else None
        )
        self.failure_queue = failures.queue if failures is not None else None
        # The component's name, unless a long stack name pushes it past Lambda's limit.
        physical = fit(name, limit("aws:lambda/function:Function"))
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/lambda/{physical}",
            retention_in_days=d.log_retention_days,
            kms_key_id=args.kms_key_arn,
            opts=child,
        )
        base_statements: list[Mapping[str, Any]] = [
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": pulumi.Output.concat(self.log_group.arn, ":*"),
            },
            {
                # X-Ray trace segments have no resource-level permissions.
                "Sid": "WriteTraces",
                "Effect": "Allow",
                "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                "Resource": "*",
            },
            {
                "Sid": "UseStackKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": args.kms_key_arn,
            },
        ]
        if self.failure_queue is not None:
            base_statements.append({
                "Sid": "KeepFailedEvents",
                "Effect": "Allow",
                "Action": ["sqs:SendMessage"],
                "Resource": self.failure_queue.arn,
            })
        if args.vpc is not None:
            base_statements.append({
                # ENI management has no resource-level scoping for Create/Describe.
                "Sid": "ManageVpcInterfaces",
                "Effect": "Allow",
                "Action": ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
                           "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses",
                           "ec2:UnassignPrivateIpAddresses"],
                "Resource": "*",
            })
        self.role, policy = service_role(
            name,
            service="lambda.amazonaws.com",
            description=f"Execution role of {name}",
            statements=[*base_statements, *args.statements],
            opts=child,
        )

        environment = {
            "POWERTOOLS_SERVICE_NAME": name,
            "POWERTOOLS_METRICS_NAMESPACE": args.powertools_namespace,
            "POWERTOOLS_LOG_LEVEL": d.log_level,
            **args.environment,
        }
        self.function = aws.lambda_.Function(
            f"{name}-function",
            name=physical,
            description=args.description,
            role=self.role.arn,
            runtime=d.runtime,
            architectures=["arm64"],
            handler=args.handler,
            code=code_archive(args.package),
            memory_size=memory,
            timeout=timeout,
            reserved_concurrent_executions=reserved,
            publish=True,
            layers=[
                f"arn:aws:lambda:{args.region}:{POWERTOOLS_LAYER_ACCOUNT}:layer:"
                f"AWSLambdaPowertoolsPythonV3-{d.runtime.replace('.', '')}-arm64:"
                f"{d.powertools_layer_version}",
                *args.layers,
            ],
            environment=aws.lambda_.FunctionEnvironmentArgs(variables=environment),
            kms_key_arn=args.kms_key_arn,
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="JSON",
                log_group=self.log_group.name,
                application_log_level=d.log_level,
                # INFO keeps the platform.report lines (duration, init, memory) that the
                # saved Logs Insights queries on cold starts and slow requests read.
                system_log_level="INFO",
            ),
            vpc_config=(
                aws.lambda_.FunctionVpcConfigArgs(
                    subnet_ids=args.vpc.subnet_ids,
                    security_group_ids=args.vpc.security_group_ids,
                )
                if args.vpc is not None
                else None
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy, self.log_group]),
        )
        self.alias = aws.lambda_.Alias(
            f"{name}-live",
            name="live",
            function_name=self.function.name,
            function_version=self.function.version,
            opts=child,
        )
        if args.provisioned_concurrency > 0:
            aws.lambda_.ProvisionedConcurrencyConfig(
                f"{name}-provisioned",
                function_name=self.function.name,
                qualifier=self.alias.name,
                provisioned_concurrent_executions=args.provisioned_concurrency,
                opts=child,
            )
        if self.failure_queue is not None:
            self._async_config(name, d, child)

        self.function_name = self.function.name
        self.arn = self.function.arn
        self.alias_arn = self.alias.arn
        self.invoke_arn = self.alias.invoke_arn
        self.monitored_items = (
            MonitoredItem(
                kind=Kind.LAMBDA,
                name=name,
                dimensions={"FunctionName": self.function.name},
                region=args.region,
                owner=args.owner,
                attributes={
                    "timeout_ms": timeout * 1000,
                    "reserved_concurrency": reserved,
                    "provisioned_concurrency": args.provisioned_concurrency,
                    "consumes_stream": args.consumes_stream,
                    "log_group": self.log_group.name,
                },
            ),
            *(failures.monitored_items if failures is not None else ()),
        )
        self.register_outputs({
            "functionName": self.function_name,
            "aliasArn": self.alias_arn,
            "failureQueueArn": (self.failure_queue.arn if self.failure_queue is not None
                                else None),
        })

    def _async_config(self, name: str, d: LambdaDefaults,
                      child: pulumi.ResourceOptions) -> None:
        """Finite retries of asynchronous invocations, then the failure queue."""
        assert self.failure_queue is not None  # only called when the function has one
        aws.lambda_.FunctionEventInvokeConfig(
            f"{name}-async",
            function_name=self.function.name,
            qualifier=self.alias.name,
            maximum_retry_attempts=d.async_max_retries,
            maximum_event_age_in_seconds=d.async_max_event_age_seconds,
            destination_config=aws.lambda_.FunctionEventInvokeConfigDestinationConfigArgs(
                on_failure=aws.lambda_.FunctionEventInvokeConfigDestinationConfigOnFailureArgs(
                    destination=self.failure_queue.arn,
                ),
            ),
            opts=child,
        )
