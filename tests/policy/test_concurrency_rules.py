"""Concurrency stack rules: a tiny bad program fails them with a clear message."""

from __future__ import annotations

import pulumi_aws as aws

from policy.rules import evaluate_plan
from tests.helpers import plan, run_program

ROLE = "arn:aws:iam::123456789012:role/fn"


def _function(name: str, reserved: int | None = None) -> aws.lambda_.Function:
    return aws.lambda_.Function(
        name, name=name, role=ROLE, runtime="python3.13", handler="h.handler",
        architectures=["arm64"], reserved_concurrent_executions=reserved)


def _violations(program, rule: str) -> list[tuple[str, str, str]]:
    return evaluate_plan(plan(run_program("dev", program)), only=(rule,))


def test_reserving_more_than_the_account_leaves_unreserved_fails() -> None:
    def program() -> None:
        _function("a", reserved=500)
        _function("b", reserved=350)
        api = _function("api")
        # 500 + 350 + 60 provisioned on an unreserved function = 910 > 1000 - 100
        aws.lambda_.ProvisionedConcurrencyConfig(
            "warm", function_name=api.name, qualifier="live",
            provisioned_concurrent_executions=60)

    [(rule, name, message)] = _violations(program, "lambda-unreserved-concurrency")
    assert (rule, name) == ("lambda-unreserved-concurrency", "stack")
    assert "is 910" in message
    assert "at most 900" in message


def test_reservations_that_leave_100_pass() -> None:
    def program() -> None:
        _function("a", reserved=850)
        _function("b", reserved=50)

    assert _violations(program, "lambda-unreserved-concurrency") == []


def test_stream_consumer_below_its_shard_count_fails() -> None:
    def program() -> None:
        stream = aws.kinesis.Stream("events", name="events", shard_count=4,
                                    stream_mode_details={"stream_mode": "PROVISIONED"})
        slow = _function("slow", reserved=3)
        fine = _function("fine", reserved=4)
        for fn, factor in ((slow, 1), (fine, 1)):
            aws.lambda_.EventSourceMapping(
                f"{fn._name}-mapping", event_source_arn=stream.arn,
                function_name=fn.arn.apply(lambda a: f"{a}:live"),
                starting_position="LATEST", parallelization_factor=factor)

    [(_rule, name, message)] = _violations(program, "stream-consumer-concurrency")
    assert name == "slow"
    assert "reserved concurrency 3 is below the 4 concurrent batches" in message
