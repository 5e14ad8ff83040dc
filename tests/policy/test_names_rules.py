"""The names rule: small bad programs fail it, and a long stack name previews cleanly."""

from __future__ import annotations

import re
from collections.abc import Callable

import pulumi_aws as aws

from components.blocks.naming import autoname, fit, limit
from policy.rules import evaluate_plan
from policy.rules.names import NAME_LIMITS, UNCHECKED
from tests.helpers import STACKS, config_of, plan, run_program, stack_config, stack_registry
from tools.mock_runtime import run

XRAY_GROUP = "https://docs.aws.amazon.com/xray/latest/api/API_CreateGroup.html"
ATHENA_NAMES = "https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html"
TRUST = '{"Version": "2012-10-17", "Statement": []}'


def names_violations(program: Callable[[], None]) -> list[tuple[str, str]]:
    return [(resource, message) for _rule, resource, message
            in evaluate_plan(plan(run_program(program=program)), only=("names",))]


def test_a_name_too_long_for_its_type_fails() -> None:
    def program() -> None:
        aws.xray.Group("traces", group_name="marketplace-production-eu-central-errors",
                       filter_expression="fault")

    assert names_violations(program) == [(
        "traces",
        "groupName 'marketplace-production-eu-central-errors' has 40 characters; AWS accepts "
        f"1-32 for aws:xray/group:Group (source: {XRAY_GROUP})",
    )]


def test_a_name_with_characters_its_type_refuses_fails() -> None:
    def program() -> None:
        aws.glue.CatalogDatabase("lake", name="marketplace-dev-analytics")

    assert names_violations(program) == [(
        "lake",
        "name 'marketplace-dev-analytics' does not match '[a-z0-9_]+', the characters AWS "
        f"accepts for aws:glue/catalogDatabase:CatalogDatabase (source: {ATHENA_NAMES})",
    )]


def test_an_autoname_and_a_prefix_count_what_the_provider_appends() -> None:
    logical = "marketplace-production-eu-central-backend-network-flow-logs-role"  # 64

    def program() -> None:
        aws.iam.Role(logical, assume_role_policy=TRUST)
        aws.s3.Bucket("logs", bucket_prefix="marketplace-production-eu-central-logs-")  # 39

    found = names_violations(program)
    # The mocks record resources as their inputs resolve, so the order is not fixed.
    assert sorted((resource, message.split(";")[0]) for resource, message in found) == [
        ("logs", "bucketPrefix (+26 characters) "
                 f"'marketplace-production-eu-central-logs-{'0' * 26}' has 65 characters"),
        (logical, f"name (autonamed: logical name +8) '{logical}-0000000' has 72 characters"),
    ]


def test_names_inside_lists_are_checked() -> None:
    def program() -> None:
        aws.wafv2.WebAcl(
            "acl", name="origin-guard", scope="REGIONAL",
            default_action={"block": {}},
            visibility_config={"cloudwatch_metrics_enabled": True, "metric_name": "origin-guard",
                               "sampled_requests_enabled": True},
            rules=[{"name": "secret header", "priority": 1, "action": {"allow": {}},
                    "statement": {"byte_match_statement": {
                        "positional_constraint": "EXACTLY", "search_string": "x",
                        "field_to_match": {"single_header": {"name": "x-origin"}},
                        "text_transformations": [{"priority": 0, "type": "NONE"}]}},
                    "visibility_config": {"cloudwatch_metrics_enabled": True,
                                          "metric_name": "secret-header",
                                          "sampled_requests_enabled": True}}])

    found = names_violations(program)
    assert [message.split(" does not match")[0] for _resource, message in found] == [
        "rules[0].name 'secret header'"]


def test_fitted_names_and_short_autonames_pass() -> None:
    def program() -> None:
        aws.xray.Group("traces", filter_expression="fault", group_name=fit(
            "marketplace-production-eu-central-errors", limit("aws:xray/group:Group",
                                                              "groupName"), keep="-errors"))
        logical = "marketplace-production-eu-central-backend-network-flow-logs-role"
        aws.iam.Role(logical, name=autoname(logical, limit("aws:iam/role:Role")),
                     assume_role_policy=TRUST)
        aws.iam.Role("marketplace-dev-flow-logs-role", assume_role_policy=TRUST,
                     name=autoname("marketplace-dev-flow-logs-role", limit("aws:iam/role:Role")))

    assert names_violations(program) == []


def test_the_table_is_well_formed() -> None:
    for row in NAME_LIMITS:
        assert row.source.startswith("https://"), row
        assert 0 < row.min <= row.max, row
        re.compile(row.pattern)
    keys = [(row.type, row.prop) for row in NAME_LIMITS]
    assert len(keys) == len(set(keys))
    assert not set(keys) & set(UNCHECKED)


# Inputs that hold a resource's own name (references to other resources' names are left out).
OWN_NAME_INPUTS = ("name", "namePrefix", "bucket", "bucketPrefix", "alarmName", "dashboardName",
                   "groupName", "ruleName", "clusterName", "identityPoolName", "layerName",
                   "policyName", "dataSetId", "dataSourceId", "scheduleId", "targetId",
                   "statementId", "configurationName", "configurationSetName")
# Types whose "bucket" input names the bucket they configure, not themselves.
BUCKET_CHILDREN = re.compile(r"aws:s3/bucket(?!:Bucket$)")
REFERENCES = {("aws:quicksight/refreshSchedule:RefreshSchedule", "dataSetId")}


def test_every_name_the_plans_set_is_in_the_table_or_left_out_with_a_reason() -> None:
    covered = {(row.type, row.prop) for row in NAME_LIMITS}
    covered |= {(row.type, row.prefix) for row in NAME_LIMITS if row.prefix}
    missing = set()
    for stack in STACKS:
        for resource in plan(stack_registry(stack)):
            for key in OWN_NAME_INPUTS:
                if (key in resource.props and not BUCKET_CHILDREN.match(resource.type)
                        and (resource.type, key) not in covered | set(UNCHECKED) | REFERENCES):
                    missing.add((resource.type, key))
    assert sorted(missing) == []


def test_a_long_stack_name_previews_with_every_name_within_limits() -> None:
    # The one whole-program run of this module: prod's config under a 21-character stack
    # name, which makes the prefix "marketplace-production-eu-central" (33 characters).
    config = config_of("prod")
    registry = run("production-eu-central", config, list(stack_config("prod")[1]))
    assert evaluate_plan(plan(registry), only=("names",)) == []
    dax = registry.by_type("aws:dax/cluster:Cluster")[0].inputs["clusterName"]
    groups = sorted(g.inputs["groupName"] for g in registry.by_type("aws:xray/group:Group"))
    assert dax == "marketplace-p-2f7e94"
    assert groups == ["marketplace-produc-f33474-errors", "marketplace-producti-36bc63-slow"]
