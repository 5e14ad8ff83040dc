"""Keys and the services that use them: each stack key's policy against every use in the plan.

A customer managed key is usable by an AWS service only as far as the key policy says. Two
kinds of use reach a key:

- a **service use**: the service calls KMS as its own service principal (CloudWatch Logs
  encrypting a log group, EventBridge encrypting a bus or publishing to an encrypted topic,
  CloudFront reading SSE-KMS objects through OAC...). The key policy must grant that principal
  the actions its documentation lists, under conditions only on keys its requests carry (IAM
  evaluates a condition on an absent key as false: the grant silently denies every call), and
  narrowed by the condition the service supports (``aws:SourceArn``, an encryption context).
  :data:`SERVICE_USES` is that table, one row per (service principal, path), each with its
  source.
- a **caller use**: the service calls KMS with the credentials of whoever called it (SQS,
  SNS topics, Kinesis, DynamoDB, Secrets Manager, Lambda, S3 writes by a role...). Those need
  no service grant, only a key policy that lets IAM policies in the account grant access (the
  default statement for the account root). :data:`CALLER_USES` lists them, one source each.

:data:`PATHS` says how a plan shows each use: which resource type, through which input, and
whether the input names the key itself or a topic, queue or bucket encrypted with it. The key
is found through the engine's property dependencies, so the rules work on a preview before any
ARN is known; a key whose policy is not known yet is skipped.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..plan import Plan, PlanResource, as_list, statements
from . import stack_rule

KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
TOPIC = "aws:sns/topic:Topic"
QUEUE = "aws:sqs/queue:Queue"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_SSE = ("aws:s3/bucketServerSideEncryptionConfiguration:"
              "BucketServerSideEncryptionConfiguration")
DELIVERY_SOURCE = "aws:cloudwatch/logDeliverySource:LogDeliverySource"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"

# Condition operators whose values are patterns (ARN operators always match wildcards).
PATTERN_OPERATORS = ("stringlike", "arnlike", "arnequals")
EQUALS_OPERATORS = ("stringequals", "stringequalsignorecase")


@dataclass(frozen=True)
class ServiceUse:
    """What a service principal needs from a key policy on one path, as AWS documents it.

    ``principal`` may hold ``{region}``; ``actions`` are written as the documentation writes
    them; ``condition_keys`` are the keys the documentation shows on this path's requests
    (empty: the documentation is silent, so no condition can be trusted); ``narrow`` is the
    condition key that scopes the grant to the resource, when the service supports one, and
    ``exact`` says its value must name the resource with no wildcard.
    """

    id: str
    principal: str
    path: str
    actions: tuple[str, ...]
    condition_keys: frozenset[str]
    narrow: str | None
    source: str
    exact: bool = False


SERVICE_USES: tuple[ServiceUse, ...] = (
    ServiceUse(
        "logs-log-group", "logs.{region}.amazonaws.com", "log group encryption",
        ("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
         "kms:Describe*"),
        frozenset({"kms:encryptioncontext:aws:logs:arn"}),
        "kms:encryptioncontext:aws:logs:arn",
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html"),
    ServiceUse(
        "events-bus", "events.amazonaws.com", "event bus encryption",
        ("kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt"),
        frozenset({"aws:sourcearn", "aws:sourceaccount",
                   "kms:encryptioncontext:aws:events:event-bus:arn"}),
        "aws:sourcearn",
        "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-encryption-key-policy.html"),
    ServiceUse(
        "events-archive", "events.amazonaws.com", "event archive encryption",
        ("kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt", "kms:ReEncrypt*"),
        frozenset({"aws:sourcearn", "aws:sourceaccount",
                   "kms:encryptioncontext:aws:events:event-bus:arn"}),
        "aws:sourcearn",
        "https://docs.aws.amazon.com/eventbridge/latest/userguide/encryption-archives.html"),
    ServiceUse(
        "events-target", "events.amazonaws.com",
        "EventBridge delivering to an encrypted SNS topic or SQS queue (target or DLQ)",
        ("kms:Decrypt", "kms:GenerateDataKey"), frozenset(), None,
        "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-targets.html"),
    ServiceUse(
        "cloudwatch-alarm", "cloudwatch.amazonaws.com",
        "CloudWatch alarm actions publishing to an encrypted topic",
        ("kms:Decrypt", "kms:GenerateDataKey*"), frozenset(), None,
        "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html"
        "#compatibility-with-aws-services"),
    ServiceUse(
        "budgets", "budgets.amazonaws.com", "AWS Budgets publishing to an encrypted topic",
        ("kms:Decrypt", "kms:GenerateDataKey*"), frozenset(), None,
        "https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html"),
    ServiceUse(
        "cost-anomaly", "costalerts.amazonaws.com",
        "Cost Anomaly Detection publishing to an encrypted topic",
        ("kms:Decrypt", "kms:GenerateDataKey*"), frozenset(), None,
        "https://docs.aws.amazon.com/cost-management/latest/userguide/ad-SNS.html"),
    ServiceUse(
        "sns-to-sqs", "sns.amazonaws.com",
        "SNS delivering to an encrypted SQS queue (subscription or subscription DLQ)",
        ("kms:Decrypt", "kms:GenerateDataKey"), frozenset(), None,
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/"
        "sqs-key-management.html#compatibility-with-aws-services"),
    ServiceUse(
        "cloudtrail-logs", "cloudtrail.amazonaws.com", "trail log file encryption",
        ("kms:GenerateDataKey*", "kms:DescribeKey"),
        frozenset({"aws:sourcearn", "kms:encryptioncontext:aws:cloudtrail:arn"}),
        "aws:sourcearn",
        "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/"
        "create-kms-key-policy-for-cloudtrail.html"),
    ServiceUse(
        "cloudtrail-sns", "cloudtrail.amazonaws.com",
        "CloudTrail notifying an encrypted topic", ("kms:Decrypt", "kms:GenerateDataKey*"),
        frozenset(), None,
        "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/"
        "create-kms-key-policy-for-cloudtrail.html"),
    ServiceUse(
        "cloudfront-oac", "cloudfront.amazonaws.com",
        "CloudFront reading SSE-KMS objects through origin access control",
        ("kms:Decrypt",), frozenset({"aws:sourcearn"}), "aws:sourcearn",
        "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/"
        "private-content-restricting-access-to-s3.html", exact=True),
    ServiceUse(
        "log-delivery-s3", "delivery.logs.amazonaws.com",
        "vended log delivery (CloudFront standard logging v2) to an SSE-KMS bucket",
        ("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
         "kms:DescribeKey"), frozenset({"aws:sourcearn", "aws:sourceaccount"}),
        "aws:sourcearn",
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/"
        "AWS-logs-infrastructure-S3.html#AWS-logs-SSE-KMS-S3"),
)
SERVICE_USE = {u.id: u for u in SERVICE_USES}


@dataclass(frozen=True)
class CallerUse:
    """A service that uses a key with its caller's credentials: IAM delegation suffices."""

    service: str
    source: str


