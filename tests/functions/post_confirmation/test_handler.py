"""The Cognito post-confirmation trigger under moto, with the recorded Cognito payload."""

from __future__ import annotations

import copy
import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from functions.shared.events import validate
from tests.functions.api.conftest import Context

EVENT = json.loads((Path(__file__).resolve().parents[2] / "fixtures" / "backend"
                    / "cognito-post-confirmation.json").read_text())
BUS = "post-confirmation-test-bus"


@pytest.fixture(scope="module")
def loaded() -> Iterator[tuple[ModuleType, list]]:
    """The trigger imported inside moto with the bus; PutEvents entries recorded."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
                           "AWS_SECRET_ACCESS_KEY": "testing", "EVENT_BUS_NAME": BUS,
                           "POWERTOOLS_TRACE_DISABLED": "1",
                           "POWERTOOLS_METRICS_NAMESPACE": "marketplace/test"}.items():
            patch.setenv(key, value)
        with mock_aws():
            boto3.client("events").create_event_bus(Name=BUS)
            import functions.post_confirmation.handler as module

            module = importlib.reload(module)
            entries: list[dict[str, Any]] = []
            module.publisher._client.meta.events.register(
                "provide-client-params.events.PutEvents",
                lambda params, **_: entries.extend(params["Entries"]))
            yield module, entries


@pytest.fixture
def trigger(loaded: tuple[ModuleType, list]) -> tuple[ModuleType, list]:
    """The loaded trigger with an empty record of sent entries."""
    loaded[1].clear()
    return loaded


def confirmation(trigger_source: str = "PostConfirmation_ConfirmSignUp",
                 **attributes: str) -> dict[str, Any]:
    event = copy.deepcopy(EVENT)
    event["triggerSource"] = trigger_source
    event["request"]["userAttributes"].update(attributes)
    return event


def test_sign_up_emits_user_registered(trigger: tuple[ModuleType, list],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    module, entries = trigger
    event = confirmation(sub="4f6c1b2a-0000-4000-8000-000000000001")
    assert module.lambda_handler(event, Context()) == event
    (entry,) = entries
    assert entry["DetailType"] == "UserRegistered"
    assert entry["EventBusName"] == BUS
    detail = validate("UserRegistered", json.loads(entry["Detail"]))
    assert detail["user_id"] == event["request"]["userAttributes"]["sub"]
    assert detail["signup_channel"] == "direct"
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines()
           if "_aws" in line]
    # The stream processor counts the event; counting it here too would double it.
    assert not [d for d in emf if "Registrations" in d]


def test_federated_sign_up_is_labelled(trigger: tuple[ModuleType, list]) -> None:
    module, entries = trigger
    module.lambda_handler(confirmation(sub="u2", identities='[{"providerName":"Google"}]'),
                          Context())
    assert json.loads(entries[0]["Detail"])["signup_channel"] == "federated"


def test_password_reset_confirmation_is_not_a_registration(trigger: tuple[ModuleType,
                                                           list]) -> None:
    module, entries = trigger
    event = confirmation("PostConfirmation_ConfirmForgotPassword", sub="u3")
    assert module.lambda_handler(event, Context()) == event
    assert entries == []


def test_missing_sub_returns_event_without_emitting(trigger: tuple[ModuleType, list]) -> None:
    module, entries = trigger
    event = confirmation()
    assert module.lambda_handler(event, Context()) == event
    assert entries == []


@pytest.mark.parametrize("request_part", [None, {}, {"userAttributes": None},
                                          {"userAttributes": {"sub": ""}},
                                          {"userAttributes": {"sub": 7}}])
def test_a_confirmation_without_a_usable_sub_emits_nothing(
        trigger: tuple[ModuleType, list], caplog: pytest.LogCaptureFixture,
        request_part: dict[str, Any] | None) -> None:
    module, entries = trigger
    event = confirmation()
    event["request"] = request_part
    with caplog.at_level("ERROR"):
        assert module.lambda_handler(event, Context()) is event
    assert entries == []
    (record,) = [r for r in caplog.records if r.levelname == "ERROR"]
    assert record.getMessage() == "confirmation without a sub attribute; no event emitted"
    assert record.__dict__["userName"] == EVENT["userName"]


def test_the_event_is_handed_over_with_the_invocation_deadline(
        trigger: tuple[ModuleType, list], monkeypatch: pytest.MonkeyPatch) -> None:
    module, _ = trigger
    handed: list[tuple[list, float]] = []
    monkeypatch.setattr(module.publisher, "publish",
                        lambda events, deadline: handed.append((events, deadline.remaining())))
    module.lambda_handler(confirmation(sub="u9"), Context())
    ((events, remaining),) = handed
    assert events == [("UserRegistered", {"user_id": "u9", "signup_channel": "direct"})]
    # The test context has 10 s left; the publisher keeps 1.5 s in reserve.
    assert 8.0 < remaining <= 8.5


@pytest.mark.parametrize(("identities", "channel"), [
    (None, "direct"), ("", "direct"), ('[{"providerName":"SignInWithApple"}]', "federated"),
])
def test_signup_channel(identities: str | None, channel: str) -> None:
    from functions.post_confirmation.handler import signup_channel

    attributes = {"sub": "u"} if identities is None else {"sub": "u", "identities": identities}
    assert signup_channel(attributes) == channel
