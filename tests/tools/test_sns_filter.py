"""tools/sns_filter.py against the examples of the Amazon SNS Developer Guide.

Each test names its page under https://docs.aws.amazon.com/sns/latest/dg/ :
message-filtering.html, sns-message-filtering-scope.html, attribute-key-matching.html
(key matching, and "exists": false on a message without attributes),
string-value-matching.html, numeric-value-matching.html, and-or-logic.html,
ip-address-matching.html. Policies and messages are the pages' own examples.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tools.sns_filter import (
    ATTRIBUTES,
    BODY,
    FilterPolicyError,
    Verdict,
    evaluate,
    matches,
)


def s(value: str) -> dict[str, str]:
    return {"Type": "String", "Value": value}


def n(value: str) -> dict[str, str]:
    return {"Type": "Number", "Value": value}


def arr(*values: Any) -> dict[str, str]:
    return {"Type": "String.Array", "Value": json.dumps(list(values))}


def attrs(policy: dict[str, Any], **attributes: Any) -> bool:
    return matches(policy, ATTRIBUTES, message="body", attributes=attributes)


def body(policy: dict[str, Any], document: Any) -> bool:
    return matches(policy, BODY, message=json.dumps(document), attributes={})


# -- string-value-matching.html -------------------------------------------------------------
EXACT = {"customer_interests": ["rugby", "tennis"]}


def test_exact_string_matching_attributes_and_arrays() -> None:
    assert attrs(EXACT, customer_interests=s("rugby"))
    assert attrs(EXACT, customer_interests=s("tennis"))
    assert attrs(EXACT, customer_interests=arr("rugby", "tennis"))
    assert not attrs(EXACT, customer_interests=s("baseball"))
    assert not attrs(EXACT, customer_interests=arr("baseball"))


def test_exact_string_matching_body_is_case_sensitive() -> None:
    assert body(EXACT, {"customer_interests": "rugby"})
    assert not body(EXACT, {"customer_interests": "baseball"})
    assert not body(EXACT, {"customer_interests": "Rugby"})


def test_anything_but_list() -> None:
    policy = {"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}
    assert attrs(policy, customer_interests=s("baseball"))
    assert attrs(policy, customer_interests=arr("rugby", "baseball"))  # one element is enough
    assert body(policy, {"customer_interests": "baseball"})
    assert not attrs(policy, customer_interests=s("rugby"))
    assert not attrs(policy, customer_interests=arr("rugby", "tennis"))
    assert not body(policy, {"customer_interests": "tennis"})
    # A missing key is not "anything but": it is absent.
    assert not attrs(policy, store=s("example_corp"))


def test_anything_but_prefix_and_single_value() -> None:
    policy = {"event": [{"anything-but": {"prefix": "order-"}}]}
    assert attrs(policy, event=s("data-entry"))
    assert attrs(policy, event=s("order_number"))
    assert not attrs(policy, event=s("order-cancelled"))
    assert attrs({"event": [{"anything-but": "order_placed"}]}, event=s("order_cancelled"))
    assert not attrs({"event": [{"anything-but": "order_placed"}]}, event=s("order_placed"))


def test_anything_but_suffix_and_ignore_case() -> None:
    assert attrs({"f": [{"anything-but": {"suffix": ".png"}}]}, f=s("a.jpg"))
    assert not attrs({"f": [{"anything-but": {"suffix": ".png"}}]}, f=s("a.png"))
    policy = {"customer_interests": [{"anything-but": {"equals-ignore-case": ["Rugby"]}}]}
    assert not attrs(policy, customer_interests=s("RUGBY"))
    assert attrs(policy, customer_interests=s("tennis"))


def test_equals_ignore_case() -> None:
    policy = {"customer_interests": [{"equals-ignore-case": "tennis"}]}
    assert attrs(policy, customer_interests=s("TENNIS"))
    assert attrs(policy, customer_interests=s("Tennis"))
    assert body(policy, {"customer_interests": "tEnnis"})
    assert not attrs(policy, customer_interests=s("tennis ball"))


def test_prefix_and_suffix() -> None:
    prefix = {"customer_interests": [{"prefix": "bas"}]}
    assert attrs(prefix, customer_interests=s("baseball"))
    assert attrs(prefix, customer_interests=s("basketball"))
    assert body(prefix, {"customer_interests": "baseball"})
    assert not attrs(prefix, customer_interests=s("rugby"))
    suffix = {"customer_interests": [{"suffix": "ball"}]}
    assert attrs(suffix, customer_interests=s("baseball"))
    assert attrs(suffix, customer_interests=arr("rugby", "basketball"))
    assert not attrs(suffix, customer_interests=s("rugby"))


# -- numeric-value-matching.html ------------------------------------------------------------
def test_numeric_exact_matching() -> None:
    policy = {"price_usd": [{"numeric": ["=", 301.5]}]}
    assert attrs(policy, price_usd=n("301.5"))
    assert attrs(policy, price_usd=n("3.015e2"))
    assert body(policy, {"price_usd": 301.5})
    assert not attrs(policy, price_usd=n("301.6"))
    # A String attribute is not a number.
    assert not attrs(policy, price_usd=s("301.5"))


def test_numeric_anything_but() -> None:
    policy = {"price": [{"anything-but": [100, 500]}]}
    assert attrs(policy, price=n("101"))
    assert attrs(policy, price=n("100.1"))
    assert body(policy, {"price": 101})
    assert attrs(policy, price={"Type": "Number.Array", "Value": "[100, 50]"})
    assert not attrs(policy, price=n("100"))
    assert not body(policy, {"price": 500})


def test_numeric_ranges() -> None:
    policy = {"price_usd": [{"numeric": [">", 0, "<=", 150]}]}
    assert attrs(policy, price_usd=n("150"))
    assert attrs(policy, price_usd=n("0.01"))
    assert body(policy, {"price_usd": 75})
    assert not attrs(policy, price_usd=n("0"))
    assert not attrs(policy, price_usd=n("150.01"))
    assert not body(policy, {"price_usd": 500})


def test_plain_number_is_exact_numeric_match() -> None:
    assert attrs({"price": [100]}, price=n("100.0"))
    assert not attrs({"price": [100]}, price=s("100"))


# -- attribute-key-matching.html ------------------------------------------------------------
def test_exists_true() -> None:
    policy = {"store": [{"exists": True}]}
    assert attrs(policy, store=s("fans"), customer_interests=arr("baseball", "basketball"))
    assert body(policy, {"store": "fans", "customer_interests": ["baseball", "basketball"]})
    assert not attrs(policy, customer_interests=arr("baseball", "basketball"))
    assert not body(policy, {"customer_interests": ["baseball", "basketball"]})


def test_exists_false() -> None:
    policy = {"store": [{"exists": False}]}
    assert not attrs(policy, store=s("fans"), customer_interests=arr("baseball", "basketball"))
    assert not body(policy, {"store": "fans", "customer_interests": ["baseball"]})
    assert attrs(policy, customer_interests=arr("baseball", "basketball"))
    assert body(policy, {"customer_interests": ["baseball", "basketball"]})


def test_no_attributes_match_no_attribute_policy_not_even_exists_false() -> None:
    # "exists": false only matches if at least one attribute is present. An empty set of
    # attributes results in the filter not matching.
    for attributes in ({}, None):
        verdict = evaluate({"store": [{"exists": False}]}, ATTRIBUTES, message="{}",
                           attributes=attributes)
        assert not verdict.matched
        assert "no attributes" in verdict.reason
    assert not matches({"forwarded-by": [{"exists": False}]}, None, message="x",
                       attributes={})  # the default scope is MessageAttributes


def test_no_policy_delivers_everything() -> None:
    assert matches(None, None, message="Budget text", attributes={})
    assert matches({}, BODY, message="not json", attributes={})


# -- and-or-logic.html ---------------------------------------------------------------------
def test_and_across_keys() -> None:
    policy = {"customer_interests": ["rugby"], "price_usd": [{"numeric": [">", 100]}]}
    assert attrs(policy, customer_interests=s("rugby"), price_usd=n("101"))
    assert not attrs(policy, customer_interests=s("rugby"), price_usd=n("100"))
    assert not attrs(policy, customer_interests=s("tennis"), price_usd=n("101"))
    assert not attrs(policy, customer_interests=s("rugby"))


def test_or_within_a_key() -> None:
    policy = {"customer_interests": ["rugby", "football", "baseball"]}
    assert attrs(policy, customer_interests=s("football"))
    assert not attrs(policy, customer_interests=s("tennis"))


def test_or_operator() -> None:
    policy = {"source": ["aws.cloudwatch"],
              "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]}
    assert body(policy, {"source": "aws.cloudwatch", "metricName": "CPUUtilization"})
    assert body(policy, {"source": "aws.cloudwatch", "namespace": "AWS/EC2"})
    assert not body(policy, {"source": "aws.cloudwatch", "namespace": "AWS/RDS"})
    assert not body(policy, {"source": "aws.events", "namespace": "AWS/EC2"})
    verdict = evaluate(policy, BODY, message=json.dumps({"source": "aws.cloudwatch"}))
    assert not verdict.matched
    assert verdict.reason.startswith("no $or branch matches")


def test_or_with_one_object_is_an_ordinary_key() -> None:
    # "$or" with fewer than two objects is treated as a regular attribute name.
    policy = {"$or": [{"a": ["1"]}]}
    assert not body(policy, {"a": "1"})


# -- sns-message-filtering-scope.html, message-filtering.html -------------------------------
def test_body_scope_nested_keys() -> None:
    policy = {"patient": {"name": {"first": ["John"]}, "age": [{"numeric": [">", 21]}]}}
    assert body(policy, {"patient": {"name": {"first": "John", "last": "Doe"}, "age": 42}})
    assert not body(policy, {"patient": {"name": {"first": "Jane"}, "age": 42}})
    assert not body(policy, {"patient": {"name": {"first": "John"}, "age": 20}})
    assert not body(policy, {"doctor": {"name": {"first": "John"}}})


def test_body_scope_needs_a_json_object() -> None:
    verdict = evaluate({"a": ["1"]}, BODY, message="AWS Budget Notification ...")
    assert not verdict.matched
    assert "JSON object" in verdict.reason
    assert not body({"a": ["1"]}, ["a"])


def test_body_scope_ignores_attributes_and_attribute_scope_ignores_body() -> None:
    policy = {"event": ["order_placed"]}
    assert not matches(policy, BODY, message=json.dumps({"other": 1}),
                       attributes={"event": s("order_placed")})
    assert not matches(policy, ATTRIBUTES, message=json.dumps({"event": "order_placed"}),
                       attributes={"other": s("x")})


def test_publish_api_attribute_shape() -> None:
    # sns.publish(MessageAttributes={name: {"DataType", "StringValue"}}), as the router sends.
    assert matches({"forwarded-by": ["alert-router"]}, ATTRIBUTES, message="x",
                   attributes={"forwarded-by": {"DataType": "String",
                                                "StringValue": "alert-router"}})


def test_binary_attributes_exist_but_match_no_value() -> None:
    binary = {"Type": "Binary", "Value": "TestBinary"}
    assert attrs({"b": [{"exists": True}]}, b=binary)
    assert not attrs({"b": ["TestBinary"]}, b=binary)
    assert not attrs({"b": [{"prefix": "Test"}]}, b=binary)


# -- ip-address-matching.html ----------------------------------------------------------------
def test_cidr() -> None:
    policy = {"source_ip": [{"cidr": "10.0.0.0/24"}]}
    assert attrs(policy, source_ip=s("10.0.0.255"))
    assert not attrs(policy, source_ip=s("10.0.1.0"))


@pytest.mark.parametrize("policy", [
    {"a": "not-a-list"},
    {"a": [{"regex": "x"}]},
    {"a": [{"numeric": [">"]}]},
    {"a": [{"exists": "yes"}]},
    {"a": [{"prefix": "x", "suffix": "y"}]},
])
def test_bad_policies_are_refused(policy: dict[str, Any]) -> None:
    with pytest.raises(FilterPolicyError):
        evaluate(policy, ATTRIBUTES, message="x", attributes={"a": s("x")})


def test_nested_policy_needs_body_scope() -> None:
    with pytest.raises(FilterPolicyError, match="MessageBody"):
        evaluate({"a": {"b": ["c"]}}, ATTRIBUTES, message="x", attributes={"a": s("x")})


# -- edge cases of the pages above, one table per behaviour ----------------------------------
def binary(value: str) -> dict[str, str]:
    return {"Type": "Binary", "Value": value}


@pytest.mark.parametrize(("policy", "attributes", "expected"), [
    # Publish shape: the DataType, not just the Lambda record's Type, says Number.
    ({"price": [{"numeric": [">", 50]}]}, {"price": {"DataType": "Number",
                                                    "StringValue": "100"}}, True),
    ({"price": [{"numeric": [">", 50]}]}, {"price": {"DataType": "String",
                                                    "StringValue": "100"}}, False),
    # A Number.Array is matched element by element, as numbers.
    ({"price": [{"numeric": [">", 60]}]}, {"price": {"Type": "Number.Array",
                                                    "Value": "[10, 100]"}}, True),
    ({"price": [{"numeric": [">", 600]}]}, {"price": {"Type": "Number.Array",
                                                     "Value": "[10, 100]"}}, False),
    # An attribute that is not a {"Type", "Value"} object is skipped, not the end of the list.
    ({"a": ["1"]}, {"junk": "not-an-attribute", "a": s("1")}, True),
    # A String.Array whose value is not a JSON array is read as that one value.
    ({"a": ["rugby"]}, {"a": {"Type": "String.Array", "Value": "rugby"}}, True),
    ({"a": ["rugby"]}, {"a": {"Type": "String.Array", "Value": '"rugby"'}}, True),
    ({"a": ["r"]}, {"a": {"Type": "String.Array", "Value": '"rugby"'}}, False),
    # A String attribute without a value is not the string "None".
    ({"a": ["None"]}, {"a": {"Type": "String"}, "b": s("x")}, False),
    ({"a": [{"exists": True}]}, {"a": {"Type": "String"}, "b": s("x")}, False),
    # "exists": true needs a non-null, non-empty value (attribute-key-matching.html).
    ({"a": [{"exists": True}]}, {"a": s(""), "b": s("x")}, False),
    ({"a": [{"exists": False}]}, {"a": s(""), "b": s("x")}, True),
    ({"a": [{"exists": True}]}, {"a": s("XXXX"), "b": s("x")}, True),
    # prefix, suffix and cidr match strings only.
    ({"a": [{"prefix": "1"}]}, {"a": n("10")}, False),
    ({"a": [{"suffix": "0"}]}, {"a": n("10")}, False),
    ({"a": [{"cidr": "10.0.0.0/8"}]}, {"a": n("10")}, False),
    # cidr: a host address inside the block still names the block; IPv6; a non-address.
    ({"ip": [{"cidr": "10.0.0.5/24"}]}, {"ip": s("10.0.0.200")}, True),
    ({"ip": [{"cidr": "10.0.0.5/24"}]}, {"ip": s("10.0.1.200")}, False),
    ({"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": s("2001:db8::1")}, True),
    ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": s("not-an-address")}, False),
])
def test_attribute_edge_cases(policy: dict[str, Any], attributes: dict[str, Any],
                              expected: bool) -> None:
    assert matches(policy, ATTRIBUTES, message="x", attributes=attributes) is expected


@pytest.mark.parametrize(("policy", "document", "expected"), [
    # A JSON array in the body: one element is enough; strings stay whole.
    ({"a": ["rugby"]}, {"a": ["baseball", "rugby"]}, True),
    ({"a": ["r"]}, {"a": ["rugby"]}, False),
    ({"a": [5]}, {"a": [4, 5]}, True),
    ({"a": ["rugby"]}, {"a": [["baseball"], ["rugby"]]}, True),
    ({"a": ["rugby"]}, {"a": [{"b": "rugby"}]}, False),
    # Nested policies descend into arrays of objects.
    ({"p": {"name": ["John"]}}, {"p": [{"name": "Jane"}, {"name": "John"}]}, True),
    ({"p": {"name": ["John"]}}, {"p": [{"name": "Jane"}, "John"]}, False),
    # true, false and null are policy values of their own (subscription-filter-policy-
    # constraints.html), matched only by themselves.
    ({"a": [True]}, {"a": True}, True),
    ({"a": [True]}, {"a": False}, False),
    ({"a": [False]}, {"a": False}, True),
    ({"a": [False]}, {"a": 0}, False),
    ({"a": [None]}, {"a": None}, True),
    ({"a": [None]}, {"a": "null"}, False),
    # Every key outside "$or" must still match, whatever its place in the policy.
    ({"$or": [{"a": ["1"]}, {"b": ["2"]}], "source": ["x"]}, {"a": "1", "source": "y"}, False),
    ({"$or": [{"a": ["1"]}, {"b": ["2"]}], "source": ["x"]}, {"b": "2", "source": "x"}, True),
    # cidr and prefix on a number in the body.
    ({"a": [{"cidr": "10.0.0.0/8"}]}, {"a": 10}, False),
    ({"a": [{"prefix": "1"}]}, {"a": 10}, False),
])
def test_body_edge_cases(policy: dict[str, Any], document: Any, expected: bool) -> None:
    assert body(policy, document) is expected


@pytest.mark.parametrize("message", ["[1, 2]", '"text"', "5", "not json"])
def test_body_scope_rejects_a_body_that_is_not_an_object(message: str) -> None:
    verdict = evaluate({"a": [{"exists": False}]}, BODY, message=message)
    assert verdict == Verdict(False, "the MessageBody filter policy needs a JSON object body")


NO_ATTRIBUTES = ("the message has no attributes, and SNS matches no MessageAttributes filter "
                 'policy (not even "exists": false) on a message without attributes')


@pytest.mark.parametrize(("policy", "scope", "message", "attributes", "expected"), [
    (None, None, "x", {}, Verdict(True, "no filter policy")),
    ({}, BODY, "x", {}, Verdict(True, "no filter policy")),
    ({"a": ["1"]}, ATTRIBUTES, "x", {}, Verdict(False, NO_ATTRIBUTES)),
    ({"a": ["1"]}, ATTRIBUTES, "x", {"a": s("1")}, Verdict(True, "the filter policy matches")),
    ({"a": ["1"]}, BODY, '{"a": "1"}', {}, Verdict(True, "the filter policy matches")),
    ({"a": ["1"]}, ATTRIBUTES, "x", {"a": s("2")},
     Verdict(False, 'a: ["2"] matches none of ["1"]')),
    ({"a": ["1"], "b": [{"prefix": "x"}]}, ATTRIBUTES, "x", {"a": s("1")},
     Verdict(False, 'b: absent matches none of [{"prefix": "x"}]')),
    ({"b": ["TestBinary"]}, ATTRIBUTES, "x", {"b": binary("TestBinary")},
     Verdict(False, 'b: ["<binary>"] matches none of ["TestBinary"]')),
    ({"p": {"name": {"first": ["John"]}}}, BODY, '{"p": {"name": {"first": "Jane"}}}', {},
     Verdict(False, 'p.name.first: ["Jane"] matches none of ["John"]')),
    ({"p": {"$or": [{"a": ["1"]}, {"b": ["2"]}]}}, BODY, '{"p": {"a": "0"}}', {},
     Verdict(False, 'no $or branch matches (p.a: ["0"] matches none of ["1"]; '
                    'p.b: absent matches none of ["2"])')),
])
def test_verdicts_say_why(policy: dict[str, Any] | None, scope: str | None, message: str,
                          attributes: dict[str, Any], expected: Verdict) -> None:
    assert evaluate(policy, scope, message=message, attributes=attributes) == expected


@pytest.mark.parametrize(("policy", "error"), [
    ({"a": "1"}, "a: a key's conditions are a JSON array"),
    ({"a": [{"regex": "x"}]}, "unknown operator 'regex'"),
    ({"a": [{"prefix": 5}]}, "prefix takes a string"),
    ({"a": [{"exists": "yes"}]}, "exists takes true or false"),
    ({"a": [{"prefix": "x", "suffix": "y"}]},
     'an operator object has one key: {"prefix": "x", "suffix": "y"}'),
    ({"a": [["1"]]}, 'unsupported value ["1"]'),
    ({"a": [{"anything-but": {"prefix": "x", "suffix": "y"}}]},
     "anything-but takes one operator object"),
    ({"a": [{"anything-but": {"numeric": [">", 1]}}]}, "anything-but does not take 'numeric'"),
    ({"a": [{"numeric": [">"]}]}, 'numeric takes operator/number pairs: [">"]'),
    ({"a": [{"numeric": 5}]}, "numeric takes operator/number pairs: 5"),
    ({"a": [{"numeric": [">", 1, "<", 2, ">", 0]}]},
     'numeric takes operator/number pairs: [">", 1, "<", 2, ">", 0]'),
    ({"a": [{"numeric": [">", "5"]}]}, "numeric: bad pair '>', '5'"),
    ({"a": [{"numeric": ["~", 5]}]}, "numeric: bad pair '~', 5"),
    ({"a": {"b": ["c"]}}, "a: nested keys need the MessageBody scope"),
])
def test_bad_policies_say_what_is_wrong(policy: dict[str, Any], error: str) -> None:
    with pytest.raises(FilterPolicyError, match=f"^{re.escape(error)}$"):
        evaluate(policy, ATTRIBUTES, message="x", attributes={"a": s("x")})


def test_bad_policy_shape_and_scope_say_what_is_wrong() -> None:
    with pytest.raises(FilterPolicyError, match=r"^a filter policy is a JSON object$"):
        evaluate(["a"], ATTRIBUTES, message="x", attributes={"a": s("x")})  # type: ignore[arg-type]
    expected = ("unknown FilterPolicyScope 'Body'; one of ('MessageAttributes', "
                "'MessageBody')")
    with pytest.raises(FilterPolicyError, match=f"^{re.escape(expected)}$"):
        evaluate({"a": ["1"]}, "Body", message="{}")
