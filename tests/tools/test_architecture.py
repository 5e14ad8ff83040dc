"""The architecture diagram: the actors and flows each stack turns on, in valid Mermaid."""

from __future__ import annotations

import contextlib
import io
import json
import re
import tempfile
from functools import cache
from pathlib import Path
from unittest import mock

import pulumi
import pulumi_aws as aws

from tests.helpers import stack_registry
from tools import flow_diagram
from tools.architecture import architecture
from tools.mock_runtime import ROOT, Registry, config_from_file, run, stack_file
from tools.preview import main

NODE = re.compile(r'^(?P<id>[^\s(\[]+)(?P<open>\(\[|\[\(|\[)"(?P<label>[^"]*)"'
                  r'(?P<close>\]\)|\)\]|\])$')
EDGE = re.compile(r'^(?P<source>\S+) (?P<line>-->|-\.->)\|"(?P<label>[^"]*)"\| (?P<target>\S+)$')
SUBGRAPH = re.compile(r'^subgraph (?P<id>\S+)\["(?P<title>[^"]*)"\]$')
SAFE_ID = re.compile(r"[a-z][a-z0-9_]*")
# Words Mermaid's flowchart grammar reads as keywords, never usable as ids.
KEYWORDS = {"end", "subgraph", "graph", "flowchart", "style", "class", "classDef", "click",
            "linkStyle", "direction", "call", "href", "default"}

DEV_ACTORS = {
    "users", "cloudflare", "cloudfront", "assets", "purger", "apigw", "cognito", "api_fn",
    "signup_fn", "dynamodb", "bus", "kinesis", "consumers", "firehose", "lake", "glue_athena",
    "rum", "alarms", "service_events", "cost", "topics", "router", "slack", "email"}
# prod turns on AWS WAF, DAX, QuickSight, the canary and a PagerDuty route.
PROD_ACTORS = DEV_ACTORS | {"aws_waf", "dax", "quicksight", "canary", "pagerduty"}

COMMON_FLOWS = [
    ("users", "-->", "cloudflare"), ("cloudflare", "-->", "cloudfront"),
    ("cloudfront", "-->", "assets"), ("cloudfront", "-->", "apigw"),
    ("apigw", "-->", "api_fn"), ("users", "-->", "cognito"), ("cognito", "-->", "signup_fn"),
    ("api_fn", "-->", "bus"), ("signup_fn", "-->", "bus"), ("bus", "-->", "purger"),
    ("purger", "-->", "cloudflare"), ("bus", "-->", "kinesis"), ("kinesis", "-->", "consumers"),
    ("kinesis", "-->", "firehose"), ("firehose", "-->", "lake"), ("lake", "-->", "glue_athena"),
    ("users", "-->", "rum"), ("edge", "-.->", "alarms"), ("backend", "-.->", "alarms"),
    ("analytics", "-.->", "alarms"), ("alarms", "-->", "topics"),
    ("service_events", "-->", "topics"), ("cost", "-->", "topics"),
    ("topics", "-->", "router"), ("topics", "-->", "email"), ("router", "-->", "slack")]
EXPECTED_FLOWS = {
    "dev": {*COMMON_FLOWS, ("api_fn", "-->", "dynamodb")},
    "prod": {*COMMON_FLOWS, ("aws_waf", "-->", "cloudfront"), ("api_fn", "-->", "dax"),
             ("dax", "-->", "dynamodb"), ("glue_athena", "-->", "quicksight"),
             ("canary", "-->", "cloudflare"), ("router", "-->", "pagerduty")},
}
GROUPS = {
    "edge": {"cloudflare", "cloudfront", "aws_waf", "assets", "purger"},
    "backend": {"apigw", "cognito", "api_fn", "signup_fn", "dax", "dynamodb", "bus"},
    "analytics": {"kinesis", "consumers", "firehose", "lake", "glue_athena", "quicksight"},
    "observability": {"rum", "canary", "alarms", "service_events", "cost"},
    "alerting": {"topics", "router"},
}
OUTSIDE = {"users", "slack", "pagerduty", "email"}