CALLER_USES: Mapping[str, CallerUse] = {
    "sqs": CallerUse("SQS", "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/"
                     "SQSDeveloperGuide/sqs-key-management.html"),
    "sns": CallerUse("SNS", "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html"),
    "kinesis": CallerUse("Kinesis Data Streams", "https://docs.aws.amazon.com/streams/latest/"
                         "dev/permissions-user-key-KMS.html"),
    "firehose": CallerUse("Data Firehose (writes to S3 with its role)",
                          "https://docs.aws.amazon.com/firehose/latest/dev/"
                          "controlling-access.html#using-iam-s3"),
    "dynamodb": CallerUse("DynamoDB", "https://docs.aws.amazon.com/amazondynamodb/latest/"
                          "developerguide/encryption.usagenotes.html"),
    "secretsmanager": CallerUse("Secrets Manager", "https://docs.aws.amazon.com/"
                                "secretsmanager/latest/userguide/security-encryption.html"),
    "lambda": CallerUse("Lambda environment encryption", "https://docs.aws.amazon.com/lambda/"
                        "latest/dg/configuration-envvars-encryption.html"),
    "s3": CallerUse("S3 SSE-KMS (writers and readers use their own permissions)",
                    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
                    "UsingKMSEncryption.html"),
    "athena": CallerUse("Athena query results", "https://docs.aws.amazon.com/athena/latest/"
                        "ug/encryption.html"),
    "synthetics": CallerUse("CloudWatch Synthetics artifacts (canary role)",
                            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/"
                            "CloudWatch_Synthetics_artifact_encryption.html"),
    "elasticache": CallerUse("ElastiCache", "https://docs.aws.amazon.com/AmazonElastiCache/"
                             "latest/dg/at-rest-encryption.html"),
    "timestream": CallerUse("Timestream", "https://docs.aws.amazon.com/timestream/latest/"
                            "developerguide/EncryptionAtRest.html"),
}


