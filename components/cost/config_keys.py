"""Config keys of the cost guardrails: the monthly budget and cost anomaly detection.

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
))
