"""The routes API Gateway declares are exactly the routes the handler serves."""

from __future__ import annotations

import pytest

from components.backend.rest_api import ROUTES
from tests.functions.api.conftest import TABLE_SPEC, Api, declared_table, user


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_every_declared_route_is_served(api: Api, route) -> None:
    params = dict.fromkeys(route.path_params, "abc123")
    path = route.path
    for name, value in params.items():
        path = path.replace(f"{{{name}}}", value)
    response = api.request(route.method, path, resource=route.path, path_params=params or None,
                           raw_body="{}", claims=user("abc123"))
    # The resolver's own 404 says "Not found"; the handler's name the field.
    assert not (response["statusCode"] == 404 and response["json"]["message"] == "Not found")


def test_an_undeclared_route_is_not_served(api: Api) -> None:
    response = api.request("PATCH", "/listings/abc123", resource="/listings/{id}")
    assert response["statusCode"] in (404, 405)


def test_the_hand_written_table_is_the_declared_one() -> None:
    # Fast tests use TABLE_SPEC instead of running the stack; this keeps it honest.
    declared = declared_table()
    spec = TABLE_SPEC

    def attributes(table: dict) -> list:
        return sorted(table["AttributeDefinitions"], key=lambda a: a["AttributeName"])

    assert attributes(spec) == attributes(declared)
    assert spec["KeySchema"] == declared["KeySchema"]
    assert spec["GlobalSecondaryIndexes"] == declared["GlobalSecondaryIndexes"]
    assert spec["TableName"] == declared["TableName"]
