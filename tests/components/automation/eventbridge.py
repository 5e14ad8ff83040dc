"""What EventBridge does with a rule's pattern and input transformer, for the tests.

Only what the automation rules use: exact values, ``prefix`` and ``numeric`` matchers on
nested fields (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html),
and ``<name>`` placeholders filled from JSON paths, quoted ones as strings
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Mapping
from typing import Any

_COMPARE = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
            "=": operator.eq}


def _value_matches(matcher: Any, value: Any) -> bool:
    if isinstance(matcher, dict) and "prefix" in matcher:
        return isinstance(value, str) and value.startswith(matcher["prefix"])
    if isinstance(matcher, dict) and "numeric" in matcher:
        terms = matcher["numeric"]
        return isinstance(value, int | float) and all(
            _COMPARE[terms[i]](value, terms[i + 1]) for i in range(0, len(terms), 2))
    return matcher == value


def matches(pattern: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """Whether ``event`` matches ``pattern``."""
    for key, matcher in pattern.items():
        if key not in event:
            return False
        value = event[key]
        if isinstance(matcher, Mapping):
            if not isinstance(value, Mapping) or not matches(matcher, value):
                return False
        elif not any(_value_matches(m, value) for m in matcher):
            return False
    return True


def _path(event: Mapping[str, Any], path: str) -> Any:
    value: Any = event
    for part in path.removeprefix("$.").split("."):
        value = value[part]
    return value


def transform(input_paths: Mapping[str, str], template: str,
              event: Mapping[str, Any]) -> Any:
    """The target input the transformer makes of ``event``, parsed."""
    out = template
    for name, path in input_paths.items():
        value = _path(event, path)
        out = out.replace(f'"<{name}>"', json.dumps(str(value)))
        out = out.replace(f"<{name}>", json.dumps(value))
    return json.loads(out)
