"""A handler's recorded AWS calls against its role in the plan, both ways.

Each recorded call (:class:`tests.recording.AwsCall`) becomes the IAM requests it needs: the
actions from :data:`OPERATIONS` (one row per API operation the handlers call, with the AWS page
it comes from) on the resource ARN built from the call's parameters. The resource a test named
is translated into the deployed one through the environment variable that carried it: the
handler read ``TABLE_NAME=listings-test`` in its test, and the stack sets ``TABLE_NAME`` to
the real table, so the deployed call targets that table. Those requests are evaluated against
the statements of the function's role as the plan records them (inline ``RolePolicy``
resources, ``inlinePolicies``, attached policies the plan defines), with ``*``/``?``
wildcards and the condition operators of :data:`CONDITION_OPERATORS`; anything else fails
closed (:class:`UnreadableError`).

Both directions are reported: a request no statement allows, and a granted (statement,
action, resource) that no request exercises, unless the caller's allow-list names it with the
reason tests cannot exercise it. A call the handler makes only under a stack setting
(:data:`MADE_WHEN`) is required only where the stack has that setting; table calls the API
sends through DAX when the stack sets ``DAX_ENDPOINT`` become dax: requests
(:data:`THROUGH_DAX`).

Maintained libraries were considered (iam-actions, parliament, cloudsplaining on PyPI):
parliament ships the Service Authorization Reference's actions and resource types, but none
maps an API operation and its parameters to the resource ARN, which is the part that matters
here, so the table is small and lists only the operations the handlers call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policy.plan import Plan, PlanResource, as_list, statements
from tests.recording import AwsCall

FUNCTIONS = Path(__file__).resolve().parent.parent / "functions"

LAMBDA = "aws:lambda/function:Function"
CANARY = "aws:synthetics/canary:Canary"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY = "aws:iam/policy:Policy"


class UnreadableError(Exception):
    """Something this check cannot evaluate offline; the check fails rather than guess."""


@dataclass(frozen=True)
class Request:
    """One IAM authorization a call needs: action, resource ARN, request condition keys."""

    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()
    call: str = ""

    @property
    def keys(self) -> dict[str, str]:
        """The request's condition keys and their values."""
        return dict(self.context)

    def __str__(self) -> str:
        keys = "".join(f" [{k}={v}]" for k, v in self.context)
        return f"{self.action} on {self.resource}{keys} (from {self.call})"


@dataclass(frozen=True)
class Target:
    """Where a deployed function runs: its account and region, and its environment."""

    account: str
    region: str
    environment: Mapping[str, str]


# -- resolving a test's resource names into the deployed ones --------------------------------


# A secret's ARN is its name and a random six-character suffix, new for every secret created
# (moto draws one too, per test): a test's secret is known by its name.
SECRET_SUFFIX = re.compile(r"^(arn:aws[^:]*:secretsmanager:[^:]*:[^:]*:secret:.+)-[A-Za-z0-9]{6}$")


def _identity(value: str) -> str:
    return SECRET_SUFFIX.sub(r"\1", value)


class Resolver:
    """Maps a value a test passed to a handler into the value the stack sets.

    ``tested`` is every environment variable the function's tests set (from the recording);
    a value equal to one of them, or to an entry of one holding a JSON object, is replaced by
    what ``deployed`` (the plan's environment of the function) holds under the same name.
    """

    def __init__(self, calls: Iterable[AwsCall], deployed: Mapping[str, str]) -> None:
        self.deployed = deployed
        self.names: dict[str, set[tuple[str, str | None]]] = {}
        for call in calls:
            for name, value in call.environment.items():
                self._note(value, (name, None))
                try:
                    parsed = json.loads(value)
                except ValueError:
                    continue
                if isinstance(parsed, dict):
                    for key, item in parsed.items():
                        if isinstance(item, str):
                            self._note(item, (name, key))

    def _note(self, value: str, source: tuple[str, str | None]) -> None:
        if value:
            self.names.setdefault(_identity(value), set()).add(source)

    def sources(self, value: str) -> set[tuple[str, str | None]]:
        """The (variable, JSON key) pairs that carried ``value`` in the tests."""
        return self.names.get(_identity(value), set())

    def __call__(self, value: str) -> str | None:
        """The deployed value, or None when the stack does not set the variable."""
        sources = self.sources(value)
        if not sources:
            raise UnreadableError(f"{value!r} was named by no environment variable in the "
                                  "tests, so which deployed resource the call targets is unknown")
        found = set()
        for name, key in sources:
            if name not in self.deployed:
                continue
            text = self.deployed[name]
            if key is None:
                found.add(text)
                continue
            parsed = json.loads(text) if text else {}
            if key in parsed:
                found.add(parsed[key])
        if len(found) > 1:
            raise UnreadableError(f"{value!r} maps to several deployed values: {sorted(found)}")
        return found.pop() if found else None


