"""Cloudflare DDoS rules: what the zone's ``ddos_l7`` entry point may send.

Sources: developers.cloudflare.com/ddos-protection/managed-rulesets/http/override-parameters/
(actions and sensitivity levels an override may take) and
developers.cloudflare.com/ddos-protection/managed-rulesets/http/http-overrides/configure-api/
(the ruleset is always on: an override with ``enabled: false`` is refused).
"""

from __future__ import annotations

from collections.abc import Iterator

from . import Subject, rule

RULESET = "cloudflare:index/ruleset:Ruleset"
HTTP_DDOS_RULESET = "4d21379b4f9f4bb088e0729962c8b3cf"
OVERRIDE_ACTIONS = ("block", "managed_challenge", "challenge", "log")
SENSITIVITIES = ("default", "medium", "low", "eoff")


def _overrides(s: Subject) -> Iterator[tuple[str, dict]]:
    for index, entry in enumerate(s.props.get("rules") or []):
        params = entry.get("actionParameters") or {}
        overrides = params.get("overrides") or {}
        where = f"rule {entry.get('ref') or index}"
        yield where, overrides
        for item in (*(overrides.get("categories") or ()), *(overrides.get("rules") or ())):
            yield f"{where} override {item.get('id') or item.get('category')}", item


@rule("cloudflare-ddos-l7-overrides", "A ddos_l7 entry point only executes the HTTP DDoS "
      "managed ruleset, with override actions and sensitivities Cloudflare accepts and "
      "never enabled: false (the ruleset cannot be turned off).", types=(RULESET,))
def ddos_l7_overrides(s: Subject) -> Iterator[str]:
    if s.props.get("phase") != "ddos_l7":
        return
    for index, entry in enumerate(s.props.get("rules") or []):
        params = entry.get("actionParameters") or {}
        if entry.get("action") != "execute" or params.get("id") != HTTP_DDOS_RULESET:
            yield (f"rule {entry.get('ref') or index} must execute the HTTP DDoS managed "
                   f"ruleset {HTTP_DDOS_RULESET}")
    for where, override in _overrides(s):
        if override.get("enabled") is False:
            yield f"{where} sets enabled false; the HTTP DDoS ruleset is always on"
        action = override.get("action")
        if action is not None and action not in OVERRIDE_ACTIONS:
            yield f"{where} has action {action!r}; allowed: {', '.join(OVERRIDE_ACTIONS)}"
        level = override.get("sensitivityLevel")
        if level is not None and level not in SENSITIVITIES:
            yield f"{where} has sensitivityLevel {level!r}; allowed: {', '.join(SENSITIVITIES)}"
