"""Cognito user pool email through Amazon SES: what EmailConfiguration needs to send."""

from __future__ import annotations

from collections.abc import Iterator

from ..plan import Plan
from . import stack_rule

USER_POOL = "aws:cognito/userPool:UserPool"


@stack_rule("cognito-ses-email",
            "A user pool that sends through SES (DEVELOPER) names an SES identity in its own "
            "Region and sends from an address that identity covers.")
def cognito_ses_email(plan: Plan) -> Iterator[tuple[str, str]]:
    """With EmailSendingAccount DEVELOPER, Cognito calls SES with SourceArn, the ARN of a
    verified identity; "The Region value of the SourceArn parameter must indicate a supported
    AWS Region of your user pool. Typically, the Region in the SourceArn and the user pool
    Region are the same"
    (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_EmailConfigurationType.html,
    https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-email.html). The stack
    keeps to the pool's own Region, which every Cognito Region supports. SES sends only
    from a verified address or an address at a verified domain
    (https://docs.aws.amazon.com/ses/latest/dg/creating-identities.html).
    """
    for pool in plan.of_type(USER_POOL):
        email = pool.props.get("emailConfiguration") or {}
        if email.get("emailSendingAccount") != "DEVELOPER":
            continue
        source = str(email.get("sourceArn") or "")
        if not source:
            yield (pool.name, "emailSendingAccount DEVELOPER needs sourceArn, the ARN of a "
                   "verified SES identity")
            continue
        parts = source.split(":")
        region = parts[3] if len(parts) > 5 and parts[2] == "ses" else ""
        if pool.region and region != pool.region:
            yield (pool.name, f"SES identity {source!r} is not in the pool's Region "
                   f"{pool.region}; use an identity verified in {pool.region}")
        identity = source.partition(":identity/")[2]
        sender = str(email.get("fromEmailAddress") or "")
        address = sender.rpartition("<")[2].rstrip(">") if sender else identity
        if identity and address != identity and address.rpartition("@")[2] != identity:
            yield (pool.name, f"From address {address!r} is not covered by the SES identity "
                   f"{identity!r}")
