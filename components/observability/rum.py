"""CloudWatch RUM app monitor for the web app, with the Cognito identity pool it sends through.

Browsers get temporary credentials for the guest role from an identity pool that allows
unauthenticated identities; the role may only ``rum:PutRumEvents`` on this app monitor.
The pool refuses Cognito's basic (classic) flow, so the web client uses the enhanced flow
(``GetId`` then ``GetCredentialsForIdentity``, no STS call): its configuration carries no
``guestRoleArn``, which would select the basic flow and fail with ``InvalidIdentityToken``
(aws-rum-web docs/troubleshooting.md and docs/concepts/auth.md). The monitor accepts every
host that serves the site's pages (``domainList``).
The monitor records Core Web Vitals (``performance``), JavaScript errors and HTTP
telemetry with X-Ray, and keeps the raw events in CloudWatch Logs. :attr:`Rum.snippet`
is what the web app's RUM web client needs (exported as stack outputs).
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from components.blocks.naming import autoname, limit

TELEMETRIES = ("performance", "errors", "http")
# Cognito's basic flow (GetOpenIdToken + STS) stays off: the enhanced flow needs no STS host
# in the site's CSP. The identity pool, the snippet and the CSP all follow this one value.
CLASSIC_FLOW = False


class Rum:
    """Identity pool, guest role and app monitor as children of the observability component."""

    def __init__(self, name: str, *, prefix: str, domain: str, hosts: Sequence[str],
                 region: str,
                 account_id: pulumi.Input[str], session_sample_rate: float,
                 opts: pulumi.ResourceOptions) -> None:
        monitor_name = f"{prefix}-web"
        self.identity_pool = aws.cognito.IdentityPool(
            f"{name}-rum-identities",
            identity_pool_name=f"{prefix.replace('-', '_')}_rum",
            allow_unauthenticated_identities=True,
            allow_classic_flow=CLASSIC_FLOW,
            opts=opts,
        )
        monitor_arn = pulumi.Output.concat(
            "arn:aws:rum:", region, ":", account_id, ":appmonitor/", monitor_name)
        self.guest_role, guest_policy = self._guest_role(name, domain, monitor_arn, opts)
        # Browsers get the role from the pool, the monitor names it: only once it may put
        # RUM events.
        after_policy = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(
            depends_on=[guest_policy]))
        aws.cognito.IdentityPoolRoleAttachment(
            f"{name}-rum-roles",
            identity_pool_id=self.identity_pool.id,
            roles={"unauthenticated": self.guest_role.arn},
            opts=after_policy,
        )
        self.app_monitor = self._monitor(name, monitor_name, hosts, session_sample_rate,
                                         after_policy)
        self.name = monitor_name
        self.snippet: dict[str, pulumi.Input[object]] = {
            "applicationId": self.app_monitor.app_monitor_id,
            "applicationName": monitor_name,
            "applicationVersion": "1.0.0",
            "region": region,
            "identityPoolId": self.identity_pool.id,
            **({"guestRoleArn": self.guest_role.arn} if CLASSIC_FLOW else {}),
            "sessionSampleRate": session_sample_rate,
            "telemetries": list(TELEMETRIES),
            "allowCookies": True,
            "enableXRay": True,
            "endpoint": f"https://dataplane.rum.{region}.amazonaws.com",
        }

    def _guest_role(self, name: str, domain: str, monitor_arn: pulumi.Output[str],
                    opts: pulumi.ResourceOptions) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
        """The role unauthenticated pool identities take: ``rum:PutRumEvents`` on the monitor."""
        role = aws.iam.Role(
            f"{name}-rum-guest",
            name=autoname(f"{name}-rum-guest", limit("aws:iam/role:Role")),
            description=f"Unauthenticated browsers of {domain} send RUM events",
            assume_role_policy=pulumi.Output.json_dumps({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            "cognito-identity.amazonaws.com:aud": self.identity_pool.id},
                        "ForAnyValue:StringLike": {
                            "cognito-identity.amazonaws.com:amr": "unauthenticated"},
                    },
                }],
            }),
            opts=opts,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-rum-guest-policy",
            role=role.id,
            policy=pulumi.Output.json_dumps({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["rum:PutRumEvents"],
                               "Resource": monitor_arn}],
            }),
            opts=opts,
        )
        return role, policy

    def _monitor(self, name: str, monitor_name: str, hosts: Sequence[str],
                 session_sample_rate: float,
                 opts: pulumi.ResourceOptions) -> aws.rum.AppMonitor:
        """The app monitor for every page host, sending through the pool and guest role."""
        return aws.rum.AppMonitor(
            f"{name}-rum",
            name=monitor_name,
            # Every page host (apex and www): RUM drops events from any other host.
            domain_lists=list(hosts),
            cw_log_enabled=True,
            app_monitor_configuration=aws.rum.AppMonitorAppMonitorConfigurationArgs(
                allow_cookies=True,
                enable_xray=True,
                identity_pool_id=self.identity_pool.id,
                guest_role_arn=self.guest_role.arn,
                session_sample_rate=session_sample_rate,
                telemetries=list(TELEMETRIES),
            ),
            custom_events=aws.rum.AppMonitorCustomEventsArgs(status="ENABLED"),
            opts=opts,
        )
