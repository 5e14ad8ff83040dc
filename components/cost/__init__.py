"""Cost guardrails: the monthly budget and Cost Anomaly Detection."""
