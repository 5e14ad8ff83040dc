"""Invalidating one listing's CloudFront paths on request (moto CloudFront)."""

from __future__ import annotations

import boto3
import pytest

from tests.functions.automation.support import audit_inputs, audit_records, aws
from tests.functions.automation.support import script as load

__all__ = ["aws"]


def _distribution() -> str:
    created = boto3.client("cloudfront").create_distribution(DistributionConfig={
        "CallerReference": "d", "Comment": "", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "example.com",
                                              "CustomOriginConfig": {
                                                  "HTTPPort": 80, "HTTPSPort": 443,
                                                  "OriginProtocolPolicy": "https-only"}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "https-only",
                                 "MinTTL": 0, "ForwardedValues": {"QueryString": False,
                                                                  "Cookies": {"Forward": "none"}}},
    })
    return created["Distribution"]["Id"]


def test_invalidates_the_listing_paths(aws: None) -> None:
    distribution = _distribution()
    result = load("invalidate_listing").handler(
        {"ListingId": "lst-42", "DistributionId": distribution, "Reference": "evt-1",
         "DryRun": False, **audit_inputs()}, None)
    assert result["Paths"] == ["/listings/lst-42", "/api/listings/lst-42*",
                               "/media/listings/lst-42/*"]
    listed = boto3.client("cloudfront").list_invalidations(DistributionId=distribution)
    (only,) = listed["InvalidationList"]["Items"]
    assert only["Id"] == result["InvalidationId"]
    (record,) = audit_records()
    assert (record["outcome"], record["target"], record["invalidation"]) == (
        "invalidated", "lst-42", result["InvalidationId"])


def test_a_dry_run_creates_no_invalidation(aws: None) -> None:
    distribution = _distribution()
    result = load("invalidate_listing").handler(
        {"ListingId": "lst-42", "DistributionId": distribution, "DryRun": "true",
         **audit_inputs()}, None)
    assert result["InvalidationId"] == ""
    listed = boto3.client("cloudfront").list_invalidations(DistributionId=distribution)
    assert listed["InvalidationList"].get("Items", []) == []
    assert audit_records()[0]["outcome"] == "dry-run"


def test_a_listing_id_a_path_cannot_carry_is_refused(aws: None) -> None:
    module = load("invalidate_listing")
    with pytest.raises(module.runbook.InputError, match="characters a URL path cannot carry"):
        module.handler({"ListingId": "../*", "DistributionId": "E1", "DryRun": False}, None)
    with pytest.raises(module.runbook.InputError, match="DryRun is 'maybe'"):
        module.handler({"ListingId": "lst-1", "DistributionId": "E1", "DryRun": "maybe"}, None)
