"""A private VPC: private subnets only, no NAT, endpoints for what in-VPC functions call.

Created only where something must live in a VPC: the backend's when DAX or the app cache is
on (dev without them has no VPC at all), the analytics time-series store's when it is
InfluxDB. Functions placed here reach DynamoDB through a gateway endpoint (free, and its
policy limits it to the given tables) when tables are given, and the other AWS APIs they call
through the listed interface endpoints; there is no route to the internet.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.blocks.lambda_function import VpcPlacement
from components.blocks.service_role import service_role
from components.platform.context import StackContext

HTTPS = 443
# DynamoDB actions in-VPC functions perform; the gateway endpoint allows nothing else.
TABLE_ACTIONS = (
    "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem",
    "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
)


@dataclass(frozen=True)
class NetworkArgs:
    """Inputs of :class:`Network`.

    ``gateway_table_arns`` are the DynamoDB tables in-VPC functions use (none: no gateway
    endpoint); ``interface_endpoints`` the other AWS services they call (``events``, ``logs``,
    ``monitoring``, ``secretsmanager``, ...); ``purpose`` names the network in descriptions.
    ``context`` gives the region, the stack key and (from the Lambda defaults) the flow log
    retention; ``region``, ``kms_key_arn`` and ``flow_log_retention_days`` given explicitly
    win, and without a context all three are needed.
    """

    cidr: str
    az_count: int
    interface_endpoints: Sequence[str]
    purpose: str
    context: StackContext | None = None
    region: str | None = None
    kms_key_arn: pulumi.Input[str] | None = None
    flow_log_retention_days: int | None = None
    gateway_table_arns: Sequence[pulumi.Input[str]] = ()


@dataclass(frozen=True)
class NetworkSettings:
    """Where the network lives and how long its flow logs stay, resolved from its args."""

    region: str
    kms_key_arn: pulumi.Input[str]
    flow_log_retention_days: int


def network_settings(args: NetworkArgs) -> NetworkSettings:
    """Explicit arguments first, then the context; a :class:`ValueError` names what is missing."""
    ctx = args.context
    found: dict[str, Any] = {
        "region": args.region if args.region is not None else (ctx.region if ctx else None),
        "kms_key_arn": args.kms_key_arn if args.kms_key_arn is not None
        else (ctx.kms_key_arn if ctx else None),
        "flow_log_retention_days": args.flow_log_retention_days
        if args.flow_log_retention_days is not None
        else (ctx.lambdas.log_retention_days if ctx else None),
    }
    missing = [key for key, value in found.items() if value is None]
    if missing:
        raise ValueError(f"{args.purpose} network: pass a context or {', '.join(missing)}")
    return NetworkSettings(**found)


def subnet_cidrs(cidr: str, count: int) -> list[str]:
    """``count`` equal private subnets carved from the start of ``cidr`` (a /20 of a /16)."""
    network = ipaddress.ip_network(cidr)
    prefix = min(network.prefixlen + 4, 28)
    subnets = list(network.subnets(new_prefix=prefix))
    if len(subnets) < count:
        raise ValueError(f"{cidr} is too small for {count} subnets")
    return [str(s) for s in subnets[:count]]


def allow_tcp(*, ingress_name: str, egress_name: str, server_group_id: pulumi.Input[str],
              client_group_id: pulumi.Input[str], port: int, description: str,
              opts: pulumi.ResourceOptions) -> None:
    """Let ``client`` reach ``server`` on one TCP port: ingress on one, egress on the other.

    The security groups here start with no rules, so each path is opened on both sides.
    """
    aws.vpc.SecurityGroupIngressRule(
        ingress_name,
        security_group_id=server_group_id,
        referenced_security_group_id=client_group_id,
        ip_protocol="tcp", from_port=port, to_port=port,
        description=description,
        opts=opts,
    )
    aws.vpc.SecurityGroupEgressRule(
        egress_name,
        security_group_id=client_group_id,
        referenced_security_group_id=server_group_id,
        ip_protocol="tcp", from_port=port, to_port=port,
        description=description,
        opts=opts,
    )


class Network(pulumi.ComponentResource):
    """VPC with private subnets in ``az_count`` AZs, endpoints, and the functions' security group.

    :attr:`functions_security_group` is the group of in-VPC functions; servers in the network
    (DAX, the app cache, InfluxDB) admit their ports only from it. :attr:`placement` is what
    ``LambdaFunctionArgs.vpc`` takes. Servers placed here read :attr:`vpc_id`,
    :attr:`subnet_ids` and :attr:`functions_security_group_id`.
    """

    vpc: aws.ec2.Vpc
    subnet_ids: list[pulumi.Output[str]]
    availability_zones: list[pulumi.Output[str]]
    functions_security_group: aws.ec2.SecurityGroup
    vpc_id: pulumi.Output[str]
    functions_security_group_id: pulumi.Output[str]
    placement: VpcPlacement

    def __init__(self, name: str, args: NetworkArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:network:Network", name, None, opts)
        settings = network_settings(args)
        child = pulumi.ResourceOptions(parent=self)
        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,  # interface endpoints answer on the AWS API names
            tags={"Name": f"{name}-vpc"},
            opts=child,
        )
        # The default group admits its own members; strip it so nothing relies on it.
        aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=self.vpc.id, opts=child)
        route_table = self._private_subnets(name, args)
        endpoints_sg = self._security_groups(name, args)
        if args.gateway_table_arns:
            self._dynamodb_gateway(name, args, settings, route_table)
        for service in args.interface_endpoints:
            aws.ec2.VpcEndpoint(
                f"{name}-{service}",
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{settings.region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=self.subnet_ids,
                security_group_ids=[endpoints_sg.id],
                tags={"Name": f"{name}-{service}"},
                opts=child,
            )
        self._flow_logs(name, settings)

        self.vpc_id = self.vpc.id
        self.functions_security_group_id = self.functions_security_group.id
        self.placement = VpcPlacement(subnet_ids=self.subnet_ids,
                                      security_group_ids=[self.functions_security_group.id])
        self.register_outputs({"vpcId": self.vpc.id, "subnetIds": self.subnet_ids})

    def _private_subnets(self, name: str, args: NetworkArgs) -> aws.ec2.RouteTable:
        """One private subnet per AZ on one route table with no route out; the table."""
        child = pulumi.ResourceOptions(parent=self)
        zones = aws.get_availability_zones_output(
            state="available", opts=pulumi.InvokeOptions(parent=self))
        route_table = aws.ec2.RouteTable(f"{name}-private-routes", vpc_id=self.vpc.id,
                                         tags={"Name": f"{name}-private"}, opts=child)
        self.subnet_ids = []
        self.availability_zones = []
        for index, block in enumerate(subnet_cidrs(args.cidr, args.az_count)):
            zone = zones.names.apply(lambda names, i=index: names[i])
            subnet = aws.ec2.Subnet(
                f"{name}-private-{index}",
                vpc_id=self.vpc.id,
                cidr_block=block,
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags={"Name": f"{name}-private-{index}"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(f"{name}-private-{index}-routes",
                                          subnet_id=subnet.id, route_table_id=route_table.id,
                                          opts=child)
            self.subnet_ids.append(subnet.id)
            self.availability_zones.append(zone)
        return route_table

    def _security_groups(self, name: str, args: NetworkArgs) -> aws.ec2.SecurityGroup:
        """The functions' group and the endpoints' group, HTTPS from one to the other;
        returns the endpoints' group."""
        child = pulumi.ResourceOptions(parent=self)
        self.functions_security_group = aws.ec2.SecurityGroup(
            f"{name}-functions-sg",
            vpc_id=self.vpc.id,
            description=f"In-VPC Lambda functions of the {args.purpose}",
            tags={"Name": f"{name}-functions"},
            opts=child,
        )
        endpoints_sg = aws.ec2.SecurityGroup(
            f"{name}-endpoints-sg",
            vpc_id=self.vpc.id,
            description=f"Interface VPC endpoints: HTTPS from the {args.purpose} functions only",
            tags={"Name": f"{name}-endpoints"},
            opts=child,
        )
        allow_tcp(ingress_name=f"{name}-endpoints-from-functions",
                  egress_name=f"{name}-functions-to-endpoints",
                  server_group_id=endpoints_sg.id,
                  client_group_id=self.functions_security_group.id, port=HTTPS,
                  description=f"HTTPS from the {args.purpose} functions to the endpoints",
                  opts=child)
        return endpoints_sg

    def _dynamodb_gateway(self, name: str, args: NetworkArgs, settings: NetworkSettings,
                          route_table: aws.ec2.RouteTable) -> None:
        """The free gateway endpoint to DynamoDB, limited to the given tables."""
        child = pulumi.ResourceOptions(parent=self)
        tables: list[pulumi.Input[str]] = []
        for arn in args.gateway_table_arns:
            tables += [arn, pulumi.Output.concat(arn, "/index/*")]
        dynamodb = aws.ec2.VpcEndpoint(
            f"{name}-dynamodb",
            vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{settings.region}.dynamodb",
            vpc_endpoint_type="Gateway",
            route_table_ids=[route_table.id],
            policy=pulumi.Output.json_dumps({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "OnlyTheGivenTables",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": list(TABLE_ACTIONS),
                    "Resource": tables,
                }],
            }),
            tags={"Name": f"{name}-dynamodb"},
            opts=child,
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-functions-to-dynamodb",
            security_group_id=self.functions_security_group.id,
            prefix_list_id=dynamodb.prefix_list_id,
            ip_protocol="tcp", from_port=HTTPS, to_port=HTTPS,
            description="HTTPS to DynamoDB through the gateway endpoint",
            opts=child,
        )

    def _flow_logs(self, name: str, settings: NetworkSettings) -> None:
        """Rejected and accepted flows to a KMS-encrypted log group with retention."""
        child = pulumi.ResourceOptions(parent=self)
        group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=f"/vpc/{name}/flow-logs",
            retention_in_days=settings.flow_log_retention_days,
            kms_key_id=settings.kms_key_arn,
            opts=child,
        )
        role, policy = service_role(
            f"{name}-flow-logs",
            service="vpc-flow-logs.amazonaws.com",
            description=f"VPC flow logs of {name}",
            statements=[{
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents",
                           "logs:DescribeLogStreams"],
                "Resource": [group.arn, pulumi.Output.concat(group.arn, ":*")],
            }],
            opts=child,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            # Delivery fails until the role has its policy: create the flow log after it.
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[policy])),
        )
