"""The stack's record of its last successful deployment, for the change failure rate.

The deploy workflow writes it after each successful ``pulumi up`` (``tools/delivery.py``); the
alert router reads it when a critical alert is raised
(``functions/alert_router/delivery_metrics.py``). The stack creates the parameter with an
empty record and leaves its value alone afterwards, so an update never erases what the
workflow wrote.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

EMPTY = json.dumps({})  # SSM refuses an empty value; the router reads "{}" as no deployment


def parameter_name(prefix: str) -> str:
    """``/<project>-<stack>/delivery/last-deployment``: the workflow and the stack agree."""
    return f"/{prefix}/delivery/last-deployment"


def last_deployment_parameter(name: str, prefix: str,
                              opts: pulumi.ResourceOptions) -> aws.ssm.Parameter:
    """A standard String parameter (free; nothing secret in a commit and a time)."""
    return aws.ssm.Parameter(
        f"{name}-last-deployment",
        name=parameter_name(prefix),
        type="String",
        tier="Standard",
        # Not a secret: plain in the plan, unlike `value`, which Pulumi always masks.
        insecure_value=EMPTY,
        description="Last successful deployment of the stack (written by the deploy workflow)",
        opts=pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(ignore_changes=["insecureValue"])),
    )
