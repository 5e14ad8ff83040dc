"""The stack budget and Cost Anomaly Detection, scoped by the stack tag, to the topics."""

from __future__ import annotations

import json

import pytest

from components.config import ConfigError
from components.cost.component import BUDGET_ALERTS
from tests.components.alerting.helpers import stack_config, topic_arns
from tools.mock_runtime import Registry


def test_monthly_budget_alerts_at_80_actual_and_100_forecast(
        registry: Registry, stack: str) -> None:
    cost = stack_config(stack).cost
    [budget] = registry.by_type("aws:budgets/budget:Budget")
    b = budget.inputs
    assert b["budgetType"] == "COST"
    assert b["timeUnit"] == "MONTHLY"
    assert float(b["limitAmount"]) == cost.budget_monthly_amount
    assert b["limitUnit"] == cost.budget_currency
    assert b["costFilters"] == [{"name": "TagKeyValue", "values": [f"user:stack${stack}"]}]
    arns = topic_arns(registry)
    got = [(n["notificationType"], n["threshold"], n["subscriberSnsTopicArns"])
           for n in b["notifications"]]
    assert got == [(a.kind, a.percent, [arns[a.severity]]) for a in BUDGET_ALERTS]
    assert got == [("ACTUAL", 80, [arns["warning"]]), ("FORECASTED", 100, [arns["critical"]])]


def test_anomaly_monitor_and_subscription(registry: Registry, stack: str) -> None:
    cost = stack_config(stack).cost
    [monitor] = registry.by_type("aws:costexplorer/anomalyMonitor:AnomalyMonitor")
    assert monitor.inputs["monitorType"] == "CUSTOM"
    assert json.loads(monitor.inputs["monitorSpecification"]) == {
        "Tags": {"Key": "stack", "Values": [stack], "MatchOptions": ["EQUALS"]}}
    [sub] = registry.by_type("aws:costexplorer/anomalySubscription:AnomalySubscription")
    assert sub.inputs["frequency"] == "IMMEDIATE"
    assert sub.inputs["monitorArnLists"] == [monitor.outputs["arn"]]
    assert sub.inputs["subscribers"] == [{"type": "SNS",
                                          "address": topic_arns(registry)["warning"]}]
    dimension = sub.inputs["thresholdExpression"]["dimension"]
    assert dimension["key"] == "ANOMALY_TOTAL_IMPACT_ABSOLUTE"
    assert float(dimension["values"][0]) == cost.anomaly_threshold_amount


@pytest.mark.parametrize(("key", "value"), [
    ("budgetMonthlyAmount", "0"), ("budgetMonthlyAmount", "lots"),
    ("costAnomalyThresholdAmount", "-5"), ("budgetCurrency", "EUR")])
def test_bad_cost_config_is_named(key: str, value: str) -> None:
    with pytest.raises(ConfigError) as error:
        stack_config("dev", **{key: value})
    assert error.value.keys == (f"marketplace:{key}",)
