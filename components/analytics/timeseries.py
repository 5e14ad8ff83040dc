"""The optional time-series store of the window aggregates (``analyticsTimeseries``).

``none``: CloudWatch metrics only. ``liveanalytics``: a Timestream for LiveAnalytics database
and table (closed to new customers since 2025-06-20; for accounts that already have it).
``influxdb``: a Timestream for InfluxDB instance, the successor, in a private
:class:`~components.blocks.network.Network` of its own (two private subnets, interface endpoints,
no NAT). The window aggregator then runs in that network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.blocks.lambda_function import VpcPlacement
from components.blocks.naming import fit, limit
from components.blocks.network import Network, NetworkArgs, allow_tcp
from components.config import AnalyticsConfig
from components.platform.context import StackContext

INFLUX_PORT = 8086
INFLUX_ORG = "marketplace"
INFLUX_BUCKET = "window_aggregates"
INFLUX_USER = "marketplace-admin"
TIMESTREAM_TABLE = "window_aggregates"
# The time-series network: apart from the backend's (10.40.0.0/16), and the AWS APIs the
# window aggregator calls from inside it.
NETWORK_CIDR = "10.42.0.0/16"
ENDPOINT_SERVICES = ("monitoring", "secretsmanager", "xray")


@dataclass(frozen=True)
class TimeSeriesArgs:
    """Inputs of :class:`TimeSeries`: the stack context (prefix, key, region), the config,
    and the DynamoDB tables the writer uses (reached from its network by a gateway endpoint)."""

    context: StackContext
    config: AnalyticsConfig
    writer_table_arns: Sequence[pulumi.Input[str]] = ()


class TimeSeries(pulumi.ComponentResource):
    """Whatever store ``config.timeseries`` names, and what the aggregator needs to write to it.

    :attr:`environment` and :attr:`statements` go to the window aggregator's function;
    :attr:`vpc` places it next to InfluxDB (``None`` otherwise).
    """

    kind: str
    environment: dict[str, pulumi.Input[str]]
    statements: list[Mapping[str, Any]]
    vpc: VpcPlacement | None

    def __init__(self, name: str, args: TimeSeriesArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:analytics:TimeSeries", name, None, opts)
        c = args.config
        self.kind = c.timeseries
        self.environment = {"TIMESERIES": c.timeseries}
        self.statements = []
        self.vpc = None
        if c.timeseries == "liveanalytics":
            self._live_analytics(name, args)
        elif c.timeseries == "influxdb":
            self._influxdb(name, args)
        self.register_outputs({"kind": self.kind})

    def _live_analytics(self, name: str, args: TimeSeriesArgs) -> None:
        """A Timestream for LiveAnalytics database and table, and the right to write it."""
        child = pulumi.ResourceOptions(parent=self)
        c = args.config
        database = aws.timestreamwrite.Database(
            f"{name}-database",
            database_name=f"{args.context.prefix}-analytics",
            kms_key_id=args.context.kms_key_arn,
            opts=child,
        )
        table = aws.timestreamwrite.Table(
            f"{name}-table",
            database_name=database.database_name,
            table_name=TIMESTREAM_TABLE,
            retention_properties=aws.timestreamwrite.TableRetentionPropertiesArgs(
                memory_store_retention_period_in_hours=c.timestream_memory_hours,
                magnetic_store_retention_period_in_days=c.timestream_magnetic_days,
            ),
            # Late windows (a shard catching up) land in the magnetic store instead of failing.
            magnetic_store_write_properties=(
                aws.timestreamwrite.TableMagneticStoreWritePropertiesArgs(
                    enable_magnetic_store_writes=True)
            ),
            opts=child,
        )
        self.environment.update({"TIMESTREAM_DATABASE": database.database_name,
                                 "TIMESTREAM_TABLE": table.table_name})
        self.statements = [
            {"Sid": "WriteWindowAggregates", "Effect": "Allow",
             "Action": ["timestream:WriteRecords"], "Resource": table.arn},
            {
                # The endpoint discovery call has no resource-level permissions.
                "Sid": "DiscoverTimestreamEndpoints", "Effect": "Allow",
                "Action": ["timestream:DescribeEndpoints"], "Resource": "*",
            },
        ]

    def _influxdb(self, name: str, args: TimeSeriesArgs) -> None:
        """An InfluxDB instance in a private network of its own, reachable from the writer."""
        child = pulumi.ResourceOptions(parent=self)
        c = args.config
        network = Network(
            f"{name}-network",
            NetworkArgs(cidr=NETWORK_CIDR, az_count=2, interface_endpoints=ENDPOINT_SERVICES,
                        purpose="time-series writer", context=args.context,
                        gateway_table_arns=tuple(args.writer_table_arns)),
            opts=child)
        influx_group = aws.ec2.SecurityGroup(
            f"{name}-influxdb-sg",
            vpc_id=network.vpc_id,
            description="InfluxDB: its API port from the private network's clients",
            revoke_rules_on_delete=True,
            opts=child,
        )
        allow_tcp(ingress_name=f"{name}-influxdb-from-clients",
                  egress_name=f"{name}-clients-to-influxdb",
                  server_group_id=influx_group.id,
                  client_group_id=network.functions_security_group_id, port=INFLUX_PORT,
                  description="InfluxDB API from the window aggregator", opts=child)
        if c.influx_password is None:  # config refuses this; keep the type checker honest
            raise ValueError("analyticsInfluxPassword is required for influxdb")
        instance = aws.timestreaminfluxdb.DbInstance(
            f"{name}-influxdb",
            name=fit(f"{args.context.prefix}-metrics",
                     limit("aws:timestreaminfluxdb/dbInstance:DbInstance")),
            db_instance_type=c.influx_instance_type,
            db_storage_type="InfluxIOIncludedT1",
            allocated_storage=c.influx_storage_gb,
            deployment_type=c.influx_deployment_type,
            publicly_accessible=False,
            port=INFLUX_PORT,
            organization=INFLUX_ORG,
            bucket=INFLUX_BUCKET,
            username=INFLUX_USER,
            password=c.influx_password,
            # A standby needs a subnet in a second AZ; a single instance uses the first.
            vpc_subnet_ids=(network.subnet_ids if c.influx_deployment_type != "SINGLE_AZ"
                            else network.subnet_ids[:1]),
            vpc_security_group_ids=[influx_group.id],
            opts=child,
        )
        self.environment.update({
            "INFLUX_URL": pulumi.Output.concat("https://", instance.endpoint, ":",
                                               str(INFLUX_PORT)),
            "INFLUX_ORG": INFLUX_ORG,
            "INFLUX_BUCKET": INFLUX_BUCKET,
            "INFLUX_AUTH_SECRET_ARN": instance.influx_auth_parameters_secret_arn,
        })
        self.statements = [
            {"Sid": "ReadInfluxCredentials", "Effect": "Allow",
             "Action": ["secretsmanager:GetSecretValue"],
             "Resource": instance.influx_auth_parameters_secret_arn},
        ]
        self.vpc = network.placement
