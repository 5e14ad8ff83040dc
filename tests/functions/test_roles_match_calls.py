"""Each function's recorded AWS calls against its role in the dev and prod plans, both ways.

A call the deployed role would deny fails, and so does a grant that no handler test exercises,
unless :data:`EXERCISED_ELSEWHERE` says what uses it instead. How calls become IAM requests and
how the role is evaluated: :mod:`tests.role_calls`.
"""

from __future__ import annotations

from tests.helpers import STACKS, plan, stack_config, stack_registry
from tests.recording import for_each_function, function_packages, recording
from tests.role_calls import CANARY, LAMBDA, compare, deployed_functions

LAMBDA_ROLE = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html"
# (function package or "*", statement Sid) -> what exercises the grant instead of the handler.
EXERCISED_ELSEWHERE: dict[tuple[str, str], str] = {
    ("*", "WriteOwnLogs"): "the Lambda runtime ships the function's own log lines with the "
                           f"execution role ({LAMBDA_ROLE})",
    ("*", "WriteTraces"): "active tracing: Lambda sends the X-Ray segments with the execution "
                          "role; the handler tests turn tracing off "
                          "(https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html)",
    ("*", "KeepFailedEvents"): "Lambda sends a failed asynchronous invocation to the on-failure "
                               "queue with the execution role (https://docs.aws.amazon.com/"
                               "lambda/latest/dg/invocation-async-retain-records.html)",
    ("*", "KeepFailedBatches"): "the event source mapping sends a failed batch's coordinates "
                                "to its on-failure queue with the execution role "
                                "(https://docs.aws.amazon.com/lambda/latest/dg/"
                                "kinesis-on-failure-destination.html)",
    ("*", "ReadEventsStream"): "the event source mapping polls the stream with the execution "
                               "role (https://docs.aws.amazon.com/lambda/latest/dg/"
                               "with-kinesis-permissions.html)",
    ("*", "ReadThroughFanOut"): "the event source mapping reads through the enhanced fan-out "
                                "consumer with the execution role (https://docs.aws.amazon.com/"
                                "lambda/latest/dg/with-kinesis-permissions.html)",
    ("*", "ManageVpcInterfaces"): "Lambda creates and deletes the function's network "
                                  "interfaces with the execution role "
                                  "(https://docs.aws.amazon.com/lambda/latest/dg/"
                                  "configuration-vpc.html)",
    ("*", "UseStackKey"): "KMS calls made by services on the handler's behalf, which moto does "
                          "not make: Lambda decrypting the environment at start, SQS "
                          "(GenerateDataKey and Decrypt for SendMessage to an encrypted "
                          "queue), Kinesis and Secrets Manager decrypting what the function "
                          "reads; the services' side is the key policy's",
    # The canary's script makes no AWS call itself: the Synthetics runtime does, with the
    # canary's role (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
    # CloudWatch_Synthetics_Canaries_CanaryPermissions.html).
    ("image_variants", "BucketKey"): "S3 calls KMS with the caller's credentials to decrypt "
                                     "an SSE-KMS original and to encrypt a new variant, which "
                                     "moto does not (https://docs.aws.amazon.com/AmazonS3/"
                                     "latest/userguide/UsingKMSEncryption.html)",
    ("image_variants", "MissingIsNotFound"): "S3 answers a missing key with 404 rather than "
                                             "403 only to a caller with s3:ListBucket "
                                             "(https://docs.aws.amazon.com/AmazonS3/latest/API/"
                                             "API_HeadObject.html)",
    ("canary", "WriteArtifacts"): "the Synthetics runtime uploads run artifacts",
    ("canary", "LocateArtifactBucket"): "the Synthetics runtime locates the artifact bucket",
    ("canary", "ListBucketsForSynthetics"): "the Synthetics runtime lists buckets",
    ("canary", "PublishCanaryMetrics"): "the Synthetics runtime publishes SuccessPercent etc.",
}


def stack_region(stack: str) -> str:
    """The region the stack file sets (``aws:region``)."""
    return dict(stack_config(stack)[0])["aws:region"]


@for_each_function
def test_role_allows_every_call_and_grants_nothing_unused(function: str) -> None:
    calls = recording(function).calls
    problems = []
    for stack in STACKS:
        stack_plan = plan(stack_registry(stack))
        for one in (d for d in deployed_functions(stack_plan) if d.package == function):
            found = compare(one, stack_plan, calls, stack_region(stack), EXERCISED_ELSEWHERE)
            problems += [f"{one.resource.name} ({stack}) makes a call its role denies: {d}"
                         for d in found.denied]
            problems += [f"{one.resource.name} ({stack}) is granted what no test of "
                         f"functions/{function} exercises: {u}" for u in found.unexercised]
    assert not problems, (
        "\n".join(problems) + "\n(tighten the role, add a handler test, or say in "
        "EXERCISED_ELSEWHERE what uses the grant)")


def test_every_function_package_is_deployed_somewhere() -> None:
    """A package no stack deploys has no role to check: the check above would skip it."""
    deployed = {d.package for s in STACKS for d in deployed_functions(plan(stack_registry(s)))}
    assert set(function_packages()) <= deployed


def test_every_deployed_function_runs_a_checked_package() -> None:
    """No Lambda function or canary escapes the check (edge code is CloudFront Functions,
    which have no role)."""
    for stack in STACKS:
        stack_plan = plan(stack_registry(stack))
        runs = {d.resource.urn: d.package for d in deployed_functions(stack_plan)}
        assert sorted(r.name for r in stack_plan.of_type(LAMBDA, CANARY)
                      if r.urn not in runs) == []
        assert set(runs.values()) <= set(function_packages())
