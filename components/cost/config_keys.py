"""Config keys of the cost guardrails: the budget, anomaly detection, the fixed-cost ceiling.

Data only: read by :mod:`components.config`, which imports nothing downstream of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.config.spec import KeySpec, Section

BUDGET_CURRENCIES = ("USD",)  # AWS Budgets limits are expressed in USD


@dataclass(frozen=True)
class CostConfig:
    """The monthly budget and Cost Anomaly Detection threshold."""

    budget_monthly_amount: float
    budget_currency: str
    anomaly_threshold_amount: float
    # The fixed monthly cost (zero traffic) the preview and the policy pack refuse to exceed;
    # 0 sets no ceiling.
    fixed_cost_ceiling_usd: float
    # The traffic the preview prices on top of the fixed cost.
    requests_per_month: int
    events_per_month: int


COST = Section("cost", "cost guardrails", "alerting.md", CostConfig, (
    KeySpec("budgetMonthlyAmount", "budget_monthly_amount", "number", 100.0, minimum=0,
            exclusive_minimum=True,
            description=("Monthly cost budget of the stack (decimal); 80% actual goes to warning, "
                         "100% forecast to critical.")),
    KeySpec("budgetCurrency", "budget_currency", "string", "USD", choices=BUDGET_CURRENCIES,
            description="Currency of the budget (USD)."),
    KeySpec("costAnomalyThresholdAmount", "anomaly_threshold_amount", "number", 25.0, minimum=0,
            exclusive_minimum=True,
            description=("Cost anomaly total impact (decimal, in the budget currency) that notifies"
                         " the warning topic.")),
    KeySpec("costCeilingUsd", "fixed_cost_ceiling_usd", "number", 0.0, minimum=0,
            description=("Most the stack may cost a month before any traffic, by the price table;"
                         " the preview and the policy pack fail above it (0: no ceiling).")),
    KeySpec("costRequestsPerMonth", "requests_per_month", "integer", 1_000_000, minimum=0,
            maximum=10**12,
            description="API requests a month the preview prices on top of the fixed cost."),
    KeySpec("costEventsPerMonth", "events_per_month", "integer", 1_000_000, minimum=0,
            maximum=10**12,
            description="Domain events a month the preview prices on top of the fixed cost."),
))
