"""Lambda concurrency: what the account's pool allows, and stream consumers that can keep up."""

from __future__ import annotations

from collections.abc import Iterator

from ..plan import Plan, PlanResource
from . import stack_rule

FUNCTION = "aws:lambda/function:Function"
PROVISIONED = "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
STREAM = "aws:kinesis/stream:Stream"

# Lambda's default concurrent-executions quota per account and Region, and the part of it
# that must stay unreserved (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html,
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
ACCOUNT_CONCURRENCY = 1000
MINIMUM_UNRESERVED = 100


def _function_name(arn_or_name: str) -> str:
    """``my-fn`` from ``my-fn``, ``arn:aws:lambda:...:function:my-fn`` or ``...:my-fn:live``."""
    parts = str(arn_or_name).split(":")
    if len(parts) >= 7 and parts[5] == "function":
        return parts[6]
    return str(arn_or_name)


def _functions(plan: Plan) -> dict[str, PlanResource]:
    return {str(f.props.get("name") or f.name): f for f in plan.of_type(FUNCTION)}


@stack_rule("lambda-unreserved-concurrency",
            "Reserved concurrency, plus provisioned concurrency of unreserved functions, leaves "
            f"at least {MINIMUM_UNRESERVED} of the default {ACCOUNT_CONCURRENCY} unreserved.")
def unreserved_concurrency(plan: Plan) -> Iterator[tuple[str, str]]:
    """PutFunctionConcurrency and PutProvisionedConcurrencyConfig fail once the account's
    unreserved concurrency would drop below 100: "You can reserve up to the Unreserved account
    concurrency value minus 100"
    (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html); provisioned
    concurrency of a function without reserved concurrency comes out of the same unreserved
    pool (https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html). The
    default quota is 1,000 per Region
    (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html); the plan
    only knows its own stack, so stacks sharing an account must fit together (docs/deploying.md).
    """
    functions = _functions(plan)
    reserved = {name: int(f.props["reservedConcurrentExecutions"])
                for name, f in functions.items()
                if f.props.get("reservedConcurrentExecutions") not in (None, -1)}
    provisioned: dict[str, int] = {}
    for config in plan.of_type(PROVISIONED):
        name = _function_name(str(config.props.get("functionName", "")))
        if name not in reserved:
            provisioned[name] = provisioned.get(name, 0) + int(
                config.props.get("provisionedConcurrentExecutions") or 0)
    total = sum(reserved.values()) + sum(provisioned.values())
    if total > ACCOUNT_CONCURRENCY - MINIMUM_UNRESERVED:
        yield ("stack", f"reserved ({sum(reserved.values())}) plus provisioned concurrency of "
               f"unreserved functions ({sum(provisioned.values())}) is {total}; Lambda keeps "
               f"{MINIMUM_UNRESERVED} of the account's {ACCOUNT_CONCURRENCY} unreserved, so at "
               f"most {ACCOUNT_CONCURRENCY - MINIMUM_UNRESERVED} can be set aside")


@stack_rule("stream-consumer-concurrency",
            "A Kinesis consumer's reserved concurrency covers one batch per shard at a time "
            "(times its parallelization factor).")
def stream_consumer_concurrency(plan: Plan) -> Iterator[tuple[str, str]]:
    """Lambda polls each Kinesis shard with one concurrent invocation, or up to
    ParallelizationFactor (1-10) of them
    (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html, "Polling and batching
    streams"); a reserved concurrency below shards x factor throttles the consumer and the
    iterator age grows without bound. Checked for provisioned streams (on-demand streams
    change their shard count themselves).
    """
    functions = _functions(plan)
    streams = {str(s.props.get("name") or s.name): s for s in plan.of_type(STREAM)}
    for mapping in plan.of_type(MAPPING):
        source = str(mapping.props.get("eventSourceArn", ""))
        if ":kinesis:" not in source:
            continue
        stream = streams.get(source.split(":stream/", 1)[-1].split("/consumer/", 1)[0])
        function = functions.get(_function_name(str(mapping.props.get("functionName", ""))))
        if stream is None or function is None:
            continue
        reserved = function.props.get("reservedConcurrentExecutions")
        mode = (stream.props.get("streamModeDetails") or {}).get("streamMode", "PROVISIONED")
        if reserved in (None, -1) or mode != "PROVISIONED":
            continue
        needed = int(stream.props.get("shardCount") or 1) * int(
            mapping.props.get("parallelizationFactor") or 1)
        if int(reserved) < needed:
            yield (function.name, f"reserved concurrency {int(reserved)} is below the {needed} "
                   f"concurrent batches its stream {stream.props.get('name')} needs (shards x "
                   "parallelizationFactor); the consumer would be throttled and fall behind")