# -- API operation -> IAM requests -------------------------------------------------------------

Builder = Callable[[Mapping[str, Any], Callable[[str], str | None], Target], list[Request]]


def _table_arn(target: Target, table: str) -> str:
    return f"arn:aws:dynamodb:{target.region}:{target.account}:table/{table}"


def _resolved(resolve: Callable[[str], str | None], value: str) -> str:
    found = resolve(value)
    if found is None:
        raise NotDeployedError(value)
    return found


class NotDeployedError(Exception):
    """The stack does not set the variable that names this call's resource."""


def _on_table(action: str) -> Builder:
    """GetItem, Query, Scan, UpdateItem...: the table, or the index the call names."""
    def build(params: Mapping[str, Any], resolve: Callable[[str], str | None],
              target: Target) -> list[Request]:
        arn = _table_arn(target, _resolved(resolve, params["TableName"]))
        if params.get("IndexName"):
            arn = f"{arn}/index/{params['IndexName']}"
        return [Request(action, arn)]
    return build


def _batch_get(params: Mapping[str, Any], resolve: Callable[[str], str | None],
               target: Target) -> list[Request]:
    return [Request("dynamodb:BatchGetItem", _table_arn(target, _resolved(resolve, table)))
            for table in params["RequestItems"]]


# TransactWriteItems is authorized per item, by the item operation's own action.
TRANSACT_ITEM_ACTIONS = {
    "Put": "dynamodb:PutItem", "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem", "ConditionCheck": "dynamodb:ConditionCheckItem",
}


def _transact_write(params: Mapping[str, Any], resolve: Callable[[str], str | None],
                    target: Target) -> list[Request]:
    out = []
    for item in params["TransactItems"]:
        for kind, body in item.items():
            table = _table_arn(target, _resolved(resolve, body["TableName"]))
            out.append(Request(TRANSACT_ITEM_ACTIONS[kind], table))
    return out


def _put_events(params: Mapping[str, Any], resolve: Callable[[str], str | None],
                target: Target) -> list[Request]:
    buses = {entry.get("EventBusName") for entry in params["Entries"]}
    out = []
    for bus in buses:
        name = _resolved(resolve, bus) if bus else "default"
        arn = name if name.startswith("arn:") else (
            f"arn:aws:events:{target.region}:{target.account}:event-bus/{name}")
        out.append(Request("events:PutEvents", arn))
    return out


def _log_group(params: Mapping[str, Any], resolve: Callable[[str], str | None],
               target: Target) -> str:
    group = _resolved(resolve, params["logGroupName"])
    return f"arn:aws:logs:{target.region}:{target.account}:log-group:{group}"


def _on_log_stream(action: str) -> Builder:
    """CreateLogStream and PutLogEvents: the log stream the call names.

    AWS's own role for CloudTrail grants both on ``log-group:<name>:log-stream:<prefix>*``,
    so the stream ARN is what CreateLogStream is authorized against too.
    """
    def build(params: Mapping[str, Any], resolve: Callable[[str], str | None],
              target: Target) -> list[Request]:
        group = _log_group(params, resolve, target)
        return [Request(action, f"{group}:log-stream:{params['logStreamName']}")]
    return build


