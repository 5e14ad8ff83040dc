"""Lambda SnapStart: what a function with ``snapStart`` must be, and what it cannot be paired with.

All from "Supported features and limitations" of
https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html: SnapStart runs on Java 11+,
Python 3.12+ and .NET 8+ managed runtimes (no other runtime, no OS-only runtime, no container
image); it does not support provisioned concurrency, Amazon EFS or ephemeral storage above
512 MB; it applies only to published versions (and aliases that point at them), never to
``$LATEST``; and it is offered in every commercial Region except Asia Pacific (New Zealand)
and Asia Pacific (Taipei) ("Supported Regions"). Both architectures are supported: the page's
list of what SnapStart does not support no longer names arm64.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..plan import Plan, PlanResource
from . import Subject, rule, stack_rule

FUNCTION = "aws:lambda/function:Function"
PROVISIONED = "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig"
SOURCE = "https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html"

# Managed runtimes with SnapStart, as (family, lowest version) read from the runtime id.
SNAPSTART_RUNTIMES = re.compile(r"^(?:python3\.(?:1[2-9]|[2-9]\d)|java(?:1[1-9]|[2-9]\d)"
                                r"|dotnet(?:[89]|[1-9]\d))$")
MAX_EPHEMERAL_MB = 512
REGIONS_WITHOUT = ("ap-southeast-6", "ap-east-2")  # New Zealand, Taipei


def has_snapstart(props: Mapping[str, Any]) -> bool:
    """Whether a function's inputs turn SnapStart on (``snapStart.applyOn`` PublishedVersions)."""
    snap = props.get("snapStart")
    return isinstance(snap, Mapping) and snap.get("applyOn") == "PublishedVersions"


@rule("snapstart-supported-function",
      "A SnapStart function is a published zip function on a supported runtime, without EFS "
      f"and with at most {MAX_EPHEMERAL_MB} MB of ephemeral storage.",
      types=(FUNCTION,))
def snapstart_function(s: Subject) -> Iterator[str]:
    """Each limitation of SnapStart a function's own inputs can break (source: SOURCE)."""
    props = s.props
    if not has_snapstart(props):
        return
    runtime = str(props.get("runtime") or "")
    if props.get("packageType") == "Image":
        yield f"uses SnapStart with a container image; SnapStart needs a zip package ({SOURCE})"
    elif not SNAPSTART_RUNTIMES.match(runtime):
        yield (f"uses SnapStart on runtime {runtime or 'unset'!r}; SnapStart runs on Python "
               f"3.12+, Java 11+ and .NET 8+ managed runtimes ({SOURCE})")
    if props.get("fileSystemConfig"):
        yield f"uses SnapStart with an EFS file system, which SnapStart does not support ({SOURCE})"
    size = (props.get("ephemeralStorage") or {}).get("size")
    if isinstance(size, int | float) and size > MAX_EPHEMERAL_MB:
        yield (f"uses SnapStart with {size:g} MB of ephemeral storage; SnapStart supports at "
               f"most {MAX_EPHEMERAL_MB} MB ({SOURCE})")
    if props.get("publish") is not True:
        yield ("uses SnapStart without publish: SnapStart applies only to published versions, "
               f"never to $LATEST, so it would never run ({SOURCE})")
    if s.provider_props.get("region") in REGIONS_WITHOUT:
        yield f"uses SnapStart in {s.provider_props['region']}, where it is not offered ({SOURCE})"


def _function_name(arn_or_name: str) -> str:
    """``fn`` from ``fn``, ``arn:aws:lambda:...:function:fn`` or ``...:function:fn:live``."""
    parts = arn_or_name.split(":")
    return parts[6] if len(parts) >= 7 and parts[5] == "function" else arn_or_name


def _configured_function(plan: Plan, config: PlanResource) -> list[PlanResource]:
    """The function a provisioned concurrency config is for: by dependency, else by name."""
    linked = [d for d in plan.depends_on(config, "functionName") if d.type == FUNCTION]
    if linked:
        return linked
    return plan.find(FUNCTION, "name", _function_name(str(config.props.get("functionName", ""))))


@stack_rule("snapstart-without-provisioned-concurrency",
            "A SnapStart function has no provisioned concurrency.")
def snapstart_without_provisioned(plan: Plan) -> Iterator[tuple[str, str]]:
    """SnapStart does not support provisioned concurrency
    (https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html, "Supported features and
    limitations"): a ProvisionedConcurrencyConfig on a version or alias of a SnapStart
    function is refused. Pick one strategy per function (``lambdaColdStart``).
    """
    for config in plan.of_type(PROVISIONED):
        for function in _configured_function(plan, config):
            if has_snapstart(function.props):
                yield config.name, (f"puts provisioned concurrency on {function.name}, which "
                                    f"uses SnapStart; SnapStart does not support provisioned "
                                    f"concurrency ({SOURCE})")
