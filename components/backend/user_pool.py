"""The marketplace's Cognito user pool: sign-up by email, the app client, and the admins group."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.platform.context import StackContext
from functions.api.roles import ADMINS_GROUP


@dataclass(frozen=True)
class UserPoolArgs:
    """Inputs of :class:`UserPool`.

    ``post_confirmation_arn`` is the ``live`` alias ARN of the trigger that emits
    ``UserRegistered``; ``post_confirmation_function`` its name (for the invoke permission).
    ``ses_identity`` (a verified SES domain or address in ``region``) switches the pool's email
    from Cognito's default to SES, sent as ``email_from`` with ``ses_configuration_set``.
    """

    context: StackContext
    pool_name: str
    deletion_protection: bool
    post_confirmation_arn: pulumi.Input[str]
    post_confirmation_function: pulumi.Input[str]
    ses_identity: str | None = None
    email_from: str | None = None
    ses_configuration_set: str | None = None


def email_configuration(args: UserPoolArgs) -> aws.cognito.UserPoolEmailConfigurationArgs:
    """Cognito's default email, or SES (DEVELOPER) through the stack's verified identity.

    The stack references the identity instead of creating it: Cognito accepts only a
    verified identity, and verification (DKIM DNS records) completes after the identity
    exists, so creating both in one `pulumi up` would fail. The identity lives in the pool's
    own Region, which Cognito always supports for DEVELOPER sending
    (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-email.html).
    """
    if args.ses_identity is None:
        return aws.cognito.UserPoolEmailConfigurationArgs(email_sending_account="COGNITO_DEFAULT")
    return aws.cognito.UserPoolEmailConfigurationArgs(
        email_sending_account="DEVELOPER",
        source_arn=pulumi.Output.concat("arn:aws:ses:", args.context.region, ":",
                                        args.context.account_id,
                                        ":identity/", args.ses_identity),
        from_email_address=args.email_from,
        configuration_set=args.ses_configuration_set,
    )


class UserPool(pulumi.ComponentResource):
    """Email sign-in pool with strong passwords, optional TOTP MFA and a post-confirmation trigger.

    The app client is public (no secret, SRP and refresh only) with token revocation and
    no user-existence leaks; the API's Cognito authorizer accepts its ID tokens.
    """

    pool: aws.cognito.UserPool
    client: aws.cognito.UserPoolClient
    id: pulumi.Output[str]
    arn: pulumi.Output[str]
    client_id: pulumi.Output[str]

    def __init__(self, name: str, args: UserPoolArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:backend:UserPool", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.pool = aws.cognito.UserPool(
            f"{name}-pool",
            name=args.pool_name,
            username_attributes=["email"],
            auto_verified_attributes=["email"],
            username_configuration=aws.cognito.UserPoolUsernameConfigurationArgs(
                case_sensitive=False),
            password_policy=aws.cognito.UserPoolPasswordPolicyArgs(
                minimum_length=12, require_lowercase=True, require_uppercase=True,
                require_numbers=True, require_symbols=True,
                temporary_password_validity_days=3, password_history_size=5),
            mfa_configuration="OPTIONAL",
            software_token_mfa_configuration=(
                aws.cognito.UserPoolSoftwareTokenMfaConfigurationArgs(enabled=True)),
            account_recovery_setting=aws.cognito.UserPoolAccountRecoverySettingArgs(
                recovery_mechanisms=[aws.cognito.UserPoolAccountRecoverySettingRecoveryMechanismArgs(
                    name="verified_email", priority=1)]),
            admin_create_user_config=aws.cognito.UserPoolAdminCreateUserConfigArgs(
                allow_admin_create_user_only=False),
            user_pool_tier="ESSENTIALS",
            email_configuration=email_configuration(args),
            deletion_protection="ACTIVE" if args.deletion_protection else "INACTIVE",
            lambda_config=aws.cognito.UserPoolLambdaConfigArgs(
                post_confirmation=args.post_confirmation_arn),
            opts=child,
        )
        aws.lambda_.Permission(
            f"{name}-invokes-post-confirmation",
            action="lambda:InvokeFunction",
            function=args.post_confirmation_function,
            qualifier="live",
            principal="cognito-idp.amazonaws.com",
            source_arn=self.pool.arn,
            opts=child,
        )
        self.client = aws.cognito.UserPoolClient(
            f"{name}-client",
            name=f"{args.pool_name}-web",
            user_pool_id=self.pool.id,
            generate_secret=False,
            explicit_auth_flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            prevent_user_existence_errors="ENABLED",
            enable_token_revocation=True,
            access_token_validity=60,
            id_token_validity=60,
            refresh_token_validity=30,
            token_validity_units=aws.cognito.UserPoolClientTokenValidityUnitsArgs(
                access_token="minutes", id_token="minutes", refresh_token="days"),
            opts=child,
        )
        aws.cognito.UserGroup(
            f"{name}-admins",
            name=ADMINS_GROUP,
            user_pool_id=self.pool.id,
            description="Marketplace administrators: may change any listing (audited)",
            opts=child,
        )
        self.id = self.pool.id
        self.arn = self.pool.arn
        self.client_id = self.client.id
        self.register_outputs({"id": self.id, "arn": self.arn, "clientId": self.client_id})
