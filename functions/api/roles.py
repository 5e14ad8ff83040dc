"""Cognito groups the API gives powers to; the user pool component creates them."""

from __future__ import annotations

# Members may change or delete any seller's listing; every such action is audited.
ADMINS_GROUP = "admins"
