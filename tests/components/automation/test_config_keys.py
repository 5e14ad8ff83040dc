"""The automated responses' config keys: stack values, defaults and what they refuse."""

from __future__ import annotations

import pytest

from components.config import ConfigError, build
from tests.helpers import config_of


def _automation(stack: str = "dev", **overrides: object) -> object:
    return build(config_of(stack, **overrides), project="marketplace", stack=stack).automation


def test_dev_is_dry_and_prod_acts() -> None:
    dev, prod = _automation("dev"), _automation("prod")
    assert (dev.dry_run, prod.dry_run) == (True, False)
    assert dev.approver_roles == ("marketplace-dev-operator",)
    assert prod.approver_roles == ("marketplace-prod-oncall", "marketplace-prod-platform-lead")
    assert (prod.block_hours, prod.expiry_minutes, prod.redrive_max_messages) == (24, 60, 100)


def test_unset_keys_take_their_defaults() -> None:
    config = _automation("dev", automationDryRun=None, automationApproverRoles=None)
    assert config.dry_run is True  # a stack that says nothing only reports
    assert config.approver_roles == ()


@pytest.mark.parametrize(("overrides", "key", "words"), [
    ({"automationApproverRoles": ["ops team"]}, "marketplace:automationApproverRoles[0]",
     "is not an IAM role name"),
    ({"automationBlockHours": 0}, "marketplace:automationBlockHours", "1"),
    ({"automationBlockHours": 721}, "marketplace:automationBlockHours", "720"),
    ({"automationExpiryMinutes": 4}, "marketplace:automationExpiryMinutes", "5"),
    ({"automationRedriveMaxMessages": 0}, "marketplace:automationRedriveMaxMessages", "1"),
])
def test_bad_values_name_their_key(overrides: dict[str, object], key: str, words: str) -> None:
    with pytest.raises(ConfigError) as raised:
        _automation("dev", **overrides)
    assert raised.value.keys == (key,)
    assert words in str(raised.value)
