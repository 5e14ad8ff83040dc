"""Resources AWS keeps once per account (or per account and region), as a table with sources.

A second GuardDuty detector or Security Hub hub in the same account and region fails at
create time; a second API Gateway account setting or cost allocation tag activation silently
overwrites the first, and deleting either stack then pulls the setting from under the other.
So each appears at most once in a plan, and only the stack whose config owns the account
baseline (``ownsAccountBaseline``) creates them; the tests merge the dev and prod plans "as if
they shared one account" and find each exactly once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from ..plan import Plan, PlanResource
from . import stack_rule


@dataclass(frozen=True)
class Singleton:
    """A resource type AWS keeps once per ``scope`` ("account" or "region") and ``keys``."""

    type: str
    scope: str
    source: str
    keys: tuple[str, ...] = ()

    def slot(self, resource: PlanResource) -> tuple[object, ...]:
        """Where ``resource`` sits: its region (for regional singletons) and key inputs."""
        region = resource.region if self.scope == "region" else ""
        return (region, *(repr(resource.props.get(k)) for k in self.keys))


SINGLETONS: tuple[Singleton, ...] = (
    Singleton("aws:guardduty/detector:Detector", "region",
              "https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateDetector.html"),
    Singleton("aws:securityhub/account:Account", "region",
              "https://docs.aws.amazon.com/securityhub/1.0/APIReference/"
              "API_EnableSecurityHub.html"),
    Singleton("aws:securityhub/standardsSubscription:StandardsSubscription", "region",
              "https://docs.aws.amazon.com/securityhub/1.0/APIReference/"
              "API_BatchEnableStandards.html", ("standardsArn",)),
    Singleton("aws:apigateway/account:Account", "region",
              "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/"
              "aws-resource-apigateway-account.html"),
    Singleton("aws:costexplorer/costAllocationTag:CostAllocationTag", "account",
              "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/"
              "API_UpdateCostAllocationTagsStatus.html", ("tagKey",)),
    Singleton("aws:xray/encryptionConfig:EncryptionConfig", "region",
              "https://docs.aws.amazon.com/xray/latest/api/API_PutEncryptionConfig.html"),
    Singleton("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", "account",
              "https://docs.aws.amazon.com/AmazonS3/latest/API/"
              "API_control_PutPublicAccessBlock.html"),
    Singleton("aws:ebs/encryptionByDefault:EncryptionByDefault", "region",
              "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/"
              "API_EnableEbsEncryptionByDefault.html"),
    Singleton("aws:quicksight/accountSubscription:AccountSubscription", "account",
              "https://docs.aws.amazon.com/quicksight/latest/APIReference/"
              "API_CreateAccountSubscription.html"),
    Singleton("aws:cfg/recorder:Recorder", "region",
              "https://docs.aws.amazon.com/config/latest/APIReference/"
              "API_PutConfigurationRecorder.html"),
)
SINGLETON_TYPES = frozenset(s.type for s in SINGLETONS)


@stack_rule("account-singletons",
            "Each per-account (and per-region) singleton appears at most once")
def account_singletons(plan: Plan) -> Iterator[tuple[str, str]]:
    """A per-account singleton created twice in one account fails or overwrites the first.

    Sources, one per row of :data:`SINGLETONS`:

    - https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateDetector.html
    - https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_EnableSecurityHub.html
    - https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchEnableStandards.html
    - https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-account.html
    - https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_UpdateCostAllocationTagsStatus.html
    - https://docs.aws.amazon.com/xray/latest/api/API_PutEncryptionConfig.html
    - https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_PutPublicAccessBlock.html
    - https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableEbsEncryptionByDefault.html
    - https://docs.aws.amazon.com/quicksight/latest/APIReference/API_CreateAccountSubscription.html
    - https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigurationRecorder.html
    """
    for singleton in SINGLETONS:
        slots: dict[tuple[object, ...], list[PlanResource]] = defaultdict(list)
        for resource in plan.of_type(singleton.type):
            slots[singleton.slot(resource)].append(resource)
        where = "account and region" if singleton.scope == "region" else "account"
        for found in slots.values():
            first, *others = found
            for other in others:
                yield other.name, (f"{singleton.type} exists once per {where}, and "
                                   f"{first.name} already makes it; only the stack that owns "
                                   f"the account baseline creates it ({singleton.source})")
