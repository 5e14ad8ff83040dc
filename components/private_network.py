"""A minimal private network for the time-series store: no internet, only interface endpoints."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

# AWS APIs the window aggregator calls from inside the VPC (there is no NAT gateway):
# CloudWatch metrics, the InfluxDB credentials, and X-Ray for its traces. (Its logs and the
# Kinesis polling go through the Lambda service, not the function's network interfaces.)
ENDPOINT_SERVICES = ("monitoring", "secretsmanager", "xray")
HTTPS = 443
FLOW_LOGS_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }],
}


@dataclass(frozen=True)
class PrivateNetworkArgs:
    """Inputs of :class:`PrivateNetwork`: the VPC's CIDR and how many AZs (subnets) to span."""

    region: str
    kms_key_arn: pulumi.Input[str]
    flow_log_retention_days: int
    cidr_block: str = "10.42.0.0/24"
    zones: int = 2


class PrivateNetwork(pulumi.ComponentResource):
    """VPC with one private subnet per AZ, a client security group, and interface endpoints.

    Clients (the window aggregator) get :attr:`client_security_group`; it may reach the
    endpoints over HTTPS and nothing else until a server group admits it (the InfluxDB
    instance does, on its port).
    """

    vpc: aws.ec2.Vpc
    subnet_ids: list[pulumi.Output[str]]
    client_security_group: aws.ec2.SecurityGroup

    def __init__(self, name: str, args: PrivateNetworkArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:analytics:PrivateNetwork", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        zones = aws.get_availability_zones_output(
            state="available", opts=pulumi.InvokeOptions(parent=self))
        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr_block,
            enable_dns_support=True,
            enable_dns_hostnames=True,  # interface endpoints' private DNS needs both
            tags={"Name": name},
            opts=child,
        )
        # Split the /24 into /26 subnets, one per zone.
        base = args.cidr_block.split("/")[0].rsplit(".", 1)[0]
        self.subnet_ids = [
            aws.ec2.Subnet(
                f"{name}-private-{index}",
                vpc_id=self.vpc.id,
                cidr_block=f"{base}.{index * 64}/26",
                availability_zone=zones.names[index],
                map_public_ip_on_launch=False,
                tags={"Name": f"{name}-private-{index}"},
                opts=child,
            ).id
            for index in range(args.zones)
        ]
        self.client_security_group = aws.ec2.SecurityGroup(
            f"{name}-clients",
            vpc_id=self.vpc.id,
            description="Functions in the private network",
            revoke_rules_on_delete=True,
            opts=child,
        )
        endpoint_group = aws.ec2.SecurityGroup(
            f"{name}-endpoints",
            vpc_id=self.vpc.id,
            description="Interface endpoints: HTTPS from the clients",
            revoke_rules_on_delete=True,
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-endpoints-from-clients",
            security_group_id=endpoint_group.id,
            referenced_security_group_id=self.client_security_group.id,
            ip_protocol="tcp", from_port=HTTPS, to_port=HTTPS,
            description="HTTPS from clients",
            opts=child,
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-clients-to-endpoints",
            security_group_id=self.client_security_group.id,
            referenced_security_group_id=endpoint_group.id,
            ip_protocol="tcp", from_port=HTTPS, to_port=HTTPS,
            description="HTTPS to the AWS API endpoints",
            opts=child,
        )
        for service in ENDPOINT_SERVICES:
            aws.ec2.VpcEndpoint(
                f"{name}-{service}-endpoint",
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{args.region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=self.subnet_ids,
                security_group_ids=[endpoint_group.id],
                opts=child,
            )
        self._flow_logs(name, args)
        self.register_outputs({"vpcId": self.vpc.id})

    def _flow_logs(self, name: str, args: PrivateNetworkArgs) -> None:
        """Every accepted and rejected connection, to a KMS-encrypted log group."""
        child = pulumi.ResourceOptions(parent=self)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=f"/vpc/{name}/flow-logs",
            retention_in_days=args.flow_log_retention_days,
            kms_key_id=args.kms_key_arn,
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-flow-logs-role",
            assume_role_policy=pulumi.Output.json_dumps(FLOW_LOGS_TRUST),
            description=f"VPC flow logs of {name} to CloudWatch Logs",
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-flow-logs-policy",
            role=role.id,
            policy=pulumi.Output.json_dumps({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "DeliverFlowLogs", "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents",
                               "logs:DescribeLogStreams"],
                    "Resource": pulumi.Output.concat(log_group.arn, ":*"),
                }],
            }),
            opts=child,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
