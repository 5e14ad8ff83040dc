"""Fixtures: whole-stack runs under the recording mocks, and a clean working directory."""

from __future__ import annotations

import gc
import shutil
import uuid

import pytest

from tests import bytecode  # noqa: F401 - first: where compiled modules are cached
from tests.helpers import STACKS, shared_dir, stack_registry, warm_stack_for_worker
from tools.mock_runtime import Registry

# AWS calls and EMF of each function's handler tests, read by the role and metric checks;
# botocore's models parsed once per process.
pytest_plugins = ["tests.recording", "tests.botocore_models"]

# A program run under the mocks makes hundreds of thousands of short-lived objects (futures,
# tasks, outputs); with the default first threshold (700) the collector runs thousands of
# times per run and takes about half its CPU. Collecting every 50,000 allocations finds the
# same garbage (the run's cycles) for about 20 MB more at the peak.
gc.set_threshold(50_000, 20, 20)


def pytest_configure(config: pytest.Config) -> None:
    """On the xdist controller, fix the run's id so that it can remove the workers' folder."""
    controller = getattr(config, "workerinput", None) is None
    if (controller and config.getoption("numprocesses", None)
            and config.getoption("testrunuid", None) is None):
        config.option.testrunuid = uuid.uuid4().hex


def pytest_unconfigure(config: pytest.Config) -> None:
    """On the xdist controller, remove the stack runs the workers shared."""
    run_id = config.getoption("testrunuid", None)
    if getattr(config, "workerinput", None) is None and run_id:
        folder = shared_dir(run_id)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Leave pytest's closing garbage collections only what is new since the last tests.

    pytest collects twice at exit to report unraisable exceptions. By then the heap holds every
    cached run (millions of objects, over a second a pass); the young generations' pass here is
    cheap and finds the tests' last cycles, and what is older the collector has seen already.
    """
    gc.collect(1)
    gc.freeze()


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """On an xdist worker, run this worker's share of the stacks before the first test.

    After collection rather than before it: xdist hands out no test until every worker has
    collected, so a worker that warmed the smaller stack would wait for the other.
    """
    worker = getattr(session.config, "workerinput", None)
    if worker is not None:
        warm_stack_for_worker(worker["workerid"])


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
