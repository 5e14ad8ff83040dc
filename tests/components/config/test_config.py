"""Stack config: every malformed stack file gives one ConfigError that names each bad key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from components.config import (
    ConfigError,
    Reader,
    build,
    declared_defaults,
    declared_keys,
    declared_secret_keys,
)
from tests.helpers import STACKS, config_of
from tools.mock_runtime import ROOT

# (overrides applied to the dev stack file, the key the error must name, words it must say)
MALFORMED: list[tuple[dict[str, object], str, str]] = [
    ({"lambdaMemoryMb": 64}, "marketplace:lambdaMemoryMb", "128..10240"),
    ({"lambdaMemoryMb": 20000}, "marketplace:lambdaMemoryMb", "out of range"),
    ({"lambdaMemoryMb": "lots"}, "marketplace:lambdaMemoryMb", "not a whole number"),
    ({"lambdaMemoryMb": "512.5"}, "marketplace:lambdaMemoryMb", "not a whole number"),
    ({"lambdaTimeoutSeconds": 0}, "marketplace:lambdaTimeoutSeconds", "1..900"),
    ({"lambdaTimeoutSeconds": 901}, "marketplace:lambdaTimeoutSeconds", "1..900"),
    ({"logRetentionDays": 10}, "marketplace:logRetentionDays", "use one of 1, 3, 5, 7, 14"),
    ({"logRetentionDays": -1}, "marketplace:logRetentionDays", "not allowed"),
    ({"auditLogRetentionDays": 100}, "marketplace:auditLogRetentionDays", "not allowed"),
    ({"aws:region": "us-east-9"}, "aws:region", "not allowed"),
    ({"aws:region": "eu-west1"}, "aws:region", "did you mean 'eu-west-1'"),
    ({"lambdaRuntime": "python3.9"}, "marketplace:lambdaRuntime", "python3.12, python3.13"),
    ({"lambdaRuntime": "python3.13-arm"}, "marketplace:lambdaRuntime", "did you mean"),
    ({"logLevel": "VERBOSE"}, "marketplace:logLevel", "DEBUG, INFO, WARN, ERROR"),
    ({"kmsDeletionWindowDays": 3}, "marketplace:kmsDeletionWindowDays", "7..30"),
    ({"kmsDeletionWindowDays": 31}, "marketplace:kmsDeletionWindowDays", "7..30"),
    ({"lambdaAsyncMaxRetries": 3}, "marketplace:lambdaAsyncMaxRetries", "0..2"),
    ({"lambdaAsyncMaxEventAgeSeconds": 30}, "marketplace:lambdaAsyncMaxEventAgeSeconds",
     "60..21600"),
    ({"dlqRetentionDays": 15}, "marketplace:dlqRetentionDays", "1..14"),
    ({"powertoolsLayerVersion": 0}, "marketplace:powertoolsLayerVersion", "out of range"),
    ({"owner": "team<script>"}, "marketplace:owner", "not a valid tag value"),
    ({"costCenter": ""}, "marketplace:costCenter", "not a valid tag value"),
    ({"runbookBaseUrl": "http://wiki/runbooks"}, "marketplace:runbookBaseUrl", "https:// URL"),
    ({"domainName": "not a domain"}, "marketplace:domainName", "DNS domain name"),
    ({"domainName": "Example..com"}, "marketplace:domainName", "DNS domain name"),
    ({"ownsAccountBaseline": "yes"}, "marketplace:ownsAccountBaseline", "true or false"),
    # Retired: EventBridge refuses schema discovery on the CMK-encrypted bus.
    ({"eventSchemaDiscovery": "true"}, "marketplace:eventSchemaDiscovery", "unknown key"),
    ({"eventArchiveRetentionDays": "a week"}, "marketplace:eventArchiveRetentionDays",
     "not a whole number"),
    ({"lambdaMemroyMb": 512}, "marketplace:lambdaMemroyMb",
     "did you mean 'marketplace:lambdaMemoryMb'"),
    ({"completelyUnknown": 1}, "marketplace:completelyUnknown", "unknown key"),
]


def _build(stack: str = "dev", **overrides: object) -> object:
    return build(config_of(stack, **overrides), project="marketplace", stack=stack)


@pytest.mark.parametrize(("overrides", "key", "words"), MALFORMED,
                         ids=[f"{k}-{i}" for i, (_, k, _w) in enumerate(MALFORMED)])
def test_malformed_value_names_its_key(overrides: dict[str, object], key: str, words: str) -> None:
    with pytest.raises(ConfigError) as raised:
        _build(**overrides)
    assert raised.value.keys == (key,)
    assert words in str(raised.value)
    assert key in str(raised.value)


def test_all_problems_are_reported_together() -> None:
    with pytest.raises(ConfigError) as raised:
        _build(lambdaMemoryMb=1, logLevel="LOUD", typoKey=True, **{"aws:region": "mars-1"})
    assert set(raised.value.keys) == {
        "marketplace:lambdaMemoryMb", "marketplace:logLevel", "marketplace:typoKey", "aws:region"}
    assert str(raised.value).startswith("invalid stack configuration (4 problems)")


@pytest.mark.parametrize("stack", STACKS)
def test_committed_stack_files_are_valid(stack: str) -> None:
    config = _build(stack)
    assert config.platform.stack == stack  # type: ignore[attr-defined]


def test_stacks_differ_only_in_values_not_in_keys_they_may_set() -> None:
    # Both stack files only set declared keys (the unknown-key check would fail otherwise),
    # and dev is the cheaper one where they differ.
    dev, prod = _build("dev"), _build("prod")
    assert dev.lambdas.log_retention_days < prod.lambdas.log_retention_days  # type: ignore[attr-defined]


def test_defaults_apply_when_keys_are_absent() -> None:
    required = {"marketplace:cloudflareZoneId": "0" * 32,
                "marketplace:cloudflareApiToken": "token"}
    config = build(required, project="marketplace", stack="scratch")
    assert config.lambdas.memory_mb == 512
    assert config.platform.prefix == "marketplace-scratch"


def test_secrets_are_outputs_and_never_in_error_text() -> None:
    r = Reader({"marketplace:slackWebhookUrl": "https://hooks.slack.com/services/T/B/SECRET"},
               secret_keys=["marketplace:slackWebhookUrl"])
    r.integer("lambdaMemoryMb", 512)
    r.fail("marketplace:other", "bad")
    assert "SECRET" not in str(ConfigError(r.problems))


def test_table_values_are_parsed_and_bad_items_named() -> None:
    r = Reader({"marketplace:t": '["a=1", "b", "c=x", "zz=2"]'})
    table = r.table("t", int, names=("a", "c", "z"))
    assert table == {"a": 1}
    assert [p.key for p in r.problems] == ["marketplace:t[1]", "marketplace:t[2]",
                                           "marketplace:t[3]"]
    assert "name=value" in r.problems[0].message
    assert "unknown name 'zz'" in r.problems[2].message


def test_number_rejects_nan_and_infinity() -> None:
    r = Reader({"marketplace:a": "nan", "marketplace:b": "inf", "marketplace:c": "99.9"})
    assert r.number("a", 1.0) == 1.0
    assert r.number("b", 1.0) == 1.0
    assert r.number("c", 1.0, minimum=0, maximum=100) == 99.9
    assert len(r.problems) == 2


def test_every_key_read_is_declared_in_pulumi_yaml_with_its_type() -> None:
    project = yaml.safe_load(Path(ROOT, "Pulumi.yaml").read_text())
    declared = {f"marketplace:{k}": v["type"] for k, v in project["config"].items()}
    read = {k: v for k, v in declared_keys().items() if k.startswith("marketplace:")}
    assert read == declared
    assert all(v.get("description") for v in project["config"].values())
    # The CLI's project schema requires the item type of every array.
    arrays = [v for v in project["config"].values() if v["type"] == "array"]
    assert arrays
    assert all(v.get("items") == {"type": "string"} for v in arrays)


def test_pulumi_yaml_defaults_are_the_ones_config_py_applies() -> None:
    # The CLI refuses to run a stack that lacks a value for a key without a default, and it
    # hands these defaults to the program; they must be what config.py falls back on.
    project = yaml.safe_load(Path(ROOT, "Pulumi.yaml").read_text())["config"]
    defaults = {k: v for k, v in declared_defaults().items() if k.startswith("marketplace:")}
    for full, default in defaults.items():
        spec = project[full.split(":", 1)[1]]
        if default is None or spec.get("secret"):
            # A default on a key declared secret fails the CLI's validation.
            assert "default" not in spec, full
        else:
            assert spec.get("default") == default, full
    required = [k for k, v in defaults.items() if v is None]
    assert required == ["marketplace:cloudflareApiToken"]


def test_every_secret_is_declared_secret_so_the_cli_refuses_it_in_plain_text() -> None:
    project = yaml.safe_load(Path(ROOT, "Pulumi.yaml").read_text())["config"]
    declared = {f"marketplace:{k}" for k, v in project.items() if v.get("secret")}
    assert declared == declared_secret_keys() == {
        "marketplace:cloudflareApiToken", "marketplace:cloudflarePurgeToken",
        "marketplace:cloudflareAnalyticsToken", "marketplace:analyticsInfluxPassword",
        "marketplace:pagerDutyRoutingKey", "marketplace:slackWebhookUrls",
        "marketplace:slackBotToken", "marketplace:slackSigningSecret"}


def test_pulumi_yaml_runs_python_from_the_project_venv() -> None:
    project = yaml.safe_load(Path(ROOT, "Pulumi.yaml").read_text())
    assert project["name"] == "marketplace"
    assert project["runtime"] == {"name": "python",
                                  "options": {"toolchain": "pip", "virtualenv": ".venv"}}


def test_user_pool_email_defaults_its_sender_and_refuses_a_foreign_one() -> None:
    ses = build(config_of("dev", userPoolSesIdentity="mail.example.com"), project="marketplace",
                stack="dev").backend
    assert ses.user_pool_email_from == "no-reply@mail.example.com"
    with pytest.raises(ConfigError) as error:
        build(config_of("dev", userPoolSesIdentity="mail.example.com",
                        userPoolEmailFrom="Shop <shop@other.org>"),
              project="marketplace", stack="dev")
    assert error.value.keys == ("marketplace:userPoolEmailFrom",)
    with pytest.raises(ConfigError) as error:
        build(config_of("dev", userPoolSesConfigurationSet="events"), project="marketplace",
              stack="dev")
    assert "needs userPoolSesIdentity" in str(error.value)
