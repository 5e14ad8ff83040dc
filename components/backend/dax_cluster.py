"""DAX in front of the listings table: encrypted, TLS-only, reachable only from the functions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.blocks.monitored_items import Kind, MonitoredItem
from components.blocks.network import allow_tcp
from components.blocks.service_role import service_role
from components.platform.context import StackContext

DAX_TLS_PORT = 9111
# What DAX itself does against DynamoDB on behalf of its clients: the clients' own calls
# (no Scan or BatchWriteItem: no access pattern uses them) plus DescribeTable.
DAX_TABLE_ACTIONS = (
    "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem",
    "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
)
# What the API function asks of the cluster: the repository's reads and its transactions,
# with their Put and Delete items (DAX's documentation is silent on whether the item actions
# are checked inside a transaction, so they are granted; docs/deploying.md has the live check).
DAX_CLIENT_ACTIONS = (
    "dax:GetItem", "dax:BatchGetItem", "dax:Query", "dax:TransactWriteItems", "dax:PutItem",
    "dax:DeleteItem",
)


@dataclass(frozen=True)
class DaxClusterArgs:
    """Inputs of :class:`DaxCluster`: the stack context, sizes and TTLs, network, table."""

    context: StackContext
    cluster_name: str
    node_type: str
    node_count: int
    item_ttl_seconds: int
    query_ttl_seconds: int
    subnet_ids: Sequence[pulumi.Input[str]]
    availability_zones: Sequence[pulumi.Input[str]]
    vpc_id: pulumi.Input[str]
    client_security_group_id: pulumi.Input[str]
    table_arn: pulumi.Input[str]
    notification_topic_arn: pulumi.Input[str] | None = None


class DaxCluster(pulumi.ComponentResource):
    """A DAX cluster across the private subnets with item and query TTLs from config.

    Server-side encryption on, ``TLS`` endpoint (port 9111, ``daxs://``), a security group
    that admits 9111 only from the functions' group, and a service role limited to the table.
    :attr:`endpoint` is what the API function gets as ``DAX_ENDPOINT``.
    """

    cluster: aws.dax.Cluster
    arn: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    security_group: aws.ec2.SecurityGroup
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: DaxClusterArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:backend:DaxCluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        role, policy = service_role(
            name,
            service="dax.amazonaws.com",
            description=f"DAX cluster {args.cluster_name} reads and writes the listings table",
            statements=[{
                "Sid": "OnlyTheListingsTable",
                "Effect": "Allow",
                "Action": list(DAX_TABLE_ACTIONS),
                "Resource": [args.table_arn, pulumi.Output.concat(args.table_arn, "/index/*")],
            }],
            opts=child,
        )
        subnets = aws.dax.SubnetGroup(
            f"{name}-subnets",
            name=f"{args.cluster_name}-subnets",
            description="Private subnets of the listings DAX cluster",
            subnet_ids=list(args.subnet_ids),
            opts=child,
        )
        parameters = aws.dax.ParameterGroup(
            f"{name}-parameters",
            name=f"{args.cluster_name}-parameters",
            description="Item and query cache TTLs of the listings DAX cluster",
            parameters=[
                aws.dax.ParameterGroupParameterArgs(
                    name="record-ttl-millis", value=str(args.item_ttl_seconds * 1000)),
                aws.dax.ParameterGroupParameterArgs(
                    name="query-ttl-millis", value=str(args.query_ttl_seconds * 1000)),
            ],
            opts=child,
        )
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=args.vpc_id,
            description="DAX: TLS port 9111 from the backend functions only",
            tags={"Name": f"{name}-dax"},
            opts=child,
        )
        allow_tcp(ingress_name=f"{name}-from-functions", egress_name=f"{name}-functions-to-dax",
                  server_group_id=self.security_group.id,
                  client_group_id=args.client_security_group_id, port=DAX_TLS_PORT,
                  description="DAX TLS from the backend functions", opts=child)
        # Spread the nodes over the subnets' zones, round robin.
        zones = [args.availability_zones[i % len(args.availability_zones)]
                 for i in range(args.node_count)]
        self.cluster = aws.dax.Cluster(
            f"{name}-cluster",
            cluster_name=args.cluster_name,
            description="Read-through/write-through cache of the listings table",
            node_type=args.node_type,
            replication_factor=args.node_count,
            availability_zones=zones,
            iam_role_arn=role.arn,
            subnet_group_name=subnets.name,
            parameter_group_name=parameters.name,
            security_group_ids=[self.security_group.id],
            server_side_encryption=aws.dax.ClusterServerSideEncryptionArgs(enabled=True),
            cluster_endpoint_encryption_type="TLS",
            maintenance_window="sun:05:00-sun:06:00",
            notification_topic_arn=args.notification_topic_arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        self.arn = self.cluster.arn
        self.endpoint = pulumi.Output.concat("daxs://", self.cluster.cluster_address)
        self.monitored_items = (
            MonitoredItem(kind=Kind.DAX_CLUSTER, name=f"{name}-cluster",
                          dimensions={"ClusterId": self.cluster.cluster_name},
                          region=args.context.region, owner=args.context.owner,
                          attributes={"node_count": args.node_count}),
        )
        self.register_outputs({"arn": self.arn, "endpoint": self.endpoint})