def _secret(params: Mapping[str, Any], resolve: Callable[[str], str | None],
            target: Target) -> list[Request]:
    secret = _resolved(resolve, params["SecretId"])
    if not secret.startswith("arn:"):
        # A name: the ARN ends in a random six-character suffix AWS adds.
        secret = (f"arn:aws:secretsmanager:{target.region}:{target.account}:secret:"
                  f"{secret}-??????")
    return [Request("secretsmanager:GetSecretValue", secret)]


def _publish(params: Mapping[str, Any], resolve: Callable[[str], str | None],
             target: Target) -> list[Request]:
    return [Request("sns:Publish", _resolved(resolve, params["TopicArn"]))]


def _parameter(params: Mapping[str, Any], resolve: Callable[[str], str | None],
               target: Target) -> list[Request]:
    # A name that starts with "/" follows "parameter" directly in the ARN.
    name = _resolved(resolve, params["Name"])
    path = name if name.startswith("/") else f"/{name}"
    return [Request("ssm:GetParameter",
                    f"arn:aws:ssm:{target.region}:{target.account}:parameter{path}")]


def _invalidation(params: Mapping[str, Any], resolve: Callable[[str], str | None],
                  target: Target) -> list[Request]:
    distribution = _resolved(resolve, params["DistributionId"])
    return [Request("cloudfront:CreateInvalidation",
                    f"arn:aws:cloudfront::{target.account}:distribution/{distribution}")]


def _put_metric_data(params: Mapping[str, Any], resolve: Callable[[str], str | None],
                     target: Target) -> list[Request]:
    # No resource-level permissions; the namespace is a request condition key.
    namespace = _resolved(resolve, params["Namespace"])
    return [Request("cloudwatch:PutMetricData", "*", (("cloudwatch:namespace", namespace),))]


def _on_object(action: str) -> Builder:
    """An S3 object call: ``action`` on ``arn:aws:s3:::<bucket>/<key>``."""
    def build(params: Mapping[str, Any], resolve: Callable[[str], str | None],
              target: Target) -> list[Request]:
        bucket = _resolved(resolve, params["Bucket"])
        return [Request(action, f"arn:aws:s3:::{bucket}/{params['Key']}")]
    return build


def _write_records(params: Mapping[str, Any], resolve: Callable[[str], str | None],
                   target: Target) -> list[Request]:
    database = _resolved(resolve, params["DatabaseName"])
    table = _resolved(resolve, params["TableName"])
    return [
        Request("timestream:WriteRecords", f"arn:aws:timestream:{target.region}:"
                f"{target.account}:database/{database}/table/{table}"),
        # The SDK discovers the data-plane endpoint first; that action has no resource.
        Request("timestream:DescribeEndpoints", "*"),
    ]


def _get_findings(params: Mapping[str, Any], resolve: Callable[[str], str | None],
                  target: Target) -> list[Request]:
    # Authorized on the account's hub in the region, whatever the filters.
    return [Request("securityhub:GetFindings",
                    f"arn:aws:securityhub:{target.region}:{target.account}:hub/default")]


S3_SAR = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html"
S3_HEAD_OBJECT = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html"
DYNAMODB_SAR = ("https://docs.aws.amazon.com/service-authorization/latest/reference/"
                "list_amazondynamodb.html")

