"""Fixtures: whole-stack runs under the recording mocks, and a clean working directory."""

from __future__ import annotations

import pytest

from tests.helpers import STACKS, stack_registry
from tools.mock_runtime import Registry

# AWS calls and EMF of each function's handler tests, read by the role and metric checks.
pytest_plugins = ["tests.recording"]


@pytest.fixture(params=STACKS)
def stack(request: pytest.FixtureRequest) -> str:
    """Each stack name in turn."""
    return request.param


@pytest.fixture
def registry(stack: str) -> Registry:
    """The program run for each stack in turn."""
    return stack_registry(stack)


@pytest.fixture
def dev() -> Registry:
    """The program run for the dev stack."""
    return stack_registry("dev")


@pytest.fixture
def prod() -> Registry:
    """The program run for the prod stack."""
    return stack_registry("prod")
