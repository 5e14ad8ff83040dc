"""The Lambda building block, built directly under the recording mocks."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from components.blocks.lambda_function import LambdaFunction, LambdaFunctionArgs, check_statements
from components.blocks.monitored_items import Kind
from components.platform.core import PlatformCore, PlatformCoreArgs
from tests.helpers import (
    lambda_defaults,
    platform,
    policy_document,
    run_program,
    stack_registry,
)

FUNCTION = "aws:lambda/function:Function"


def _build(name: str = "fn", **overrides: object) -> dict[str, LambdaFunction]:
    built: dict[str, LambdaFunction] = {}

    def program() -> None:
        p = platform("dev")
        core = PlatformCore("core", PlatformCoreArgs(platform=p))
        args = {
            "package": "shared",
            "handler": "functions.shared.events.validate",
            "description": "test function",
            "defaults": lambda_defaults("dev"),
            "kms_key_arn": core.kms_key_arn,
            "region": p.region,
            "powertools_namespace": "Marketplace",
            "owner": "team",
            "statements": [{"Effect": "Allow", "Action": ["dynamodb:GetItem"],
                         "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/t"}],
        }
        args.update(overrides)
        import pulumi

        built["fn"] = LambdaFunction(
            name, LambdaFunctionArgs(**args),
            pulumi.ResourceOptions(parent=core, providers=core.providers),
        )

    built["registry"] = run_program("dev", program)  # type: ignore[assignment]
    return built


def test_function_is_arm64_traced_json_logged_with_powertools() -> None:
    reg = _build()["registry"]
    fn = reg.named(FUNCTION, "fn-function").inputs
    assert fn["architectures"] == ["arm64"]
    assert fn["runtime"] == lambda_defaults("dev").runtime
    assert fn["tracingConfig"] == {"mode": "Active"}
    assert fn["loggingConfig"]["logFormat"] == "JSON"
    assert fn["loggingConfig"]["systemLogLevel"] == "INFO"  # keeps platform.report lines
    env = fn["environment"]["variables"]
    assert env["POWERTOOLS_SERVICE_NAME"] == "fn"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "Marketplace"
    assert fn["memorySize"] == lambda_defaults("dev").memory_mb
    assert fn["layers"][0].endswith(
        f"-arm64:{lambda_defaults('dev').powertools_layer_version}")
    assert fn["publish"] is True


def test_memory_comes_from_the_argument_then_the_table_row_then_the_default() -> None:
    tuned = replace(lambda_defaults("dev"), function_memory_mb={"streamProcessor": 256})
    row = _build(defaults=tuned, concurrency_key="streamProcessor")["registry"]
    assert row.named(FUNCTION, "fn-function").inputs["memorySize"] == 256
    own = _build(defaults=tuned, concurrency_key="streamProcessor", memory_mb=1024)["registry"]
    assert own.named(FUNCTION, "fn-function").inputs["memorySize"] == 1024
    other = _build(defaults=tuned, concurrency_key="alertRouter")["registry"]
    assert other.named(FUNCTION, "fn-function").inputs["memorySize"] == tuned.memory_mb


def test_log_group_has_configured_retention_and_key() -> None:
    reg = _build()["registry"]
    logs = reg.named("aws:cloudwatch/logGroup:LogGroup", "fn-logs").inputs
    assert logs["retentionInDays"] == lambda_defaults("dev").log_retention_days
    assert logs["kmsKeyId"].startswith("arn:aws:kms:")
    assert logs["name"] == "/aws/lambda/fn"


def test_a_name_past_lambdas_limit_is_fitted_and_the_log_group_follows() -> None:
    name = "marketplace-production-eu-central-analytics-consumers-window-aggregator"  # 71
    reg = _build(name)["registry"]
    fitted = "marketplace-production-eu-central-analytics-consumers-win-6f7b67"  # 64
    assert reg.named(FUNCTION, f"{name}-function").inputs["name"] == fitted
    logs = reg.named("aws:cloudwatch/logGroup:LogGroup", f"{name}-logs").inputs
    assert logs["name"] == f"/aws/lambda/{fitted}"


def test_role_policy_is_least_privilege_and_includes_caller_statements() -> None:
    reg = _build()["registry"]
    doc = policy_document(reg.named("aws:iam/rolePolicy:RolePolicy", "fn-policy").inputs["policy"])
    actions = [a for s in doc["Statement"] for a in s["Action"]]
    assert "dynamodb:GetItem" in actions
    assert not [a for a in actions if a == "*" or a.endswith(":*")]


def test_async_failures_go_to_encrypted_queue() -> None:
    reg = _build(invoked_async=True)["registry"]
    config = reg.named("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
                       "fn-async").inputs
    queue = reg.named("aws:sqs/queue:Queue", "fn-failures-queue")
    assert config["destinationConfig"]["onFailure"]["destination"] == queue.outputs["arn"]
    assert config["maximumRetryAttempts"] == lambda_defaults("dev").async_max_retries
    assert queue.inputs["kmsMasterKeyId"].startswith("arn:aws:kms:")


def test_no_failure_queue_without_an_asynchronous_caller() -> None:
    reg = _build()["registry"]
    assert not reg.by_type("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig")
    assert not reg.by_type("aws:sqs/queue:Queue")
    doc = policy_document(reg.named("aws:iam/rolePolicy:RolePolicy", "fn-policy").inputs["policy"])
    assert "KeepFailedEvents" not in [s.get("Sid") for s in doc["Statement"]]


def test_provisioned_concurrency_only_when_asked() -> None:
    without = _build()["registry"]
    assert not without.by_type(
        "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig")
    with_pc = _build(provisioned_concurrency=3)["registry"]
    (pc,) = with_pc.by_type("aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig")
    assert pc.inputs["provisionedConcurrentExecutions"] == 3
    assert pc.inputs["qualifier"] == "live"


def test_every_child_is_parented_to_the_component() -> None:
    reg = _build(invoked_async=True)["registry"]
    (component,) = reg.by_type("marketplace:compute:LambdaFunction")
    children = reg.children(component)
    assert len(children) >= 7
    assert all(c.name.startswith("fn-") for c in children)


def test_monitored_items_describe_function_and_queue() -> None:
    built = _build(timeout_seconds=12, invoked_async=True)
    items = built["fn"].monitored_items
    kinds = {i.kind for i in items}
    assert kinds == {Kind.LAMBDA, Kind.SQS_QUEUE}
    (fn_item,) = [i for i in items if i.kind is Kind.LAMBDA]
    assert fn_item.attributes["timeout_ms"] == 12000


@pytest.mark.parametrize("action", ["*", "dynamodb:*", ["s3:GetObject", "s3:*"]])
def test_wildcard_actions_are_refused(action: object) -> None:
    with pytest.raises(ValueError, match=r"\*"):
        check_statements([{"Effect": "Allow", "Action": action, "Resource": "x"}])


def test_every_function_off_the_api_hot_path_has_reserved_concurrency() -> None:
    reserved = {r.name: r.inputs.get("reservedConcurrentExecutions")
                for r in stack_registry("prod").by_type("aws:lambda/function:Function")}
    assert reserved == {
        "marketplace-prod-api-function": None,  # the hot path uses the unreserved pool
        "marketplace-prod-post-confirmation-function": 20,
        "marketplace-prod-stream-processor-function": 10,
        "marketplace-prod-window-aggregator-function": 10,
        "marketplace-prod-alert-router-function": 10,
        "marketplace-prod-cache-purger-function": 5,
        "marketplace-prod-compliance-report-function": 1,  # weekly: one run at a time
        "marketplace-prod-cloudflare-analytics-function": 2,
        "marketplace-prod-slack-interactions-function": 5,  # a public URL: capped
        # Lambda@Edge: no reservation; CloudFront runs it in the edge regions, per region.
        "marketplace-prod-edge-image-variants-function": None,
    }


def test_an_unknown_concurrency_key_is_refused() -> None:
    with pytest.raises(Exception, match="'nope' has no reserved concurrency"):
        _build(concurrency_key="nope")


def _same(inputs: dict) -> str:
    """The inputs as text without the mock's per-resource hashes in ARNs and ids."""
    return re.sub(r"[0-9a-fA-F]{7,}", "#", json.dumps(inputs, sort_keys=True))


