"""Cost guardrails: the stack's monthly budget and Cost Anomaly Detection, both to the topics.

Both are scoped to the stack through the ``stack`` cost allocation tag the core's provider
puts on every resource. Budgets and Cost Anomaly Detection see a tag only once it is activated
as a cost allocation tag, an account-wide setting: the stack that owns the account baseline
activates it (``aws.costexplorer.CostAllocationTag``); every other stack marks its budget and
monitor with :data:`ACTIVATED_ELSEWHERE`, so the ``cost-tags-activated`` stack rule can tell a
stack that relies on the baseline from one that forgot. AWS lists a tag key for activation only
after a resource has carried it, up to 24 hours later (docs/deploying.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.config import CostConfig


@dataclass(frozen=True)
class BudgetAlert:
    """One budget notification: ACTUAL or FORECASTED spend over a percentage, to a topic."""

    kind: str
    percent: float
    severity: str


# 80% spent is a warning; a forecast beyond the whole budget is critical.
BUDGET_ALERTS = (
    BudgetAlert("ACTUAL", 80, "warning"),
    BudgetAlert("FORECASTED", 100, "critical"),
)
STACK_TAG = "stack"
# The cost allocation tags this stack filters on are activated by the account-baseline stack.
ACTIVATED_ELSEWHERE = ("cost-allocation-tags", "activated-by-account-baseline")


@dataclass(frozen=True)
class CostGuardrailsArgs:
    """Inputs of :class:`CostGuardrails`."""

    prefix: str
    stack: str
    cost: CostConfig
    account_id: pulumi.Input[str]
    topic_arns: Mapping[str, pulumi.Input[str]]
    # Activating a cost allocation tag is account-wide: only the baseline stack does it.
    owns_account_baseline: bool = False


class CostGuardrails(pulumi.ComponentResource):
    """A monthly cost budget with alerts, an anomaly monitor and its subscription."""

    budget: aws.budgets.Budget
    anomaly_monitor: aws.costexplorer.AnomalyMonitor
    anomaly_subscription: aws.costexplorer.AnomalySubscription
    tag_activation: aws.costexplorer.CostAllocationTag | None

    def __init__(self, name: str, args: CostGuardrailsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:cost:CostGuardrails", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        cost = args.cost
        self.tag_activation = None
        marker: dict[str, str] = {}
        if args.owns_account_baseline:
            self.tag_activation = aws.costexplorer.CostAllocationTag(
                f"{name}-{STACK_TAG}-tag",
                tag_key=STACK_TAG,
                status="Active",
                opts=child,
            )
        else:
            marker = dict([ACTIVATED_ELSEWHERE])
        self.budget = aws.budgets.Budget(
            f"{name}-monthly",
            name=f"{args.prefix}-monthly",
            account_id=args.account_id,
            budget_type="COST",
            time_unit="MONTHLY",
            limit_amount=f"{cost.budget_monthly_amount:.2f}",
            limit_unit=cost.budget_currency,
            cost_filters=[aws.budgets.BudgetCostFilterArgs(
                name="TagKeyValue", values=[f"user:{STACK_TAG}${args.stack}"])],
            notifications=[
                aws.budgets.BudgetNotificationArgs(
                    notification_type=alert.kind,
                    comparison_operator="GREATER_THAN",
                    threshold=alert.percent,
                    threshold_type="PERCENTAGE",
                    subscriber_sns_topic_arns=[args.topic_arns[alert.severity]],
                )
                for alert in BUDGET_ALERTS
            ],
            tags=marker or None,
            opts=child,
        )
        self.anomaly_monitor = aws.costexplorer.AnomalyMonitor(
            f"{name}-anomalies",
            name=f"{args.prefix}-spend",
            monitor_type="CUSTOM",
            monitor_specification=json.dumps({
                "Tags": {"Key": STACK_TAG, "Values": [args.stack], "MatchOptions": ["EQUALS"]},
            }),
            tags=marker or None,
            opts=child,
        )
        self.anomaly_subscription = aws.costexplorer.AnomalySubscription(
            f"{name}-anomaly-alerts",
            name=f"{args.prefix}-anomalies",
            account_id=args.account_id,
            # SNS subscribers are only notified IMMEDIATEly (DAILY/WEEKLY are email digests).
            frequency="IMMEDIATE",
            monitor_arn_lists=[self.anomaly_monitor.arn],
            subscribers=[aws.costexplorer.AnomalySubscriptionSubscriberArgs(
                type="SNS", address=args.topic_arns["warning"])],
            threshold_expression=aws.costexplorer.AnomalySubscriptionThresholdExpressionArgs(
                dimension=aws.costexplorer.AnomalySubscriptionThresholdExpressionDimensionArgs(
                    key="ANOMALY_TOTAL_IMPACT_ABSOLUTE",
                    match_options=["GREATER_THAN_OR_EQUAL"],
                    values=[f"{cost.anomaly_threshold_amount:g}"],
                ),
            ),
            opts=child,
        )
        self.register_outputs({
            "budgetName": self.budget.name,
            "anomalyMonitorArn": self.anomaly_monitor.arn,
        })
