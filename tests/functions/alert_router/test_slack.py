"""Slack Block Kit messages: the exact body, colours by state and severity, Slack's limits."""

from __future__ import annotations

from typing import Any

import pytest

from functions.alert_router import slack
from functions.alert_router.alert import Alert
from functions.alert_router.slack import colour_of, message_for


def alert(**fields: Any) -> Alert:
    """A warning alarm; ``fields`` override."""
    values: dict[str, Any] = {"key": "k", "source": "cloudwatch", "severity": "warning",
                              "title": "api-5xx", "state": "ALARM"}
    values.update(fields)
    return Alert(**values)


def test_a_full_alarm_message() -> None:
    a = alert(resource="AWS/ApiGateway/5XXError", region="us-east-1",
              account="123456789012", time="2026-11-28T06:01:10.554+0000",
              reason="Threshold crossed", links={"Alarm": "https://a.example.com",
                                                 "Runbook": "https://r.example.com#api"})
    assert message_for(a) == {
        "text": "ALARM [warning] api-5xx",
        "attachments": [{"color": "#F2A900", "blocks": [
            {"type": "header", "text": {"type": "plain_text",
                                        "text": ":rotating_light: ALARM: api-5xx",
                                        "emoji": True}},
            {"type": "section", "fields": [
                {"type": "mrkdwn", "text": "*Severity*\nwarning"},
                {"type": "mrkdwn", "text": "*Source*\ncloudwatch"},
                {"type": "mrkdwn", "text": "*Resource*\nAWS/ApiGateway/5XXError"},
                {"type": "mrkdwn", "text": "*Region*\nus-east-1"},
                {"type": "mrkdwn", "text": "*Account*\n123456789012"},
                {"type": "mrkdwn", "text": "*Since*\n2026-11-28T06:01:10.554+0000"}]},
            {"type": "section", "text": {"type": "mrkdwn", "text": "Threshold crossed"}},
            {"type": "actions", "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "Alarm"},
                 "url": "https://a.example.com"},
                {"type": "button", "text": {"type": "plain_text", "text": "Runbook"},
                 "url": "https://r.example.com#api"}]},
        ]}],
    }


def test_a_bare_alert_has_no_reason_or_links_blocks() -> None:
    message = message_for(alert())
    blocks = message["attachments"][0]["blocks"]
    assert [b["type"] for b in blocks] == ["header", "section"]
    assert blocks[1]["fields"] == [{"type": "mrkdwn", "text": "*Severity*\nwarning"},
                                   {"type": "mrkdwn", "text": "*Source*\ncloudwatch"}]


@pytest.mark.parametrize(("state", "escalated", "text", "header"), [
    ("OK", False, "RESOLVED [warning] api-5xx", ":white_check_mark: RESOLVED: api-5xx"),
    ("ALARM", True, "ESCALATED ALARM [warning] api-5xx",
     ":rotating_light: ESCALATED ALARM: api-5xx"),
    ("INSUFFICIENT_DATA", False, "INSUFFICIENT_DATA [warning] api-5xx",
     ":grey_question: INSUFFICIENT_DATA: api-5xx"),
])
def test_headlines_by_state(state: str, escalated: bool, text: str, header: str) -> None:
    message = message_for(alert(state=state, escalated=escalated))
    assert message["text"] == text
    assert message["attachments"][0]["blocks"][0]["text"]["text"] == header


@pytest.mark.parametrize(("state", "severity", "colour"), [
    ("ALARM", "critical", "#D00000"),
    ("ALARM", "warning", "#F2A900"),
    ("ALARM", "info", "#2F80ED"),
    ("ALARM", "maintenance", "#8E44AD"),
    ("ALARM", "unknown", "#9E9E9E"),
    ("OK", "critical", "#2EB67D"),
    ("OK", "warning", "#2EB67D"),
    ("INSUFFICIENT_DATA", "critical", "#9E9E9E"),
    ("SOMETHING", "critical", "#9E9E9E"),
])
def test_colours(state: str, severity: str, colour: str) -> None:
    assert colour_of(alert(state=state, severity=severity)) == colour


def test_the_insufficient_data_colour_is_grey() -> None:
    assert slack.COLOURS[("INSUFFICIENT_DATA", "*")] == "#9E9E9E"


@pytest.mark.parametrize(("length", "cut"), [(149, False), (150, False), (151, True)])
def test_the_header_fits_150(length: int, cut: bool) -> None:
    # ":rotating_light: ALARM: " is 24 characters.
    header = message_for(alert(title="t" * (length - 24)))["attachments"][0]["blocks"][0]
    text = header["text"]["text"]
    assert len(text) == min(length, 150)
    assert text.endswith("…") is cut


@pytest.mark.parametrize(("length", "cut"), [(2999, False), (3000, False), (3001, True)])
def test_the_reason_fits_3000(length: int, cut: bool) -> None:
    blocks = message_for(alert(reason="r" * length))["attachments"][0]["blocks"]
    text = blocks[2]["text"]["text"]
    assert len(text) == min(length, 3000)
    assert text == ("r" * 2999 + "…" if cut else "r" * length)


@pytest.mark.parametrize(("length", "cut"), [(2999, False), (3000, False), (3001, True)])
def test_the_fallback_text_fits_3000(length: int, cut: bool) -> None:
    # "ALARM [warning] " is 16 characters.
    text = message_for(alert(title="t" * (length - 16)))["text"]
    assert len(text) == min(length, 3000)
    assert text.endswith("…") is cut


@pytest.mark.parametrize(("length", "cut"), [(1999, False), (2000, False), (2001, True)])
def test_a_field_fits_2000(length: int, cut: bool) -> None:
    # "*Resource*\n" is 11 characters.
    fields = message_for(alert(resource="x" * (length - 11)))["attachments"][0]["blocks"][1]
    text = fields["fields"][2]["text"]
    assert len(text) == min(length, 2000)
    assert text.endswith("…") is cut


def test_at_most_five_buttons_with_labels_of_75() -> None:
    links = {f"{i}" + "L" * 80: f"https://l.example.com/{i}" for i in range(7)}
    elements = message_for(alert(links=links))["attachments"][0]["blocks"][-1]["elements"]
    assert [e["url"] for e in elements] == [f"https://l.example.com/{i}" for i in range(5)]
    assert elements[0]["text"]["text"] == "0" + "L" * 74


def test_the_limits() -> None:
    assert (slack.HEADER_MAX, slack.FIELD_MAX, slack.TEXT_MAX) == (150, 2000, 3000)
