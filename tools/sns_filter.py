"""Amazon SNS subscription filter policies, evaluated the way SNS evaluates them.

    verdict = evaluate(policy, scope, message=..., attributes=...)
    verdict.matched, verdict.reason

The offline alert simulator (``tools/alerts.py``) runs each router subscription's filter policy
on a recorded notification before routing it; a notification the policy rejects never reaches
the router ("dropped at the topic"). What is implemented, from the SNS Developer Guide:

* **Scope** (``FilterPolicyScope``): ``MessageAttributes`` (SNS's default) reads the message
  attributes, by name, at the top level only; ``MessageBody`` reads the message, which must
  be a JSON object, with nested policy objects descending into nested keys
  (sns-message-filtering-scope.html, message-filtering.html).
* **AND/OR**: every key of the policy must match (AND); within a key's list any one condition
  is enough (OR); ``"$or": [{...}, {...}]`` (two or more objects) matches when any branch does,
  otherwise ``$or`` is an ordinary key (and-or-logic.html).
* **Values**: exact strings (case-sensitive), exact numbers, ``prefix``, ``suffix``,
  ``equals-ignore-case``, ``anything-but`` (a value, a list, or ``{"prefix"|"suffix"|
  "equals-ignore-case": ...}``), ``numeric`` comparisons and ranges, ``exists`` and ``cidr``
  (string-value-matching.html, numeric-value-matching.html, attribute-key-matching.html,
  ip-address-matching.html). A ``String.Array`` attribute or a JSON array in the body is
  matched element by element: one element satisfying the condition is enough.
* **Key matching on a message with no attributes**: with the ``MessageAttributes`` scope, a
  message without attributes matches no filter policy at all: "``"exists": false`` only
  matches if at least one attribute is present. An empty set of attributes results in the
  filter not matching" (attribute-key-matching.html). AWS services that publish alarms,
  budgets and EventBridge events send no attributes, so such a policy drops all of them.
* ``Binary`` attributes exist (``exists``) but no value condition matches them.

Not implemented: SNS's own validation limits (five keys, 150 combinations, numeric range
±10^9 with five decimals); a policy breaking them is refused by SNS at subscribe time, here it
is simply evaluated. Pages: https://docs.aws.amazon.com/sns/latest/dg/<page>.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ATTRIBUTES = "MessageAttributes"
BODY = "MessageBody"
SCOPES = (ATTRIBUTES, BODY)
OR = "$or"
_NUMERIC_OPS = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class FilterPolicyError(ValueError):
    """The policy is not one SNS would accept (an unknown operator, a bad shape)."""


class _Binary:
    """A Binary attribute's value: present for ``exists``, equal to nothing."""

    def __repr__(self) -> str:
        return "<binary>"


BINARY = _Binary()


@dataclass(frozen=True)
class Verdict:
    """Whether SNS would deliver the message to the subscription, and why not."""

    matched: bool
    reason: str = ""


def evaluate(policy: Mapping[str, Any] | None, scope: str | None = None, *,
             message: Any = None, attributes: Mapping[str, Any] | None = None) -> Verdict:
    """SNS's decision for one message: ``message`` (the body as published, a string) and its
    ``attributes`` (Lambda record shape ``{"Type", "Value"}`` or Publish shape ``{"DataType",
    "StringValue"}``) against ``policy`` in ``scope`` (default ``MessageAttributes``)."""
    if not policy:
        return Verdict(True, "no filter policy")
    if not isinstance(policy, Mapping):
        raise FilterPolicyError("a filter policy is a JSON object")
    scope = scope or ATTRIBUTES
    if scope not in SCOPES:
        raise FilterPolicyError(f"unknown FilterPolicyScope {scope!r}; one of {SCOPES}")
    if scope == ATTRIBUTES:
        values = attribute_values(attributes)
        if not values:
            return Verdict(False, "the message has no attributes, and SNS matches no "
                                  "MessageAttributes filter policy (not even \"exists\": "
                                  "false) on a message without attributes")
        return _verdict(_mismatch(policy, values, nested=False))
    document = _body(message)
    if document is None:
        return Verdict(False, "the MessageBody filter policy needs a JSON object body")
    return _verdict(_mismatch(policy, document, nested=True))


