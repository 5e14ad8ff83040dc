"""The metric stack rules on small bad programs: each fails with a clear message."""

from __future__ import annotations

import json
from collections.abc import Callable

import pulumi_aws as aws

from policy.rules import evaluate_plan
from policy.rules.metrics import AWS_METRICS
from tests.helpers import plan, run_program

RULES = ("metrics-have-a-source", "alarm-sources-produce", "composite-children-exist",
         "suppressors-suppress", "streams-have-consumers")
FN_ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


def violations(program: Callable[[], None]) -> list[tuple[str, str, str]]:
    return evaluate_plan(plan(run_program("dev", program=program)), only=RULES)


def alarm(name: str, namespace: str, metric: str, dimensions: dict) -> aws.cloudwatch.MetricAlarm:
    return aws.cloudwatch.MetricAlarm(
        name, name=name, namespace=namespace, metric_name=metric, dimensions=dimensions,
        statistic="Sum", period=60, evaluation_periods=1, threshold=0,
        comparison_operator="GreaterThanThreshold")


def function(name: str, handler: str = "functions.api.handler.lambda_handler",
             **env: str) -> aws.lambda_.Function:
    return aws.lambda_.Function(
        name, name=name, role="arn:aws:iam::123456789012:role/r", runtime="python3.13",
        handler=handler, code=None,
        environment={"variables": {"POWERTOOLS_METRICS_NAMESPACE": "marketplace/dev", **env}})


def test_table_rows_each_name_a_source_page() -> None:
    assert all(r.source.startswith("https://docs.aws.amazon.com/") for r in AWS_METRICS)
    events = {r.dimensions for r in AWS_METRICS if r.namespace == "AWS/Events"}
    assert events == {frozenset({"RuleName"}), frozenset({"EventBusName", "RuleName"})}


def test_default_bus_rule_alarm_with_event_bus_name_fails() -> None:
    def bad() -> None:
        aws.cloudwatch.EventRule("r", name="health", event_pattern='{"source":["aws.health"]}')
        alarm("a", "AWS/Events", "FailedInvocations",
              {"RuleName": "health", "EventBusName": "default"})

    def good() -> None:
        aws.cloudwatch.EventRule("r", name="health", event_pattern='{"source":["aws.health"]}')
        alarm("a", "AWS/Events", "FailedInvocations", {"RuleName": "health"})

    found = violations(bad)
    assert ("alarm-sources-produce", "a", "names EventBusName=default for default-bus rule "
            "health; AWS publishes default-bus rule metrics with RuleName alone") in found
    assert violations(good) == []


def test_custom_bus_rule_alarm_without_event_bus_name_fails() -> None:
    def bad() -> None:
        aws.cloudwatch.EventBus("b", name="domain")
        aws.cloudwatch.EventRule("r", name="to-stream", event_bus_name="domain",
                                 event_pattern='{"source":["marketplace"]}')
        alarm("a", "AWS/Events", "FailedInvocations", {"RuleName": "to-stream"})

    assert ("alarm-sources-produce", "a",
            "omits EventBusName for rule to-stream on custom bus domain") in violations(bad)


def test_aws_metric_with_an_undocumented_dimension_set_or_name_fails() -> None:
    def bad() -> None:
        function("fn")
        alarm("dims", "AWS/Lambda", "Errors", {"FunctionName": "fn", "Resource": "fn"})
        alarm("name", "AWS/Lambda", "Failures", {"FunctionName": "fn"})
        alarm("missing", "AWS/Lambda", "Errors", {"FunctionName": "other"})

    found = {(r, m.split(",")[0].split(" which")[0]) for _rule, r, m in violations(bad)}
    assert ("dims", "reads AWS/Lambda Errors with dimensions {FunctionName") in found
    assert ("name", "reads AWS/Lambda Failures") in found
    assert ("missing", "reads AWS/Lambda Errors with FunctionName=other") in found


def test_widget_on_a_metric_nothing_publishes_fails() -> None:
    def bad() -> None:
        aws.cloudwatch.Dashboard("d", dashboard_name="dev", dashboard_body=json.dumps({
            "widgets": [{"type": "metric", "properties": {"metrics": [
                ["marketplace/dev", "Deployments", "service", "deploy"]]}}]}))

    assert violations(bad) == [(
        "metrics-have-a-source", "d", "reads marketplace/dev Deployments {service=deploy}, "
        "which no log filter of the plan and no emitter in policy/emitters.py writes")]


def test_custom_metrics_need_their_emitter_deployed_with_that_namespace_and_service() -> None:
    def good() -> None:
        function("sp", "functions.stream_processor.handler.handler")
        alarm("biz", "marketplace/dev", "ListingsCreated", {"service": "business"})
        aws.cloudwatch.LogMetricFilter(
            "f", name="f", log_group_name="/x", pattern="{ $.a = 1 }",
            metric_transformation={"name": "Hits", "namespace": "marketplace/dev",
                                   "value": "1"})
        alarm("filtered", "marketplace/dev", "Hits", {})

    def bad() -> None:
        function("api", "functions.api.handler.lambda_handler",
                 POWERTOOLS_SERVICE_NAME="api")
        # The stream processor is not deployed; the API emits Latency as service=api only.
        alarm("biz", "marketplace/dev", "ListingsCreated", {"service": "business"})
        alarm("latency", "marketplace/dev", "Latency",
              {"service": "other", "access_pattern": "GetListing"})
        alarm("namespace", "marketplace/prod", "Latency",
              {"service": "api", "access_pattern": "GetListing"})

    assert violations(good) == []
    assert {r for _rule, r, _m in violations(bad)} == {"biz", "latency", "namespace"}


