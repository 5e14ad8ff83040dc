"""`alert-storm`: 1,000 notifications for 10 alarms through the real alert router.

Moto stands in for DynamoDB and Secrets Manager and a local HTTP server for Slack and
PagerDuty. Each alarm goes to ALARM, is re-notified many times (duplicate deliveries,
re-evaluations, the same alarm arriving from SNS and EventBridge) and finally returns to OK.
The row is messages sent to Slack and PagerDuty per notification received; without the
router's deduplication it would be 1 or more.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random

from bench import LambdaContext, Measurement

NOTIFICATIONS = 1000
ALARMS = 10
ACCOUNT = "123456789012"
TARGET = 0.05


ROUTER_CONTEXT = LambdaContext(
    function_name="marketplace-bench-alert-router", memory_limit_in_mb=256,
    invoked_function_arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:"
                         "marketplace-bench-alert-router:live")


def _record(alarm: int, state: str) -> dict:
    severity = "critical" if alarm % 2 == 0 else "warning"
    name = f"marketplace-bench-alarm-{alarm}"
    message = {
        "AlarmName": name, "AlarmDescription": "bench", "AWSAccountId": ACCOUNT,
        "NewStateValue": state, "NewStateReason": "Threshold Crossed: bench",
        "StateChangeTime": "2026-11-28T06:00:00.000+0000", "Region": "US East (N. Virginia)",
        "AlarmArn": f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:{name}",
        "OldStateValue": "OK" if state == "ALARM" else "ALARM",
        "Trigger": {"MetricName": "Errors", "Namespace": "AWS/Lambda", "Statistic": "SUM",
                    "Dimensions": [{"name": "FunctionName", "value": f"fn-{alarm}"}],
                    "Period": 60, "EvaluationPeriods": 1, "Threshold": 1.0,
                    "ComparisonOperator": "GreaterThanOrEqualToThreshold"},
    }
    return {"EventSource": "aws:sns", "Sns": {
        "Type": "Notification", "MessageId": f"{alarm}-{random.random()}",
        "TopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:marketplace-bench-{severity}",
        "Subject": None, "Message": json.dumps(message)}}


def storm(seed: int = 7) -> list[dict]:
    """The notifications: every alarm ALARMs first, repeats, and ends OK."""
    rng = random.Random(seed)
    repeats = [_record(rng.randrange(ALARMS), "ALARM")
               for _ in range(NOTIFICATIONS - 2 * ALARMS)]
    first = [_record(a, "ALARM") for a in range(ALARMS)]
    last = [_record(a, "OK") for a in range(ALARMS)]
    return first + repeats + last


def measure() -> list[Measurement]:
    """Run the storm with incoming webhooks and with the Slack app; messages per notification.

    With the app every Web API call counts (``chat.postMessage``, ``chat.update`` and thread
    replies alike): a message updated in place is still a message sent.
    """
    rows = []
    for delivery, name in (("webhook", "alert-storm"), ("app", "alert-storm-app")):
        sent, notifications = _storm_through_router(delivery)
        rows.append(Measurement(
            name=name, value=float(sent), unit="messages",
            baseline=float(notifications), target=TARGET, better="lower",
            note=f"{notifications} notifications for {ALARMS} alarms; Slack ({delivery}) + "
                 "PagerDuty messages sent"))
    return rows


def _storm_through_router(delivery: str) -> tuple[int, int]:
    """(messages sent, notifications) of one storm through the router."""
    import boto3
    from moto import mock_aws
    from pytest_httpserver import HTTPServer

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "marketplace/bench")
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "marketplace-bench-alert-router")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # 1,000 info lines say nothing
    server = HTTPServer()
    server.expect_request("/v2/enqueue").respond_with_json({"status": "success"}, status=202)
    server.expect_request("/slack/incidents").respond_with_data("ok")
    server.expect_request("/slack/alerts").respond_with_data("ok")
    for method in ("chat.postMessage", "chat.update"):
        server.expect_request(f"/api/{method}").respond_with_json(
            {"ok": True, "channel": "C0BENCH", "ts": "1796000000.000100"})
    server.start()
    try:
        with mock_aws():
            from functions.alert_router import handler as router

            dynamodb = boto3.resource("dynamodb", region_name="us-east-1")
            dynamodb.create_table(
                TableName="bench-alert-state",
                KeySchema=[{"AttributeName": "alert_key", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "alert_key", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST")
            secrets = boto3.client("secretsmanager", region_name="us-east-1")
            pd = secrets.create_secret(Name="pd", SecretString="bench-routing-key")["ARN"]
            slack = secrets.create_secret(Name="slack", SecretString=json.dumps({
                c: server.url_for(f"/slack/{c}") for c in ("incidents", "alerts")}))["ARN"]
            token = secrets.create_secret(Name="slack-bot", SecretString="xoxb-bench")["ARN"]
            os.environ.update({
                "SLACK_DELIVERY": delivery, "SLACK_BOT_TOKEN_SECRET_ARN": token,
                "SLACK_API_URL": server.url_for("/api"),
                "DEDUP_TABLE": "bench-alert-state", "DEDUP_WINDOW_SECONDS": "3600",
                "PAGERDUTY_SECRET_ARN": pd, "SLACK_SECRET_ARN": slack,
                "PAGERDUTY_URL": server.url_for("/v2/enqueue"),
                "ROUTES": json.dumps([
                    {"severities": ["critical"], "sources": ["*"],
                     "targets": ["pagerduty", "slack:incidents"]},
                    {"severities": ["warning"], "sources": ["*"], "targets": ["slack:alerts"]},
                ]),
            })
            router._dynamodb = dynamodb
            router._secrets = secrets
            router.dispatcher.cache_clear()
            notifications = storm()
            with contextlib.redirect_stdout(io.StringIO()):
                for record in notifications:
                    router.handler({"Records": [record]}, ROUTER_CONTEXT)
            router.dispatcher.cache_clear()
        sent = len(server.log)
    finally:
        server.stop()
    return sent, len(notifications)
