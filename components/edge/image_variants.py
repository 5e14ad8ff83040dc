"""Lambda@Edge origin-request function on /media/*: ``?w=`` widths made once with Pillow.

The documented exception to the regional Lambda block (components/blocks/lambda_placement):
us-east-1 through the stack's us-east-1 provider, x86_64, no environment (the settings ride in
the package as ``settings.json``), no layers (Pillow and Powertools are in the package, from
``make edge-image-deps``), published so CloudFront gets a numbered version, and a role that
both ``lambda.amazonaws.com`` and ``edgelambda.amazonaws.com`` assume.

Its logs land in ``/aws/lambda/us-east-1.<name>`` in whichever region ran the replica
("Edge function logs", https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/edge-functions-logs.html).
The us-east-1 group is created here, with the stack's retention and the us-east-1 key; the
groups of other regions are created by Lambda on first use, without retention (docs/edge.md).
The function is watched as a ``lambda-edge`` monitored item: the errors CloudFront counts for
it per distribution, in us-east-1.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from components.blocks.lambda_placement import EDGE_ORIGIN, placement_tags, runtime_for
from components.blocks.monitored_items import Kind, MonitoredItem
from components.blocks.source_files import FUNCTIONS_DIR, code_files
from components.platform.context import StackContext

PACKAGE = "image_variants"
# `make edge-image-deps` installs Pillow and Powertools here; without it (tests, preview on a
# fresh clone) the package holds the handler alone, and the deploy guide says to build first.
DEPS_DIR = Path("build") / "image-variants"


@dataclass(frozen=True)
class ImageVariantsArgs:
    """The media bucket (name, ARN, its key) and the function's widths, quality and memory."""

    context: StackContext
    bucket_name: pulumi.Input[str]
    bucket_arn: pulumi.Input[str]
    bucket_key_arn: pulumi.Input[str]
    widths: Sequence[int]
    quality: int
    memory_mb: int


def settings_json(bucket: str, region: str, widths: Sequence[int], quality: int) -> str:
    """The function's settings file: what a regional function would read from its environment."""
    return json.dumps({"bucket": bucket, "region": region, "widths": list(widths),
                       "quality": quality}, sort_keys=True)


def package(settings: str) -> pulumi.AssetArchive:
    """The deployment package: handler, shared modules, settings and the built dependencies."""
    assets: dict[str, Any] = {
        **code_files(PACKAGE),
        f"{FUNCTIONS_DIR}/{PACKAGE}/settings.json": pulumi.StringAsset(settings),
    }
    if DEPS_DIR.is_dir():
        for entry in sorted(DEPS_DIR.iterdir()):
            assets[entry.name] = (pulumi.FileArchive(str(entry)) if entry.is_dir()
                                  else pulumi.FileAsset(str(entry)))
    return pulumi.AssetArchive(assets)


def log_group_name(function_name: str) -> str:
    """Where Lambda@Edge replicas write: the function's region is part of the group's name."""
    return f"/aws/lambda/{EDGE_ORIGIN.region}.{function_name}"


def role_policy(bucket_arn: str, key_arn: str, account_id: str, function_name: str) -> str:
    """Read originals, check and write variants, use the bucket's key, write edge logs."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadOriginalsWriteVariants", "Effect": "Allow",
         "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"{bucket_arn}/*"},
        # Without ListBucket a missing key answers 403, not 404.
        {"Sid": "MissingIsNotFound", "Effect": "Allow", "Action": "s3:ListBucket",
         "Resource": bucket_arn},
        {"Sid": "BucketKey", "Effect": "Allow",
         "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": key_arn},
        # Lambda@Edge writes to /aws/lambda/us-east-1.<name> in whichever region ran it.
        {"Sid": "WriteOwnLogs", "Effect": "Allow",
         "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": f"arn:aws:logs:*:{account_id}:log-group:/aws/lambda/us-east-1."
                     f"{function_name}:*"},
    ]})


class ImageVariants(pulumi.ComponentResource):
    """The published Lambda@Edge function CloudFront runs on media origin requests."""

    function: aws.lambda_.Function
    qualified_arn: pulumi.Output[str]
    function_name: str
    log_group: aws.cloudwatch.LogGroup

    def __init__(self, name: str, args: ImageVariantsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:edge:ImageVariants", name, None, opts)
        ctx = args.context
        edge = pulumi.ResourceOptions(parent=self, provider=ctx.us_east_1)
        self.function_name = f"{ctx.prefix}-image-variants"
        trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"Service": list(EDGE_ORIGIN.trust_principals)}}]}
        role = aws.iam.Role(f"{name}-role", name=self.function_name,
                            assume_role_policy=json.dumps(trust),
                            opts=pulumi.ResourceOptions(parent=self))
        policy = aws.iam.RolePolicy(
            f"{name}-policy", role=role.id,
            policy=pulumi.Output.all(args.bucket_arn, args.bucket_key_arn,
                                     ctx.account_id).apply(
                lambda v: role_policy(v[0], v[1], v[2], self.function_name)),
            opts=pulumi.ResourceOptions(parent=self))
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", name=log_group_name(self.function_name),
            retention_in_days=ctx.lambdas.log_retention_days,
            kms_key_id=ctx.us_east_1_kms_key_arn, opts=edge)
        code = pulumi.Output.from_input(args.bucket_name).apply(
            lambda bucket: package(settings_json(bucket, ctx.region, args.widths,
                                                 args.quality)))
        self.function = aws.lambda_.Function(
            f"{name}-function",
            name=self.function_name,
            description="Lambda@Edge origin request: ?w= widths of /media images, made once",
            role=role.arn,
            runtime=runtime_for(EDGE_ORIGIN, ctx.lambdas.runtime),
            architectures=[EDGE_ORIGIN.architecture],
            handler=f"{FUNCTIONS_DIR}.{PACKAGE}.handler.handler",
            code=code,
            memory_size=args.memory_mb,
            timeout=EDGE_ORIGIN.max_timeout_seconds,
            publish=EDGE_ORIGIN.publish_required,
            tags=placement_tags(EDGE_ORIGIN),
            opts=edge.merge(pulumi.ResourceOptions(depends_on=[policy, self.log_group])),
        )
        self.qualified_arn = self.function.qualified_arn
        self.register_outputs({"qualifiedArn": self.qualified_arn,
                               "logGroup": self.log_group.name})

    def monitored_item(self, name: str, owner: str,
                       distribution_id: pulumi.Input[str]) -> MonitoredItem:
        """The function as CloudFront sees it: its error counts for ``distribution_id``."""
        return MonitoredItem(
            kind=Kind.LAMBDA_EDGE, name=name,
            dimensions={"DistributionId": distribution_id, "Region": "Global"},
            region=EDGE_ORIGIN.region or "us-east-1", owner=owner,
            attributes={"function_name": self.function_name,
                        "log_group": self.log_group.name})
