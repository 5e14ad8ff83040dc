"""hypothesis: arbitrary JSON bodies, path parameters and queries never give a 5xx."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.functions.api.conftest import Api, user

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=12,
)
listing_like = st.fixed_dictionaries(
    {}, optional={
        "title": json_values | st.text(max_size=250), "description": json_values,
        "price": json_values | st.decimals(allow_nan=True).map(str),
        "currency": st.sampled_from(["USD", "EUR", "XXX", ""]) | json_values,
        "category": st.text(max_size=70) | json_values, "seller_id": st.text(max_size=10),
        "featured": json_values, "version": json_values, "ids": json_values,
    })
bodies = st.one_of(json_values.map(json.dumps), listing_like.map(json.dumps),
                   st.text(max_size=60))
segments = st.text(max_size=80)
ROUTES = [
    ("POST", "/listings", None), ("POST", "/listings/batch-get", None),
    ("GET", "/listings/{id}", "id"), ("PUT", "/listings/{id}", "id"),
    ("DELETE", "/listings/{id}", "id"), ("POST", "/listings/{id}/contact", "id"),
    ("GET", "/sellers/{seller_id}/listings", "seller_id"),
    ("GET", "/categories/{category}/listings", "category"),
    ("GET", "/listings/featured", None), ("GET", "/search", None),
]
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(route=st.sampled_from(ROUTES), body=bodies, param=segments,
       query=st.dictionaries(st.sampled_from(["limit", "cursor", "q", "category"]),
                             st.text(max_size=40), max_size=4),
       signed_in=st.booleans())
def test_no_input_gives_a_server_error(api: Api, route: tuple, body: str, param: str,
                                       query: dict, signed_in: bool) -> None:
    method, resource, name = route
    path = resource.replace(f"{{{name}}}", param) if name else resource
    response = api.request(method, path, resource=resource,
                           path_params={name: param} if name else None,
                           query=query or None, raw_body=body,
                           claims=user("prop-user") if signed_in else None)
    assert response["statusCode"] < 500, response["body"]
