"""The stack's runbooks as data: each job's script, what it does, its parameters, its anchor.

Read by :class:`components.automation.component.Responses` in one loop. The anchors are the
sections of docs/runbooks.md; each document's description links its section there.
"""

from __future__ import annotations

from components.automation.documents import Parameter, Runbook

ANCHOR_PREFIX = "automation-"
REDRIVE = Runbook(
    key="redrive-dead-letters",
    module="functions.automation.redrive_dead_letters",
    summary="Redrive a dead-letter queue into the Lambda functions its messages were for",
    anchor=f"{ANCHOR_PREFIX}redrive-dead-letters",
    approval=True,
    parameters=(
        Parameter("AlarmName", "String", "The DLQ depth alarm that started the run.", ""),
        Parameter("QueueUrl", "String", "The queue to redrive (instead of AlarmName's).", ""),
        Parameter("Queues", "StringMap", "DLQ depth alarm name -> queue URL."),
        Parameter("FunctionArnPrefix", "String", "Only functions under this ARN prefix."),
        Parameter("MaxMessages", "Integer", "Most messages one run replays."),
    ),
)
BLOCK_IP = Runbook(
    key="block-ip",
    module="functions.automation.block_ip",
    summary="Block the client IPs the edge rate limit is limiting, until they expire",
    anchor=f"{ANCHOR_PREFIX}block-ip",
    parameters=(
        Parameter("AlarmName", "String", "The rate-limit alarm that started the run.", ""),
        Parameter("Addresses", "StringList",
                  "IPv4 addresses to block (empty: the ones the rate rule limits now).", []),
        Parameter("IpSetName", "String", "The block list IP set."),
        Parameter("IpSetId", "String", "The block list IP set's id."),
        Parameter("Scope", "String", "The IP set's scope.", "CLOUDFRONT"),
        Parameter("WebAclName", "String", "The web ACL of the rate rule."),
        Parameter("WebAclId", "String", "The web ACL's id."),
        Parameter("RuleName", "String", "The rate-based rule."),
        Parameter("BlockHours", "Integer", "Hours until an added address expires."),
        Parameter("ExpiryParameter", "String", "SSM parameter holding each address's expiry."),
    ),
)
EXPIRE_IPS = Runbook(
    key="expire-blocked-ips",
    module="functions.automation.expire_blocked_ips",
    summary="Unblock the client IPs whose block has expired (scheduled)",
    anchor=f"{ANCHOR_PREFIX}expire-blocked-ips",
    parameters=(
        Parameter("IpSetName", "String", "The block list IP set."),
        Parameter("IpSetId", "String", "The block list IP set's id."),
        Parameter("Scope", "String", "The IP set's scope.", "CLOUDFRONT"),
        Parameter("ExpiryParameter", "String", "SSM parameter holding each address's expiry."),
    ),
)
DEACTIVATE_KEY = Runbook(
    key="deactivate-access-key",
    module="functions.automation.deactivate_access_key",
    summary="Deactivate the IAM access key a high-severity GuardDuty credential finding names",
    anchor=f"{ANCHOR_PREFIX}deactivate-access-key",
    parameters=(
        Parameter("AccessKeyId", "String", "The finding's access key id."),
        Parameter("UserName", "String", "The finding's user name.", ""),
        Parameter("UserType", "String", "The finding's principal type (IAMUser, ...).", ""),
        Parameter("FindingId", "String", "The GuardDuty finding.", ""),
        Parameter("FindingType", "String", "The finding's type.", ""),
        Parameter("Severity", "String", "The finding's severity.", ""),
    ),
)
INVALIDATE_LISTING = Runbook(
    key="invalidate-listing",
    module="functions.automation.invalidate_listing",
    summary="Invalidate one listing's CloudFront paths",
    anchor=f"{ANCHOR_PREFIX}invalidate-listing",
    parameters=(
        Parameter("ListingId", "String", "The listing whose paths to invalidate."),
        Parameter("DistributionId", "String", "The stack's CloudFront distribution."),
        Parameter("Reference", "String", "Caller reference (the request event's id).", ""),
    ),
)
RUNBOOKS = (REDRIVE, BLOCK_IP, EXPIRE_IPS, DEACTIVATE_KEY, INVALIDATE_LISTING)
