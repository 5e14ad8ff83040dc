"""Slack's v0 request signature: the documented example, and every way to fail it."""

from __future__ import annotations

import pytest

from functions.slack_interactions.signature import InvalidSignatureError, sign, verify

# docs.slack.dev, "Verifying requests from Slack": the worked example (secret, timestamp,
# body and the signature Slack sent with them).
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TIMESTAMP = "1531420618"
BODY = (b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&"
        b"channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&"
        b"command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2F"
        b"commands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
        b"trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_the_documented_example_signs_and_verifies() -> None:
    assert sign(SECRET, TIMESTAMP, BODY) == SIGNATURE
    verify(SECRET, TIMESTAMP, BODY, SIGNATURE, now=1531420618 + 10)


@pytest.mark.parametrize(("now", "reason"), [
    (1531420618 + 301, "older than five minutes"),
    (1531420618 - 301, "older than five minutes"),
])
def test_a_timestamp_over_five_minutes_away_is_refused(now: int, reason: str) -> None:
    with pytest.raises(InvalidSignatureError, match=reason):
        verify(SECRET, TIMESTAMP, BODY, SIGNATURE, now=now)


def test_exactly_five_minutes_is_still_accepted() -> None:
    verify(SECRET, TIMESTAMP, BODY, SIGNATURE, now=1531420618 + 300)


@pytest.mark.parametrize(("secret", "timestamp", "body", "signature", "reason"), [
    ("another-secret", TIMESTAMP, BODY, SIGNATURE, "does not match"),
    (SECRET, TIMESTAMP, BODY + b"&x=1", SIGNATURE, "does not match"),
    (SECRET, "1531420619", BODY, SIGNATURE, "does not match"),
    (SECRET, TIMESTAMP, BODY, "v1=" + SIGNATURE[3:], "does not match"),
    (SECRET, TIMESTAMP, BODY, SIGNATURE.upper(), "does not match"),
    (SECRET, None, BODY, SIGNATURE, "headers missing"),
    (SECRET, TIMESTAMP, BODY, None, "headers missing"),
    (SECRET, "soon", BODY, SIGNATURE, "not a number"),
    ("", TIMESTAMP, BODY, SIGNATURE, "no signing secret"),
])
def test_anything_else_is_refused(secret: str, timestamp: str | None, body: bytes,
                                  signature: str | None, reason: str) -> None:
    with pytest.raises(InvalidSignatureError, match=reason):
        verify(secret, timestamp, body, signature, now=1531420618)


def test_the_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import hmac
    seen: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        seen.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    verify(SECRET, TIMESTAMP, BODY, SIGNATURE, now=1531420618)
    assert seen == [(SIGNATURE.encode(), SIGNATURE.encode())]