@dataclass(frozen=True)
class Path:
    """How a use shows in a plan: ``inputs`` of ``type`` name the key itself (``via`` "key")
    or a topic, queue or bucket encrypted with it; ``use`` is a SERVICE_USES id or a
    CALLER_USES key."""

    type: str
    inputs: tuple[str, ...]
    via: str
    use: str
    protocol: str | None = None


PATHS: tuple[Path, ...] = (
    Path("aws:cloudwatch/logGroup:LogGroup", ("kmsKeyId",), "key", "logs-log-group"),
    Path("aws:cloudwatch/eventBus:EventBus", ("kmsKeyIdentifier",), "key", "events-bus"),
    Path("aws:cloudwatch/eventArchive:EventArchive", ("kmsKeyIdentifier",), "key",
         "events-archive"),
    Path("aws:cloudwatch/eventTarget:EventTarget", ("arn", "deadLetterConfig"), "target",
         "events-target"),
    Path("aws:cloudwatch/metricAlarm:MetricAlarm",
         ("alarmActions", "okActions", "insufficientDataActions"), "target", "cloudwatch-alarm"),
    Path("aws:cloudwatch/compositeAlarm:CompositeAlarm",
         ("alarmActions", "okActions", "insufficientDataActions"), "target", "cloudwatch-alarm"),
    Path("aws:budgets/budget:Budget", ("notifications",), "target", "budgets"),
    Path("aws:costexplorer/anomalySubscription:AnomalySubscription", ("subscribers",),
         "target", "cost-anomaly"),
    Path("aws:sns/topicSubscription:TopicSubscription", ("redrivePolicy",), "target",
         "sns-to-sqs"),
    Path("aws:sns/topicSubscription:TopicSubscription", ("endpoint",), "target", "sns-to-sqs",
         protocol="sqs"),
    Path("aws:cloudtrail/trail:Trail", ("kmsKeyId",), "key", "cloudtrail-logs"),
    Path("aws:cloudtrail/trail:Trail", ("snsTopicName",), "target", "cloudtrail-sns"),
    Path(DISTRIBUTION, ("origins",), "bucket", "cloudfront-oac"),
    Path("aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination",
         ("deliveryDestinationConfiguration",), "bucket", "log-delivery-s3"),
    Path(QUEUE, ("kmsMasterKeyId",), "key", "sqs"),
    Path(TOPIC, ("kmsMasterKeyId",), "key", "sns"),
    Path("aws:kinesis/stream:Stream", ("kmsKeyId",), "key", "kinesis"),
    Path("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
         ("extendedS3Configuration", "serverSideEncryption"), "key", "firehose"),
    Path("aws:dynamodb/table:Table", ("serverSideEncryption", "replicas"), "key", "dynamodb"),
    Path("aws:secretsmanager/secret:Secret", ("kmsKeyId",), "key", "secretsmanager"),
    Path("aws:lambda/function:Function", ("kmsKeyArn",), "key", "lambda"),
    Path(BUCKET_SSE, ("rules",), "key", "s3"),
    Path("aws:s3/bucketObjectv2:BucketObjectv2", ("kmsKeyId",), "key", "s3"),
    Path("aws:athena/workgroup:Workgroup", ("configuration",), "key", "athena"),
    Path("aws:synthetics/canary:Canary", ("artifactConfig",), "key", "synthetics"),
    Path("aws:elasticache/serverlessCache:ServerlessCache", ("kmsKeyId",), "key",
         "elasticache"),
    Path("aws:timestreamwrite/database:Database", ("kmsKeyId",), "key", "timestream"),
)

# Resources that name a key without encrypting anything with it: IAM policies granting use
# (checked against handlers by the role rules), the alias and the key policy itself.
NOT_USES = frozenset({"aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy",
                      "aws:iam/role:Role", "aws:kms/alias:Alias", KEY_POLICY})

KEY_POLICY_SOURCE = ("https://docs.aws.amazon.com/kms/latest/developerguide/"
                     "key-policy-default.html#key-policy-default-allow-root-enable-iam")


