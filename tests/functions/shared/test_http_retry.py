"""urllib3's Retry with a deadline against a local server: what is retried, pauses, the end."""

from __future__ import annotations

import random
import socket
from types import SimpleNamespace

import pytest
import urllib3
from pytest_httpserver import HTTPServer
from urllib3.exceptions import MaxRetryError

from functions.shared import http_retry
from functions.shared.http_retry import (
    RETRY_STATUSES,
    DeadlineRetry,
    OutOfTimeError,
)
from functions.shared.http_retry import (
    http_retry as policy_for,
)
from functions.shared.retry import Backoff, Deadline
from tests.functions.fake_clock import fake_clock

# urllib3's backoff for base_seconds=0.5: nothing after the first failure, then
# 0.5 * 2**(n - 1) after the n-th (1.0, 2.0, 4.0 ...), capped at cap_seconds.
BACKOFF = Backoff(attempts=4, base_seconds=0.5, cap_seconds=3.0)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """A fake clock that pauses advance; pauses are recorded, not slept."""
    return fake_clock(monkeypatch)


def post(server: HTTPServer, policy: DeadlineRetry) -> urllib3.BaseHTTPResponse:
    return urllib3.PoolManager().request("POST", server.url_for("/hook"), body=b"{}",
                                         timeout=urllib3.Timeout(connect=1.0, read=1.0),
                                         retries=policy)


def test_the_retried_statuses_are_429_and_every_5xx() -> None:
    assert frozenset({429, 500, 503, 599}) <= RETRY_STATUSES
    assert RETRY_STATUSES.isdisjoint({400, 404, 408, 413, 428, 430, 499, 600})
    assert len(RETRY_STATUSES) == 101


def test_the_policy_is_built_from_the_backoff() -> None:
    deadline = Deadline(10)
    policy = policy_for(BACKOFF, deadline, 2.0, label="cloudflare", jitter_seconds=0.25)
    assert (policy.total, policy.connect, policy.read, policy.status, policy.other) == (
        3, None, None, None, None)
    assert (policy.backoff_factor, policy.backoff_max, policy.backoff_jitter) == (
        0.5, 3.0, 0.25)
    assert policy.allowed_methods == frozenset({"POST"})
    assert policy.status_forcelist == RETRY_STATUSES
    assert policy.respect_retry_after_header is True
    assert policy_for(BACKOFF, deadline, 2.0).label == ""
    assert policy.raise_on_status is False
    assert policy.raise_on_redirect is False
    assert policy.redirect == 0
    assert (policy.deadline, policy.attempt_seconds, policy.label) == (deadline, 2.0,
                                                                       "cloudflare")


@pytest.mark.parametrize(("attempts", "total"), [(1, 0), (0, 0), (-3, 0), (5, 4)])
def test_attempts_below_one_still_mean_one_try(attempts: int, total: int) -> None:
    assert policy_for(Backoff(attempts=attempts), None, 1.0).total == total


def test_a_retry_built_as_urllib3_builds_one_has_no_deadline() -> None:
    # Retry.from_int passes the total positionally.
    plain = DeadlineRetry(2)
    assert (plain.total, plain.deadline, plain.attempt_seconds, plain.label) == (2, None, 0.0,
                                                                                "")


def test_copies_keep_the_deadline_and_label() -> None:
    deadline = Deadline(10)
    copy = policy_for(BACKOFF, deadline, 2.0, label="x").new(total=1)
    assert isinstance(copy, DeadlineRetry)
    assert (copy.total, copy.deadline, copy.attempt_seconds, copy.label) == (1, deadline,
                                                                            2.0, "x")
    assert policy_for(BACKOFF, deadline, 2.0).new(deadline=None, label="y").deadline is None


def test_429_with_retry_after_then_200(httpserver: HTTPServer, clock: SimpleNamespace) -> None:
    httpserver.expect_ordered_request("/hook").respond_with_data(
        "", status=429, headers={"Retry-After": "7"})
    httpserver.expect_ordered_request("/hook").respond_with_data("ok")
    response = post(httpserver, policy_for(BACKOFF, clock.deadline(60), 2.0))
    assert (response.status, response.data) == (200, b"ok")
    assert clock.pauses == [7.0]
    assert len(httpserver.log) == 2


def test_503_then_200_retries_at_once(httpserver: HTTPServer, clock: SimpleNamespace) -> None:
    httpserver.expect_ordered_request("/hook").respond_with_data("", status=503)
    httpserver.expect_ordered_request("/hook").respond_with_data("ok")
    assert post(httpserver, policy_for(BACKOFF, clock.deadline(60), 2.0)).status == 200
    assert clock.pauses == [0.0]


def test_always_500_gives_up_after_the_attempts(httpserver: HTTPServer,
                                                clock: SimpleNamespace,
                                                caplog: pytest.LogCaptureFixture) -> None:
    httpserver.expect_request("/hook").respond_with_data("down", status=500)
    response = post(httpserver, policy_for(BACKOFF, clock.deadline(60), 2.0, label="t"))
    # The last answer comes back for the caller to report.
    assert (response.status, response.data) == (500, b"down")
    assert len(httpserver.log) == 4
    assert clock.pauses == [0.0, 1.0, 2.0]
    warnings = [r for r in caplog.records if r.getMessage() == "HTTP attempt failed; retrying"]
    assert [(r.levelname, r.target, r.attempt, r.error, r.pause) for r in warnings] == [
        ("WARNING", "t", 1, "HTTP 500", 0.0), ("WARNING", "t", 2, "HTTP 500", 1.0),
        ("WARNING", "t", 3, "HTTP 500", 2.0)]


