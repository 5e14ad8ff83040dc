"""The stack's EventBridge schema registry: one JSON Schema (draft 4) per domain event type.

The schemas come from the definitions the producers and consumers validate with, so these
tests check the published content against events a real producer (the shared publisher)
sends, and against broken ones. ``jsonschema`` is not a dependency, so a small validator
below covers the draft 4 keywords the generated schemas use (type, enum, required,
properties, items, minimum); a test checks no other keyword appears.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest

from components.platform.event_bus import (
    REGISTRY_NAME_MAX,
    SCHEMA_CONTENT_MAX,
    SCHEMA_NAME_CHARS,
    SCHEMA_NAME_MAX,
)
from functions.shared.events import EVENT_TYPES, SCHEMAS, Field, json_schema
from functions.shared.publisher import Publisher
from tools.mock_runtime import Registry

REGISTRY = "aws:schemas/registry:Registry"
SCHEMA = "aws:schemas/schema:Schema"
KEYWORDS = {"$schema", "title", "description", "type", "enum", "required", "properties",
            "items", "minimum"}
JSON_TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool,
              "object": dict, "array": list, "null": type(None)}


def errors(schema: dict[str, Any], value: Any, path: str = "$") -> list[str]:
    """Draft 4 validation errors of ``value`` for the keywords the generated schemas use."""
    found: list[str] = []
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        # A JSON boolean is neither an integer nor a number.
        ok = any(isinstance(value, JSON_TYPES[n]) and not (
            isinstance(value, bool) and n in ("integer", "number")) for n in names)
        if not ok:
            return [f"{path}: {value!r} is not of type {names}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if "minimum" in schema and isinstance(value, int | float) and value < schema["minimum"]:
        found.append(f"{path}: {value!r} is less than {schema['minimum']}")
    if isinstance(value, dict):
        found += [f"{path}.{k}: required" for k in schema.get("required", []) if k not in value]
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                found += errors(sub, value[key], f"{path}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            found += errors(schema["items"], item, f"{path}[{i}]")
    return found


def keywords(schema: Any) -> set[str]:
    """Every keyword used anywhere in a schema (property names are not keywords)."""
    if not isinstance(schema, dict):
        return set()
    used = set(schema) - {"properties"}
    for sub in schema.get("properties", {}).values():
        used |= keywords(sub)
    return used | keywords(schema.get("items"))


class FakeEvents:
    """An EventBridge client that accepts every entry and keeps what was sent."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.entries += Entries
        return {"FailedEntryCount": 0, "Entries": [{"EventId": "e"} for _ in Entries]}


def delivered(entry: dict[str, Any]) -> dict[str, Any]:
    """The event a consumer receives for a PutEvents entry (EventBridge's envelope)."""
    return {"version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
            "detail-type": entry["DetailType"], "source": entry["Source"],
            "account": "123456789012", "time": "2026-12-01T22:00:00Z",
            "region": "us-east-1", "resources": [], "detail": json.loads(entry["Detail"])}


def published(event_type: str, fields: dict[str, Any]) -> dict[str, Any]:
    client = FakeEvents()
    Publisher(client, "bus", logging.getLogger("test")).publish([(event_type, fields)])
    [entry] = client.entries
    return delivered(entry)


LISTING = {"listing_id": "l-1", "seller_id": "s-1", "category": "bikes", "price": 120.5,
           "currency": "EUR"}


