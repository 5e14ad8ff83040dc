"""The one client helper: stack variables in, a tuned botocore config out."""

from __future__ import annotations

import pytest

from functions.shared import clients

STACK_ENV = {
    "CLIENT_CONNECT_TIMEOUT_SECONDS": "0.75",
    "CLIENT_READ_TIMEOUT_SECONDS": "7",
    "CLIENT_MAX_POOL_CONNECTIONS": "32",
}


def test_config_takes_the_stack_variables() -> None:
    built = clients.config(STACK_ENV)
    assert built.connect_timeout == 0.75
    assert built.read_timeout == 7.0
    assert built.max_pool_connections == 32
    assert built.tcp_keepalive is True


def test_defaults_when_unset_or_empty() -> None:
    for env in ({}, {"CLIENT_CONNECT_TIMEOUT_SECONDS": "", "CLIENT_READ_TIMEOUT_SECONDS": " "}):
        built = clients.config(env)
        assert (built.connect_timeout, built.read_timeout) == (2.0, 5.0)
        assert built.max_pool_connections == 10
        assert built.tcp_keepalive is True
        assert built.retries is None  # left to botocore's AWS_RETRY_MODE / AWS_MAX_ATTEMPTS


@pytest.mark.parametrize(("name", "raw", "why"), [
    ("CLIENT_CONNECT_TIMEOUT_SECONDS", "two", "is not a number"),
    ("CLIENT_READ_TIMEOUT_SECONDS", "0", "must be greater than 0"),
    ("CLIENT_READ_TIMEOUT_SECONDS", "-3", "must be greater than 0"),
    ("CLIENT_MAX_POOL_CONNECTIONS", "2.5", "is not a number"),
    ("CLIENT_MAX_POOL_CONNECTIONS", "0", "must be greater than 0"),
])
def test_a_bad_value_is_refused_by_name(name: str, raw: str, why: str) -> None:
    with pytest.raises(ValueError, match=f"^{name}='{raw}' {why}$"):
        clients.config({**STACK_ENV, name: raw})


def test_overrides_win_over_the_environment() -> None:
    built = clients.config(STACK_ENV, read_timeout=3, retries={"total_max_attempts": 1})
    assert built.read_timeout == 3
    assert built.connect_timeout == 0.75
    assert built.retries == {"total_max_attempts": 1}


def test_client_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**STACK_ENV, "AWS_RETRY_MODE": "adaptive",
                        "AWS_MAX_ATTEMPTS": "4"}.items():
        monkeypatch.setenv(name, value)
    sns = clients.client("sns", region_name="eu-west-1")
    assert sns.meta.region_name == "eu-west-1"
    assert sns.meta.config.connect_timeout == 0.75
    assert sns.meta.config.read_timeout == 7.0
    assert sns.meta.config.max_pool_connections == 32
    assert sns.meta.config.tcp_keepalive is True
    # botocore itself turns the two AWS_ variables into the client's retries.
    assert sns.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 4}


def test_a_site_that_owns_its_retries_keeps_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "4")
    single = clients.client("timestream-write", region_name="us-east-1",
                            retries={"total_max_attempts": 1})
    assert single.meta.config.retries == {"total_max_attempts": 1, "mode": "adaptive"}


def test_resource_is_tuned_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIENT_READ_TIMEOUT_SECONDS", "1.25")
    table_api = clients.resource("dynamodb", region_name="us-east-1").meta.client
    assert table_api.meta.config.read_timeout == 1.25
    assert table_api.meta.config.tcp_keepalive is True
    assert table_api.meta.region_name == "us-east-1"
