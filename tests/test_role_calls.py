"""The call-to-IAM mapping and the role evaluation the role-versus-calls check relies on."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from tests.helpers import plan, run_program
from tests.recording import AwsCall
from tests.role_calls import (
    Request,
    Resolver,
    Target,
    UnreadableError,
    allowed,
    compare,
    deployed_functions,
    requests_of,
)

TARGET = Target(account="111122223333", region="eu-west-1", environment={
    "TABLE_NAME": "prod-listings", "EVENT_BUS_NAME": "prod-events",
    "TOPIC_ARNS": json.dumps({"warning": "arn:aws:sns:eu-west-1:111122223333:prod-warning"}),
    "POWERTOOLS_METRICS_NAMESPACE": "marketplace/prod", "AUDIT_LOG_GROUP": "/prod/audit",
})
TEST_ENV = {
    "TABLE_NAME": "listings-test", "EVENT_BUS_NAME": "test-bus",
    "TOPIC_ARNS": json.dumps({"warning": "arn:aws:sns:us-east-1:123456789012:t-warning"}),
    "POWERTOOLS_METRICS_NAMESPACE": "marketplace/test", "AUDIT_LOG_GROUP": "/test/audit",
}


def call(signing: str, operation: str, **params: Any) -> AwsCall:
    """A recorded call made while the tests had TEST_ENV set."""
    return AwsCall(service=signing, signing_name=signing, operation=operation, params=params,
                   region="us-east-1", environment=TEST_ENV)


def requests(package: str, made: AwsCall, target: Target = TARGET) -> list[tuple[str, str]]:
    found = requests_of(package, made, Resolver([made], target.environment), target)
    assert found is not None
    return [(r.action, r.resource) for r in found]


def test_a_transaction_needs_each_item_action_on_the_deployed_table() -> None:
    made = call("dynamodb", "TransactWriteItems", TransactItems=[
        {"Put": {"TableName": "listings-test", "Item": {}}},
        {"Delete": {"TableName": "listings-test", "Key": {}}},
        {"ConditionCheck": {"TableName": "listings-test", "Key": {}}},
    ])
    table = "arn:aws:dynamodb:eu-west-1:111122223333:table/prod-listings"
    assert requests("x", made) == [("dynamodb:PutItem", table), ("dynamodb:DeleteItem", table),
                                   ("dynamodb:ConditionCheckItem", table)]


def test_a_query_on_an_index_targets_the_index_arn() -> None:
    made = call("dynamodb", "Query", TableName="listings-test", IndexName="gsi2")
    table = "arn:aws:dynamodb:eu-west-1:111122223333:table/prod-listings"
    assert requests("x", made) == [("dynamodb:Query", f"{table}/index/gsi2")]


def test_through_dax_the_table_calls_become_cluster_calls() -> None:
    target = Target(account="111122223333", region="eu-west-1", environment={
        **TARGET.environment, "DAX_ENDPOINT": "daxs://prod-dax.ab12cd.dax-clusters.amazonaws.com"})
    cluster = "arn:aws:dax:eu-west-1:111122223333:cache/prod-dax"
    assert requests("api", call("dynamodb", "GetItem", TableName="listings-test"), target) == [
        ("dax:GetItem", cluster)]
    made = call("dynamodb", "TransactWriteItems", TransactItems=[
        {"Put": {"TableName": "listings-test", "Item": {}}}])
    assert requests("api", made, target) == [("dax:TransactWriteItems", cluster),
                                             ("dax:PutItem", cluster)]


def test_names_resolve_through_json_variables_and_default_bus() -> None:
    made = call("sns", "Publish", TopicArn="arn:aws:sns:us-east-1:123456789012:t-warning")
    assert requests("x", made) == [
        ("sns:Publish", "arn:aws:sns:eu-west-1:111122223333:prod-warning")]
    made = call("events", "PutEvents", Entries=[{"Source": "s"}])
    assert requests("x", made) == [
        ("events:PutEvents", "arn:aws:events:eu-west-1:111122223333:event-bus/default")]


def test_a_name_no_variable_carried_is_unreadable() -> None:
    with pytest.raises(UnreadableError, match="'hard-coded' was named by no environment variable"):
        requests("x", call("dynamodb", "GetItem", TableName="hard-coded"))


def test_an_operation_without_a_row_is_unreadable() -> None:
    with pytest.raises(UnreadableError, match="no IAM mapping for dynamodb:BatchWriteItem"):
        requests("x", call("dynamodb", "BatchWriteItem", RequestItems={}))


def test_the_email_copy_is_made_only_where_a_route_targets_email() -> None:
    made = call("sns", "Publish", TopicArn="arn:aws:sns:us-east-1:123456789012:t-warning")
    quiet = Target("111122223333", "eu-west-1", {**TARGET.environment, "ROUTES": json.dumps(
        [{"severities": ["*"], "sources": ["*"], "targets": ["slack:alerts"]}])})
    assert requests_of("alert_router", made, Resolver([made], quiet.environment), quiet) is None
    mailing = Target("111122223333", "eu-west-1", {**TARGET.environment, "ROUTES": json.dumps(
        [{"severities": ["*"], "sources": ["*"], "targets": ["email:warning"]}])})
    assert requests("alert_router", made, mailing) == [
        ("sns:Publish", "arn:aws:sns:eu-west-1:111122223333:prod-warning")]


def test_log_writes_target_the_stream_under_the_deployed_group() -> None:
    made = call("logs", "CreateLogStream", logGroupName="/test/audit", logStreamName="s-1")
    (request,) = requests_of("x", made, Resolver([made], TARGET.environment), TARGET)
    group = "arn:aws:logs:eu-west-1:111122223333:log-group:/prod/audit"
    assert request.resource == f"{group}:log-stream:s-1"
    for pattern in (f"{group}:log-stream:*", f"{group}:*"):
        assert allowed([{"Effect": "Allow", "Action": "logs:CreateLogStream",
                         "Resource": pattern}], request)
    assert not allowed([{"Effect": "Allow", "Action": "logs:CreateLogStream",
                         "Resource": "arn:aws:logs:eu-west-1:111122223333:log-group:/other:*"}],
                       request)


def test_namespace_condition_and_explicit_deny() -> None:
    put = Request("cloudwatch:PutMetricData", "*", (("cloudwatch:namespace", "marketplace/prod"),))
    scoped = {"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
              "Condition": {"StringEquals": {"cloudwatch:namespace": "marketplace/prod"}}}
    assert allowed([scoped], put)
    other = Request("cloudwatch:PutMetricData", "*", (("cloudwatch:namespace", "other"),))
    assert not allowed([scoped], other)
    assert not allowed([scoped], Request("cloudwatch:PutMetricData", "*"))
    deny = {"Effect": "Deny", "Action": "cloudwatch:*", "Resource": "*"}
    assert not allowed([scoped, deny], put)


def test_conditions_it_cannot_evaluate_fail_closed() -> None:
    statement = {"Effect": "Allow", "Action": "sns:Publish", "Resource": "*",
                 "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}
    with pytest.raises(UnreadableError, match="'IpAddress' is not evaluated"):
        allowed([statement], Request("sns:Publish", "arn:aws:sns:eu-west-1:1:t"))


def _one_function() -> None:
    """A role that allows GetItem on another table and grants PutItem nothing uses."""
    trust = {"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"Service": "lambda.amazonaws.com"}}
    role = aws.iam.Role("fn-role", assume_role_policy=json.dumps({
        "Version": "2012-10-17", "Statement": [trust]}))
    aws.iam.RolePolicy("fn-policy", role=role.id, policy=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Sid": "Table", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
             "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/other"}]}))
    aws.lambda_.Function(
        "fn", role=role.arn, runtime="python3.12", handler="functions.api.handler.lambda_handler",
        code=pulumi.AssetArchive({}),
        environment=aws.lambda_.FunctionEnvironmentArgs(variables={"TABLE_NAME": "listings"}))


def test_a_role_that_misses_a_call_and_grants_too_much_is_reported() -> None:
    small = plan(run_program("dev", program=_one_function))
    (deployed,) = deployed_functions(small)
    made = call("dynamodb", "GetItem", TableName="listings-test")
    found = compare(deployed, small, [made], "us-east-1", {})
    assert found.denied == ["dynamodb:GetItem on arn:aws:dynamodb:us-east-1:123456789012:"
                            "table/listings (from dynamodb:GetItem)"]
    assert found.unexercised == [
        "Table: dynamodb:GetItem on arn:aws:dynamodb:us-east-1:123456789012:table/other",
        "Table: dynamodb:PutItem on arn:aws:dynamodb:us-east-1:123456789012:table/other"]
