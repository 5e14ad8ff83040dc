"""The DLQ redrive script against moto SQS and Lambda."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.functions.automation.support import ACCOUNT, REGION, audit_inputs, audit_records, aws
from tests.functions.automation.support import script as load

__all__ = ["aws"]
PREFIX = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:marketplace-dev-"
ALARM = "marketplace-dev-cache-purger-failures-depth-warning"


def _function(name: str) -> str:
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as z:
        z.writestr("index.py", "def handler(event, context):\n    return event\n")
    role = boto3.client("iam").create_role(
        RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17",
                                                                       "Statement": []}))
    lambda_ = boto3.client("lambda")
    arn = lambda_.create_function(
        FunctionName=name, Runtime="python3.12", Role=role["Role"]["Arn"],
        Handler="index.handler", Code={"ZipFile": code.getvalue()})["FunctionArn"]
    version = lambda_.publish_version(FunctionName=name)["Version"]
    lambda_.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    return arn


def _queue() -> str:
    return boto3.client("sqs").create_queue(QueueName="marketplace-dev-failures")["QueueUrl"]


def _inputs(url: str, **extra: Any) -> dict[str, Any]:
    return {"AlarmName": ALARM, "Queues": {ALARM: url}, "FunctionArnPrefix": PREFIX,
            "MaxMessages": 100, **audit_inputs(), **extra}


def test_a_dry_run_counts_and_leaves_the_queue(aws: None) -> None:
    url = _queue()
    sqs = boto3.client("sqs")
    for n in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": n}))
    result = load("redrive_dead_letters").handler(_inputs(url, DryRun=True), None)
    assert result == {"QueueUrl": url, "Messages": 3, "Redriven": 0}
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "3"
    (record,) = audit_records()
    assert record["event"] == "admin_action"
    assert record["actor"] == "automation"
    assert (record["runbook"], record["outcome"], record["dry_run"], record["messages"]) == (
        "redrive-dead-letters", "dry-run", True, 3)


def test_replays_on_failure_records_and_rule_dead_letters_then_deletes_them(aws: None) -> None:
    arn = _function("marketplace-dev-cache-purger")
    url = _queue()
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({
        "requestContext": {"functionArn": f"{arn}:live", "condition": "RetriesExhausted"},
        "requestPayload": {"detail-type": "ListingUpdated"}}))
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"detail-type": "ListingDeleted"}),
                     MessageAttributes={"TARGET_ARN": {"DataType": "String",
                                                       "StringValue": f"{arn}:live"}})
    result = load("redrive_dead_letters").handler(_inputs(url, DryRun=False), None)
    assert result == {"QueueUrl": url, "Messages": 2, "Redriven": 2}
    left = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    assert left == []
    (record,) = audit_records()
    assert (record["outcome"], record["redriven"], record["skipped"]) == ("redriven", 2, 0)


def test_a_message_for_another_function_or_not_an_invocation_stays(aws: None) -> None:
    url = _queue()
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({
        "requestContext": {"functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:other"},
        "requestPayload": {}}))
    sqs.send_message(QueueUrl=url, MessageBody="not json")
    module = load("redrive_dead_letters")
    result = module.handler(_inputs(url, DryRun="false"), None)
    assert result["Redriven"] == 0
    (record,) = audit_records()
    assert (record["outcome"], record["skipped"]) == ("partial", 2)


def test_an_alarm_the_runbook_does_not_know_is_refused(aws: None) -> None:
    module = load("redrive_dead_letters")
    with pytest.raises(module.runbook.InputError, match="watches no queue"):
        module.handler({"AlarmName": "other-alarm", "Queues": {}, "FunctionArnPrefix": PREFIX,
                        "DryRun": True}, None)


def test_replay_of_reads_both_shapes() -> None:
    from functions.automation.redrive_dead_letters import replay_of
    target = f"{PREFIX}api:live"
    assert replay_of({"Body": json.dumps({"requestContext": {"functionArn": target},
                                          "requestPayload": {"a": 1}})}, PREFIX) == (
        target, '{"a": 1}')
    assert replay_of({"Body": '{"b": 2}', "MessageAttributes": {
        "TARGET_ARN": {"StringValue": target}}}, PREFIX) == (target, '{"b": 2}')
    assert replay_of({"Body": '{"b": 2}'}, PREFIX) is None


def test_a_replay_lambda_refuses_stays_in_the_queue(aws: None,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    url = _queue()
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=url, MessageBody="{}", MessageAttributes={
        "TARGET_ARN": {"DataType": "String", "StringValue": f"{PREFIX}api:live"}})
    module = load("redrive_dead_letters")

    def throttled(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "TooManyRequestsException"}}, "Invoke")

    monkeypatch.setattr(module.lambda_, "invoke", throttled)
    result = module.handler(_inputs(url, DryRun=False), None)
    assert result["Redriven"] == 0
    (record,) = audit_records()
    assert (record["outcome"], record["failed"]) == ("partial", 1)
    # Not deleted: invisible for the script's visibility timeout, then it comes back.
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"