@dataclass(frozen=True)
class Use:
    """One use of one key by one resource of the plan."""

    key: PlanResource
    resource: PlanResource
    use: str


@dataclass(frozen=True)
class KeyPolicy:
    """A key's policy as the plan states it; ``document`` is None when it is not known."""

    key: PlanResource
    statements: tuple[Mapping[str, Any], ...]
    source: PlanResource
    account: str
    partition: str


def _deps(plan: Plan, resource: PlanResource, inputs: Iterable[str]) -> list[PlanResource]:
    return [d for key in inputs for d in plan.depends_on(resource, key)]


def _keys_of(plan: Plan, resource: PlanResource, via: str, inputs: Iterable[str]
             ) -> list[PlanResource]:
    """The stack keys ``resource`` uses through ``inputs`` (directly or through ``via``)."""
    found: list[PlanResource] = []
    for dep in _deps(plan, resource, inputs):
        if dep.type == KEY and via == "key":
            found.append(dep)
        elif via == "target" and dep.type in (TOPIC, QUEUE):
            found += [k for k in plan.depends_on(dep, "kmsMasterKeyId") if k.type == KEY]
        elif via == "bucket" and dep.type == BUCKET:
            for sse in plan.of_type(BUCKET_SSE):
                if dep.urn in sse.property_dependencies.get("bucket", ()):
                    found += [k for k in plan.depends_on(sse, "rules") if k.type == KEY]
    return list({k.urn: k for k in found}.values())


def uses(plan: Plan) -> list[Use]:
    """Every use of a stack key in the plan, one per (key, resource, path)."""
    out: list[Use] = []
    for path in PATHS:
        for resource in plan.of_type(path.type):
            if path.protocol and resource.props.get("protocol") != path.protocol:
                continue
            for key in _keys_of(plan, resource, path.via, path.inputs):
                use = Use(key, resource, path.use)
                if use not in out:
                    out.append(use)
    return out


def unknown_uses(plan: Plan) -> Iterator[tuple[PlanResource, PlanResource, str]]:
    """(resource, key, input) where a resource names a stack key through no known path."""
    known = {(p.type, i) for p in PATHS if p.via == "key" for i in p.inputs}
    for resource in plan:
        if resource.type in NOT_USES or resource.type == KEY:
            continue
        for name, urns in resource.property_dependencies.items():
            if (resource.type, name) in known:
                continue
            for key in (plan.get(u) for u in urns):
                if key is not None and key.type == KEY:
                    yield resource, key, name


def key_policy(plan: Plan, key: PlanResource) -> KeyPolicy | None:
    """The key's policy: a KeyPolicy resource, else the key's ``policy``, else AWS's default
    (the account root only); None while the text is not known (a value still to be made)."""
    managers = [p for p in plan.of_type(KEY_POLICY)
                if key.urn in p.property_dependencies.get("keyId", ())]
    source = managers[0] if managers else key
    if "policy" not in source.props:
        found: list[Mapping[str, Any]] = [
            {"Effect": "Allow", "Principal": {"AWS": "root"}, "Action": "kms:*"}]
    else:
        found = statements(source.props.get("policy"))
        if not found:
            return None
    account, partition = "", "aws"
    for s in found:
        for arn in as_list((s.get("Principal") or {}).get("AWS")
                           if isinstance(s.get("Principal"), Mapping) else None):
            parts = str(arn).split(":")
            if len(parts) == 6 and parts[5] == "root":
                partition, account = parts[1], parts[4]
    return KeyPolicy(key, tuple(found), source, account, partition)