def matches(policy: Mapping[str, Any] | None, scope: str | None = None, *,
            message: Any = None, attributes: Mapping[str, Any] | None = None) -> bool:
    """Whether SNS would deliver the message (see :func:`evaluate`)."""
    return evaluate(policy, scope, message=message, attributes=attributes).matched


def _verdict(mismatch: str | None) -> Verdict:
    return Verdict(True, "the filter policy matches") if mismatch is None else Verdict(
        False, mismatch)


def attribute_values(attributes: Mapping[str, Any] | None) -> dict[str, list[Any]]:
    """Attribute name -> the values filters compare (arrays as their elements)."""
    out: dict[str, list[Any]] = {}
    for name, attribute in (attributes or {}).items():
        if not isinstance(attribute, Mapping):
            continue
        kind = str(attribute.get("Type") or attribute.get("DataType") or "String")
        raw = attribute.get("Value", attribute.get("StringValue"))
        if kind.startswith("Binary"):
            out[name] = [BINARY]
        elif kind.startswith("Number") and not kind.startswith("Number.Array"):
            out[name] = [_number(raw)]
        elif kind.endswith(".Array"):
            try:
                items = json.loads(str(raw))
            except ValueError:
                items = [raw]
            out[name] = list(items) if isinstance(items, list) else [items]
        else:
            out[name] = [None if raw is None else str(raw)]
    return out


def _number(raw: Any) -> Any:
    try:
        return float(raw)
    except (TypeError, ValueError):
        return raw


def _body(message: Any) -> Mapping[str, Any] | None:
    if isinstance(message, Mapping):
        return message
    if not isinstance(message, str | bytes):
        return None
    try:
        data = json.loads(message)
    except ValueError:
        return None
    return data if isinstance(data, Mapping) else None


def _or_branches(policy: Mapping[str, Any]) -> list[Mapping[str, Any]] | None:
    """The ``$or`` branches when SNS reads ``$or`` as the operator (two or more objects)."""
    branches = policy.get(OR)
    if (isinstance(branches, list) and len(branches) >= 2
            and all(isinstance(b, Mapping) for b in branches)):
        return branches
    return None


def _mismatch(policy: Mapping[str, Any], doc: Mapping[str, Any], *, nested: bool,
              path: str = "") -> str | None:
    """Why ``doc`` fails ``policy`` (the first key that fails), or None when it matches."""
    branches = _or_branches(policy)
    for key, rule in policy.items():
        if key == OR and branches is not None:
            continue
        where = f"{path}{key}"
        if isinstance(rule, Mapping):
            if not nested:
                raise FilterPolicyError(f"{where}: nested keys need the MessageBody scope")
            child = doc.get(key) if isinstance(doc, Mapping) else None
            candidates = ([c for c in child if isinstance(c, Mapping)]
                          if isinstance(child, list) else
                          [child] if isinstance(child, Mapping) else [{}])
            reasons = [_mismatch(rule, c, nested=True, path=f"{where}.") for c in candidates]
            if all(r is not None for r in reasons):
                return reasons[0]
            continue
        if not isinstance(rule, list):
            raise FilterPolicyError(f"{where}: a key's conditions are a JSON array")
        values = _leaf(doc, key, nested)
        if not any(condition(c, values) for c in rule):
            shown = "absent" if values is None else json.dumps(values, default=repr)
            return f"{where}: {shown} matches none of {json.dumps(rule)}"
    if branches is not None:
        reasons = [_mismatch(b, doc, nested=nested, path=path) for b in branches]
        if all(r is not None for r in reasons):
            return f"no {OR} branch matches ({'; '.join(str(r) for r in reasons)})"
    return None