# (IAM signing name, API operation) -> (requests builder, source).
OPERATIONS: dict[tuple[str, str], tuple[Builder, str]] = {
    ("dynamodb", "GetItem"): (_on_table("dynamodb:GetItem"), DYNAMODB_SAR),
    ("dynamodb", "Query"): (_on_table("dynamodb:Query"), DYNAMODB_SAR),
    ("dynamodb", "Scan"): (_on_table("dynamodb:Scan"), DYNAMODB_SAR),
    ("dynamodb", "PutItem"): (_on_table("dynamodb:PutItem"), DYNAMODB_SAR),
    ("dynamodb", "UpdateItem"): (_on_table("dynamodb:UpdateItem"), DYNAMODB_SAR),
    ("dynamodb", "DeleteItem"): (_on_table("dynamodb:DeleteItem"), DYNAMODB_SAR),
    ("dynamodb", "BatchGetItem"): (_batch_get, DYNAMODB_SAR),
    ("dynamodb", "TransactWriteItems"): (
        _transact_write, "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"
                         "transaction-apis-iam.html"),
    ("events", "PutEvents"): (
        _put_events, "https://docs.aws.amazon.com/service-authorization/latest/reference/"
                     "list_amazoneventbridge.html"),
    ("logs", "CreateLogStream"): (
        _on_log_stream("logs:CreateLogStream"),
        "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/"
        "cloudtrail-required-policy-for-cloudwatch-logs.html"),
    ("logs", "PutLogEvents"): (
        _on_log_stream("logs:PutLogEvents"),
        "https://docs.aws.amazon.com/service-authorization/latest/reference/"
        "list_amazoncloudwatchlogs.html"),
    ("secretsmanager", "GetSecretValue"): (
        _secret, "https://docs.aws.amazon.com/service-authorization/latest/reference/"
                 "list_awssecretsmanager.html"),
    ("sns", "Publish"): (
        _publish, "https://docs.aws.amazon.com/service-authorization/latest/reference/"
                  "list_amazonsns.html"),
    ("ssm", "GetParameter"): (
        _parameter, "https://docs.aws.amazon.com/service-authorization/latest/reference/"
                    "list_awssystemsmanager.html"),
    ("cloudfront", "CreateInvalidation"): (
        _invalidation, "https://docs.aws.amazon.com/service-authorization/latest/reference/"
                       "list_amazoncloudfront.html"),
    # Composite alarms are returned only to a grant on "*" (API_DescribeAlarms).
    ("monitoring", "DescribeAlarms"): (
        lambda params, resolve, target: [Request("cloudwatch:DescribeAlarms", "*")],
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/"
        "API_DescribeAlarms.html"),
    ("monitoring", "PutMetricData"): (
        _put_metric_data, "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/"
                          "iam-cw-condition-keys-namespace.html"),
    # HeadObject needs s3:GetObject ("To use HEAD, you must have the s3:GetObject
    # permission", HeadObject in the S3 API reference); a conditional PutObject is PutObject.
    ("s3", "HeadObject"): (_on_object("s3:GetObject"), S3_HEAD_OBJECT),
    ("s3", "GetObject"): (_on_object("s3:GetObject"), S3_SAR),
    ("s3", "PutObject"): (_on_object("s3:PutObject"), S3_SAR),
    ("securityhub", "GetFindings"): (
        _get_findings, "https://docs.aws.amazon.com/service-authorization/latest/reference/"
                       "list_awssecurityhub.html"),
    ("timestream", "WriteRecords"): (
        _write_records, "https://docs.aws.amazon.com/timestream/latest/developerguide/"
                        "Using-API.endpoint-discovery.html"),
}


# -- calls a handler makes only under a stack setting -----------------------------------------

def _routes_email(call: AwsCall, resolver: Resolver, target: Target) -> bool:
    """The router publishes an email copy only to a severity some route targets as email."""
    routes = json.loads(target.environment.get("ROUTES") or "[]")
    targets = {t for route in routes for t in route.get("targets", [])}
    severities = {key for _name, key in resolver.sources(call.params["TopicArn"]) if key}
    return any(f"email:{severity}" in targets for severity in severities)


def _timeseries(kind: str) -> Callable[[AwsCall, Resolver, Target], bool]:
    def made(_call: AwsCall, _resolver: Resolver, target: Target) -> bool:
        return target.environment.get("TIMESERIES") == kind
    return made


def _slack_app(call: AwsCall, _resolver: Resolver, target: Target) -> bool:
    """The router reads its state item (for the message's ts) only with the Slack app."""
    return target.environment.get("SLACK_DELIVERY") == "app"


