"""The stack's dependency graph, as data: which layer needs which to work.

The request path runs Cloudflare -> CloudFront -> API -> functions -> DAX -> DynamoDB, and
each of those needs the next one to answer; the pipeline runs bus -> Kinesis -> Firehose ->
lake, and each stage needs the one before it to be fed. A layer's failure shows up in every
layer that depends on it (DynamoDB throttles surface as API 5XX), so while a layer is in
ALARM the pages of the layers that depend on it are held back (docs/alerting.md#inhibition).

Both sides read this table: the stack (components/observability) to give a layer's
composite alarms an actions suppressor over the composites of what it depends on, and the
alert router (functions/alert_router/inhibition.py) to hold the pages of alerts that
CloudWatch's suppressors cannot reach (metric alarms, AWS Health events).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Layer:
    """One layer: what it depends on, and how to tell an alert about it.

    ``namespaces`` are the CloudWatch namespaces of its metrics; ``health_services`` the
    ``detail.service`` values of AWS Health events about it.
    """

    name: str
    depends_on: tuple[str, ...]
    namespaces: tuple[str, ...] = ()
    health_services: tuple[str, ...] = ()


LAYERS: tuple[Layer, ...] = (
    # The request path, outermost first.
    Layer("cloudflare", ("cdn",)),
    Layer("cdn", ("api",), ("AWS/CloudFront", "AWS/WAFV2"), ("CLOUDFRONT", "WAF")),
    Layer("api", ("functions",), ("AWS/ApiGateway",), ("APIGATEWAY",)),
    Layer("functions", ("dax", "dynamodb"), ("AWS/Lambda",), ("LAMBDA",)),
    # The app cache (ElastiCache) sits beside DAX in front of the table.
    Layer("dax", ("dynamodb",), ("AWS/DAX", "AWS/ElastiCache"), ("DAX", "ELASTICACHE")),
    Layer("dynamodb", (), ("AWS/DynamoDB",), ("DYNAMODB",)),
    # The pipeline, source first.
    Layer("bus", (), ("AWS/Events",), ("EVENTS",)),
    Layer("kinesis", ("bus",), ("AWS/Kinesis",), ("KINESIS",)),
    Layer("firehose", ("kinesis",), ("AWS/Firehose",), ("FIREHOSE",)),
    Layer("lake", ("firehose",), ("AWS/S3", "AWS/Glue", "AWS/Athena"),
          ("S3", "GLUE", "ATHENA")),
)

BY_NAME: dict[str, Layer] = {layer.name: layer for layer in LAYERS}


def _walk(start: str, step: dict[str, tuple[str, ...]]) -> Iterator[str]:
    """Every layer reachable from ``start`` through ``step``, nearest first, each once."""
    seen: list[str] = []
    frontier = list(step.get(start, ()))
    while frontier:
        layer = frontier.pop(0)
        if layer not in seen:
            seen.append(layer)
            frontier.extend(step.get(layer, ()))
    yield from seen


def upstream_of(name: str) -> tuple[str, ...]:
    """The layers ``name`` depends on, directly or through others (nearest first)."""
    _known(name)
    return tuple(_walk(name, {layer.name: layer.depends_on for layer in LAYERS}))


def dependents_of(name: str) -> tuple[str, ...]:
    """The layers that depend on ``name``, directly or through others (nearest first)."""
    _known(name)
    reverse: dict[str, tuple[str, ...]] = {}
    for layer in LAYERS:
        for dependency in layer.depends_on:
            reverse[dependency] = (*reverse.get(dependency, ()), layer.name)
    return tuple(_walk(name, reverse))


def layer_of_namespace(namespace: str) -> str | None:
    """The layer whose metrics live in ``namespace`` (None for the stack's own metrics)."""
    return next((layer.name for layer in LAYERS if namespace in layer.namespaces), None)


def layer_of_health_service(service: str) -> str | None:
    """The layer an AWS Health event's ``detail.service`` is about, if any."""
    return next((layer.name for layer in LAYERS if service.upper() in layer.health_services),
                None)


def _known(name: str) -> None:
    if name not in BY_NAME:
        raise ValueError(f"unknown layer {name!r}; layers: {', '.join(BY_NAME)}")
