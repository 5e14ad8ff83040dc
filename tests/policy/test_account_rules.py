"""Refused combinations, per-account singletons and cost tag activation, on bad tiny programs.

Each test builds the few resources a rule is about under the recording mocks and checks the
rule names the offending resource with a clear message; the good variant passes. The last
tests merge the dev and prod plans as if both stacks shared one account.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pulumi
import pulumi_aws as aws
import pytest

from components.cost.component import ACTIVATED_ELSEWHERE
from policy.plan import Plan
from policy.rules import evaluate_plan
from policy.rules.combinations import REFUSALS
from policy.rules.cost_tags import RELIES_ON_BASELINE, expression_tag_keys
from policy.rules.singletons import SINGLETON_TYPES, SINGLETONS
from tests.helpers import plan, run_program, stack_registry


def violations(rule: str, program: Callable[[], None]) -> list[tuple[str, str]]:
    """``(resource, message)`` of ``rule`` on the plan of ``program``."""
    found = evaluate_plan(plan(run_program("dev", program)), only=(rule,))
    return [(resource, message) for _rule, resource, message in found]


def provider(name: str, region: str) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(provider=aws.Provider(name, region=region))


# --- refused combinations -----------------------------------------------------------------
def discoverer_program(encrypted: bool) -> Callable[[], None]:
    def program() -> None:
        key = aws.kms.Key("key") if encrypted else None
        bus = aws.cloudwatch.EventBus("bus", name="bus",
                                      kms_key_identifier=key.arn if key else None)
        aws.schemas.Discoverer("discoverer", source_arn=bus.arn)
    return program


def test_schema_discoverer_on_a_cmk_bus_is_refused() -> None:
    [(resource, message)] = violations("refused-combinations", discoverer_program(True))
    assert resource == "discoverer"
    assert "bus bus, which is encrypted with a customer managed key" in message
    assert "schema-discoverer-on-cmk-bus" in message
    assert "eb-encryption-event-bus-cmkey.html" in message
    assert violations("refused-combinations", discoverer_program(False)) == []


def waf_program(acl_region: str, acl_scope: str, associate: bool,
                on_distribution: bool) -> Callable[[], None]:
    def program() -> None:
        acl = aws.wafv2.WebAcl(
            "acl", scope=acl_scope, default_action={"allow": {}},
            visibility_config={"cloudwatch_metrics_enabled": True, "metric_name": "acl",
                               "sampled_requests_enabled": True},
            opts=provider("acl-region", acl_region))
        if associate:
            aws.wafv2.WebAclAssociation("association", resource_arn="arn:aws:apigateway:stage",
                                        web_acl_arn=acl.arn)
        if on_distribution:
            distribution_program(acl.arn, None)
    return program


def distribution_program(web_acl: pulumi.Input[str] | None,
                         certificate: pulumi.Input[str] | None) -> None:
    aws.cloudfront.Distribution(
        "cdn", enabled=True, web_acl_id=web_acl,
        origins=[{"domain_name": "o.example.com", "origin_id": "o",
                  "custom_origin_config": {"http_port": 80, "https_port": 443,
                                           "origin_protocol_policy": "https-only",
                                           "origin_ssl_protocols": ["TLSv1.2"]}}],
        default_cache_behavior={"allowed_methods": ["GET", "HEAD"],
                                "cached_methods": ["GET", "HEAD"], "target_origin_id": "o",
                                "viewer_protocol_policy": "redirect-to-https"},
        restrictions={"geo_restriction": {"restriction_type": "none"}},
        viewer_certificate=({"acm_certificate_arn": certificate, "ssl_support_method": "sni-only"}
                            if certificate else {"cloudfront_default_certificate": True}))


@pytest.mark.parametrize(("args", "expected"), [
    (("eu-west-1", "CLOUDFRONT", False, False),
     [("acl", "is a CLOUDFRONT-scoped web ACL created in eu-west-1")]),
    (("us-east-1", "CLOUDFRONT", True, False),
     [("association", "associates the CLOUDFRONT-scoped web ACL acl with a regional "
                      "resource")]),
    (("eu-west-1", "REGIONAL", False, True),
     [("cdn", "uses web ACL acl of scope 'REGIONAL', not CLOUDFRONT")]),
    (("us-east-1", "CLOUDFRONT", False, True), []),
    (("eu-west-1", "REGIONAL", True, False), []),
])
def test_web_acl_scope_region_and_attachment(args: tuple, expected: list) -> None:
    found = violations("refused-combinations", waf_program(*args))
    assert [(r, m.split(": AWS refuses")[0]) for r, m in found] == expected


@pytest.mark.parametrize(("region", "bad"), [("eu-west-1", True), ("us-east-1", False)])
def test_distribution_certificate_must_be_in_us_east_1(region: str, bad: bool) -> None:
    def program() -> None:
        cert = aws.acm.Certificate("cert", domain_name="www.example.com",
                                   validation_method="DNS", opts=provider("cert-region", region))
        distribution_program(None, cert.arn)

    found = violations("refused-combinations", program)
    assert found == ([] if not bad else [
        ("cdn", "serves certificate cert from eu-west-1: AWS refuses this "
                "(distribution-certificate-region: CloudFront uses ACM certificates requested "
                "or imported in US East (N. Virginia); https://docs.aws.amazon.com/"
                "AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html)")])


@pytest.mark.parametrize(("encrypted", "count"), [(True, 1), (False, 0)])
def test_firehose_encryption_with_a_kinesis_source(encrypted: bool, count: int) -> None:
    def program() -> None:
        aws.kinesis.FirehoseDeliveryStream(
            "firehose", destination="extended_s3",
            kinesis_source_configuration={"kinesis_stream_arn": "arn:aws:kinesis:s",
                                          "role_arn": "arn:aws:iam::1:role/r"},
            server_side_encryption={"enabled": encrypted, "key_type": "AWS_OWNED_CMK"},
            extended_s3_configuration={"bucket_arn": "arn:aws:s3:::b",
                                       "role_arn": "arn:aws:iam::1:role/r"})

    found = violations("refused-combinations", program)
    assert len(found) == count
    assert all(r == "firehose" and "with a Kinesis stream as source" in m for r, m in found)


@pytest.mark.parametrize(("reserved", "message"), [
    (3, "has 5 provisioned concurrency but only 3 reserved"),
    (5, None), (-1, None)])
def test_provisioned_concurrency_above_reserved(reserved: int, message: str | None) -> None:
    def program() -> None:
        function = aws.lambda_.Function(
            "fn", role="arn:aws:iam::1:role/r", runtime="python3.13", handler="h.handler",
            code=pulumi.AssetArchive({}), publish=True,
            reserved_concurrent_executions=reserved)
        aws.lambda_.ProvisionedConcurrencyConfig(
            "warm", function_name=function.name, qualifier="live",
            provisioned_concurrent_executions=5)

    found = violations("refused-combinations", program)
    assert [(r, m.split(": AWS refuses")[0]) for r, m in found] == (
        [("fn", message)] if message else [])


@pytest.mark.parametrize("ordered", [True, False])
def test_a_standards_subscription_waits_for_the_hub(ordered: bool) -> None:
    def program() -> None:
        hub = aws.securityhub.Account("hub", enable_default_standards=False)
        aws.securityhub.StandardsSubscription(
            "cis", standards_arn="arn:aws:securityhub:us-east-1::standards/"
                                 "cis-aws-foundations-benchmark/v/3.0.0",
            opts=pulumi.ResourceOptions(depends_on=[hub] if ordered else []))

    found = violations("refused-combinations", program)
    assert [(r, m.split(": AWS refuses")[0]) for r, m in found] == ([] if ordered else [
        ("cis", "subscribes to a standard without depending on the plan's Security Hub "
                "account, so it may be created first")])


def test_every_refusal_has_a_documentation_source() -> None:
    assert len({r.name for r in REFUSALS}) == len(REFUSALS)
    assert all(r.source.startswith("https://") for r in REFUSALS)


# --- per-account singletons ---------------------------------------------------------------
def test_a_second_detector_in_the_same_region_is_named() -> None:
    def program() -> None:
        aws.guardduty.Detector("first", enable=True)
        aws.guardduty.Detector("second", enable=True)

    [(resource, message)] = violations("account-singletons", program)
    # The mocks record resources as their inputs resolve: either may be the second one.
    other = {"first": "second", "second": "first"}[resource]
    assert message.startswith("aws:guardduty/detector:Detector exists once per account and "
                              f"region, and {other} already makes it")
    assert "API_CreateDetector.html" in message


def test_regional_singletons_may_repeat_across_regions_account_ones_may_not() -> None:
    def program() -> None:
        aws.apigateway.Account("east", cloudwatch_role_arn="arn:aws:iam::1:role/r",
                               opts=provider("p-east", "us-east-1"))
        aws.apigateway.Account("west", cloudwatch_role_arn="arn:aws:iam::1:role/r",
                               opts=provider("p-west", "us-west-2"))
        aws.costexplorer.CostAllocationTag("tag-a", tag_key="stack", status="Active",
                                           opts=provider("p-a", "us-east-1"))
        aws.costexplorer.CostAllocationTag("tag-b", tag_key="stack", status="Active",
                                           opts=provider("p-b", "us-west-2"))
        aws.costexplorer.CostAllocationTag("tag-c", tag_key="owner", status="Active")

    found = violations("account-singletons", program)
    # The mocks record resources as their inputs resolve: either tag may be the second one.
    assert len(found) == 1
    (second, message), = found
    first = {"tag-a": "tag-b", "tag-b": "tag-a"}[second]
    assert f"exists once per account, and {first} already makes it" in message


def test_dev_and_prod_in_one_account_make_each_singleton_exactly_once() -> None:
    merged = Plan(plan(stack_registry("dev")).resources + plan(stack_registry("prod")).resources)
    assert evaluate_plan(merged, only=("account-singletons",)) == []
    made = sorted((r.type, r.name) for r in merged if r.type in SINGLETON_TYPES)
    # Not zero either: the baseline (prod's) exists in the account.
    assert made == [
        ("aws:apigateway/account:Account", "marketplace-prod-backend-rest-account"),
        ("aws:costexplorer/costAllocationTag:CostAllocationTag", "marketplace-prod-cost-stack-tag"),
        ("aws:guardduty/detector:Detector", "marketplace-prod-security-guardduty"),
        ("aws:securityhub/account:Account", "marketplace-prod-security-securityhub"),
        ("aws:securityhub/standardsSubscription:StandardsSubscription",
         "marketplace-prod-security-securityhub-aws-foundational-security-best-practices"),
        ("aws:securityhub/standardsSubscription:StandardsSubscription",
         "marketplace-prod-security-securityhub-cis-aws-foundations-benchmark"),
    ]


def test_singleton_rows_have_sources_and_known_scopes() -> None:
    assert len(SINGLETON_TYPES) == len(SINGLETONS)
    assert all(s.scope in ("account", "region") and s.source.startswith("https://")
               for s in SINGLETONS)


# --- cost allocation tags -----------------------------------------------------------------
def cost_program(activate: str | None, marker: bool) -> Callable[[], None]:
    def program() -> None:
        if activate:
            aws.costexplorer.CostAllocationTag("activation", tag_key=activate, status="Active")
        tags = dict([RELIES_ON_BASELINE]) if marker else None
        aws.budgets.Budget(
            "budget", budget_type="COST", time_unit="MONTHLY", limit_amount="10.00",
            limit_unit="USD", tags=tags,
            cost_filters=[{"name": "TagKeyValue", "values": ["user:stack$dev"]}])
        aws.costexplorer.AnomalyMonitor(
            "monitor", name="m", monitor_type="CUSTOM", tags=tags,
            monitor_specification=json.dumps({"And": [
                {"Tags": {"Key": "team", "Values": ["x"]}},
                {"Dimensions": {"Key": "SERVICE", "Values": ["AWS Lambda"]}}]}))
    return program


def test_budget_and_monitor_on_unactivated_tags_are_named() -> None:
    found = dict(violations("cost-tags-activated", cost_program(None, False)))
    assert set(found) == {"budget", "monitor"}
    assert found["budget"].startswith("filters on cost allocation tag(s) stack, which this "
                                      "stack does not activate")
    assert found["monitor"].startswith("filters on cost allocation tag(s) team,")
    assert "cost-allocation-tags=activated-by-account-baseline" in found["budget"]


def test_activation_in_the_plan_or_a_declared_reliance_passes() -> None:
    # Activating "stack" covers the budget, not the monitor's "team".
    assert [r for r, _ in violations("cost-tags-activated", cost_program("stack", False))] == [
        "monitor"]
    assert violations("cost-tags-activated", cost_program(None, True)) == []


def test_tag_keys_are_read_through_nested_expressions_in_either_casing() -> None:
    assert expression_tag_keys({"and": [{"tags": {"key": "user:a"}},
                                        {"not": {"Tags": {"Key": "b"}}}]}) == {"a", "b"}
    assert expression_tag_keys('{"Or": [{"Tags": {"Key": "c"}}]}') == {"c"}
    assert expression_tag_keys("not json") == set()


def test_the_component_marks_what_the_rule_accepts() -> None:
    assert ACTIVATED_ELSEWHERE == RELIES_ON_BASELINE == (
        "cost-allocation-tags", "activated-by-account-baseline")


def test_dev_and_prod_in_one_account_activate_the_stack_tag_once() -> None:
    merged = Plan(plan(stack_registry("dev")).resources + plan(stack_registry("prod")).resources)
    assert evaluate_plan(merged, only=("cost-tags-activated",)) == []