def _router_secret(call: AwsCall, resolver: Resolver, target: Target) -> bool:
    """The router reads the webhook secret with webhooks, the bot token with the Slack app."""
    app = target.environment.get("SLACK_DELIVERY") == "app"
    names = {name for name, _key in resolver.sources(call.params["SecretId"])}
    if "SLACK_SECRET_ARN" in names:
        return not app
    if "SLACK_BOT_TOKEN_SECRET_ARN" in names:
        return app
    return True


# (function package, signing name, operation) -> whether a stack's function makes the call.
# Each row is a branch of the handler's code on its environment.
MADE_WHEN: dict[tuple[str, str, str], Callable[[AwsCall, Resolver, Target], bool]] = {
    # functions/alert_router/email.py: only for "email:<severity>" targets of ROUTES.
    ("alert_router", "sns", "Publish"): _routes_email,
    # functions/alert_router/slack_app.py and dispatch.py: SLACK_DELIVERY picks the secret.
    ("alert_router", "dynamodb", "GetItem"): _slack_app,
    ("alert_router", "secretsmanager", "GetSecretValue"): _router_secret,
    # functions/window_aggregator/handler.py: the timestream client exists only then.
    ("window_aggregator", "timestream", "WriteRecords"): _timeseries("liveanalytics"),
    # functions/window_aggregator/handler.py: the InfluxDB writer reads its token secret.
    ("window_aggregator", "secretsmanager", "GetSecretValue"): _timeseries("influxdb"),
}

# DynamoDB calls that go through DAX when the stack sets DAX_ENDPOINT: the API's repository
# takes the DAX client then (functions/api/repository.py, client_from_env), which speaks the
# same operations and is authorized by dax:<operation> on the cluster. DAX's own role reads
# the table. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DAX.access-control.html
THROUGH_DAX = {"api": "DAX_ENDPOINT"}
DAX_ENDPOINT = re.compile(r"^daxs?://([^.]+)\.")


def _through_dax(requests: list[Request], call: AwsCall, target: Target,
                 variable: str) -> list[Request]:
    match = DAX_ENDPOINT.match(target.environment[variable])
    if match is None:
        raise UnreadableError(f"{variable}={target.environment[variable]!r} is not a DAX endpoint")
    cluster = f"arn:aws:dax:{target.region}:{target.account}:cache/{match.group(1)}"
    actions = [f"dax:{call.operation}"]
    if call.operation == "TransactWriteItems":
        # Documented for DynamoDB (per item); for DAX the documentation is silent, so the
        # item actions are required too (see docs/deploying.md for the live check).
        actions += [r.action.replace("dynamodb:", "dax:") for r in requests]
    return [Request(a, cluster, call=requests[0].call if requests else "") for a in
            dict.fromkeys(actions)]


def requests_of(package: str, call: AwsCall, resolver: Resolver,
                target: Target) -> list[Request] | None:
    """The IAM requests ``call`` needs in the deployed function; None when it is not made."""
    made = MADE_WHEN.get((package, call.signing_name, call.operation))
    if made is not None and not made(call, resolver, target):
        return None
    row = OPERATIONS.get((call.signing_name, call.operation))
    if row is None:
        raise UnreadableError(f"no IAM mapping for {call.signing_name}:{call.operation}; add "
                              "a row to OPERATIONS with its Service Authorization Reference page")
    builder, _source = row
    try:
        found = builder(call.params, resolver, target)
    except NotDeployedError as missing:
        raise UnreadableError(f"{call.signing_name}:{call.operation} targets {missing}, whose "
                              "variable the stack does not set") from None
    label = f"{call.signing_name}:{call.operation}"
    found = [Request(r.action, r.resource, r.context, label) for r in found]
    variable = THROUGH_DAX.get(package)
    if call.signing_name == "dynamodb" and variable and target.environment.get(variable):
        return _through_dax(found, call, target, variable)
    return found