def _stack_run(stack: str, config: dict[str, str], secrets: list[str]) -> Registry:
    """The tests' shared run of the stack file, which the preview of that file would repeat."""
    assert (sorted(config.items()), secrets) == (
        sorted(config_from_file(stack_file(stack))[0].items()), secrets)
    return stack_registry(stack)


@cache
def _written(stack: str) -> tuple[str, str]:
    """The files ``python -m tools.preview --mermaid A --mermaid-components B`` writes."""
    with tempfile.TemporaryDirectory() as tmp:
        architecture_out = Path(tmp, "out", f"architecture-{stack}.mmd")
        components_out = Path(tmp, "components.mmd")
        with (contextlib.redirect_stdout(io.StringIO()),
              mock.patch("tools.preview.run", _stack_run)):
            assert main(["--stack", stack, "--mermaid", str(architecture_out),
                         "--mermaid-components", str(components_out)]) == 0
        return architecture_out.read_text(), components_out.read_text()


def _parse(text: str) -> tuple[dict[str, tuple[str, str]], dict[str, set[str]],
                                set[tuple[str, str, str]], dict[tuple[str, str], str]]:
    """Nodes (id -> shape, label), subgraphs (id -> node ids), edges and edge labels.

    Fails on any line that is none of the forms the diagram uses, on nested or unclosed
    subgraphs and on an id declared twice, which is as far as Mermaid's grammar is checked.
    """
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    nodes: dict[str, tuple[str, str]] = {}
    groups: dict[str, set[str]] = {}
    edges: set[tuple[str, str, str]] = set()
    labels: dict[tuple[str, str], str] = {}
    current: str | None = None
    for raw in lines[1:]:
        line = raw.strip()
        if m := SUBGRAPH.match(line):
            assert current is None, f"nested subgraph: {line}"
            assert m["id"] not in {*groups, *nodes}, f"declared twice: {line}"
            current = m["id"]
            groups[current] = set()
        elif line == "end":
            assert current is not None, "end without subgraph"
            current = None
        elif m := NODE.match(line):
            assert m["id"] not in {*nodes, *groups}, f"declared twice: {line}"
            assert (m["open"], m["close"]) in {("([", "])"), ("[(", ")]"), ("[", "]")}, line
            nodes[m["id"]] = (m["open"], m["label"])
            if current is not None:
                groups[current].add(m["id"])
        elif m := EDGE.match(line):
            assert current is None, f"edge inside a subgraph: {line}"
            edges.add((m["source"], m["line"], m["target"]))
            labels[(m["source"], m["target"])] = m["label"]
        else:
            raise AssertionError(f"not a line of the diagram: {raw!r}")
    assert current is None, "subgraph not closed"
    for name in [*nodes, *groups]:
        assert SAFE_ID.fullmatch(name), name
        assert name not in KEYWORDS, name
    for source, _line, target in edges:
        assert source in {*nodes, *groups}, source
        assert target in nodes, target
    return nodes, groups, edges, labels


def test_each_stack_draws_its_actors_and_nothing_it_does_not_turn_on(stack: str) -> None:
    nodes, _groups, _edges, _labels = _parse(_written(stack)[0])
    assert set(nodes) == {"dev": DEV_ACTORS, "prod": PROD_ACTORS}[stack]


def test_dev_has_no_dax_so_its_api_talks_to_dynamodb_directly() -> None:
    # Pulumi.dev.yaml has daxEnabled: false, so the plan has no aws:dax/cluster:Cluster.
    assert not stack_registry("dev").by_type("aws:dax/cluster:Cluster")
    nodes, _groups, edges, labels = _parse(_written("dev")[0])
    assert "dax" not in nodes
    assert ("api_fn", "-->", "dynamodb") in edges
    assert labels[("api_fn", "dynamodb")] == "reads, writes"
    # prod's API goes through DAX (write-through), never around it.
    _nodes, _groups, prod_edges, _labels = _parse(_written("prod")[0])
    assert {("api_fn", "-->", "dax"), ("dax", "-->", "dynamodb")} <= prod_edges
    assert ("api_fn", "-->", "dynamodb") not in prod_edges