def _leaf(doc: Mapping[str, Any], key: str, nested: bool) -> list[Any] | None:
    """A key's values, or None when absent (or not a leaf: ``exists`` needs leaves)."""
    if not isinstance(doc, Mapping) or key not in doc:
        return None
    value = doc[key]
    if not nested:
        return list(value)
    if isinstance(value, Mapping):
        return None
    if isinstance(value, list):
        flat: list[Any] = []
        for item in value:
            flat.extend(item if isinstance(item, list) else [item])
        return [v for v in flat if not isinstance(v, Mapping)]
    return [value]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def condition(rule: Any, values: Sequence[Any] | None) -> bool:
    """Whether one condition of a key's list holds for its values (None: key absent)."""
    if isinstance(rule, Mapping):
        if len(rule) != 1:
            raise FilterPolicyError(f"an operator object has one key: {json.dumps(rule)}")
        ((op, arg),) = rule.items()
        if op == "exists":
            if not isinstance(arg, bool):
                raise FilterPolicyError("exists takes true or false")
            present = values is not None and any(v is not None and v != "" for v in values)
            return present is arg
        if values is None:
            return False
        return any(_operator(op, arg, v) for v in values)
    if values is None:
        return False
    return any(_equal(rule, v) for v in values)


def _equal(rule: Any, value: Any) -> bool:
    """Exact matching: strings with strings, numbers with numbers, true/false/null as such."""
    if value is BINARY:
        return False
    if _is_number(rule):
        return _is_number(value) and float(value) == float(rule)
    if rule is None or isinstance(rule, bool):
        return value is rule
    if isinstance(rule, str):
        return isinstance(value, str) and value == rule
    raise FilterPolicyError(f"unsupported value {json.dumps(rule)}")


def _string_op(op: str, arg: Any, value: Any) -> bool:
    if not isinstance(arg, str):
        raise FilterPolicyError(f"{op} takes a string")
    if not isinstance(value, str):
        return False
    if op == "prefix":
        return value.startswith(arg)
    if op == "suffix":
        return value.endswith(arg)
    return value.lower() == arg.lower()


def _numeric_op(_op: str, arg: Any, value: Any) -> bool:
    bounds = _numeric_bounds(arg)  # checked whatever the value, as SNS checks at subscribe
    return _is_number(value) and all(_NUMERIC_OPS[o](float(value), b) for o, b in bounds)


def _operator(op: str, arg: Any, value: Any) -> bool:
    handler = _OPERATORS.get(op)
    if handler is None:
        raise FilterPolicyError(f"unknown operator {op!r}")
    return value is not BINARY and handler(op, arg, value)


def _anything_but(arg: Any, value: Any) -> bool:
    if isinstance(arg, Mapping):
        if len(arg) != 1:
            raise FilterPolicyError("anything-but takes one operator object")
        ((op, inner),) = arg.items()
        if op not in ("prefix", "suffix", "equals-ignore-case"):
            raise FilterPolicyError(f"anything-but does not take {op!r}")
        inners = inner if isinstance(inner, list) else [inner]
        return isinstance(value, str) and not any(_operator(op, i, value) for i in inners)
    excluded = arg if isinstance(arg, list) else [arg]
    return not any(_equal(e, value) for e in excluded)


def _numeric_bounds(arg: Any) -> list[tuple[str, float]]:
    if not isinstance(arg, list) or not arg or len(arg) % 2 or len(arg) > 4:
        raise FilterPolicyError(f"numeric takes operator/number pairs: {json.dumps(arg)}")
    pairs = list(zip(arg[::2], arg[1::2], strict=True))
    for op, bound in pairs:
        if op not in _NUMERIC_OPS or not _is_number(bound):
            raise FilterPolicyError(f"numeric: bad pair {op!r}, {bound!r}")
    return [(op, float(bound)) for op, bound in pairs]


def _in_cidr(_op: str, arg: Any, value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        network = ipaddress.ip_network(str(arg), strict=False)
        return ipaddress.ip_address(value) in network
    except ValueError:
        return False


_OPERATORS = {
    "prefix": _string_op,
    "suffix": _string_op,
    "equals-ignore-case": _string_op,
    "anything-but": lambda _op, arg, value: _anything_but(arg, value),
    "numeric": _numeric_op,
    "cidr": _in_cidr,
}