def test_failure_queue_alarm_needs_an_asynchronous_caller() -> None:
    def program(with_caller: bool) -> Callable[[], None]:
        def run() -> None:
            fn = function("fn")
            queue = aws.sqs.Queue("q", name="fn-failures")
            aws.lambda_.FunctionEventInvokeConfig(
                "async", function_name=fn.name,
                destination_config={"on_failure": {"destination": queue.arn}})
            if with_caller:
                aws.cloudwatch.EventRule("r", name="r", schedule_expression="rate(1 hour)")
                aws.cloudwatch.EventTarget("t", rule="r", arn=f"{FN_ARN}fn:live")
            alarm("depth", "AWS/SQS", "ApproximateNumberOfMessagesVisible",
                  {"QueueName": "fn-failures"})
        return run

    assert violations(program(False)) == [(
        "alarm-sources-produce", "depth", "watches the failure queue of fn, which nothing in "
        "the plan invokes asynchronously: the queue stays empty")]
    assert violations(program(True)) == []


def test_iterator_age_alarms_need_a_reader() -> None:
    def bad() -> None:
        function("fn")
        aws.kinesis.Stream("s", name="events", shard_count=1)
        alarm("fn-age", "AWS/Lambda", "IteratorAge", {"FunctionName": "fn"})
        alarm("stream-age", "AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds",
              {"StreamName": "events"})

    found = violations(bad)
    assert ("alarm-sources-produce", "fn-age",
            "watches IteratorAge of fn, which no event source mapping feeds") in found
    assert ("alarm-sources-produce", "stream-age",
            "watches the iterator age of stream events, which nothing reads") in found
    assert ("streams-have-consumers", "s", "Kinesis stream events has no event source "
            "mapping and no Firehose reading it") in found

    def good() -> None:
        function("fn")
        stream = aws.kinesis.Stream("s", name="events", shard_count=1)
        aws.lambda_.EventSourceMapping("m", event_source_arn=stream.arn,
                                       function_name=f"{FN_ARN}fn:live",
                                       starting_position="LATEST")
        alarm("fn-age", "AWS/Lambda", "IteratorAge", {"FunctionName": "fn"})
        alarm("stream-age", "AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds",
              {"StreamName": "events"})

    assert violations(good) == []


def test_dynamodb_stream_needs_a_reader() -> None:
    def bad() -> None:
        aws.dynamodb.Table("t", name="listings", hash_key="pk", billing_mode="PAY_PER_REQUEST",
                           attributes=[{"name": "pk", "type": "S"}], stream_enabled=True,
                           stream_view_type="NEW_IMAGE")

    assert violations(bad) == [("streams-have-consumers", "t",
                                "DynamoDB table listings enables a stream nothing reads")]


def test_composite_naming_a_missing_alarm_fails() -> None:
    def bad() -> None:
        function("fn")
        alarm("errors", "AWS/Lambda", "Errors", {"FunctionName": "fn"})
        aws.cloudwatch.CompositeAlarm("c", alarm_name="c",
                                      alarm_rule='ALARM("errors") OR ALARM("gone")')

    assert violations(bad) == [("composite-children-exist", "c",
                                "its rule names alarm gone, which the plan lacks")]


def test_a_missing_suppressor_and_an_unused_inhibitor_fail() -> None:
    def bad() -> None:
        function("fn")
        alarm("errors", "AWS/Lambda", "Errors", {"FunctionName": "fn"})
        aws.cloudwatch.CompositeAlarm("c", alarm_name="c", alarm_rule='ALARM("errors")',
                                      actions_suppressor={"alarm": "gone", "wait_period": 60,
                                                          "extension_period": 60})
        aws.cloudwatch.CompositeAlarm("i", alarm_name="i", alarm_rule='ALARM("errors")',
                                      tags={"SuppressorOf": "api"})

    assert violations(bad) == [
        ("suppressors-suppress", "c", "its actions suppressor gone is not an alarm of the plan"),
        ("suppressors-suppress", "i", "it is tagged SuppressorOf but no composite names it as "
                                      "actions suppressor, and it has no actions of its own")]


def test_an_inhibitor_some_composite_names_passes() -> None:
    def good() -> None:
        function("fn")
        alarm("errors", "AWS/Lambda", "Errors", {"FunctionName": "fn"})
        aws.cloudwatch.CompositeAlarm("i", alarm_name="i", alarm_rule='ALARM("errors")',
                                      tags={"SuppressorOf": "api"})
        aws.cloudwatch.CompositeAlarm("c", alarm_name="c", alarm_rule='ALARM("errors")',
                                      actions_suppressor={"alarm": "i", "wait_period": 60,
                                                          "extension_period": 60})

    assert violations(good) == []