def test_every_event_type_has_a_schema_in_the_stacks_registry(registry: Registry,
                                                               stack: str) -> None:
    [reg] = registry.by_type(REGISTRY)
    assert reg.inputs["name"] == f"marketplace-{stack}-events"
    schemas = {s.inputs["name"]: s for s in registry.by_type(SCHEMA)}
    assert sorted(schemas) == sorted(f"marketplace.listings@{t}" for t in (
        "ListingCreated", "ListingUpdated", "ListingDeleted", "ListingViewed",
        "SearchPerformed", "ContactRequested", "UserRegistered", "PaymentCompleted",
        "SubscriptionStarted", "TrialConverted", "SubscriptionCancelled",
        "OnboardingStepCompleted", "FeatureUsed", "SupportTicketOpened",
        "SupportTicketResolved", "SurveyAnswered", "DeploymentCompleted",
        "AlertRaised", "AlertAcknowledged", "AlertResolved", "AlertSilenced"))
    for event_type in EVENT_TYPES:
        schema = schemas[f"marketplace.listings@{event_type}"].inputs
        assert schema["registryName"] == reg.outputs["name"]
        assert schema["type"] == "JSONSchemaDraft4"
        assert json.loads(schema["content"]) == json_schema(event_type)
        assert len(schema["content"]) <= SCHEMA_CONTENT_MAX
        assert len(schema["description"]) <= 256
    # EventBridge refuses a discoverer on this CMK-encrypted bus; the registry replaces it.
    assert registry.by_type("aws:schemas/discoverer:Discoverer") == []


def test_registry_and_schema_names_fit_eventbridge_limits(registry: Registry) -> None:
    chars = re.compile(SCHEMA_NAME_CHARS)
    for reg in registry.by_type(REGISTRY):
        assert len(reg.inputs["name"]) <= REGISTRY_NAME_MAX == 64
        assert chars.match(reg.inputs["name"])
    for schema in registry.by_type(SCHEMA):
        assert len(schema.inputs["name"]) <= SCHEMA_NAME_MAX == 385
        assert chars.match(schema.inputs["name"])
    assert not chars.match("marketplace listings/ListingCreated")


def test_a_producers_event_validates_against_its_published_schema() -> None:
    event = published("ListingCreated", {**LISTING, "featured": True})
    assert errors(json_schema("ListingCreated"), event) == []
    searched = published("SearchPerformed", {"query": "bike", "result_count": 3,
                                             "category": None})
    assert errors(json_schema("SearchPerformed"), searched) == []


@pytest.mark.parametrize(("change", "error"), [
    (lambda e: e["detail"].pop("seller_id"), "$.detail.seller_id: required"),
    (lambda e: e["detail"].update(price="12"), "$.detail.price: '12' is not of type ['number']"),
    (lambda e: e["detail"].update(price=True), "$.detail.price: True is not of type ['number']"),
    (lambda e: e["detail"].update(listing_id=None),
     "$.detail.listing_id: None is not of type ['string']"),
    (lambda e: e["detail"].update(schema_version=1.5),
     "$.detail.schema_version: 1.5 is not of type ['integer']"),
    (lambda e: e.update(source="someone.else"),
     "$.source: 'someone.else' is not one of ['marketplace.listings']"),
    (lambda e: e.update({"detail-type": "ListingUpdated"}),
     "$.detail-type: 'ListingUpdated' is not one of ['ListingCreated']"),
    (lambda e: e.pop("detail"), "$.detail: required"),
])
def test_a_broken_event_is_rejected(change: Any, error: str) -> None:
    event = published("ListingCreated", LISTING)
    change(event)
    assert errors(json_schema("ListingCreated"), event) == [error]


def test_optional_fields_may_be_null_required_ones_may_not() -> None:
    detail = json_schema("ListingCreated")["properties"]["detail"]
    assert detail["properties"]["title"] == {"type": ["null", "string"]}
    assert detail["properties"]["price"] == {"type": "number"}
    assert detail["properties"]["schema_version"] == {"type": "integer"}
    assert detail["required"] == ["event_id", "occurred_at", "schema_version", "listing_id",
                                  "seller_id", "category", "price", "currency"]


def test_a_change_to_an_event_definition_changes_its_schema(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(SCHEMAS, "UserRegistered",
                        {**SCHEMAS["UserRegistered"], "referrer": Field((str,), True)})
    detail = json_schema("UserRegistered")["properties"]["detail"]
    assert detail["properties"]["referrer"] == {"type": "string"}
    assert "referrer" in detail["required"]


def test_schemas_use_only_the_draft4_keywords_checked_here() -> None:
    for event_type in EVENT_TYPES:
        schema = json_schema(event_type)
        assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
        assert keywords(schema) <= KEYWORDS
