"""The health canary against a local HTTP server: passes on 2XX, retries, fails loudly."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest
import urllib3
from pytest_httpserver import HTTPServer

from functions.canary import health_canary

URL = "https://api.example.com/health"


def _http() -> urllib3.PoolManager:
    return urllib3.PoolManager(timeout=urllib3.Timeout(connect=1.0, read=1.0), retries=False)


class Answers:
    """An HTTP client whose answers (statuses, bodies or exceptions) come from a script."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.requests: list[tuple[str, str]] = []

    def request(self, method: str, url: str) -> Any:
        self.requests.append((method, url))
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        status, data = answer if isinstance(answer, tuple) else (answer, b'{"status":"ok"}')
        return SimpleNamespace(status=status, data=data)


def test_healthy_route_passes_with_body_and_latency(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/health", method="GET").respond_with_json({"status": "ok"})
    result = health_canary.check(httpserver.url_for("/health"), http=_http())
    assert result["status"] == 200
    assert result["body"] == {"status": "ok"}
    assert result["attempt"] == 1
    assert result["latency_ms"] >= 0


def test_the_result_and_its_log_line(monkeypatch: pytest.MonkeyPatch,
                                     caplog: pytest.LogCaptureFixture) -> None:
    ticks = iter([1.0, 1.23456])
    monkeypatch.setattr(health_canary, "time", SimpleNamespace(perf_counter=lambda: next(ticks)))
    http = Answers((204, b'{"status":"ok"}'))
    with caplog.at_level(logging.INFO, logger="health_canary"):
        result = health_canary.check(URL, http=http, sleep=pytest.fail)
    assert result == {"status": 204, "latency_ms": 234.6, "attempt": 1,
                      "body": {"status": "ok"}}
    assert http.requests == [("GET", URL)]
    assert caplog.messages == ['health check passed {"status": 204, "latency_ms": 234.6, '
                               '"attempt": 1, "body": {"status": "ok"}}']


@pytest.mark.parametrize(("status", "passes"), [(199, False), (200, True), (201, True),
                                                (299, True), (300, False), (404, False)])
def test_only_2xx_passes(status: int, passes: bool) -> None:
    http = Answers(status)
    if passes:
        assert health_canary.check(URL, http=http, attempts=1)["status"] == status
    else:
        with pytest.raises(health_canary.HealthCheckError) as caught:
            health_canary.check(URL, http=http, attempts=1)
        assert str(caught.value) == f"{URL}: HTTP {status} after 1 attempts"


@pytest.mark.parametrize(("data", "body"), [(b"", None), (None, None), (b"not json", None),
                                            (b"[1]", [1]), (b"null", None)])
def test_a_body_that_is_not_json_is_none(data: bytes | None, body: Any) -> None:
    assert health_canary.check(URL, http=Answers((200, data)))["body"] == body


def test_a_transient_failure_is_retried_with_backoff(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/health").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/health").respond_with_json({"status": "ok"})
    pauses: list[float] = []
    result = health_canary.check(httpserver.url_for("/health"), http=_http(),
                                 backoff_seconds=0.5, sleep=pauses.append)
    assert result["attempt"] == 2
    assert pauses == [0.5]


def test_a_persistent_failure_fails_the_run(httpserver: HTTPServer,
                                            caplog: pytest.LogCaptureFixture) -> None:
    httpserver.expect_request("/health").respond_with_data("down", status=500)
    pauses: list[float] = []
    url = httpserver.url_for("/health")
    with caplog.at_level(logging.WARNING, logger="health_canary"), \
            pytest.raises(health_canary.HealthCheckError) as caught:
        health_canary.check(url, http=_http(), attempts=4, backoff_seconds=1,
                            sleep=pauses.append)
    assert str(caught.value) == f"{url}: HTTP 500 after 4 attempts"
    assert pauses == [1, 2, 4]  # doubling, none after the last attempt
    assert caplog.messages == [f"health check attempt {n} of 4 failed: HTTP 500"
                               for n in (1, 2, 3, 4)]


def test_the_defaults_are_three_attempts_one_second_apart_doubling() -> None:
    pauses: list[float] = []
    with pytest.raises(health_canary.HealthCheckError, match=r"after 3 attempts$"):
        health_canary.check(URL, http=Answers(503, 503, 503), sleep=pauses.append)
    assert pauses == [1.0, 2.0]


def test_a_connection_error_is_retried_and_named() -> None:
    http = Answers(urllib3.exceptions.ProtocolError("connection reset"), 200)
    assert health_canary.check(URL, http=http, sleep=lambda _s: None)["attempt"] == 2
    failing = Answers(*[urllib3.exceptions.ProtocolError("connection reset")] * 2)
    with pytest.raises(health_canary.HealthCheckError) as caught:
        health_canary.check(URL, http=failing, attempts=2, sleep=lambda _s: None)
    assert str(caught.value) == f"{URL}: ProtocolError: connection reset after 2 attempts"


def test_unreachable_host_fails_the_run() -> None:
    with pytest.raises(health_canary.HealthCheckError, match=r"NewConnectionError.*2 attempts$"):
        health_canary.check("http://127.0.0.1:9/health", http=_http(), attempts=2,
                            sleep=lambda _s: None)


def test_handler_reads_the_url_from_the_environment(httpserver: HTTPServer,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    httpserver.expect_request("/health").respond_with_json({"status": "ok"})
    monkeypatch.setenv("HEALTH_URL", httpserver.url_for("/health"))
    assert health_canary.handler({}, None)["status"] == 200
    (request, _), = httpserver.log
    assert request.headers["User-Agent"] == "marketplace-health-canary"
    assert request.headers["Accept"] == "application/json"


def test_no_attempts_at_all_fail_with_no_error_to_name() -> None:
    with pytest.raises(health_canary.HealthCheckError) as caught:
        health_canary.check(URL, http=Answers(), attempts=0)
    assert str(caught.value) == f"{URL}:  after 0 attempts"
