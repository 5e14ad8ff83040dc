"""Secrets through Powertools against moto Secrets Manager: expiry, missing values, Slack's map."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.parameters import GetParameterError, SecretsProvider
from aws_lambda_powertools.utilities.parameters import base as powertools_base
from botocore.exceptions import ClientError
from moto import mock_aws

from functions.alert_router import secrets as secret_store
from functions.alert_router.secrets import MissingSecretError, secret_string, slack_webhooks

MISSING = "arn:aws:secretsmanager:us-east-1:123456789012:secret:pagerduty-AbCdEf"
START = datetime(2026, 12, 1, 12, 0, 0)


class Counting:
    """A Secrets Manager client that counts reads, and fails them when told to."""

    def __init__(self, client: Any, env: pytest.MonkeyPatch) -> None:
        self.client, self.env, self.reads = client, env, 0
        self.exceptions = client.exceptions
        self.failure: Exception | None = None

    def get_secret_value(self, **kwargs: Any) -> Any:
        self.reads += 1
        if self.failure is not None:
            raise self.failure
        return self.client.get_secret_value(**kwargs)


class Clock:
    """Stands in for ``datetime`` in Powertools' cache, which reads ``datetime.now()``."""

    now = START

    @classmethod
    def at(cls, seconds: float) -> None:
        cls.now = START + timedelta(seconds=seconds)

    @classmethod
    def now_(cls) -> datetime:
        return cls.now


@pytest.fixture(scope="module")
def moto_client() -> Iterator[Any]:
    """moto Secrets Manager, once per module."""
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="us-east-1")


@pytest.fixture
def client(moto_client: Any, monkeypatch: pytest.MonkeyPatch) -> Counting:
    """A counting client; Powertools' cache clock starts at START."""
    monkeypatch.setattr(powertools_base, "datetime",
                        type("FakeDatetime", (), {"now": staticmethod(Clock.now_)}))
    Clock.at(0)
    # As the stack names it, so the role check knows which deployed secret a read targets.
    monkeypatch.setenv("PAGERDUTY_SECRET_ARN", MISSING)
    return Counting(moto_client, monkeypatch)


@pytest.fixture
def provider(client: Counting) -> SecretsProvider:
    """A Powertools provider over the counting client, with an empty cache."""
    return SecretsProvider(boto3_client=client)  # type: ignore[arg-type]


def put(client: Counting, name: str, value: str | bytes,
        variable: str = "PAGERDUTY_SECRET_ARN") -> str:
    """A secret named ``name`` with ``value``, named by ``variable`` as the stack does; its ARN."""
    field = "SecretBinary" if isinstance(value, bytes) else "SecretString"
    try:
        arn = client.client.create_secret(Name=name, **{field: value})["ARN"]
    except client.exceptions.ResourceExistsException:
        client.client.put_secret_value(SecretId=name, **{field: value})
        arn = client.client.describe_secret(SecretId=name)["ARN"]
    client.env.setenv(variable, arn)
    return arn


def test_the_cache_lasts_five_minutes() -> None:
    assert secret_store.CACHE_SECONDS == 300


@pytest.mark.parametrize(("later", "value", "reads"), [
    (299.9, "first", 1),   # still fresh
    (300.0, "first", 1),   # Powertools keeps a value up to and including its expiry
    (300.5, "second", 2),  # expired
])
def test_cached_values_expire(client: Counting, provider: SecretsProvider, later: float,
                              value: str, reads: int) -> None:
    arn = put(client, "key", "first")
    assert secret_string(provider, arn) == "first"
    client.client.put_secret_value(SecretId=arn, SecretString="second")
    Clock.at(later)
    assert secret_string(provider, arn) == value
    assert client.reads == reads


