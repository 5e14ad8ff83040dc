"""Backend rules: tables, API stages and caches, DAX, the app cache, network and invocations."""

from __future__ import annotations

from collections.abc import Iterator

from . import Subject, rule

WORLD = ("0.0.0.0/0", "::/0")


@rule("dynamodb-pitr-kms", "Every DynamoDB table has point-in-time recovery and SSE with a "
      "customer-managed KMS key.", types=("aws:dynamodb/table:Table",))
def table_recoverable_and_encrypted(s: Subject) -> Iterator[str]:
    if not (s.props.get("pointInTimeRecovery") or {}).get("enabled"):
        yield "pointInTimeRecovery.enabled is not true"
    sse = s.props.get("serverSideEncryption") or {}
    if not sse.get("enabled") or not sse.get("kmsKeyArn"):
        yield "serverSideEncryption does not use a customer-managed KMS key"


@rule("api-stage-tracing-access-logs", "Every API Gateway stage has X-Ray tracing and access "
      "logs.", types=("aws:apigateway/stage:Stage",))
def stage_observable(s: Subject) -> Iterator[str]:
    if not s.props.get("xrayTracingEnabled"):
        yield "xrayTracingEnabled is not true"
    if not (s.props.get("accessLogSettings") or {}).get("destinationArn"):
        yield "accessLogSettings.destinationArn is not set"


@rule("api-cache-encrypted", "Stage method settings that cache responses encrypt the cache.",
      types=("aws:apigateway/methodSettings:MethodSettings",))
def cache_encrypted(s: Subject) -> Iterator[str]:
    settings = s.props.get("settings") or {}
    if settings.get("cachingEnabled") and not settings.get("cacheDataEncrypted"):
        yield f"{s.props.get('methodPath')}: caching without cacheDataEncrypted"


@rule("dax-encrypted-tls", "Every DAX cluster encrypts at rest and serves only TLS.",
      types=("aws:dax/cluster:Cluster",))
def dax_encrypted(s: Subject) -> Iterator[str]:
    if not (s.props.get("serverSideEncryption") or {}).get("enabled"):
        yield "serverSideEncryption.enabled is not true"
    if s.props.get("clusterEndpointEncryptionType") != "TLS":
        yield "clusterEndpointEncryptionType is not TLS"


@rule("elasticache-serverless-kms", "Every ElastiCache Serverless cache is encrypted with the "
      "stack's KMS key and sits in subnets behind a security group.",
      types=("aws:elasticache/serverlessCache:ServerlessCache",))
def cache_kms(s: Subject) -> Iterator[str]:
    if not s.props.get("kmsKeyId"):
        yield "kmsKeyId is not set"
    if not s.props.get("subnetIds") or not s.props.get("securityGroupIds"):
        yield "subnetIds and securityGroupIds must be set"


@rule("no-world-ingress", "No security group rule admits traffic from the whole internet.",
      types=("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
             "aws:ec2/securityGroupRule:SecurityGroupRule"))
def no_world_ingress(s: Subject) -> Iterator[str]:
    if s.props.get("type", "ingress") != "ingress":
        return
    sources = [s.props.get("cidrIpv4"), s.props.get("cidrIpv6"),
               *(s.props.get("cidrBlocks") or []), *(s.props.get("ipv6CidrBlocks") or [])]
    for source in sources:
        if source in WORLD:
            yield f"ingress from {source}"


@rule("lambda-permission-source-arn", "Every permission for an AWS service to invoke a function "
      "names the source ARN (no confused deputy).", types=("aws:lambda/permission:Permission",))
def permission_scoped(s: Subject) -> Iterator[str]:
    principal = str(s.props.get("principal") or "")
    if principal.endswith(".amazonaws.com") and not s.props.get("sourceArn"):
        yield f"{principal} may invoke without a sourceArn condition"


MEMORY_SOURCE = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html"


@rule("lambda-memory-in-range", "Every function's memory is a whole number of MB within "
      "Lambda's 128-10240.", types=("aws:lambda/function:Function",))
def memory_in_range(s: Subject) -> Iterator[str]:
    """CreateFunction refuses a memory size outside 128-10240 MB (1 MB steps; MEMORY_SOURCE);
    an unset one means Lambda's default, 128 MB. The plan carries numbers as floats (1024.0)."""
    size = s.props.get("memorySize")
    if size is None:
        return
    whole = isinstance(size, int | float) and not isinstance(size, bool) and \
        float(size).is_integer()
    if not whole or not 128 <= size <= 10240:
        yield f"memorySize {size!r} is not a whole number of MB in 128..10240 ({MEMORY_SOURCE})"
