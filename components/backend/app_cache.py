"""The optional application cache: ElastiCache Serverless (Valkey) in the backend VPC."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.blocks.monitored_items import Kind, MonitoredItem
from components.blocks.network import allow_tcp
from components.platform.context import StackContext

VALKEY_PORTS = (6379, 6380)  # primary and reader endpoints of a serverless cache


@dataclass(frozen=True)
class AppCacheArgs:
    """Inputs of :class:`AppCache`: the stack context, limits, retention and network."""

    context: StackContext
    cache_name: str
    max_data_gb: int
    max_ecpu_per_second: int
    snapshot_retention_days: int
    subnet_ids: Sequence[pulumi.Input[str]]
    vpc_id: pulumi.Input[str]
    client_security_group_id: pulumi.Input[str]


class AppCache(pulumi.ComponentResource):
    """A serverless Valkey cache for query results and sessions, in-transit TLS, KMS at rest.

    Serverless caches always require TLS. Its security group admits the Valkey ports only
    from the functions' group; usage limits cap the bill. :attr:`endpoint` (host) and
    :attr:`port` are given to the API function as ``APP_CACHE_ENDPOINT``.
    """

    cache: aws.elasticache.ServerlessCache
    endpoint: pulumi.Output[str]
    port: pulumi.Output[int]
    monitored_items: tuple[MonitoredItem, ...]

    def __init__(self, name: str, args: AppCacheArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:backend:AppCache", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=args.vpc_id,
            description="App cache: Valkey TLS ports from the backend functions only",
            tags={"Name": f"{name}-cache"},
            opts=child,
        )
        for port in VALKEY_PORTS:
            allow_tcp(ingress_name=f"{name}-from-functions-{port}",
                      egress_name=f"{name}-functions-to-cache-{port}",
                      server_group_id=group.id, client_group_id=args.client_security_group_id,
                      port=port, description="Valkey from the backend functions", opts=child)
        self.cache = aws.elasticache.ServerlessCache(
            f"{name}-cache",
            name=args.cache_name,
            engine="valkey",
            major_engine_version="8",
            description="Query-result and session cache of the listings API",
            kms_key_id=args.context.kms_key_arn,
            subnet_ids=list(args.subnet_ids),
            security_group_ids=[group.id],
            snapshot_retention_limit=args.snapshot_retention_days,
            daily_snapshot_time="04:00",
            cache_usage_limits=aws.elasticache.ServerlessCacheCacheUsageLimitsArgs(
                data_storage=aws.elasticache.ServerlessCacheCacheUsageLimitsDataStorageArgs(
                    maximum=args.max_data_gb, unit="GB"),
                ecpu_per_seconds=[
                    aws.elasticache.ServerlessCacheCacheUsageLimitsEcpuPerSecondArgs(
                        maximum=args.max_ecpu_per_second)],
            ),
            opts=child,
        )
        self.endpoint = self.cache.endpoints.apply(lambda e: (e[0].address or "") if e else "")
        self.port = self.cache.endpoints.apply(
            lambda e: int(e[0].port or VALKEY_PORTS[0]) if e else VALKEY_PORTS[0])
        self.monitored_items = (
            MonitoredItem(kind=Kind.ELASTICACHE, name=f"{name}-cache",
                          dimensions={"clusterId": self.cache.name}, region=args.context.region,
                          owner=args.context.owner, attributes={"serverless": True}),
        )
        self.register_outputs({"endpoint": self.endpoint})
