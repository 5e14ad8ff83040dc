"""Where a Lambda function runs, and what that placement allows: regional or Lambda@Edge.

Every function of the stack is regional (arm64, environment, layers, aliases, provisioned
concurrency, on-failure queues) except those CloudFront replicates to its edge locations.
Lambda@Edge is the documented exception, row by row, from "Restrictions on Lambda@Edge"
(https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-at-edge-function-restrictions.html)
and "Quotas on Lambda@Edge"
(https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html#limits-lambda-at-edge):

* the function is in us-east-1 and runs only on x86_64;
* it takes no environment variables, no layers, no container image, no VPC;
* CloudFront references a numbered version, never ``$LATEST`` or an alias;
* its role is assumed by both ``lambda.amazonaws.com`` and ``edgelambda.amazonaws.com``;
* an origin-request function has at most 30 s and a 50 MB (zipped) package;
* its runtime is one Lambda@Edge supports: the restrictions page lists Python 3.7 to 3.13
  (read 2026-12-03; a newer revision of the page defers to Lambda's runtime list without
  naming versions), so the function runs the stack's ``lambdaRuntime`` when the list has it
  and the newest listed one otherwise (python3.14 stacks run their edge function on 3.13).

The policy pack checks the same rows on the plan (``lambda-edge-placement``), keyed on the
``lambda-placement`` tag that :func:`placement_tags` sets.
"""

from __future__ import annotations

from dataclasses import dataclass

PLACEMENT_TAG = "lambda-placement"


@dataclass(frozen=True)
class Placement:
    """What a function in this placement may and must use."""

    name: str
    architecture: str
    region: str | None  # None: the stack's own region
    environment_allowed: bool
    layers_allowed: bool
    aliases_allowed: bool
    publish_required: bool
    trust_principals: tuple[str, ...]
    max_timeout_seconds: int
    max_package_mb: int
    runtimes: tuple[str, ...] | None = None  # None: every runtime the stack allows


REGIONAL = Placement(
    name="regional", architecture="arm64", region=None, environment_allowed=True,
    layers_allowed=True, aliases_allowed=True, publish_required=False,
    trust_principals=("lambda.amazonaws.com",), max_timeout_seconds=900, max_package_mb=250)

EDGE_ORIGIN = Placement(
    name="edge", architecture="x86_64", region="us-east-1", environment_allowed=False,
    layers_allowed=False, aliases_allowed=False, publish_required=True,
    trust_principals=("lambda.amazonaws.com", "edgelambda.amazonaws.com"),
    max_timeout_seconds=30, max_package_mb=50,
    # Current (not deprecated) Python runtimes both Lambda and Lambda@Edge list, oldest first.
    runtimes=("python3.12", "python3.13"))

PLACEMENTS = {p.name: p for p in (REGIONAL, EDGE_ORIGIN)}


def runtime_for(placement: Placement, wanted: str) -> str:
    """``wanted`` if the placement supports it, else the newest runtime it supports."""
    if placement.runtimes is None or wanted in placement.runtimes:
        return wanted
    return placement.runtimes[-1]


def placement_tags(placement: Placement) -> dict[str, str]:
    """The tag the policy pack reads to apply the placement's rules."""
    return {PLACEMENT_TAG: placement.name}
