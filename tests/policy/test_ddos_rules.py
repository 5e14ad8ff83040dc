"""The ddos_l7 rule refuses what Cloudflare refuses and passes the stacks' entry point."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from policy.rules import Subject, all_rules

RULES = {r.name: r for r in all_rules()}
RULESET = "cloudflare:index/ruleset:Ruleset"
GOOD: dict[str, Any] = {
    "phase": "ddos_l7", "kind": "zone",
    "rules": [{"ref": "http_ddos_overrides", "expression": "true", "action": "execute",
               "actionParameters": {"id": "4d21379b4f9f4bb088e0729962c8b3cf",
                                    "overrides": {"action": "managed_challenge",
                                                  "sensitivityLevel": "low"}}}],
}


def check(props: dict[str, Any]) -> list[str]:
    return RULES["cloudflare-ddos-l7-overrides"].violations(Subject(RULESET, "r", props))


def with_overrides(**changes: Any) -> dict[str, Any]:
    props = copy.deepcopy(GOOD)
    props["rules"][0]["actionParameters"]["overrides"].update(changes)
    return props


def test_good_entry_point_and_other_phases_pass() -> None:
    assert check(GOOD) == []
    assert check({"phase": "http_ratelimit", "rules": [{"action": "block"}]}) == []


@pytest.mark.parametrize(("props", "fragment"), [
    (with_overrides(enabled=False), "enabled false"),
    (with_overrides(action="js_challenge"), "action 'js_challenge'"),
    (with_overrides(sensitivityLevel="high"), "sensitivityLevel 'high'"),
    (with_overrides(rules=[{"id": "fdfdac75430c4c47a959592f0aa5e68a", "action": "skip"}]),
     "override fdfdac75430c4c47a959592f0aa5e68a has action 'skip'"),
    ({**GOOD, "rules": [{"ref": "x", "action": "execute",
                         "actionParameters": {"id": "efb7b8c949ac4650a09736fc376e9aee"}}]},
     "must execute the HTTP DDoS managed ruleset"),
])
def test_bad_entry_point_is_refused(props: dict[str, Any], fragment: str) -> None:
    (violation,) = check(props)
    assert fragment in violation
