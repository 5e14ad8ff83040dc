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
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.config import CostConfig
from components.platform.context import StackContext

# The fixed-cost ceiling travels on the budget, where the policy pack's ceiling rule reads it
# (policy/rules/cost.py): a stack policy sees the plan, not the stack's config.
CEILING_TAG = "fixed-cost-ceiling-usd"


def ceiling_tag(cost: CostConfig) -> dict[str, str]:
    """The budget's tag carrying ``costCeilingUsd`` (none when there is no ceiling)."""
    return {CEILING_TAG: f"{cost.fixed_cost_ceiling_usd:g}"} if cost.fixed_cost_ceiling_usd else {}

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
    """Inputs of :class:`CostGuardrails`: the stack context (prefix, stack, account, the
    severity topics, whether it owns the account baseline) and the cost config section."""

    context: StackContext
    cost: CostConfig


def budget_filter(stack: str) -> str:
    """The ``TagKeyValue`` filter value of the stack's resources: ``user:stack$<stack>``."""
    return f"user:{STACK_TAG}${stack}"


def monitor_specification(stack: str) -> str:
    """The anomaly monitor's expression: resources tagged ``stack=<stack>``."""
    return json.dumps({
        "Tags": {"Key": STACK_TAG, "Values": [stack], "MatchOptions": ["EQUALS"]},
    })


class CostGuardrails(pulumi.ComponentResource):
    """A monthly cost budget with alerts, an anomaly monitor and its subscription.

    Others read :attr:`budget_name` and :attr:`anomaly_monitor_arn`.
    """

    budget: aws.budgets.Budget
    anomaly_monitor: aws.costexplorer.AnomalyMonitor
    anomaly_subscription: aws.costexplorer.AnomalySubscription
    tag_activation: aws.costexplorer.CostAllocationTag | None
    budget_name: pulumi.Output[str]
    anomaly_monitor_arn: pulumi.Output[str]

    def __init__(self, name: str, args: CostGuardrailsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("marketplace:cost:CostGuardrails", name, None, opts)
        ctx, cost = args.context, args.cost
        child = pulumi.ResourceOptions(parent=self)
        self.tag_activation = None
        marker: dict[str, str] = {}
        # Activating a cost allocation tag is account-wide: only the baseline stack does it.
        if ctx.owns_account_baseline:
            self.tag_activation = aws.costexplorer.CostAllocationTag(
                f"{name}-{STACK_TAG}-tag",
                tag_key=STACK_TAG,
                status="Active",
                opts=child,
            )
        else:
            marker = dict([ACTIVATED_ELSEWHERE])
        self.budget = self._budget(name, ctx, cost, marker)
        self.anomaly_monitor = aws.costexplorer.AnomalyMonitor(
            f"{name}-anomalies",
            name=f"{ctx.prefix}-spend",
            monitor_type="CUSTOM",
            monitor_specification=monitor_specification(ctx.stack),
            tags=marker or None,
            opts=child,
        )
        self.anomaly_subscription = self._anomaly_subscription(name, ctx, cost)
        self.budget_name = self.budget.name
        self.anomaly_monitor_arn = self.anomaly_monitor.arn
        self.register_outputs({
            "budgetName": self.budget_name,
            "anomalyMonitorArn": self.anomaly_monitor_arn,
        })

    def _budget(self, name: str, ctx: StackContext, cost: CostConfig,
                marker: dict[str, str]) -> aws.budgets.Budget:
        """The monthly cost budget of the stack's tagged resources, alerting per BUDGET_ALERTS."""
        return aws.budgets.Budget(
            f"{name}-monthly",
            name=f"{ctx.prefix}-monthly",
            account_id=ctx.account_id,
            budget_type="COST",
            time_unit="MONTHLY",
            limit_amount=f"{cost.budget_monthly_amount:.2f}",
            limit_unit=cost.budget_currency,
            cost_filters=[aws.budgets.BudgetCostFilterArgs(
                name="TagKeyValue", values=[budget_filter(ctx.stack)])],
            notifications=[
                aws.budgets.BudgetNotificationArgs(
                    notification_type=alert.kind,
                    comparison_operator="GREATER_THAN",
                    threshold=alert.percent,
                    threshold_type="PERCENTAGE",
                    subscriber_sns_topic_arns=[ctx.topic_arns[alert.severity]],
                )
                for alert in BUDGET_ALERTS
            ],
            tags={**marker, **ceiling_tag(cost)} or None,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _anomaly_subscription(self, name: str, ctx: StackContext,
                              cost: CostConfig) -> aws.costexplorer.AnomalySubscription:
        """Anomalies above the configured impact, to the warning topic at once."""
        return aws.costexplorer.AnomalySubscription(
            f"{name}-anomaly-alerts",
            name=f"{ctx.prefix}-anomalies",
            account_id=ctx.account_id,
            # SNS subscribers are only notified IMMEDIATEly (DAILY/WEEKLY are email digests).
            frequency="IMMEDIATE",
            monitor_arn_lists=[self.anomaly_monitor.arn],
            subscribers=[aws.costexplorer.AnomalySubscriptionSubscriberArgs(
                type="SNS", address=ctx.topic_arns["warning"])],
            threshold_expression=aws.costexplorer.AnomalySubscriptionThresholdExpressionArgs(
                dimension=aws.costexplorer.AnomalySubscriptionThresholdExpressionDimensionArgs(
                    key="ANOMALY_TOTAL_IMPACT_ABSOLUTE",
                    match_options=["GREATER_THAN_OR_EQUAL"],
                    values=[f"{cost.anomaly_threshold_amount:g}"],
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
