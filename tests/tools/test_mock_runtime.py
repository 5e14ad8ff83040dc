"""The mock runtime: what it leaves out of a run, and that it puts the SDK back afterwards."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pytest
from pulumi.runtime import resource as pulumi_resource

from tools.mock_runtime import run


def test_a_run_skips_the_engine_extras_and_restores_them() -> None:
    trace, debug = pulumi_resource._get_stack_trace, pulumi.log.debug
    seen: dict[str, object] = {}

    def program() -> None:
        seen["skipped"] = (pulumi_resource._get_stack_trace is not trace,
                           pulumi.log.debug is not debug)
        seen["frames"] = len(pulumi_resource._get_stack_trace().frames)
        aws.sqs.Queue("queue", name="orders-queue")

    registry = run("dev", {}, [], program)
    assert seen == {"skipped": (True, True), "frames": 0}
    assert [r.inputs["name"] for r in registry.by_type("aws:sqs/queue:Queue")] == [
        "orders-queue"]
    assert (pulumi_resource._get_stack_trace, pulumi.log.debug) == (trace, debug)


def test_a_failing_program_restores_them_too() -> None:
    trace, debug = pulumi_resource._get_stack_trace, pulumi.log.debug

    def program() -> None:
        raise RuntimeError("bad program")

    with pytest.raises(RuntimeError, match="bad program"):
        run("dev", {}, [], program)
    assert (pulumi_resource._get_stack_trace, pulumi.log.debug) == (trace, debug)