def test_a_function_built_from_the_context_matches_one_built_from_the_old_keywords() -> None:
    # Packages move to context= one by one; until then both spellings must build the same.
    import pulumi

    from tests.components.platform.support import context_for

    def program() -> None:
        p = platform("dev")
        core = PlatformCore("core", PlatformCoreArgs(platform=p))
        opts = pulumi.ResourceOptions(parent=core, providers=core.providers)
        common = {"package": "shared", "handler": "functions.shared.events.validate",
                  "description": "test function", "invoked_async": True,
                  "concurrency_key": "alertRouter"}
        LambdaFunction("old", LambdaFunctionArgs(
            **common, defaults=lambda_defaults("dev"), kms_key_arn=core.kms_key_arn,
            region=p.region, powertools_namespace=p.metrics_namespace, owner=p.owner), opts)
        LambdaFunction("new", LambdaFunctionArgs(**common, context=context_for(core)), opts)

    reg = run_program("dev", program)
    for suffix in ("function", "logs", "role", "policy", "live", "async", "failures-queue"):
        old = [r for r in reg if r.name == f"old-{suffix}"]
        new = [r for r in reg if r.name == f"new-{suffix}"]
        assert len(old) == len(new) == 1, suffix
        assert _same(old[0].inputs) == _same(new[0].inputs).replace("new", "old"), suffix
    env = reg.named(FUNCTION, "new-function").inputs["environment"]["variables"]
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "marketplace/dev"


