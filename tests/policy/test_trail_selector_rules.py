"""The CloudTrail advanced-selector rule refuses each bad trail and passes the good one."""

from __future__ import annotations

from policy.rules import Subject, all_rules

RULE = {r.name: r for r in all_rules()}["cloudtrail-advanced-selectors"]
TRAIL = "aws:cloudtrail/trail:Trail"
MANAGEMENT = {"name": "m", "fieldSelectors": [{"field": "eventCategory",
                                               "equals": ["Management"]}]}


def objects(prefix: str, op: str = "equals") -> dict:
    return {"name": "s3", "fieldSelectors": [
        {"field": "eventCategory", "equals": ["Data"]},
        {"field": "resources.type", op: ["AWS::S3::Object"]},
        {"field": "resources.ARN", "startsWiths": [prefix]}]}


def check(props: dict) -> list[str]:
    return RULE.violations(Subject(TRAIL, "trail", props))


def test_management_plus_object_prefix_passes() -> None:
    assert check({"advancedEventSelectors": [MANAGEMENT, objects("arn:aws:s3:::lake/")]}) == []
    assert check({}) == []


def test_mixing_basic_and_advanced_fails() -> None:
    assert check({"advancedEventSelectors": [MANAGEMENT],
                  "eventSelectors": [{"readWriteType": "All"}]}) == [
        "sets both eventSelectors and advancedEventSelectors; CloudTrail takes only one"]


def test_data_only_selectors_lose_management_events() -> None:
    assert check({"advancedEventSelectors": [objects("arn:aws:s3:::lake/")]}) == [
        "advanced selectors without a Management selector stop management-event logging"]


def test_prefix_without_slash_and_non_equals_type_fail() -> None:
    assert check({"advancedEventSelectors": [MANAGEMENT,
                                             objects("arn:aws:s3:::lake", "startsWiths")]}) == [
        "s3: resources.type accepts only the Equals operator"]
    assert check({"advancedEventSelectors": [MANAGEMENT, objects("arn:aws:s3:::lake")]}) == [
        "s3: S3 object prefix 'arn:aws:s3:::lake' has no trailing slash: it selects every "
        "bucket whose name starts the same way"]


def test_missing_event_category_and_too_many_values_fail() -> None:
    many = {"name": "big", "fieldSelectors": [
        {"field": "eventCategory", "equals": ["Data"]},
        {"field": "resources.type", "equals": ["AWS::DynamoDB::Table"]},
        {"field": "resources.ARN", "equals": [f"arn:t/{i}" for i in range(499)]}]}
    assert check({"advancedEventSelectors": [MANAGEMENT, many]}) == [
        "502 condition values; a trail allows at most 500"]
    assert check({"advancedEventSelectors": [MANAGEMENT, {"name": "x", "fieldSelectors": []}]}) \
        == ["x: eventCategory must be set with Equals"]
