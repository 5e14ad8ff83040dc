"""The component view (``--mermaid-components``): components and the values they hand on."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from tests.helpers import stack_registry
from tools.flow_diagram import TokenMatcher, flows, mermaid
from tools.mock_runtime import run


def test_mermaid_names_every_component_and_the_key_flows(stack: str) -> None:
    registry = stack_registry(stack)
    lines = [line.strip() for line in mermaid(registry).splitlines()]
    assert lines[0] == "flowchart LR"
    top = registry.children(registry.stack_urn)
    for component in top:
        assert sum(f"<br/>{component.name}\"]" in line for line in lines) == 1
    # Every component whose resources use the stack key gets an edge from the core.
    key_arn = next(k for k in registry.by_type("aws:kms/key:Key")
                   if k.name.endswith("-core-key")).outputs["arn"]
    core = next(c for c in top if c.type == "marketplace:core:PlatformCore")
    users = [c for c in top if c is not core
             and any(key_arn in json.dumps(d.inputs) for d in registry.descendants(c))]
    assert users
    nodes, edges = flows(registry)
    key_of = {n.name: n.key for n in nodes}
    for user in users:
        edge = next(e for e in edges
                    if (e.source, e.target) == (key_of[core.name], key_of[user.name]))
        assert "kms Key" in edge.kinds
        assert f'{edge.source} -->|"{", ".join(edge.kinds)}"| {edge.target}' in lines


class _Box(pulumi.ComponentResource):
    def __init__(self, name: str) -> None:
        super().__init__("test:flows:Box", name)


def test_flows_come_from_the_data_not_a_list() -> None:
    def program() -> None:
        producer, consumer, bystander = _Box("producer"), _Box("consumer"), _Box("bystander")
        queue = aws.sqs.Queue("producer-queue", name="orders-queue",
                              opts=pulumi.ResourceOptions(parent=producer))
        aws.ssm.Parameter("consumer-param", name="/consumer/queue", type="String",
                          value=queue.url, opts=pulumi.ResourceOptions(parent=consumer))
        # A longer name that merely starts with the queue's name is not a reference.
        aws.ssm.Parameter("bystander-param", name="/bystander/other", type="String",
                          value="orders-queue-archive",
                          opts=pulumi.ResourceOptions(parent=bystander))

    nodes, edges = flows(run("dev", {}, [], program))
    assert sorted(n.name for n in nodes) == ["bystander", "consumer", "producer"]
    assert [(e.source, e.target, e.kinds) for e in edges] == [
        ("n_producer", "n_consumer", ("sqs Queue",))]




FUNCTION = "arn:aws:lambda:eu-west-1:123456789012:function:api"
ALIAS = FUNCTION + ":live"
LOG_GROUP = "/aws/lambda/api-handler"


def test_tokens_are_whole_leftmost_and_longest_first() -> None:
    matcher = TokenMatcher([FUNCTION, ALIAS, LOG_GROUP, "orders-queue"])
    # The alias wins over the function ARN it starts with; the function ARN alone still counts.
    assert list(matcher.tokens(f'["{ALIAS}", "{FUNCTION}"]')) == [ALIAS, FUNCTION]
    # A value that starts with a separator, inside an ARN, and one that ends the text.
    assert list(matcher.tokens(f"arn:aws:logs:eu-west-1:1:log-group:{LOG_GROUP}:*")) == [
        LOG_GROUP]
    assert list(matcher.tokens("queue=orders-queue")) == ["orders-queue"]
    # Longer or prefixed names that merely contain a value are not references to it.
    assert list(matcher.tokens("orders-queue-archive my-orders-queue orders-queue.fifo")) == []
    assert list(matcher.tokens(FUNCTION + "-v2")) == []


def test_no_values_match_nothing() -> None:
    assert list(TokenMatcher([]).tokens("anything at all")) == []