def _cold_start(table: dict[str, str], **overrides: object) -> object:
    import dataclasses

    defaults = dataclasses.replace(lambda_defaults("dev"), cold_start=table)
    return _build(defaults=defaults, **overrides)["registry"]


PROVISIONED = "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig"


def test_snapstart_row_turns_snapstart_on_for_published_versions() -> None:
    reg = _cold_start({"cachePurger": "snapstart"}, concurrency_key="cachePurger")
    fn = reg.named(FUNCTION, "fn-function")
    assert fn.inputs["snapStart"] == {"applyOn": "PublishedVersions"}
    assert fn.inputs["publish"] is True
    alias = reg.named("aws:lambda/alias:Alias", "fn-live").inputs
    assert alias["functionVersion"] == fn.outputs["version"]
    assert not reg.by_type(PROVISIONED)


def test_cold_start_key_names_the_row_over_the_concurrency_key() -> None:
    reg = _cold_start({"api": "snapstart", "cachePurger": "none"}, cold_start_key="api")
    assert reg.named(FUNCTION, "fn-function").inputs["snapStart"] == {
        "applyOn": "PublishedVersions"}
    plain = _cold_start({"api": "none", "cachePurger": "snapstart"}, cold_start_key="api",
                        concurrency_key="cachePurger")
    assert plain.named(FUNCTION, "fn-function").inputs.get("snapStart") is None


def test_none_and_no_row_leave_the_function_on_demand() -> None:
    for reg in (_cold_start({"cachePurger": "none"}, concurrency_key="cachePurger"),
                _cold_start({"cachePurger": "snapstart"})):  # no key: no row applies
        assert reg.named(FUNCTION, "fn-function").inputs.get("snapStart") is None
        assert not reg.by_type(PROVISIONED)


def test_snapstart_with_a_provisioned_count_is_refused() -> None:
    with pytest.raises(Exception, match="SnapStart cannot be combined with provisioned"):
        _cold_start({"api": "snapstart"}, cold_start_key="api", provisioned_concurrency=2)


def test_provisioned_row_without_a_count_is_refused() -> None:
    with pytest.raises(Exception, match="needs a provisioned count above 0"):
        _cold_start({"api": "provisioned"}, cold_start_key="api")