def test_the_backoff_is_capped_and_jittered(httpserver: HTTPServer, clock: SimpleNamespace,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(random, "random", lambda: 0.5)
    httpserver.expect_request("/hook").respond_with_data("", status=502)
    post(httpserver, policy_for(Backoff(attempts=5, base_seconds=0.5, cap_seconds=3.0),
                                None, 2.0, jitter_seconds=1.0))
    # 0, then 1.0 + 0.5, 2.0 + 0.5, 4.0 + 0.5 capped at 3.0.
    assert clock.pauses == [0.0, 1.5, 2.5, 3.0]


@pytest.mark.parametrize("status", [400, 401, 404, 413])
def test_other_4xx_are_answered_at_once(httpserver: HTTPServer, clock: SimpleNamespace,
                                        status: int) -> None:
    # 413 with Retry-After is retried by urllib3's default; not here.
    httpserver.expect_request("/hook").respond_with_data(
        "no", status=status, headers={"Retry-After": "1"})
    assert post(httpserver, policy_for(BACKOFF, clock.deadline(60), 2.0)).status == status
    assert len(httpserver.log) == 1
    assert clock.pauses == []


def test_a_redirect_is_not_followed(httpserver: HTTPServer, clock: SimpleNamespace) -> None:
    httpserver.expect_request("/hook").respond_with_data(
        "", status=307, headers={"Location": "/elsewhere"})
    assert post(httpserver, policy_for(BACKOFF, clock.deadline(60), 2.0)).status == 307
    assert [request.path for request, _ in httpserver.log] == ["/hook"]


@pytest.mark.parametrize(("header", "pauses"), [
    ("soon", [0.0, 1.0]),  # unreadable: urllib3 would raise InvalidHeader; the backoff decides
    ("0", [0.0, 1.0]),     # no wait asked for: the backoff decides
    ("Wed, 21 Oct 2015 07:28:00 GMT", [0.0, 1.0]),  # a date past: no wait, the backoff
    ("3", [3.0, 3.0]),
])
def test_retry_after_or_the_backoff(httpserver: HTTPServer, clock: SimpleNamespace,
                                    header: str, pauses: list[float]) -> None:
    for _ in range(2):
        httpserver.expect_ordered_request("/hook").respond_with_data(
            "", status=503, headers={"Retry-After": header})
    httpserver.expect_ordered_request("/hook").respond_with_data("ok")
    assert post(httpserver, policy_for(BACKOFF, clock.deadline(60), 2.0)).status == 200
    assert clock.pauses == pauses


@pytest.mark.parametrize(("seconds", "requests"), [
    (7.0, 1),   # a 5 s pause and a 2 s attempt leave nothing: stop now
    (7.01, 2),  # just enough for one more
])
def test_a_pause_and_one_more_attempt_must_fit(httpserver: HTTPServer, clock: SimpleNamespace,
                                               seconds: float, requests: int) -> None:
    httpserver.expect_request("/hook").respond_with_data(
        "", status=429, headers={"Retry-After": "5"})
    with pytest.raises(OutOfTimeError) as caught:
        post(httpserver, policy_for(BACKOFF, clock.deadline(seconds), 2.0))
    assert (caught.value.attempts, caught.value.last, caught.value.pause) == (
        requests, "HTTP 429", 5.0)
    assert str(caught.value) == "HTTP 429; a 5 s pause does not fit in the time left"
    assert len(httpserver.log) == requests


def test_without_a_deadline_only_the_attempts_bound_it(httpserver: HTTPServer,
                                                       clock: SimpleNamespace) -> None:
    httpserver.expect_request("/hook").respond_with_data(
        "", status=429, headers={"Retry-After": "500"})
    assert post(httpserver, policy_for(BACKOFF, None, 2.0)).status == 429
    assert clock.pauses == [500.0, 500.0, 500.0]


def test_connection_errors_are_retried_then_raised(clock: SimpleNamespace) -> None:
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    policy = policy_for(Backoff(attempts=3, base_seconds=0.5), clock.deadline(60), 2.0)
    with pytest.raises(MaxRetryError) as caught:
        urllib3.PoolManager().request("POST", f"http://127.0.0.1:{port}/", retries=policy)
    assert type(caught.value.reason).__name__ == "NewConnectionError"
    assert clock.pauses == [0.0, 1.0]


def test_an_error_is_named_by_its_class() -> None:
    policy = policy_for(BACKOFF, None, 2.0).increment(
        "POST", "/", error=urllib3.exceptions.ReadTimeoutError(None, "/", "slow"))
    assert policy.last_problem() == "ReadTimeoutError"
    assert policy_for(BACKOFF, None, 2.0).last_problem() == "no attempt failed"


def test_the_module_logs_under_its_own_name() -> None:
    assert http_retry.log.name == "functions.shared.http_retry"