# -- the role's statements and their evaluation --------------------------------------------------

def _match(pattern: str, value: str, *, case: bool = True) -> bool:
    """IAM wildcard matching: ``*`` any run of characters, ``?`` one character."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, 0 if case else re.IGNORECASE) is not None


CONDITION_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda want, have: want == have,
    "StringLike": _match,
    "ArnEquals": lambda want, have: want == have,
    "ArnLike": _match,
}


def _condition_holds(condition: Mapping[str, Any], context: Mapping[str, str]) -> bool:
    for operator, tests in condition.items():
        compare = CONDITION_OPERATORS.get(operator)
        if compare is None or not isinstance(tests, Mapping):
            raise UnreadableError(f"condition operator {operator!r} is not evaluated by this check")
        for key, wanted in tests.items():
            if key not in context:
                return False  # a key absent from the request fails every String/Arn operator
            if not any(compare(w, context[key]) for w in as_list(wanted)):
                return False
    return True


def applies(statement: Mapping[str, Any], request: Request) -> bool:
    """Whether ``statement`` covers ``request`` (action, resource and condition)."""
    if "NotAction" in statement or "NotResource" in statement or "NotPrincipal" in statement:
        raise UnreadableError(f"statement {statement.get('Sid')!r} uses a Not* element")
    if not any(_match(a, request.action, case=False) for a in as_list(statement.get("Action"))):
        return False
    if not any(_match(r, request.resource) for r in as_list(statement.get("Resource"))):
        return False
    return _condition_holds(statement.get("Condition") or {}, request.keys)


def allowed(policy: Sequence[Mapping[str, Any]], request: Request) -> bool:
    """IAM's identity-policy outcome: an applicable Allow and no applicable Deny."""
    effects = {s.get("Effect") for s in policy if applies(s, request)}
    return "Allow" in effects and "Deny" not in effects


def grants(policy: Sequence[Mapping[str, Any]]) -> list[tuple[Mapping[str, Any], str, str]]:
    """Every (Allow statement, action, resource pattern) the policy grants."""
    return [(s, a, r) for s in policy if s.get("Effect") == "Allow"
            for a in as_list(s.get("Action")) for r in as_list(s.get("Resource"))]


def exercises(request: Request, statement: Mapping[str, Any], action: str,
              resource: str) -> bool:
    """Whether ``request`` is one that grant (statement, action, resource) lets through."""
    return (_match(action, request.action, case=False) and _match(resource, request.resource)
            and _condition_holds(statement.get("Condition") or {}, request.keys))


def role_policy(plan: Plan, role_urn: str) -> list[Mapping[str, Any]]:
    """Every statement of the role's identity policies the plan records; fails closed."""
    role = plan.get(role_urn)
    if role is None:
        raise UnreadableError(f"role {role_urn} is not in the plan")
    found: list[Mapping[str, Any]] = []
    for inline in role.props.get("inlinePolicies") or []:
        found += statements(inline.get("policy"))
    if role.props.get("managedPolicyArns"):
        raise UnreadableError(f"{role.name} lists managedPolicyArns, which cannot be read offline")
    for policy in plan.of_type(ROLE_POLICY):
        if role_urn in policy.property_dependencies.get("role", ()):
            found += statements(policy.props.get("policy"))
    for attachment in plan.of_type(ATTACHMENT):
        if role_urn not in attachment.property_dependencies.get("role", ()):
            continue
        defined = [p for p in plan.depends_on(attachment, "policyArn") if p.type == POLICY]
        if not defined:
            raise UnreadableError(f"{role.name} has {attachment.props.get('policyArn')} "
                                  "attached, a policy the plan does not define")
        found += statements(defined[0].props.get("policy"))
    return found


@dataclass(frozen=True)
class Deployed:
    """One function package as a stack deploys it: the resource, its role and environment."""

    package: str
    resource: PlanResource
    role_urn: str
    environment: Mapping[str, str]


