"""SnapStart rules: small bad functions and plans are refused, each with the reason."""

from __future__ import annotations

import pulumi_aws as aws
import pytest

from policy.rules import Subject, all_rules, evaluate_plan
from tests.helpers import plan, run_program

RULES = {r.name: r for r in all_rules()}
FUNCTION = "aws:lambda/function:Function"
ROLE = "arn:aws:iam::123456789012:role/fn"
SNAP = {"applyOn": "PublishedVersions"}
GOOD = {"runtime": "python3.13", "architectures": ["arm64"], "publish": True, "snapStart": SNAP}


def check(props: dict, provider: dict | None = None) -> list[str]:
    return RULES["snapstart-supported-function"].violations(
        Subject(FUNCTION, "fn", props, provider or {}))


def test_a_published_python_313_arm64_function_passes() -> None:
    assert check(GOOD) == []
    assert check({**GOOD, "runtime": "python3.12", "architectures": ["x86_64"]}) == []
    assert check({**GOOD, "ephemeralStorage": {"size": 512}}) == []


def test_a_function_without_snapstart_is_not_looked_at() -> None:
    assert check({"runtime": "nodejs22.x", "packageType": "Image", "publish": False}) == []
    assert check({**GOOD, "snapStart": {"applyOn": "None"}, "runtime": "python3.11"}) == []


@pytest.mark.parametrize("runtime", ["python3.11", "python3.9", "nodejs22.x", "ruby3.4",
                                     "provided.al2023", "java8.al2", "dotnet6", ""])
def test_snapstart_on_an_unsupported_runtime_is_refused(runtime: str) -> None:
    [message] = check({**GOOD, "runtime": runtime})
    assert "Python 3.12+, Java 11+ and .NET 8+" in message


@pytest.mark.parametrize("runtime", ["python3.14", "java21", "java11", "dotnet8", "dotnet10"])
def test_snapstart_runtimes_that_aws_lists_pass(runtime: str) -> None:
    assert check({**GOOD, "runtime": runtime}) == []


def test_snapstart_with_a_container_image_is_refused() -> None:
    [message] = check({**GOOD, "runtime": None, "packageType": "Image"})
    assert "container image" in message


def test_snapstart_with_efs_large_ephemeral_storage_or_unpublished_is_refused() -> None:
    messages = check({**GOOD, "publish": False, "ephemeralStorage": {"size": 1024},
                      "fileSystemConfig": {"arn": "arn:aws:elasticfilesystem:x", "localMountPath":
                                           "/mnt/data"}})
    assert len(messages) == 3
    assert "EFS" in messages[0]
    assert "1024 MB of ephemeral storage" in messages[1]
    assert "$LATEST" in messages[2]


def test_snapstart_in_a_region_without_it_is_refused() -> None:
    [message] = check(GOOD, {"region": "ap-southeast-6"})
    assert "ap-southeast-6" in message
    assert check(GOOD, {"region": "eu-west-1"}) == []


def _function(name: str, snapstart: bool) -> aws.lambda_.Function:
    return aws.lambda_.Function(
        name, name=name, role=ROLE, runtime="python3.13", handler="h.handler",
        architectures=["arm64"], publish=True,
        snap_start=(aws.lambda_.FunctionSnapStartArgs(apply_on="PublishedVersions")
                    if snapstart else None))


def test_provisioned_concurrency_on_a_snapstart_function_is_refused() -> None:
    def program() -> None:
        for name, snapstart in (("snappy", True), ("warm", False)):
            fn = _function(name, snapstart)
            aws.lambda_.ProvisionedConcurrencyConfig(
                f"{name}-provisioned", function_name=fn.name, qualifier="live",
                provisioned_concurrent_executions=2)

    found = evaluate_plan(plan(run_program("dev", program)),
                          only=("snapstart-without-provisioned-concurrency",))
    [(rule, name, message)] = found
    assert (rule, name) == ("snapstart-without-provisioned-concurrency", "snappy-provisioned")
    assert "SnapStart does not support provisioned concurrency" in message
