"""The one building block every Lambda function in the stack is made with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.blocks.client_tuning import client_environment
from components.blocks.cold_start import snap_start, strategy_of, warm_alias
from components.blocks.dead_letter_queue import DeadLetterQueue, DeadLetterQueueArgs
from components.blocks.monitored_items import Kind, MonitoredItem
from components.blocks.naming import fit, limit
from components.blocks.service_role import service_role
from components.blocks.source_files import code_archive
from components.config import LambdaDefaults
from components.platform.context import StackContext

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
    and stays unreserved. ``client_threads`` (threads calling AWS at once), ``client_retry_mode``
    and ``client_max_attempts`` tune its boto3 clients (:mod:`components.blocks.client_tuning`).
    ``cold_start_key`` (default: ``concurrency_key``) is its row in ``lambdaColdStart``
    (:mod:`components.blocks.cold_start`).

    ``context`` gives the Lambda defaults, the stack key, region, owner and metrics namespace.
    ``defaults``, ``kms_key_arn``, ``region``, ``powertools_namespace`` and ``owner`` are the
    older way to pass the same: each one given wins over the context (so a caller may pass
    tuned defaults), and a function without a context must be given all five.
    """

    package: str
    handler: str
    description: str
    context: StackContext | None = None
    defaults: LambdaDefaults | None = None
    kms_key_arn: pulumi.Input[str] | None = None
    region: str | None = None
    powertools_namespace: str | None = None
    owner: str | None = None
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
    client_threads: int = 1
    client_retry_mode: str = "standard"
    client_max_attempts: int = 3
    cold_start_key: str | None = None


@dataclass(frozen=True)
class LambdaSettings:
    """What a function takes from the stack: explicit arguments first, then the context."""

    defaults: LambdaDefaults
    kms_key_arn: pulumi.Input[str]
    region: str
    powertools_namespace: str
    owner: str


def settings_of(args: LambdaFunctionArgs) -> LambdaSettings:
    """The stack settings of ``args``; a :class:`ValueError` names any that nothing gives."""
    ctx = args.context
    found: dict[str, Any] = {
        "defaults": args.defaults if args.defaults is not None
        else (ctx.lambdas if ctx else None),
        "kms_key_arn": args.kms_key_arn if args.kms_key_arn is not None
        else (ctx.kms_key_arn if ctx else None),
        "region": args.region if args.region is not None else (ctx.region if ctx else None),
        "powertools_namespace": args.powertools_namespace
        if args.powertools_namespace is not None
        else (ctx.metrics_namespace if ctx else None),
        "owner": args.owner if args.owner is not None else (ctx.owner if ctx else None),
    }
    missing = [key for key, value in found.items() if value is None]
    if missing:
        raise ValueError(f"{args.package}: pass a context or {', '.join(missing)}")
    return LambdaSettings(**found)


def reserved_concurrency(key: str | None, defaults: LambdaDefaults) -> int | None:
    """The reserved concurrency of row ``key`` (``None``: unreserved); unknown rows refused."""
    if key is None:
        return None
    if key not in defaults.reserved_concurrency:
        raise ValueError(f"{key!r} has no reserved concurrency; "
                         f"use one of {', '.join(defaults.reserved_concurrency)}")
    return defaults.reserved_concurrency[key]


def base_statements(*, log_streams_arn: pulumi.Input[str], kms_key_arn: pulumi.Input[str],
                    failure_queue_arn: pulumi.Input[str] | None,
                    in_vpc: bool) -> list[Mapping[str, Any]]:
    """What every function may do: write its logs and traces, use the key; with a failure
    queue, send to it; inside a VPC, manage its network interfaces."""
    statements: list[Mapping[str, Any]] = [
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": log_streams_arn,
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
            "Resource": kms_key_arn,
        },
    ]
    if failure_queue_arn is not None:
        statements.append({
            "Sid": "KeepFailedEvents",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": failure_queue_arn,
        })
    if in_vpc:
        statements.append({
            # ENI management has no resource-level scoping for Create/Describe.
            "Sid": "ManageVpcInterfaces",
            "Effect": "Allow",
            "Action": ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
                       "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses",
                       "ec2:UnassignPrivateIpAddresses"],
            "Resource": "*",
        })
    return statements


