"""The dependency graph: what each layer needs, what needs it, and how alerts name a layer."""

from __future__ import annotations

import pytest

from functions.shared import dependency_graph as graph


def test_upstream_layers_are_what_a_layer_needs_nearest_first() -> None:
    assert graph.upstream_of("api") == ("functions", "dax", "dynamodb")
    assert graph.upstream_of("cloudflare") == ("cdn", "api", "functions", "dax", "dynamodb")
    assert graph.upstream_of("lake") == ("firehose", "kinesis", "bus")
    assert graph.upstream_of("dynamodb") == ()
    assert graph.upstream_of("bus") == ()


def test_dependents_are_every_layer_that_needs_it() -> None:
    assert graph.dependents_of("dynamodb") == ("functions", "dax", "api", "cdn", "cloudflare")
    assert graph.dependents_of("kinesis") == ("firehose", "lake")
    assert graph.dependents_of("cloudflare") == ()


def test_the_request_path_and_the_pipeline_do_not_touch() -> None:
    assert not set(graph.upstream_of("lake")) & set(graph.upstream_of("cloudflare"))


def test_unknown_layers_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"^unknown layer 'dyanmodb'; layers: cloudflare, "):
        graph.upstream_of("dyanmodb")


def test_namespaces_and_health_services_name_their_layer() -> None:
    assert graph.layer_of_namespace("AWS/ApiGateway") == "api"
    assert graph.layer_of_namespace("AWS/ElastiCache") == "dax"
    assert graph.layer_of_namespace("marketplace/prod") is None
    assert graph.layer_of_health_service("dynamodb") == "dynamodb"
    assert graph.layer_of_health_service("EC2") is None
