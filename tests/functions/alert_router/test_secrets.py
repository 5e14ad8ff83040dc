"""The secrets cache against moto Secrets Manager: expiry edges, missing values, Slack's map."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from functions.alert_router import secrets as secret_store
from functions.alert_router.secrets import MissingSecretError, secret_string, slack_webhooks

MISSING = "arn:aws:secretsmanager:us-east-1:123456789012:secret:pagerduty-AbCdEf"


class Counting:
    """A Secrets Manager client that counts reads."""

    def __init__(self, client: Any, env: pytest.MonkeyPatch) -> None:
        self.client, self.env, self.reads = client, env, 0
        self.exceptions = client.exceptions

    def get_secret_value(self, **kwargs: Any) -> Any:
        self.reads += 1
        return self.client.get_secret_value(**kwargs)


@pytest.fixture(scope="module")
def moto_client() -> Iterator[Any]:
    """moto Secrets Manager, once per module."""
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="us-east-1")


@pytest.fixture
def client(moto_client: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Counting]:
    """A counting client and an empty cache."""
    secret_store.clear()
    counting = Counting(moto_client, monkeypatch)
    # As the stack names it, so the role check knows which deployed secret a read targets.
    monkeypatch.setenv("PAGERDUTY_SECRET_ARN", MISSING)
    yield counting
    secret_store.clear()


def put(client: Counting, name: str, value: str,
        variable: str = "PAGERDUTY_SECRET_ARN") -> str:
    """A secret named ``name`` with ``value``, named by ``variable`` as the stack does; its ARN."""
    try:
        arn = client.client.create_secret(Name=name, SecretString=value)["ARN"]
    except client.exceptions.ResourceExistsException:
        client.client.put_secret_value(SecretId=name, SecretString=value)
        arn = client.client.describe_secret(SecretId=name)["ARN"]
    client.env.setenv(variable, arn)
    return arn


def test_the_cache_lasts_five_minutes() -> None:
    assert secret_store.CACHE_SECONDS == 300


@pytest.mark.parametrize(("later", "value", "reads"), [
    (299.9, "first", 1),   # still fresh
    (300.0, "second", 2),  # expired at exactly five minutes
])
def test_cached_values_expire(client: Counting, later: float, value: str, reads: int) -> None:
    arn = put(client, "key", "first")
    assert secret_string(client, arn, now=1000.0) == "first"
    client.client.put_secret_value(SecretId=arn, SecretString="second")
    assert secret_string(client, arn, now=1000.0 + later) == value
    assert client.reads == reads


def test_a_refreshed_value_is_cached_from_the_refresh(client: Counting) -> None:
    arn = put(client, "key", "first")
    secret_string(client, arn, now=1000.0)
    client.client.put_secret_value(SecretId=arn, SecretString="second")
    secret_string(client, arn, now=1300.0)
    client.client.put_secret_value(SecretId=arn, SecretString="third")
    assert secret_string(client, arn, now=1599.0) == "second"
    assert client.reads == 2


def test_without_now_the_monotonic_clock_is_used(client: Counting,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    arn = put(client, "key", "first")
    monkeypatch.setattr(secret_store.time, "monotonic", lambda: 5000.0)
    secret_string(client, arn)
    assert secret_store._cache[arn] == (5000.0, "first")
    client.client.put_secret_value(SecretId=arn, SecretString="second")
    assert secret_string(client, arn, now=5299.0) == "first"
    monkeypatch.setattr(secret_store.time, "monotonic", lambda: 5300.0)
    assert secret_string(client, arn) == "second"


def test_each_secret_is_cached_on_its_own(client: Counting) -> None:
    a, b = put(client, "a", "A"), put(client, "b", "B", "SLACK_SECRET_ARN")
    assert (secret_string(client, a, now=0.0), secret_string(client, b, now=0.0)) == ("A", "B")


def test_clear_forgets_values(client: Counting) -> None:
    arn = put(client, "key", "first")
    secret_string(client, arn, now=1000.0)
    secret_store.clear()
    secret_string(client, arn, now=1001.0)
    assert client.reads == 2


def test_a_secret_without_a_value_is_named_not_shown(client: Counting) -> None:
    with pytest.raises(MissingSecretError) as caught:
        secret_string(client, MISSING, now=0.0)
    assert str(caught.value) == "secret pagerduty-AbCdEf has no value"
    assert isinstance(caught.value.__cause__, client.exceptions.ResourceNotFoundException)
    assert MISSING not in secret_store._cache


def test_slack_webhooks_map_channels_to_urls(client: Counting) -> None:
    arn = put(client, "slack", json.dumps({"alerts": "https://hooks.slack.com/a", "n": 3}),
              "SLACK_SECRET_ARN")
    assert slack_webhooks(client, arn) == {"alerts": "https://hooks.slack.com/a", "n": "3"}


@pytest.mark.parametrize("value", ['["https://hooks.slack.com/a"]', '"x"', "null"])
def test_slack_secret_must_be_an_object(client: Counting, value: str) -> None:
    arn = put(client, "slack", value, "SLACK_SECRET_ARN")
    with pytest.raises(MissingSecretError, match=r"^the Slack webhook secret is not a JSON "
                                                 r"object$"):
        slack_webhooks(client, arn)
