"""Automated responses: SSM Automation runbooks started by alarms, findings and requests."""
