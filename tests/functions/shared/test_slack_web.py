"""Slack Web API calls against a local server: ok, ok:false, 429 and 5xx."""

from __future__ import annotations

import json

import pytest
import urllib3
from pytest_httpserver import HTTPServer

from functions.shared import retry
from functions.shared.retry import Backoff, Deadline
from functions.shared.slack_web import SlackWebApi, WebCallError, pagerduty_event

BACKOFF = Backoff(attempts=3, base_seconds=0.01, cap_seconds=0.05)


@pytest.fixture
def web(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> SlackWebApi:
    monkeypatch.setattr(retry, "sleep", lambda _s: None)
    return SlackWebApi(urllib3.PoolManager(), "xoxb-1", backoff=BACKOFF, timeout_seconds=1,
                       base_url=httpserver.url_for("/api"))


def test_post_message_returns_channel_and_ts(web: SlackWebApi, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/chat.postMessage").respond_with_json(
        {"ok": True, "channel": "C1", "ts": "1.2"})
    assert web.post_message("alerts", "t", [], Deadline(5), thread_ts="0.1") == ("C1", "1.2")
    (request, _), = httpserver.log
    assert request.headers["Authorization"] == "Bearer xoxb-1"
    assert json.loads(request.data) == {"channel": "alerts", "text": "t", "blocks": [],
                                        "unfurl_links": False, "thread_ts": "0.1"}


def test_ok_false_is_a_permanent_error(web: SlackWebApi, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/chat.update").respond_with_json(
        {"ok": False, "error": "invalid_auth"})
    with pytest.raises(WebCallError, match="invalid_auth") as caught:
        web.update("C1", "1.2", "t", [], Deadline(5))
    assert caught.value.permanent
    assert len(httpserver.log) == 1


def test_5xx_is_retried_then_given_up(web: SlackWebApi, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/chat.update").respond_with_data("", status=502)
    with pytest.raises(WebCallError, match="HTTP 502") as caught:
        web.update("C1", "1.2", "t", [], Deadline(5))
    assert not caught.value.permanent
    assert len(httpserver.log) == 3


def test_pagerduty_event_body(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v2/enqueue").respond_with_json({"status": "success"}, 202)
    pagerduty_event(urllib3.PoolManager(), httpserver.url_for("/v2/enqueue"), "RK",
                    "acknowledge", "key-1", deadline=Deadline(5), backoff=BACKOFF,
                    timeout_seconds=1)
    assert json.loads(httpserver.log[0][0].data) == {
        "routing_key": "RK", "event_action": "acknowledge", "dedup_key": "key-1"}
