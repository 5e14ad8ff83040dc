"""The per-function cold-start table and the combinations AWS refuses, as one ConfigError."""

from __future__ import annotations

import pytest

from components.config import ConfigError, build
from tests.helpers import config_of


def _build(stack: str = "dev", **overrides: object) -> object:
    return build(config_of(stack, **overrides), project="marketplace", stack=stack)


def test_every_function_defaults_to_none_and_a_row_sets_one() -> None:
    dev = _build("dev")
    assert dev.lambdas.cold_start == {  # type: ignore[attr-defined]
        "api": "none", "postConfirmation": "none", "streamProcessor": "none",
        "windowAggregator": "none", "alertRouter": "none", "cachePurger": "none",
        "complianceReport": "none", "cloudflareAnalytics": "none", "slackInteractions": "none"}
    set_ = _build("dev", lambdaColdStart=["api=snapstart", "alertRouter=snapstart"])
    assert set_.lambdas.cold_start["api"] == "snapstart"  # type: ignore[attr-defined]
    assert set_.lambdas.cold_start["alertRouter"] == "snapstart"  # type: ignore[attr-defined]
    assert set_.lambdas.cold_start["cachePurger"] == "none"  # type: ignore[attr-defined]


def test_prod_moves_the_api_to_snapstart_without_provisioned_concurrency() -> None:
    prod = _build("prod")
    assert prod.lambdas.cold_start["api"] == "snapstart"  # type: ignore[attr-defined]
    assert prod.backend.api_provisioned_concurrency == 0  # type: ignore[attr-defined]


@pytest.mark.parametrize(("overrides", "key", "words"), [
    ({"lambdaColdStart": ["api=warm"]}, "marketplace:lambdaColdStart[0]",
     "'warm' is not a cold-start strategy; use one of none, provisioned, snapstart"),
    ({"lambdaColdStart": ["apii=snapstart"]}, "marketplace:lambdaColdStart[0]",
     "unknown name 'apii'"),
    ({"lambdaColdStart": ["cachePurger=provisioned"]}, "marketplace:lambdaColdStart",
     "cachePurger=provisioned: only the API has a provisioned count"),
    ({"lambdaColdStart": ["api=snapstart"], "apiProvisionedConcurrency": 5},
     "marketplace:lambdaColdStart",
     "api=snapstart cannot be combined with apiProvisionedConcurrency (5)"),
    ({"lambdaColdStart": ["api=provisioned"], "apiProvisionedConcurrency": 0},
     "marketplace:apiProvisionedConcurrency",
     "must be at least 1 when lambdaColdStart has api=provisioned"),
])
def test_bad_combinations_name_the_key(overrides: dict[str, object], key: str,
                                       words: str) -> None:
    with pytest.raises(ConfigError) as raised:
        _build("dev", **overrides)
    assert raised.value.keys == (key,)
    assert words in str(raised.value)


def test_a_provisioned_count_alone_still_works() -> None:
    config = _build("dev", apiProvisionedConcurrency=3)
    assert config.backend.api_provisioned_concurrency == 3  # type: ignore[attr-defined]
    assert config.lambdas.cold_start["api"] == "none"  # type: ignore[attr-defined]
    explicit = _build("dev", apiProvisionedConcurrency=3, lambdaColdStart=["api=provisioned"])
    assert explicit.lambdas.cold_start["api"] == "provisioned"  # type: ignore[attr-defined]
