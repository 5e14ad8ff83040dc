"""CloudTrail event selectors: the rules PutEventSelectors enforces on a trail."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from . import Subject, rule

TRAIL = "aws:cloudtrail/trail:Trail"
MAX_CONDITION_VALUES = 500
# Fields whose only valid operator is Equals.
EQUALS_ONLY = ("readOnly", "eventCategory", "resources.type")
OPERATORS = ("equals", "notEquals", "startsWiths", "notStartsWiths", "endsWiths",
             "notEndsWiths")


def _values(selector: dict[str, Any]) -> list[Any]:
    """Every value of every operator of one field selector."""
    return [v for op in OPERATORS for v in (selector.get(op) or [])]


def _check_selector(selector: dict[str, Any]) -> Iterator[str]:
    """The per-selector rules: eventCategory Equals, Equals-only fields, S3 object prefixes."""
    label = selector.get("name") or "unnamed selector"
    fields = {f.get("field"): f for f in selector.get("fieldSelectors") or []}
    if not (fields.get("eventCategory") or {}).get("equals"):
        yield f"{label}: eventCategory must be set with Equals"
    for name in EQUALS_ONLY:
        field = fields.get(name) or {}
        if any(field.get(op) for op in OPERATORS if op != "equals"):
            yield f"{label}: {name} accepts only the Equals operator"
    if (fields.get("resources.type") or {}).get("equals") == ["AWS::S3::Object"]:
        for prefix in (fields.get("resources.ARN") or {}).get("startsWiths") or []:
            if isinstance(prefix, str) and not prefix.endswith("/"):
                yield (f"{label}: S3 object prefix {prefix!r} has no trailing slash: it "
                       "selects every bucket whose name starts the same way")


@rule("cloudtrail-advanced-selectors",
      "A trail uses basic or advanced event selectors, not both; with advanced selectors it "
      "still logs management events; each selector is valid for PutEventSelectors.",
      types=(TRAIL,))
def advanced_selectors_valid(s: Subject) -> Iterator[str]:
    """Sources: PutEventSelectors ("either AdvancedEventSelectors or EventSelectors, but not
    both"; "up to a maximum of 500 values for all conditions and selectors on a trail")
    https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_PutEventSelectors.html;
    AdvancedFieldSelector (eventCategory is required with Equals; readOnly, eventCategory and
    resources.type take only Equals; an S3 object prefix is ``arn:aws:s3:::bucket/``)
    https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedFieldSelector.html.
    Advanced selectors replace the default "all management events", so a trail without a
    Management selector silently stops feeding the CIS metric filters.
    """
    advanced = s.props.get("advancedEventSelectors") or []
    if not advanced:
        return
    if s.props.get("eventSelectors"):
        yield "sets both eventSelectors and advancedEventSelectors; CloudTrail takes only one"
    if not any(f.get("field") == "eventCategory" and f.get("equals") == ["Management"]
               for sel in advanced for f in sel.get("fieldSelectors") or []):
        yield "advanced selectors without a Management selector stop management-event logging"
    total = sum(len(_values(f)) for sel in advanced for f in sel.get("fieldSelectors") or [])
    if total > MAX_CONDITION_VALUES:
        yield f"{total} condition values; a trail allows at most {MAX_CONDITION_VALUES}"
    for selector in advanced:
        yield from _check_selector(selector)
