"""The per-function memory table (lambdaFunctionMemoryMb): rows, Lambda's range, names."""

from __future__ import annotations

import pytest

from components.config import ConfigError, build
from tests.helpers import config_of


def _build(**overrides: object) -> object:
    return build(config_of("dev", **overrides), project="marketplace", stack="dev")


def test_empty_by_default_and_a_row_sets_one_function() -> None:
    assert _build().lambdas.function_memory_mb == {}  # type: ignore[attr-defined]
    config = _build(lambdaFunctionMemoryMb=["streamProcessor=256", "cachePurger=10240"])
    assert config.lambdas.function_memory_mb == {  # type: ignore[attr-defined]
        "streamProcessor": 256, "cachePurger": 10240}


@pytest.mark.parametrize(("row", "words"), [
    ("streamProcessor=127", "127 is out of range; allowed 128..10240"),
    ("streamProcessor=10241", "10241 is out of range; allowed 128..10240"),
    ("streamProcessor=big", "'big' is not a whole number"),
    # The API and the Cognito trigger have their own keys, so no row here.
    ("api=256", "unknown name 'api'"),
    ("postConfirmation=256", "unknown name 'postConfirmation'"),
])
def test_bad_rows_name_the_key(row: str, words: str) -> None:
    with pytest.raises(ConfigError) as raised:
        _build(lambdaFunctionMemoryMb=[row])
    assert raised.value.keys == ("marketplace:lambdaFunctionMemoryMb[0]",)
    assert words in str(raised.value)
