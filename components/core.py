"""Platform core: explicit AWS providers, default tags and the stack's customer-managed KMS key."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.config import PlatformConfig

US_EAST_1 = "us-east-1"

# Services that encrypt with the stack key on our behalf, and what they may do with it.
# Logs is scoped by encryption context to this account's log groups; the rest act only
# when called through their own service in this account (kms:ViaService is not set by
# every one of them, so the account condition is the common bound).
KEY_USERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("logs.{region}.amazonaws.com", ("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*",
                                     "kms:GenerateDataKey*", "kms:Describe*")),
    ("sns.amazonaws.com", ("kms:Decrypt", "kms:GenerateDataKey*")),
    ("sqs.amazonaws.com", ("kms:Decrypt", "kms:GenerateDataKey*")),
    ("kinesis.amazonaws.com", ("kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey")),
    ("firehose.amazonaws.com", ("kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey")),
    ("dynamodb.amazonaws.com", ("kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey",
                                "kms:CreateGrant")),
    ("events.amazonaws.com", ("kms:Decrypt", "kms:GenerateDataKey*")),
    ("cloudwatch.amazonaws.com", ("kms:Decrypt", "kms:GenerateDataKey*")),
    ("budgets.amazonaws.com", ("kms:Decrypt", "kms:GenerateDataKey*")),
    ("costalerts.amazonaws.com", ("kms:Decrypt", "kms:GenerateDataKey*")),
    ("cloudtrail.amazonaws.com", ("kms:GenerateDataKey*", "kms:DescribeKey", "kms:Decrypt")),
    # edge: CloudFront reads SSE-KMS objects through OAC; CloudWatch vended-log delivery
    # (CloudFront standard logging v2, WAF logs) writes encrypted log objects.
    ("cloudfront.amazonaws.com", ("kms:Decrypt",)),
    ("delivery.logs.amazonaws.com", ("kms:Decrypt", "kms:GenerateDataKey*")),
)


@dataclass(frozen=True)
class PlatformCoreArgs:
    """Inputs of :class:`PlatformCore`."""

    platform: PlatformConfig


def key_policy(account_id: str, region: str, partition: str = "aws") -> str:
    """The stack key's policy: the account administers it; listed services may use it."""
    root = f"arn:{partition}:iam::{account_id}:root"
    statements: list[dict[str, object]] = [
        {
            # AWS's default statement: without it the key can become unmanageable.
            "Sid": "AccountAdministers",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    for service, actions in KEY_USERS:
        principal = service.format(region=region)
        statement: dict[str, object] = {
            "Sid": "Use" + principal.split(".")[0].capitalize(),
            "Effect": "Allow",
            "Principal": {"Service": principal},
            "Action": list(actions),
            "Resource": "*",
        }
        if principal.startswith("logs."):
            statement["Condition"] = {
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn":
                        f"arn:{partition}:logs:{region}:{account_id}:log-group:*"
                }
            }
        else:
            statement["Condition"] = {"StringEquals": {"aws:SourceAccount": account_id}}
        statements.append(statement)
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


class PlatformCore(pulumi.ComponentResource):
    """Providers for the stack region and ``us-east-1``, and the stack's KMS key.

    Every other component is created with ``providers=core.providers`` so its children
    inherit the default tags; CloudFront certificates, CloudFront-scoped WAF and CloudFront
    metrics use :attr:`us_east_1`.
    """

    provider: aws.Provider
    us_east_1: aws.Provider
    kms_key: aws.kms.Key
    kms_key_arn: pulumi.Output[str]
    us_east_1_kms_key_arn: pulumi.Output[str]
    account_id: pulumi.Output[str]
    region: str
    tags: dict[str, str]

    def __init__(self, name: str, args: PlatformCoreArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:core:PlatformCore", name, None, opts)
        platform = args.platform
        self.region = platform.region
        self.tags = platform.tags
        default_tags = aws.ProviderDefaultTagsArgs(tags=self.tags)
        self.provider = aws.Provider(
            f"{name}-aws",
            region=platform.region,
            default_tags=default_tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.us_east_1 = aws.Provider(
            f"{name}-aws-us-east-1",
            region=US_EAST_1,
            default_tags=default_tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        invoke = pulumi.InvokeOptions(provider=self.provider, parent=self)
        self.account_id = aws.get_caller_identity_output(opts=invoke).account_id
        partition = aws.get_partition_output(opts=invoke).partition
        self.kms_key = self._key(
            f"{name}-key", platform, platform.region, f"alias/{platform.prefix}",
            f"{platform.prefix}: encryption at rest for the marketplace stack", partition,
            self.provider)
        self.kms_key_arn = self.kms_key.arn
        # KMS keys are regional: what CloudFront, its WAF and its alarms write in us-east-1
        # uses the stack key in a us-east-1 stack, and a second key there otherwise.
        self.us_east_1_kms_key_arn = self.kms_key_arn if platform.region == US_EAST_1 else (
            self._key(f"{name}-key-us-east-1", platform, US_EAST_1,
                      f"alias/{platform.prefix}-us-east-1",
                      f"{platform.prefix}: encryption at rest of what lives in {US_EAST_1}",
                      partition, self.us_east_1).arn)
        self.register_outputs({"kmsKeyArn": self.kms_key_arn, "accountId": self.account_id})

    def _key(self, name: str, platform: PlatformConfig, region: str, alias: str,
             description: str, partition: pulumi.Output[str],
             provider: aws.Provider) -> aws.kms.Key:
        """A rotated customer-managed key in ``region`` with :func:`key_policy`, and its alias."""
        opts = pulumi.ResourceOptions(parent=self, provider=provider)
        key = aws.kms.Key(
            name,
            description=description,
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=platform.kms_deletion_window_days,
            policy=pulumi.Output.all(self.account_id, partition).apply(
                lambda v: key_policy(v[0], region, v[1])),
            opts=opts,
        )
        aws.kms.Alias(f"{name}-alias", name=alias, target_key_id=key.key_id, opts=opts)
        return key

    @property
    def providers(self) -> dict[str, aws.Provider]:
        """Resource-option ``providers`` that makes children use the tagged regional provider."""
        return {"aws": self.provider}