def test_each_stack_draws_exactly_its_flows(stack: str) -> None:
    _nodes, _groups, edges, labels = _parse(_written(stack)[0])
    assert edges == EXPECTED_FLOWS[stack]
    assert labels[("bus", "purger")] == "ListingUpdated, ListingDeleted"
    assert labels[("cloudfront", "apigw")] == "/api/*"


def test_actors_sit_in_their_capability_and_outside_parties_outside(stack: str) -> None:
    nodes, groups, _edges, _labels = _parse(_written(stack)[0])
    expected = {g: members & set(nodes) for g, members in GROUPS.items()}
    assert groups == expected
    assert {n for n, (shape, _) in nodes.items() if shape == "(["} == OUTSIDE & set(nodes)
    assert {n for n, (shape, _) in nodes.items() if shape == "[("} == {
        "assets", "dynamodb", "lake"}
    assert nodes["users"] == ("([", "Users and browsers")
    text = _written(stack)[0].splitlines()
    # Users on the left of every group, the people alerted after the last one.
    assert text[1].strip().startswith("users(")
    last_end = max(i for i, line in enumerate(text) if line.strip() == "end")
    assert text[last_end + 1].strip().startswith("slack(")


def test_the_docs_show_the_dev_diagram_the_preview_writes() -> None:
    doc = (ROOT / "docs" / "preview-and-bench.md").read_text()
    marker = doc.index("<!-- architecture-dev:")
    block = doc[doc.index("```mermaid\n", marker) + len("```mermaid\n"):]
    assert block[:block.index("```")] == _written("dev")[0]


def test_components_view_is_the_component_graph_under_its_own_flag(stack: str) -> None:
    components = _written(stack)[1]
    assert components == flow_diagram.mermaid(stack_registry(stack))
    assert '-->|"kms Key"|' in components
    assert "subgraph" not in components


def _box_program(*, mapping: bool, routes: list[str]) -> None:
    """A stream, a consumer function behind an alias and a router with ``routes``."""
    role = "arn:aws:iam::123456789012:role/test"
    stream = aws.kinesis.Stream("stream", name="events-stream", shard_count=1)
    consumer = aws.lambda_.Function("consumer", name="consumer-fn", role=role,
                                    runtime="python3.13", handler="h.handler",
                                    code=pulumi.AssetArchive({}))
    alias = aws.lambda_.Alias("consumer-live", name="live", function_name=consumer.name,
                              function_version="1")
    if mapping:
        aws.lambda_.EventSourceMapping("consumer-mapping", event_source_arn=stream.arn,
                                       function_name=alias.arn, starting_position="LATEST")
    aws.lambda_.Function("router", name="router-fn", role=role, runtime="python3.13",
                         handler="h.handler", code=pulumi.AssetArchive({}),
                         environment={"variables": {"ROUTES": json.dumps(
                             [{"severities": ["*"], "sources": ["*"], "targets": routes}])}})


def test_an_actor_and_a_flow_need_the_resource_that_links_them() -> None:
    linked = architecture(run("dev", {}, [], lambda: _box_program(
        mapping=True, routes=["pagerduty", "slack:alerts"])))
    assert linked.keys == ["kinesis", "consumers", "slack", "pagerduty"]
    assert [(a.source, a.target) for a in linked.arrows] == [("kinesis", "consumers")]
    # Without the event source mapping the function consumes nothing: no consumers box, no
    # arrow; a route table without PagerDuty draws no PagerDuty.
    unlinked = architecture(run("dev", {}, [], lambda: _box_program(
        mapping=False, routes=["slack:alerts"])))
    assert unlinked.keys == ["kinesis", "slack"]
    assert unlinked.arrows == ()
