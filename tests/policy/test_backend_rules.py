"""Each backend rule catches what it is for and passes what is right."""

from __future__ import annotations

import pytest

from policy.rules import Subject, all_rules

RULES = {r.name: r for r in all_rules()}
KEY = "arn:aws:kms:us-east-1:123456789012:key/k"


def check(rule: str, type_: str, props: dict) -> list[str]:
    return RULES[rule].violations(Subject(type_, "r", props))


@pytest.mark.parametrize(("props", "count"), [
    ({"pointInTimeRecovery": {"enabled": True},
      "serverSideEncryption": {"enabled": True, "kmsKeyArn": KEY}}, 0),
    ({"pointInTimeRecovery": {"enabled": True}, "serverSideEncryption": {"enabled": True}}, 1),
    ({"serverSideEncryption": {"enabled": True, "kmsKeyArn": KEY}}, 1),
    ({}, 2),
])
def test_table_pitr_and_kms(props: dict, count: int) -> None:
    assert len(check("dynamodb-pitr-kms", "aws:dynamodb/table:Table", props)) == count


@pytest.mark.parametrize(("props", "count"), [
    ({"xrayTracingEnabled": True, "accessLogSettings": {"destinationArn": "arn:x"}}, 0),
    ({"xrayTracingEnabled": False, "accessLogSettings": {"destinationArn": "arn:x"}}, 1),
    ({"xrayTracingEnabled": True}, 1),
])
def test_stage_tracing_and_logs(props: dict, count: int) -> None:
    assert len(check("api-stage-tracing-access-logs", "aws:apigateway/stage:Stage",
                     props)) == count


def test_cache_encryption_only_matters_when_caching() -> None:
    type_ = "aws:apigateway/methodSettings:MethodSettings"
    assert check("api-cache-encrypted", type_, {"methodPath": "a/GET",
                                                "settings": {"cachingEnabled": True}})
    assert not check("api-cache-encrypted", type_, {"settings": {
        "cachingEnabled": True, "cacheDataEncrypted": True}})
    assert not check("api-cache-encrypted", type_, {"settings": {"cachingEnabled": False}})


@pytest.mark.parametrize(("props", "count"), [
    ({"serverSideEncryption": {"enabled": True}, "clusterEndpointEncryptionType": "TLS"}, 0),
    ({"serverSideEncryption": {"enabled": True}, "clusterEndpointEncryptionType": "NONE"}, 1),
    ({"clusterEndpointEncryptionType": "TLS"}, 1),
])
def test_dax_encryption(props: dict, count: int) -> None:
    assert len(check("dax-encrypted-tls", "aws:dax/cluster:Cluster", props)) == count


def test_app_cache_kms_and_placement() -> None:
    type_ = "aws:elasticache/serverlessCache:ServerlessCache"
    good = {"kmsKeyId": KEY, "subnetIds": ["s"], "securityGroupIds": ["g"]}
    assert not check("elasticache-serverless-kms", type_, good)
    assert len(check("elasticache-serverless-kms", type_, {})) == 2


def test_world_ingress_is_refused() -> None:
    type_ = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
    assert check("no-world-ingress", type_, {"cidrIpv4": "0.0.0.0/0"})
    assert not check("no-world-ingress", type_, {"referencedSecurityGroupId": "sg-1"})
    legacy = "aws:ec2/securityGroupRule:SecurityGroupRule"
    assert check("no-world-ingress", legacy, {"type": "ingress", "cidrBlocks": ["0.0.0.0/0"]})
    assert not check("no-world-ingress", legacy, {"type": "egress",
                                                  "cidrBlocks": ["0.0.0.0/0"]})


def test_service_permissions_name_their_source() -> None:
    type_ = "aws:lambda/permission:Permission"
    assert check("lambda-permission-source-arn", type_, {"principal": "apigateway.amazonaws.com"})
    assert not check("lambda-permission-source-arn", type_,
                     {"principal": "apigateway.amazonaws.com", "sourceArn": "arn:x"})


@pytest.mark.parametrize(("props", "count"), [
    ({"memorySize": 128}, 0),
    ({"memorySize": 10240}, 0),
    ({"memorySize": 1024.0}, 0),  # how the plan carries a number
    ({}, 0),  # Lambda's default, 128 MB
    ({"memorySize": 127}, 1),
    ({"memorySize": 10241}, 1),
    ({"memorySize": 256.5}, 1),
])
def test_lambda_memory_in_range(props: dict, count: int) -> None:
    assert len(check("lambda-memory-in-range", "aws:lambda/function:Function", props)) == count