def _principals(statement: Mapping[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    return [str(p) for p in as_list(principal.get("Service"))] if isinstance(
        principal, Mapping) else []


def _conditions(statement: Mapping[str, Any]) -> dict[str, list[tuple[str, list[str]]]]:
    """Condition key (lower case) -> [(operator, values)]."""
    out: dict[str, list[tuple[str, list[str]]]] = {}
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return out
    for operator, block in condition.items():
        if not isinstance(block, Mapping):
            continue
        op = str(operator).lower().split(":")[-1].removesuffix("ifexists")
        for key, values in block.items():
            out.setdefault(str(key).lower(), []).append((op, [str(v) for v in as_list(values)]))
    return out


def _covers(statement: Mapping[str, Any], action: str) -> bool:
    return any(fnmatch.fnmatchcase(action.lower(), str(p).lower())
               for p in as_list(statement.get("Action")))


def _allows(statement: Mapping[str, Any], principal: str) -> bool:
    return statement.get("Effect") == "Allow" and principal in _principals(statement)


# Per service use with a narrowing key: the ARNs its value should match, from the resource's
# inputs ("{p}" partition, "{r}" region, "{a}" account, "{n}" the resource's name).
NARROW_ARNS: Mapping[str, tuple[str, ...]] = {
    "logs-log-group": ("arn:{p}:logs:{r}:{a}:log-group:{n}",),
    "events-bus": ("arn:{p}:events:{r}:{a}:event-bus/{n}",),
    # The documentation names both the archive and its bus for this path's context.
    "events-archive": ("arn:{p}:events:{r}:{a}:archive/{n}", "{eventSourceArn}"),
    "cloudtrail-logs": ("arn:{p}:cloudtrail:{r}:{a}:trail/{n}",),
}


def _candidates(plan: Plan, use: Use, policy: KeyPolicy) -> list[str]:
    """ARNs the narrowing condition should name for this use (empty: cannot be worked out)."""
    r, region = use.resource, use.resource.region or use.key.region
    if not policy.account:
        return []
    if use.use == "log-delivery-s3":
        return [f"arn:{policy.partition}:logs:{s.region or region}:{policy.account}:"
                f"delivery-source:{s.props['name']}"
                for s in plan.of_type(DELIVERY_SOURCE) if s.props.get("name")]
    name = r.props.get("name")
    if not isinstance(name, str) or not name:
        return []
    values = {"p": policy.partition, "r": region, "a": policy.account, "n": name,
              "eventSourceArn": str(r.props.get("eventSourceArn") or "")}
    return [t.format(**values) for t in NARROW_ARNS.get(use.use, ())]


def _narrowed(plan: Plan, statement: Mapping[str, Any], row: ServiceUse, use: Use,
              policy: KeyPolicy) -> bool:
    """Whether ``statement`` scopes ``row.narrow`` to this use's resource."""
    assert row.narrow is not None
    found = _conditions(statement).get(row.narrow, [])
    values = [(op, v) for op, vs in found for v in vs]
    if not values:
        return False
    if row.exact:
        # The resource's ARN is an output: it must be named outright, and the policy must
        # depend on the resource (so the value is that resource's, not another's).
        source_deps = policy.source.property_dependencies.get("policy", ())
        return (all("*" not in v and "?" not in v for _, v in values)
                and use.resource.urn in source_deps)
    candidates = [c for c in _candidates(plan, use, policy) if c]
    if not candidates:
        return True
    # A value that matches the resource and names this account (not "*" for any account).
    return any(((op in PATTERN_OPERATORS and fnmatch.fnmatchcase(c, v))
                or (op in EQUALS_OPERATORS and c == v)) and policy.account in v
               for op, v in values for c in candidates)


def _service_use_problems(plan: Plan, use: Use, row: ServiceUse, policy: KeyPolicy
                          ) -> Iterator[str]:
    principal = row.principal.format(region=use.resource.region or use.key.region)
    granted = [s for s in policy.statements if _allows(s, principal)]
    where = f"key {use.key.name}: {row.path} needs {principal}"
    usable = [s for s in granted if set(_conditions(s)) <= row.condition_keys]
    for action in row.actions:
        if any(_covers(s, action) for s in usable):
            continue
        conditioned = [s for s in granted if _covers(s, action)]
        if conditioned:
            bad = sorted({k for s in conditioned for k in _conditions(s)} - row.condition_keys)
            carried = ", ".join(sorted(row.condition_keys)) or "none"
            yield (f"{where} to have {action}, granted only under condition keys "
                   f"{', '.join(bad)} that this path's requests are not documented to carry "
                   f"(documented: {carried}); a request without them is denied every time "
                   f"({row.source})")
        else:
            yield f"{where} to have {action}; no statement grants it ({row.source})"
    if row.narrow and usable and not any(
            _narrowed(plan, s, row, use, policy) for s in usable if _covers(s, row.actions[0])):
        what = "the resource's exact ARN" if row.exact else "this resource"
        yield (f"{where} scoped by {row.narrow} to {what}, which the service supports; no "
               f"grant of {row.actions[0]} is narrowed that way ({row.source})")


def _delegates_to_account(policy: KeyPolicy) -> bool:
    return any(s.get("Effect") == "Allow" and _covers(s, "kms:Decrypt")
               and _covers(s, "kms:GenerateDataKey")
               and any(str(a) == "root" or str(a).endswith(":root")
                       for a in as_list((s.get("Principal") or {}).get("AWS")
                                        if isinstance(s.get("Principal"), Mapping) else None))
               and not s.get("Condition")
               for s in policy.statements)


def _policies(plan: Plan) -> dict[str, KeyPolicy | None]:
    return {k.urn: key_policy(plan, k) for k in plan.of_type(KEY)}


@stack_rule("kms-key-grants-service-uses",
            "Every stack key's policy grants each service that uses it the documented actions, "
            "under conditions only on keys its requests carry, narrowed where it supports it.")
def key_grants_service_uses(plan: Plan) -> Iterator[tuple[str, str]]:
    """Each use of a stack key in the plan is allowed by that key's policy, as AWS documents.

    The rows of :data:`SERVICE_USES` and :data:`CALLER_USES` name their sources, among them
    https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-services.html (a key used
    by a service must grant it what it needs),
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys.html
    (a condition on a key absent from the request is false),
    https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
    (the account statement lets IAM policies grant what caller uses need), and
    https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html
    (CloudFront reads SSE-KMS objects when the key names the distribution in AWS:SourceArn).
    """
    policies = _policies(plan)
    for use in uses(plan):
        policy = policies.get(use.key.urn)
        if policy is None:
            continue
        row = SERVICE_USE.get(use.use)
        if row is not None:
            for message in _service_use_problems(plan, use, row, policy):
                yield use.resource.name, message
        elif not _delegates_to_account(policy):
            caller = CALLER_USES[use.use]
            yield use.resource.name, (
                f"key {use.key.name}: {caller.service} uses the key with its caller's "
                f"credentials, so the policy must let IAM policies grant it (an unconditioned "
                f"statement for the account root); none does ({caller.source}; "
                f"{KEY_POLICY_SOURCE})")
    for resource, key, name in unknown_uses(plan):
        yield resource.name, (f"{resource.type} uses key {key.name} through {name!r}, a path the "
                              f"key-use table in policy/rules/keys.py does not know: add its "
                              f"documented key-policy needs there")


@stack_rule("kms-key-no-unneeded-service-grants",
            "A stack key's policy grants a service principal only what a use in the plan "
            "needs, and with a condition wherever every such use supports one.")
def no_unneeded_service_grants(plan: Plan) -> Iterator[tuple[str, str]]:
    """No service grant in a stack key's policy goes beyond the uses in the plan.

    Least privilege for key policies, per
    https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-services.html ("give the
    service only the permissions that it requires") and the rows of :data:`SERVICE_USES`:
    services that act with their caller's credentials (:data:`CALLER_USES`) need no grant.
    """
    by_key: dict[str, list[Use]] = {}
    for use in uses(plan):
        by_key.setdefault(use.key.urn, []).append(use)
    for key_urn, policy in _policies(plan).items():
        if policy is None:
            continue
        key_uses = by_key.get(key_urn, [])
        for statement in policy.statements:
            if statement.get("Effect") != "Allow":
                continue
            for principal in _principals(statement):
                rows = {SERVICE_USE[u.use] for u in key_uses if u.use in SERVICE_USE
                        and SERVICE_USE[u.use].principal.format(
                            region=u.resource.region or u.key.region) == principal}
                sid = statement.get("Sid") or principal
                if not rows:
                    yield policy.key.name, (
                        f"statement {sid} grants {principal}, which no resource in the plan "
                        f"needs on this key (services using their caller's credentials need "
                        f"no grant)")
                    continue
                documented = {a for r in rows for a in r.actions}
                for action in as_list(statement.get("Action")):
                    if not any(fnmatch.fnmatchcase(str(action).lower(), d.lower())
                               for d in documented):
                        yield policy.key.name, (
                            f"statement {sid} grants {action} to {principal}, beyond what "
                            f"{', '.join(sorted(r.path for r in rows))} need "
                            f"({', '.join(sorted(documented))})")
                if not statement.get("Condition") and all(r.narrow for r in rows):
                    yield policy.key.name, (
                        f"statement {sid} grants {principal} with no condition although every "
                        f"use of it here supports "
                        f"{', '.join(sorted({str(r.narrow) for r in rows}))}")
