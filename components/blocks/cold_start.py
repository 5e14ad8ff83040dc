"""Cold-start strategies of a function: what each one sets on the function and on its alias.

A function's strategy comes from the ``lambdaColdStart`` table (``LambdaDefaults.cold_start``),
keyed like the reserved-concurrency table; the API's ``apiProvisionedConcurrency`` still works
on its own and means ``provisioned``. One table, :data:`STRATEGIES`, says what each does:

- ``none``: on-demand; a new execution environment runs the whole init (imports, clients).
- ``provisioned``: a ``ProvisionedConcurrencyConfig`` on the ``live`` alias keeps that many
  environments initialised (billed per GB-second whether used or not).
- ``snapstart``: ``snap_start.apply_on = "PublishedVersions"``: Lambda runs the init once when
  the block publishes a version, snapshots it, and resumes new environments from the snapshot;
  the handlers' restore hooks (``functions/shared/snapstart.py``) drop connections and
  re-seed randomness. Billed per GB-second cached and per GB restored.

AWS's rules (https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html, "Supported features
and limitations"): SnapStart works only on published versions and the aliases that point at
them (the block always publishes and its alias names the published version); it runs on
Python 3.12 and later; it does not support provisioned concurrency, EFS, ephemeral storage
above 512 MB or container images. The policy pack states the same rules on the plan
(``policy/rules/snapstart.py``); config validation refuses the combinations before that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pulumi
import pulumi_aws as aws

from components.config import LambdaDefaults


@dataclass(frozen=True)
class Strategy:
    """What one cold-start strategy sets: SnapStart on the function, a warm pool on the alias."""

    name: str
    snap_start: bool
    provisioned: bool


STRATEGIES: dict[str, Strategy] = {
    "none": Strategy("none", snap_start=False, provisioned=False),
    "provisioned": Strategy("provisioned", snap_start=False, provisioned=True),
    "snapstart": Strategy("snapstart", snap_start=True, provisioned=False),
}


class ColdStartArgs(Protocol):
    """What the strategy reads from a function's args (``LambdaFunctionArgs`` has all three)."""

    @property
    def cold_start_key(self) -> str | None: ...
    @property
    def concurrency_key(self) -> str | None: ...
    @property
    def provisioned_concurrency(self) -> int: ...


def strategy_of(args: ColdStartArgs, defaults: LambdaDefaults) -> Strategy:
    """The strategy of the function's row (``cold_start_key``, else ``concurrency_key``).

    A provisioned count means ``provisioned``. A :class:`ValueError` refuses SnapStart
    together with a provisioned count (config validation refuses it first, naming the keys)
    and ``provisioned`` without a count.
    """
    key = args.cold_start_key or args.concurrency_key
    name = defaults.cold_start.get(key, "none") if key is not None else "none"
    if args.provisioned_concurrency > 0:
        if name == "snapstart":
            raise ValueError(f"{key}: SnapStart cannot be combined with provisioned concurrency")
        name = "provisioned"
    elif name == "provisioned":
        raise ValueError(f"{key}: the provisioned strategy needs a provisioned count above 0")
    return STRATEGIES[name]


def snap_start(strategy: Strategy) -> aws.lambda_.FunctionSnapStartArgs | None:
    """The function's ``snap_start`` block: on published versions, or none."""
    if not strategy.snap_start:
        return None
    return aws.lambda_.FunctionSnapStartArgs(apply_on="PublishedVersions")


def warm_alias(name: str, args: ColdStartArgs, strategy: Strategy,
               function: aws.lambda_.Function, alias: aws.lambda_.Alias,
               opts: pulumi.ResourceOptions) -> aws.lambda_.ProvisionedConcurrencyConfig | None:
    """The alias's provisioned concurrency under ``provisioned`` (``None`` otherwise)."""
    if not strategy.provisioned:
        return None
    return aws.lambda_.ProvisionedConcurrencyConfig(
        f"{name}-provisioned",
        function_name=function.name,
        qualifier=alias.name,
        provisioned_concurrent_executions=args.provisioned_concurrency,
        opts=opts,
    )
