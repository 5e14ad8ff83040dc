"""CloudTrail advanced event selectors: management events plus data events on named resources.

Advanced selectors replace basic ones on a trail, so the management-events selector is always
first: without it the trail would stop logging the management events the CIS checks read.
Source: https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedFieldSelector.html
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class DeletionWatch:
    """A metric filter on the trail's data events counting deletions, and its alarm threshold
    (deletions in 5 minutes): routine deletes stay under it, a bulk wipe does not."""

    name: str
    description: str
    pattern: str
    threshold: int
    severity: str


# BatchWriteItem is left out: its data event does not say whether it put or deleted.
DELETION_WATCHES: tuple[DeletionWatch, ...] = (
    DeletionWatch("table-item-deletions", "DynamoDB items deleted from the listings table",
                  '{ ($.eventSource = "dynamodb.amazonaws.com") && '
                  '($.eventName = "DeleteItem") }', 100, "warning"),
    DeletionWatch("object-deletions", "S3 objects deleted from the lake or media bucket",
                  '{ ($.eventSource = "s3.amazonaws.com") && (($.eventName = "DeleteObject") '
                  '|| ($.eventName = "DeleteObjects")) }', 50, "warning"),
)

_Field = aws.cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs
_Selector = aws.cloudtrail.TrailAdvancedEventSelectorArgs


def object_prefix(bucket_name: pulumi.Input[str]) -> pulumi.Output[str]:
    """The resources.ARN prefix of every object in a bucket (the trailing slash selects objects)."""
    return pulumi.Output.concat("arn:aws:s3:::", bucket_name, "/")


def _data_selector(name: str, resource_type: str, arn_field: _Field,
                   mode: str) -> _Selector:
    """One data-event selector; ``readOnly`` only for writes (no field logs reads and writes)."""
    fields = [_Field(field="eventCategory", equals=["Data"]),
              _Field(field="resources.type", equals=[resource_type]), arn_field]
    if mode == "writes":
        fields.append(_Field(field="readOnly", equals=["false"]))
    return _Selector(name=name, field_selectors=fields)


def advanced_selectors(mode: str, table_arns: Sequence[pulumi.Input[str]],
                       bucket_names: Sequence[pulumi.Input[str]]) -> list[_Selector] | None:
    """The trail's selectors for ``mode``; None when data events are off (basic defaults)."""
    if mode == "off" or not (table_arns or bucket_names):
        return None
    selectors = [_Selector(name="Management events",
                           field_selectors=[_Field(field="eventCategory", equals=["Management"])])]
    if table_arns:
        selectors.append(_data_selector(
            "Listings table data events", "AWS::DynamoDB::Table",
            _Field(field="resources.ARN", equals=list(table_arns)), mode))
    if bucket_names:
        selectors.append(_data_selector(
            "Lake and media object data events", "AWS::S3::Object",
            _Field(field="resources.ARN",
                   starts_withs=[object_prefix(b) for b in bucket_names]), mode))
    return selectors
