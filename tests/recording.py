"""What each function's handler does during its own tests: the AWS calls it makes and its EMF.

A pytest plugin (loaded from ``tests/conftest.py``). It hooks every botocore client made in the
test process (``BUILTIN_HANDLERS``, as moto's stubber does) and Powertools' EMF serializer, and
files what it sees under the function whose tests are running: a test module under
``tests/functions/<package>/`` belongs to that function package.

Checks that read the recordings (the role-versus-calls test, the metric-emitter test) are
decorated with :func:`for_each_function` and take the function package as ``function``. The
plugin moves those checks after every other test, schedules each function's tests and checks
on one xdist worker (:func:`pytest_xdist_make_scheduler`), and :func:`recording` skips a check
when that function's tests did not all run in this process (a ``-k`` subset, say).
"""

from __future__ import annotations

import copy
import functools
import os
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.metrics.base import SingleMetric
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
    AmazonCloudWatchEMFProvider,
)
from botocore.handlers import BUILTIN_HANDLERS

TESTS = Path(__file__).resolve().parent
FUNCTION_TESTS = TESTS / "functions"
FUNCTIONS = TESTS.parent / "functions"
CHECK_MARK = "after_handler_tests"


@dataclass(frozen=True)
class AwsCall:
    """One API call a client made: boto3 service name, IAM signing name, operation, params.

    ``environment`` holds the variables the tests had set when the call was made (those that
    differ from the process's own environment), so a check can tell which variable named the
    resource a call targets and look up what the stack sets it to.
    """

    service: str
    signing_name: str
    operation: str
    params: dict[str, Any]
    region: str
    environment: dict[str, str] = field(default_factory=dict)


@dataclass
class Recording:
    """Everything one function's tests made its handler do."""

    calls: list[AwsCall] = field(default_factory=list)
    emf: list[dict[str, Any]] = field(default_factory=list)
    collected: list[pytest.Item] = field(default_factory=list)
    finished: set[str] = field(default_factory=set)

    @property
    def complete(self) -> bool:
        """Whether every collected test of the function ran (and so was recorded) here."""
        # Node ids are read now: xdist appends the group to them after collection.
        return bool(self.collected) and {i.nodeid for i in self.collected} <= self.finished


RECORDINGS: dict[str, Recording] = defaultdict(Recording)
_current: list[str] = []
# The environment before any test set a variable (see AwsCall.environment).
_BASELINE = dict(os.environ)


@functools.cache
def function_of(path: Path) -> str | None:
    """The function package a test module belongs to, or None for tests of anything else.

    Cached: collection asks once per test, some 3,400 times for 150 modules.
    """
    try:
        relative = path.resolve().relative_to(FUNCTION_TESTS)
    except ValueError:
        return None
    if len(relative.parts) > 1:
        package = relative.parts[0]
        return package if (FUNCTIONS / package / "__init__.py").exists() else None
    return None


# Not Lambda code: ``shared`` is a library, ``automation`` holds the scripts of SSM Automation
# runbooks, which run with their document's assume role (tests/components/automation checks
# those roles against the scripts' calls).
NOT_FUNCTIONS = ("shared", "automation")


def function_packages() -> list[str]:
    """Every Python function package that has handler tests."""
    return sorted({p for p in (function_of(m) for m in FUNCTION_TESTS.rglob("test_*.py"))
                   if p and p not in NOT_FUNCTIONS})


def recording(function: str) -> Recording:
    """The recording of ``function``'s tests; skips the caller when they did not all run."""
    found = RECORDINGS.get(function)
    if found is None or not found.complete:
        pytest.skip(f"not every test of functions/{function} ran in this process")
    return found


def _stash_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    context["recorded_api_params"] = copy.deepcopy(params)


def _caller_package() -> str | None:
    """The function package whose code is making the call now, or None for test code.

    A client call made by the test itself (seeding or reading back a moto table) has no frame
    in ``functions/``; one made through ``functions/shared`` belongs to the function whose
    code called the shared helper, or to the test's function when only shared code is on the
    stack.
    """
    frame = sys._getframe(2)
    in_shared = False
    while frame is not None:
        package = _package_of_file(frame.f_code.co_filename)
        if package is not None:
            if package != "shared":
                return package
            in_shared = True
        frame = frame.f_back
    return (_current[-1] if _current else None) if in_shared else None