def _package_of_module(module: str) -> str | None:
    hits = [p.parent.name for p in FUNCTIONS.glob(f"*/{module}.py")]
    return hits[0] if len(hits) == 1 else None


# Lambda@Edge takes no environment: its settings are a JSON file in its package. Its tests
# set this variable to the settings they hand the handler, and the plan's package holds the
# deployed file, so the Resolver maps one to the other as it does an environment variable.
PACKAGED_SETTINGS = "PACKAGED_SETTINGS_JSON"
SETTINGS_FILE = "/settings.json"


def _packaged_settings(fn: PlanResource) -> dict[str, str]:
    texts = (fn.props.get("code") or {}).get("texts") or {}
    found = [text for name, text in texts.items() if name.endswith(SETTINGS_FILE)]
    return {PACKAGED_SETTINGS: found[0]} if len(found) == 1 else {}


def deployed_functions(plan: Plan) -> list[Deployed]:
    """Lambda functions (``functions.<package>.…`` handlers) and Synthetics canaries."""
    out = []
    for fn in plan.of_type(LAMBDA):
        handler = str(fn.props.get("handler") or "")
        parts = handler.split(".")
        if len(parts) < 3 or parts[0] != "functions":
            continue
        (role,) = fn.property_dependencies.get("role", ())
        env = (fn.props.get("environment") or {}).get("variables") or _packaged_settings(fn)
        out.append(Deployed(parts[1], fn, role, env))
    for canary in plan.of_type(CANARY):
        package = _package_of_module(str(canary.props.get("handler") or "").split(".")[0])
        if package is None:
            continue
        (role,) = canary.property_dependencies.get("executionRoleArn", ())
        env = (canary.props.get("runConfig") or {}).get("environmentVariables") or {}
        out.append(Deployed(package, canary, role, env))
    return out


ACCOUNT_IN_ARN = re.compile(r"^arn:aws[^:]*:iam::(\d{12}):")


def target_of(deployed: Deployed, stack_region: str) -> Target:
    """Account (from the role ARN the function names) and region of a deployed function."""
    role_arn = str(deployed.resource.props.get("role")
                   or deployed.resource.props.get("executionRoleArn") or "")
    match = ACCOUNT_IN_ARN.match(role_arn)
    if match is None:
        raise UnreadableError(f"{deployed.resource.name}: role ARN {role_arn!r} names no account")
    return Target(account=match.group(1), region=deployed.resource.region or stack_region,
                  environment=deployed.environment)


@dataclass
class Findings:
    """What comparing one function's calls with one deployed role found."""

    denied: list[str] = field(default_factory=list)
    unexercised: list[str] = field(default_factory=list)
    not_made: list[str] = field(default_factory=list)


def compare(deployed: Deployed, plan: Plan, calls: Sequence[AwsCall], stack_region: str,
            exercised_elsewhere: Mapping[tuple[str, str], str]) -> Findings:
    """Requests the role denies, and grants no request exercises (except the allow-list).

    ``exercised_elsewhere`` maps (package or ``*``, statement Sid) to the reason a grant is
    used by something other than the handler code (the Lambda service, a runtime, a client
    the tests cannot reach).
    """
    target = target_of(deployed, stack_region)
    resolver = Resolver(calls, deployed.environment)
    policy = role_policy(plan, deployed.role_urn)
    findings = Findings()
    needed: dict[Request, None] = {}
    for call in calls:
        found = requests_of(deployed.package, call, resolver, target)
        if found is None:
            findings.not_made.append(f"{call.signing_name}:{call.operation}")
            continue
        needed.update(dict.fromkeys(found))
    for request in needed:
        if not allowed(policy, request):
            findings.denied.append(str(request))
    for statement, action, resource in grants(policy):
        sid = str(statement.get("Sid") or "")
        if (deployed.package, sid) in exercised_elsewhere or ("*", sid) in exercised_elsewhere:
            continue
        if not any(exercises(r, statement, action, resource) for r in needed):
            findings.unexercised.append(f"{sid or '(no Sid)'}: {action} on {resource}")
    return findings