def powertools_layer(region: str, defaults: LambdaDefaults) -> str:
    """The ARN of AWS's Powertools for Python v3 layer for the runtime, arm64."""
    return (f"arn:aws:lambda:{region}:{POWERTOOLS_LAYER_ACCOUNT}:layer:"
            f"AWSLambdaPowertoolsPythonV3-{defaults.runtime.replace('.', '')}-arm64:"
            f"{defaults.powertools_layer_version}")


def check_statements(statements: Sequence[Mapping[str, Any]]) -> None:
    """Refuse statements that allow every action of a service or of all services."""
    for statement in statements:
        actions = statement.get("Action", [])
        for action in [actions] if isinstance(actions, str) else actions:
            if action == "*" or (isinstance(action, str) and action.endswith(":*")):
                raise ValueError(f"IAM statement allows {action!r}; list the actions needed")


class LambdaFunction(pulumi.ComponentResource):
    """An arm64 Python function with least-privilege role, logs, tracing and a failure queue.

    Creates: the role and its inline policy; a KMS-encrypted log group with retention (JSON
    logs); the function (X-Ray active tracing, Powertools layer and env vars); a ``live``
    alias (callers invoke it) with provisioned concurrency when asked; and, for a function
    invoked asynchronously, an encrypted SQS queue that receives the invocations that still
    fail after the retries. Callers read the named outputs (:attr:`function_name`,
    :attr:`alias_name`, :attr:`alias_arn`, ...), not the children.
    """

    function: aws.lambda_.Function
    alias: aws.lambda_.Alias
    role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup
    failure_queue: aws.sqs.Queue | None
    function_name: pulumi.Output[str]
    arn: pulumi.Output[str]
    alias_name: pulumi.Output[str]
    alias_arn: pulumi.Output[str]
    invoke_arn: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    role_arn: pulumi.Output[str]
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: LambdaFunctionArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:compute:LambdaFunction", name, None, opts)
        check_statements(args.statements)
        s = settings_of(args)
        child = pulumi.ResourceOptions(parent=self)
        reserved = reserved_concurrency(args.concurrency_key, s.defaults)
        timeout = args.timeout_seconds or s.defaults.timeout_seconds
        failures = self._failures(name, args, s, child)
        self.failure_queue = failures.queue if failures is not None else None
        # The component's name, unless a long stack name pushes it past Lambda's limit.
        physical = fit(name, limit("aws:lambda/function:Function"))
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/lambda/{physical}",
            retention_in_days=s.defaults.log_retention_days,
            kms_key_id=s.kms_key_arn,
            opts=child,
        )
        self.role, policy = service_role(
            name,
            service="lambda.amazonaws.com",
            description=f"Execution role of {name}",
            statements=[
                *base_statements(
                    log_streams_arn=pulumi.Output.concat(self.log_group.arn, ":*"),
                    kms_key_arn=s.kms_key_arn,
                    failure_queue_arn=(self.failure_queue.arn if self.failure_queue is not None
                                       else None),
                    in_vpc=args.vpc is not None),
                *args.statements,
            ],
            opts=child,
        )
        self.function = self._function(name, physical, args, s, reserved, timeout, policy)
        self.alias = self._alias(name, args, s.defaults, child)
        if self.failure_queue is not None:
            self._async_config(name, s.defaults, child)

        self.function_name = self.function.name
        self.arn = self.function.arn
        self.alias_name = self.alias.name
        self.alias_arn = self.alias.arn
        self.invoke_arn = self.alias.invoke_arn
        self.log_group_name = self.log_group.name
        self.role_arn = self.role.arn
        self.monitored_items = (
            self._monitored_item(name, args, s, reserved, timeout),
            *(failures.monitored_items if failures is not None else ()),
        )
        self.register_outputs({
            "functionName": self.function_name,
            "aliasArn": self.alias_arn,
            "failureQueueArn": (self.failure_queue.arn if self.failure_queue is not None
                                else None),
        })

    def _monitored_item(self, name: str, args: LambdaFunctionArgs, s: LambdaSettings,
                        reserved: int | None, timeout: int) -> MonitoredItem:
        """The function as the observability catalog sees it (limits its alarms read)."""
        return MonitoredItem(
            kind=Kind.LAMBDA,
            name=name,
            dimensions={"FunctionName": self.function.name},
            region=s.region,
            owner=s.owner,
            attributes={
                "timeout_ms": timeout * 1000,
                "reserved_concurrency": reserved,
                "provisioned_concurrency": args.provisioned_concurrency,
                "consumes_stream": args.consumes_stream,
                "log_group": self.log_group.name,
            },
        )

    def _failures(self, name: str, args: LambdaFunctionArgs, s: LambdaSettings,
                  child: pulumi.ResourceOptions) -> DeadLetterQueue | None:
        """The failure queue of an asynchronously invoked function (``None`` otherwise).

        Lambda sends to an on-failure destination only what an asynchronous invocation still
        fails with after its retries; a function nothing invokes that way would get a queue
        that stays empty and a depth alarm that can never fire.
        """
        if not args.invoked_async:
            return None
        return DeadLetterQueue(
            f"{name}-failures",
            DeadLetterQueueArgs(kms_key_arn=s.kms_key_arn,
                                retention_days=s.defaults.dlq_retention_days,
                                region=s.region, owner=s.owner, replays_into_lambda=True),
            opts=child,
        )

    def _function(self, name: str, physical: str, args: LambdaFunctionArgs,
                  s: LambdaSettings, reserved: int | None, timeout: int,
                  policy: aws.iam.RolePolicy) -> aws.lambda_.Function:
        """The function itself, created once its role has its policy and its log group."""
        d = s.defaults
        environment = {
            **client_environment(timeout, threads=args.client_threads,
                                 retry_mode=args.client_retry_mode,
                                 max_attempts=args.client_max_attempts),
            "POWERTOOLS_SERVICE_NAME": name,
            "POWERTOOLS_METRICS_NAMESPACE": s.powertools_namespace,
            "POWERTOOLS_LOG_LEVEL": d.log_level,
            **args.environment,
        }
        return aws.lambda_.Function(
            f"{name}-function",
            name=physical,
            description=args.description,
            role=self.role.arn,
            runtime=d.runtime,
            architectures=["arm64"],
            handler=args.handler,
            code=code_archive(args.package),
            # Its own argument, else its row in lambdaFunctionMemoryMb, else the stack default.
            memory_size=(args.memory_mb
                         or d.function_memory_mb.get(args.concurrency_key or "", d.memory_mb)),
            timeout=timeout,
            reserved_concurrent_executions=reserved,
            publish=True,
            snap_start=snap_start(strategy_of(args, d)),
            layers=[powertools_layer(s.region, d), *args.layers],
            environment=aws.lambda_.FunctionEnvironmentArgs(variables=environment),
            kms_key_arn=s.kms_key_arn,
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

    def _alias(self, name: str, args: LambdaFunctionArgs, d: LambdaDefaults,
               child: pulumi.ResourceOptions) -> aws.lambda_.Alias:
        """The ``live`` alias callers invoke, warmed as the cold-start strategy says."""
        alias = aws.lambda_.Alias(
            f"{name}-live",
            name="live",
            function_name=self.function.name,
            function_version=self.function.version,
            opts=child,
        )
        warm_alias(name, args, strategy_of(args, d), self.function, alias, child)
        return alias

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