@functools.cache
def _package_of_file(filename: str) -> str | None:
    """The ``functions/`` package a source file is in, or None (once per file: a call walks
    some fifty frames, and resolving each path costs system calls)."""
    try:
        relative = Path(filename).resolve().relative_to(FUNCTIONS)
    except ValueError:
        return None
    return relative.parts[0] if len(relative.parts) > 1 else None


def _record_call(model: Any, context: dict[str, Any], **_: Any) -> None:
    if not _current:
        return
    package = _caller_package()
    if package is None:
        return
    service = model.service_model
    RECORDINGS[package].calls.append(AwsCall(
        service=service.service_name,
        signing_name=service.signing_name or service.endpoint_prefix,
        operation=model.name,
        params=context.get("recorded_api_params", {}),
        region=str(context.get("client_region") or ""),
        environment={k: v for k, v in os.environ.items() if _BASELINE.get(k) != v},
    ))


# Registered before any test module imports a handler, so every client the handlers make at
# module scope carries both hooks.
BUILTIN_HANDLERS.append(("before-parameter-build", _stash_params))
BUILTIN_HANDLERS.append(("before-call", _record_call))

_serialize = AmazonCloudWatchEMFProvider.serialize_metric_set


def _recording_serialize(self: AmazonCloudWatchEMFProvider, *args: Any,
                         **kwargs: Any) -> dict[str, Any]:
    blob = _serialize(self, *args, **kwargs)
    if _current:
        RECORDINGS[_current[-1]].emf.append(copy.deepcopy(blob))
    return blob


AmazonCloudWatchEMFProvider.serialize_metric_set = _recording_serialize  # type: ignore[method-assign]

# ``single_metric`` (one EMF line with its own dimensions) serializes through SingleMetric.
_serialize_single = SingleMetric.serialize_metric_set


def _recording_serialize_single(self: SingleMetric, *args: Any, **kwargs: Any) -> dict[str, Any]:
    blob = _serialize_single(self, *args, **kwargs)
    if _current:
        RECORDINGS[_current[-1]].emf.append(copy.deepcopy(blob))
    return blob


SingleMetric.serialize_metric_set = _recording_serialize_single  # type: ignore[method-assign]


def _check_function(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    if item.get_closest_marker(CHECK_MARK) is None or callspec is None:
        return None
    return callspec.params.get("function")


def pytest_configure(config: pytest.Config) -> None:
    """Declare the marker the checks use."""
    config.addinivalue_line(
        "markers", f"{CHECK_MARK}: reads the handler-test recordings; runs after those tests")


def for_each_function(check: Any) -> Any:
    """Mark a check as reading the recordings and run it once per function package."""
    check = pytest.mark.parametrize("function", function_packages(),
                                    ids=[f"fn:{f}" for f in function_packages()])(check)
    return pytest.mark.after_handler_tests(check)


_CHECK_ID = re.compile(r"\[fn:([a-z_]+)\]$")


def group_of(nodeid: str) -> str | None:
    """The function package a test node id belongs to (its tests and its checks), if any."""
    check = _CHECK_ID.search(nodeid)
    if check:
        return check.group(1)
    return function_of(TESTS.parent / nodeid.split("::", 1)[0])


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Schedule a function's tests and checks on one worker, in collection order.

    ``--dist loadgroup`` would do this from ``xdist_group`` marks, but pytest-xdist 3.8 marks
    the group on ``Item._nodeid``, which pytest 9 no longer reads. Other tests are their own
    scope, so they spread over the workers as with ``--dist load``.
    """
    from xdist.scheduler import LoadScopeScheduling

    class FunctionScopes(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            group = group_of(nodeid)
            return f"function:{group}" if group else nodeid

    return FunctionScopes(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move the checks after every other test, and note which tests each function has."""
    checks, others = [], []
    for item in items:
        if _check_function(item):
            checks.append(item)
            continue
        others.append(item)
        function = function_of(Path(str(item.path)))
        if function:
            RECORDINGS[function].collected.append(item)
    items[:] = others + checks


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    """File what the test makes the handler do under its function (only the call phase:
    fixtures that seed moto are the harness, not the handler)."""
    function = None if _check_function(item) else function_of(Path(str(item.path)))
    if function:
        _current.append(function)
    try:
        return (yield)
    finally:
        if function:
            _current.pop()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count a function's test as run once its call phase has passed or been skipped."""
    if report.when == "call" or (report.when == "setup" and report.skipped):
        for recording_ in RECORDINGS.values():
            recording_.finished.add(report.nodeid)
