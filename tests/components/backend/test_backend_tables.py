"""The backend's tables and pure helpers, without a program run: literal expectations."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from components.backend import routes
from components.backend.data_tier import AUTOSCALED_CAPACITY, SCALED, capacity, scaling_targets
from components.backend.dax_cluster import DAX_CLIENT_ACTIONS, DAX_TABLE_ACTIONS
from components.backend.routes import (
    ACCESS_LOG_FORMAT,
    GATEWAY_ERROR_TEMPLATE,
    ROUTES,
    Route,
    deployment_trigger,
    route_label,
    slug,
)
from components.config import BackendConfig, build
from tests.helpers import stack_config


def dev_backend(**changes: object) -> BackendConfig:
    """Dev's backend config with ``changes`` (so that each test states the values it reads)."""
    config = build(dict(stack_config("dev")[0]), project="marketplace", stack="dev").backend
    return dataclasses.replace(config, **changes)


# --- routes --------------------------------------------------------------------------------

def test_route_table() -> None:
    assert [(r.method, r.path, r.authorized, r.cache) for r in ROUTES] == [
        ("POST", "/listings", True, None),
        ("GET", "/listings/featured", False, "featured"),
        ("POST", "/listings/batch-get", False, None),
        ("GET", "/listings/{id}", False, "getListing"),
        ("PUT", "/listings/{id}", True, None),
        ("DELETE", "/listings/{id}", True, None),
        ("POST", "/listings/{id}/contact", True, None),
        ("GET", "/sellers/{seller_id}/listings", False, "sellerListings"),
        ("GET", "/categories/{category}/listings", False, "categoryListings"),
        ("GET", "/search", False, "search"),
        ("GET", "/health", False, None),  # the canary must reach the table
    ]


def test_a_route_derives_its_parameters_paths_and_label() -> None:
    seller = Route("GET", "/sellers/{seller_id}/listings", cache="sellerListings",
                   query=("limit", "cursor"))
    assert seller.path_params == ("seller_id",)
    # Path parameters are required; query strings optional; both feed the cache key.
    assert seller.request_parameters == {
        "method.request.path.seller_id": True,
        "method.request.querystring.limit": False,
        "method.request.querystring.cursor": False,
    }
    assert seller.method_path == "sellers/{seller_id}/listings/GET"
    assert route_label(seller) == "sellers-seller_id-listings-get"
    plain = Route("POST", "/listings/batch-get")
    assert plain.path_params == ()
    assert plain.request_parameters == {}
    assert route_label(plain) == "listings-batch-get-post"


def test_slug() -> None:
    assert slug("/listings/{id}/contact") == "listings-id-contact"
    assert slug("/search") == "search"
    assert slug("/") == "root"


def test_a_new_deployment_whenever_the_routes_change(monkeypatch: pytest.MonkeyPatch) -> None:
    before = deployment_trigger()
    assert re.fullmatch(r"[0-9a-f]{64}", before)
    assert deployment_trigger() == before  # stable from run to run
    monkeypatch.setattr(routes, "ROUTES", (*ROUTES, Route("GET", "/extra")))
    assert deployment_trigger() != before
    monkeypatch.setattr(routes, "ROUTES", ROUTES)
    monkeypatch.setattr(routes, "GATEWAY_ERROR_TEMPLATE", GATEWAY_ERROR_TEMPLATE + " ")
    assert deployment_trigger() != before


def test_access_log_and_error_formats() -> None:
    assert len(ACCESS_LOG_FORMAT) == 19
    assert {k: ACCESS_LOG_FORMAT[k] for k in ("requestId", "status", "wafStatus")} == {
        "requestId": "$context.requestId", "status": "$context.status",
        "wafStatus": "$context.waf.status"}
    assert GATEWAY_ERROR_TEMPLATE == (
        '{"statusCode":"$context.error.responseType",'
        '"message":$context.error.messageString,"requestId":"$context.requestId"}')
    # With a message in place of its variable, the template is the handler's JSON shape.
    filled = GATEWAY_ERROR_TEMPLATE.replace("$context.error.messageString", '"Forbidden"')
    assert set(json.loads(filled)) == {"statusCode", "message", "requestId"}


# --- data tier -----------------------------------------------------------------------------

def test_capacity_only_when_provisioned() -> None:
    assert capacity(dev_backend(billing_mode="PAY_PER_REQUEST")) == {}
    assert capacity(dev_backend(billing_mode="PROVISIONED", read_capacity_min=25,
                                write_capacity_min=5)) == {"read_capacity": 25,
                                                           "write_capacity": 5}


def test_scaling_targets_are_the_table_then_each_index() -> None:
    assert scaling_targets(("gsi1", "gsi2")) == [
        ("table", "table", ()),
        ("gsi1", "index", ("/index/", "gsi1")),
        ("gsi2", "index", ("/index/", "gsi2")),
    ]
    assert SCALED == (
        ("read", "dynamodb:{what}:ReadCapacityUnits", "DynamoDBReadCapacityUtilization"),
        ("write", "dynamodb:{what}:WriteCapacityUnits", "DynamoDBWriteCapacityUtilization"),
    )
    assert AUTOSCALED_CAPACITY == (
        "readCapacity", "writeCapacity", "globalSecondaryIndexes[*].readCapacity",
        "globalSecondaryIndexes[*].writeCapacity")


# --- DAX -----------------------------------------------------------------------------------

def test_dax_grants_no_scan_and_no_batch_write() -> None:
    assert DAX_TABLE_ACTIONS == (
        "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem",
        "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem",
        "dynamodb:DescribeTable")
    assert DAX_CLIENT_ACTIONS == (
        "dax:GetItem", "dax:BatchGetItem", "dax:Query", "dax:TransactWriteItems",
        "dax:PutItem", "dax:DeleteItem")
