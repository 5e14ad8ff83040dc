"""Platform core: explicit AWS providers, default tags and the stack's customer-managed KMS key."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.config import PlatformConfig

US_EAST_1 = "us-east-1"

# What a stack key's policy names: the account, its region, the partition and the stack prefix.
Scope = dict[str, str]


@dataclass(frozen=True)
class ServiceGrant:
    """One key policy statement for a service that calls KMS as its own principal.

    Actions and condition keys follow the service's documentation; the rows of
    ``policy.rules.keys.SERVICE_USES`` name each source, and the stack rules check the result
    against every use in the plan. ``where`` says which keys carry it: ``stack`` (the key in the
    stack region), ``edge`` (the key for what CloudFront writes in us-east-1), or both.
    """

    sid: str
    service: str
    actions: tuple[str, ...]
    condition: Callable[[Scope], dict[str, dict[str, object]]] | None
    where: frozenset[str]


# EDGE_LOGS: log groups in us-east-1 (the edge WAF's), which only some stacks have;
# EDGE_EVENTS: EventBridge dead letters in us-east-1 (the WAF block runbooks' rules).
STACK, EDGE, EDGE_LOGS, EDGE_EVENTS = "stack", "edge", "edge-logs", "edge-events"
BOTH = frozenset({STACK, EDGE, EDGE_LOGS})

SERVICE_GRANTS: tuple[ServiceGrant, ...] = (
    # Log group encryption: scoped by the encryption context to this account's log groups.
    ServiceGrant("LogsEncryptLogGroups", "logs.{region}.amazonaws.com",
                 ("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                  "kms:Describe*"),
                 lambda s: {"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                        "arn:{partition}:logs:{region}:{account}:log-group:*"
                                        .format(**s)}}, frozenset({STACK, EDGE_LOGS})),
    # Bus and archive encryption: scoped to this stack's bus and archive.
    ServiceGrant("EventBridgeEncryptsBusAndArchive", "events.amazonaws.com",
                 ("kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt", "kms:ReEncrypt*"),
                 lambda s: {"ArnLike": {"aws:SourceArn": [
                     "arn:{partition}:events:{region}:{account}:event-bus/{prefix}-*".format(**s),
                     "arn:{partition}:events:{region}:{account}:archive/{prefix}-*".format(**s),
                 ]}}, frozenset({STACK})),
    # EventBridge publishing to encrypted topics and dead-letter queues: AWS documents no
    # condition key on these requests, and a condition on an absent key denies every call.
    # In us-east-1 too when the WAF block runbooks' rules keep their dead letters there.
    ServiceGrant("EventBridgeDeliversToEncryptedTargets", "events.amazonaws.com",
                 ("kms:Decrypt", "kms:GenerateDataKey"), None, frozenset({STACK, EDGE_EVENTS})),
    # Alarm actions, budgets and anomaly alerts publishing to encrypted topics, and SNS
    # delivering to encrypted subscription dead-letter queues: documented without conditions.
    ServiceGrant("AlarmsPublishToEncryptedTopics", "cloudwatch.amazonaws.com",
                 ("kms:Decrypt", "kms:GenerateDataKey*"), None, BOTH),
    ServiceGrant("BudgetsPublishToEncryptedTopics", "budgets.amazonaws.com",
                 ("kms:Decrypt", "kms:GenerateDataKey*"), None, frozenset({STACK})),
    ServiceGrant("AnomalyAlertsPublishToEncryptedTopics", "costalerts.amazonaws.com",
                 ("kms:Decrypt", "kms:GenerateDataKey*"), None, frozenset({STACK})),
    ServiceGrant("SnsDeliversToEncryptedQueues", "sns.amazonaws.com",
                 ("kms:Decrypt", "kms:GenerateDataKey"), None, BOTH),
    # Trail log files: this account's trails by encryption context, this stack's trail by ARN.
    ServiceGrant("CloudTrailEncryptsLogFiles", "cloudtrail.amazonaws.com",
                 ("kms:GenerateDataKey*",),
                 lambda s: {
                     "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn":
                                    "arn:{partition}:cloudtrail:*:{account}:trail/*".format(**s)},
                     "ArnLike": {"aws:SourceArn":
                                 "arn:{partition}:cloudtrail:{region}:{account}:trail/{prefix}-*"
                                 .format(**s)}}, frozenset({STACK})),
    ServiceGrant("CloudTrailDescribesKey", "cloudtrail.amazonaws.com", ("kms:DescribeKey",),
                 lambda s: {"ArnLike": {"aws:SourceArn":
                                        "arn:{partition}:cloudtrail:{region}:{account}:trail/"
                                        "{prefix}-*".format(**s)}}, frozenset({STACK})),
    # Vended log delivery (CloudFront standard logging v2) into the SSE-KMS log bucket.
    ServiceGrant("LogDeliveryWritesEncryptedLogs", "delivery.logs.amazonaws.com",
                 ("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                  "kms:DescribeKey"),
                 lambda s: {"StringEquals": {"aws:SourceAccount": s["account"]},
                            "ArnLike": {"aws:SourceArn":
                                        "arn:{partition}:logs:{region}:{account}:delivery-source:*"
                                        .format(**s)}}, frozenset({EDGE})),
)


@dataclass(frozen=True)
class PlatformCoreArgs:
    """Inputs of :class:`PlatformCore`; ``edge_log_groups``: whether anything writes
    KMS-encrypted log groups in us-east-1 (the edge WAF's logs), so that key grants Logs;
    ``edge_event_targets``: whether EventBridge keeps dead letters in encrypted queues there
    (the WAF block runbooks'), so that key grants EventBridge."""

    platform: PlatformConfig
    edge_log_groups: bool = True
    edge_event_targets: bool = False


def key_policy(account_id: str, region: str, partition: str = "aws", prefix: str = "",
               where: frozenset[str] = BOTH) -> str:
    """A stack key's policy: the account administers it; the services in ``SERVICE_GRANTS``
    for ``where`` (``stack``, ``edge`` or both) may use it as their documentation says."""
    scope = {"account": account_id, "region": region, "partition": partition,
             "prefix": prefix}
    statements: list[dict[str, object]] = [
        {
            # AWS's default statement: the key stays manageable, and IAM policies in the
            # account can grant what services using their caller's credentials need.
            "Sid": "AccountAdministers",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    for grant in SERVICE_GRANTS:
        if not grant.where & where:
            continue
        statement: dict[str, object] = {
            "Sid": grant.sid,
            "Effect": "Allow",
            "Principal": {"Service": grant.service.format(region=region)},
            "Action": list(grant.actions),
            "Resource": "*",
        }
        if grant.condition is not None:
            statement["Condition"] = grant.condition(scope)
        statements.append(statement)
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def distribution_key_policy(account_id: str, distribution_arn: str,
                            partition: str = "aws") -> str:
    """Policy of a key that only a CloudFront distribution reads through (OAC, SSE-KMS):
    the account administers it; CloudFront may decrypt for this distribution alone."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AccountAdministers", "Effect": "Allow",
         "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "CloudFrontReadsThroughOac", "Effect": "Allow",
         "Principal": {"Service": "cloudfront.amazonaws.com"},
         "Action": ["kms:Decrypt"], "Resource": "*",
         "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}}},
    ]})


def customer_key(name: str, alias: str, description: str, deletion_window_days: int,
                 opts: pulumi.ResourceOptions,
                 policy: pulumi.Input[str] | None = None) -> aws.kms.Key:
    """A rotated customer-managed key and its alias, both with ``opts``.

    ``policy`` ``None`` leaves AWS's default policy (the account administers the key) until an
    ``aws.kms.KeyPolicy`` replaces it: for a key whose policy names a resource that itself
    needs the key first, such as a distribution reading SSE-KMS buckets.
    """
    key = aws.kms.Key(
        name,
        description=description,
        enable_key_rotation=True,
        rotation_period_in_days=365,
        deletion_window_in_days=deletion_window_days,
        policy=policy,
        opts=opts,
    )
    aws.kms.Alias(f"{name}-alias", name=alias, target_key_id=key.key_id, opts=opts)
    return key


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
        # A us-east-1 stack has one key for both roles; otherwise each key carries its own.
        self.kms_key = self._key(
            f"{name}-key", platform, platform.region, f"alias/{platform.prefix}",
            f"{platform.prefix}: encryption at rest for the marketplace stack", partition,
            self.provider, BOTH if platform.region == US_EAST_1 else frozenset({STACK}))
        self.kms_key_arn = self.kms_key.arn
        # KMS keys are regional: what CloudFront, its WAF and its alarms write in us-east-1
        # uses the stack key in a us-east-1 stack, and a second key there otherwise.
        self.us_east_1_kms_key_arn = self.kms_key_arn if platform.region == US_EAST_1 else (
            self._key(f"{name}-key-us-east-1", platform, US_EAST_1,
                      f"alias/{platform.prefix}-us-east-1",
                      f"{platform.prefix}: encryption at rest of what lives in {US_EAST_1}",
                      partition, self.us_east_1,
                      frozenset({EDGE, *((EDGE_LOGS,) if args.edge_log_groups else ()),
                                 *((EDGE_EVENTS,) if args.edge_event_targets else ())})).arn)
        self.register_outputs({"kmsKeyArn": self.kms_key_arn, "accountId": self.account_id})

    def _key(self, name: str, platform: PlatformConfig, region: str, alias: str,
             description: str, partition: pulumi.Output[str],
             provider: aws.Provider, where: frozenset[str]) -> aws.kms.Key:
        """A rotated key in ``region`` with :func:`key_policy` for ``where``, and its alias."""
        return customer_key(
            name, alias, description, platform.kms_deletion_window_days,
            pulumi.ResourceOptions(parent=self, provider=provider),
            policy=pulumi.Output.all(self.account_id, partition).apply(
                lambda v: key_policy(v[0], region, v[1], platform.prefix, where)))

    @property
    def providers(self) -> dict[str, aws.Provider]:
        """Resource-option ``providers`` that makes children use the tagged regional provider."""
        return {"aws": self.provider}