def test_the_five_minutes_hold_whatever_powertools_env_default_says(
        client: Counting, provider: SecretsProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_PARAMETERS_MAX_AGE", "5")
    arn = put(client, "key", "first")
    secret_string(provider, arn)
    client.client.put_secret_value(SecretId=arn, SecretString="second")
    Clock.at(299.9)
    assert secret_string(provider, arn) == "first"
    assert client.reads == 1


def test_a_refreshed_value_is_cached_from_the_refresh(client: Counting,
                                                      provider: SecretsProvider) -> None:
    arn = put(client, "key", "first")
    secret_string(provider, arn)
    client.client.put_secret_value(SecretId=arn, SecretString="second")
    Clock.at(300.5)
    assert secret_string(provider, arn) == "second"
    client.client.put_secret_value(SecretId=arn, SecretString="third")
    Clock.at(600.0)
    assert secret_string(provider, arn) == "second"
    assert client.reads == 2


def test_each_secret_is_cached_on_its_own(client: Counting, provider: SecretsProvider) -> None:
    a, b = put(client, "a", "A"), put(client, "b", "B", "SLACK_SECRET_ARN")
    assert (secret_string(provider, a), secret_string(provider, b)) == ("A", "B")
    assert (secret_string(provider, a), secret_string(provider, b)) == ("A", "B")
    assert client.reads == 2


def test_a_secret_without_a_value_is_named_not_shown(client: Counting,
                                                     provider: SecretsProvider) -> None:
    with pytest.raises(MissingSecretError) as caught:
        secret_string(provider, MISSING)
    assert str(caught.value) == "secret pagerduty-AbCdEf has no value"
    assert isinstance(caught.value.__cause__, client.exceptions.ResourceNotFoundException)
    # Nothing was cached: the next read asks again.
    with pytest.raises(MissingSecretError):
        secret_string(provider, MISSING)
    assert client.reads == 2


def test_a_secret_named_without_an_arn_is_named_as_it_is(client: Counting,
                                                         provider: SecretsProvider) -> None:
    client.env.setenv("PAGERDUTY_SECRET_ARN", "pagerduty-unset")
    with pytest.raises(MissingSecretError, match=r"^secret pagerduty-unset has no value$"):
        secret_string(provider, "pagerduty-unset")


@pytest.mark.parametrize("failure", [
    ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}},
                "GetSecretValue"),
    ValueError("not an SDK error"),
    ClientError({}, "GetSecretValue"),  # an error response without an Error member
])
def test_other_read_failures_are_not_called_missing(client: Counting, provider: SecretsProvider,
                                                    failure: Exception) -> None:
    client.failure = failure
    with pytest.raises(GetParameterError) as caught:
        secret_string(provider, MISSING)
    assert not isinstance(caught.value, MissingSecretError)
    assert caught.value.__context__ is failure


def test_a_binary_secret_is_not_a_key(client: Counting, provider: SecretsProvider) -> None:
    arn = put(client, "binary", b"\x00key")
    with pytest.raises(MissingSecretError, match=r"^secret binary-\w{6} is binary, not text$"):
        secret_string(provider, arn)


def test_slack_webhooks_map_channels_to_urls(client: Counting,
                                             provider: SecretsProvider) -> None:
    arn = put(client, "slack", json.dumps({"alerts": "https://hooks.slack.com/a", "n": 3}),
              "SLACK_SECRET_ARN")
    assert slack_webhooks(provider, arn) == {"alerts": "https://hooks.slack.com/a", "n": "3"}
    assert slack_webhooks(provider, arn) == {"alerts": "https://hooks.slack.com/a", "n": "3"}
    assert client.reads == 1  # the parsed map is cached too


@pytest.mark.parametrize("value", ['["https://hooks.slack.com/a"]', '"x"', "null", "3"])
def test_slack_secret_must_be_an_object(client: Counting, provider: SecretsProvider,
                                        value: str) -> None:
    arn = put(client, "slack", value, "SLACK_SECRET_ARN")
    with pytest.raises(MissingSecretError, match=r"^the Slack webhook secret is not a JSON "
                                                 r"object$"):
        slack_webhooks(provider, arn)


def test_slack_secret_must_be_json_and_is_not_shown(client: Counting,
                                                    provider: SecretsProvider) -> None:
    arn = put(client, "slack", "https://hooks.slack.com/services/T0/B0/SECRET",
              "SLACK_SECRET_ARN")
    with pytest.raises(MissingSecretError) as caught:
        slack_webhooks(provider, arn)
    assert str(caught.value) == "the Slack webhook secret is not JSON"
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__ is True
