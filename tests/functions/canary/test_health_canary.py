"""The health canary against a local HTTP server: passes on 2XX, retries, fails loudly."""

from __future__ import annotations

import pytest
import urllib3
from pytest_httpserver import HTTPServer

from functions.canary import health_canary


def _http() -> urllib3.PoolManager:
    return urllib3.PoolManager(timeout=urllib3.Timeout(connect=1.0, read=1.0), retries=False)


def test_healthy_route_passes_with_body_and_latency(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/health", method="GET").respond_with_json({"status": "ok"})
    result = health_canary.check(httpserver.url_for("/health"), http=_http())
    assert result["status"] == 200
    assert result["body"] == {"status": "ok"}
    assert result["attempt"] == 1
    assert result["latency_ms"] >= 0


def test_a_transient_failure_is_retried_with_backoff(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/health").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/health").respond_with_json({"status": "ok"})
    pauses: list[float] = []
    result = health_canary.check(httpserver.url_for("/health"), http=_http(),
                                 backoff_seconds=0.5, sleep=pauses.append)
    assert result["attempt"] == 2
    assert pauses == [0.5]


def test_a_persistent_failure_fails_the_run(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/health").respond_with_data("down", status=500)
    pauses: list[float] = []
    with pytest.raises(health_canary.HealthCheckError, match="HTTP 500 after 3 attempts"):
        health_canary.check(httpserver.url_for("/health"), http=_http(), backoff_seconds=1,
                            sleep=pauses.append)
    assert pauses == [1, 2]  # doubling, none after the last attempt


def test_unreachable_host_fails_the_run() -> None:
    with pytest.raises(health_canary.HealthCheckError, match="attempts"):
        health_canary.check("http://127.0.0.1:9/health", http=_http(), attempts=2,
                            sleep=lambda _s: None)


def test_handler_reads_the_url_from_the_environment(httpserver: HTTPServer,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    httpserver.expect_request("/health").respond_with_json({"status": "ok"})
    monkeypatch.setenv("HEALTH_URL", httpserver.url_for("/health"))
    assert health_canary.handler({}, None)["status"] == 200
