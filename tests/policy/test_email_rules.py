"""The Cognito SES email rule: tiny bad pools fail it with a clear message."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from policy.rules import evaluate_plan
from tests.helpers import plan, run_program


def _violations(**email: str) -> list[tuple[str, str]]:
    def program() -> None:
        provider = aws.Provider("eu", region="eu-west-1")
        aws.cognito.UserPool("pool", name="pool", email_configuration=email,
                             opts=pulumi.ResourceOptions(provider=provider))

    return [(name, message) for _rule, name, message
            in evaluate_plan(plan(run_program("dev", program)), only=("cognito-ses-email",))]


def test_developer_sending_without_a_source_arn_fails() -> None:
    assert _violations(email_sending_account="DEVELOPER") == [
        ("pool", "emailSendingAccount DEVELOPER needs sourceArn, the ARN of a verified SES "
                 "identity")]


def test_identity_in_another_region_and_a_foreign_from_address_fail() -> None:
    arn = "arn:aws:ses:us-east-1:123456789012:identity/example.com"
    assert _violations(email_sending_account="DEVELOPER", source_arn=arn,
                       from_email_address="Shop <no-reply@other.org>") == [
        ("pool", f"SES identity {arn!r} is not in the pool's Region eu-west-1; use an identity "
                 "verified in eu-west-1"),
        ("pool", "From address 'no-reply@other.org' is not covered by the SES identity "
                 "'example.com'"),
    ]


def test_identity_in_the_pools_region_with_an_address_at_its_domain_passes() -> None:
    assert _violations(email_sending_account="DEVELOPER",
                       source_arn="arn:aws:ses:eu-west-1:123456789012:identity/example.com",
                       from_email_address="Shop <no-reply@example.com>") == []
    assert _violations(email_sending_account="COGNITO_DEFAULT") == []
