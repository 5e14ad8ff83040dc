"""Key specs: each type read from raw text, its bounds and choices, and what Pulumi.yaml says."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pulumi
import pytest

from components.config.reader import Reader
from components.config.spec import KeySpec, Section, read_section

NS = "marketplace"


def _read(spec: KeySpec, raw: object | None) -> tuple[Any, list[str]]:
    """The value ``spec`` reads from ``raw`` (None: unset) and the problems, as text."""
    r = Reader({} if raw is None else {spec.full: raw})
    value = spec.read(r)
    return value, [str(p) for p in r.problems]


MEMORY = KeySpec("mem", "mem", "integer", 512, minimum=128, maximum=10240)
RETENTION = KeySpec("ret", "ret", "integer", 30, choices=(1, 7, 30))
LEVEL = KeySpec("level", "level", "string", "INFO", choices=("DEBUG", "INFO", "WARN"))
PATH = KeySpec("path", "path", "string", "/a", pattern=re.compile(r"^/\w*$"), what="a URL path")
OPTIONAL = KeySpec("arn", "arn", "optional", pattern=re.compile(r"^arn:"), what="an ARN")
RATE = KeySpec("rate", "rate", "number", 0.05, minimum=0, maximum=1)
WIDTH = KeySpec("width", "width", "number", 2.0, minimum=0, maximum=10, exclusive_minimum=True)
FLAG = KeySpec("flag", "flag", "boolean", True)
PLANS = KeySpec("plans", "plans", "array", ("S3",), choices=("S3", "EKS", "RDS"),
                what="a plan")
TTLS = KeySpec("ttls", "ttls", "table", {"a": 1, "b": 2}, names=("a", "b"), parse=int)
TOKEN = KeySpec("token", "token", "secret", required=True)
PURGE = KeySpec("purge", "purge", "secret")

# (spec, raw value, value read, problems)
CASES: list[tuple[KeySpec, object | None, object, list[str]]] = [
    (MEMORY, None, 512, []),
    (MEMORY, "1024", 1024, []),
    (MEMORY, "128", 128, []),
    (MEMORY, "10240", 10240, []),
    (MEMORY, "127", 512, ["marketplace:mem: 127 is out of range; allowed 128..10240"]),
    (MEMORY, "10241", 512, ["marketplace:mem: 10241 is out of range; allowed 128..10240"]),
    (MEMORY, "1.5", 512, ["marketplace:mem: '1.5' is not a whole number"]),
    (MEMORY, True, 512, ["marketplace:mem: True is not a whole number"]),
    (RETENTION, "7", 7, []),
    (RETENTION, "8", 30, ["marketplace:ret: 8 is not allowed; use one of 1, 7, 30"]),
    (LEVEL, "WARN", "WARN", []),
    (LEVEL, "INF0", "INFO",
     ["marketplace:level: 'INF0' is not allowed; use one of DEBUG, INFO, WARN "
      "(did you mean 'INFO'?)"]),
    (LEVEL, "LOUD", "INFO", ["marketplace:level: 'LOUD' is not allowed; use one of DEBUG, "
                             "INFO, WARN"]),
    (PATH, "/x", "/x", []),
    (PATH, "x", "/a", ["marketplace:path: 'x' is not a URL path"]),
    (OPTIONAL, None, None, []),
    (OPTIONAL, "", None, []),
    (OPTIONAL, "arn:x", "arn:x", []),
    (OPTIONAL, "nope", None, ["marketplace:arn: 'nope' is not an ARN"]),
    (RATE, "0", 0.0, []),
    (RATE, "1", 1.0, []),
    (RATE, "1.5", 0.05, ["marketplace:rate: 1.5 is out of range; allowed <= 1"]),
    (RATE, "-0.1", 0.05, ["marketplace:rate: -0.1 is out of range; allowed >= 0 and <= 1"]),
    (RATE, "lots", 0.05, ["marketplace:rate: 'lots' is not a number"]),
    (WIDTH, "0", 2.0, ["marketplace:width: 0 is out of range; allowed > 0 and <= 10"]),
    (WIDTH, "0.5", 0.5, []),
    (FLAG, "false", False, []),
    (FLAG, "TRUE", True, []),
    (FLAG, "yes", True, ["marketplace:flag: 'yes' is not a boolean; use true or false"]),
    (PLANS, None, ("S3",), []),
    (PLANS, '["EKS", "RDS"]', ("EKS", "RDS"), []),
    (PLANS, '["EKS", "RSD", 3]', ("EKS",),
     ["marketplace:plans[1]: 'RSD' is not a plan; use one of S3, EKS, RDS "
      "(did you mean 'RDS'?)",
      "marketplace:plans[2]: 3 is not a string"]),
    (PLANS, "EKS", ("S3",), ["marketplace:plans: 'EKS' is not a list of strings"]),
    (TTLS, None, {"a": 1, "b": 2}, []),
    (TTLS, '["b=5"]', {"a": 1, "b": 5}, []),
    (TTLS, '["c=5", "a=x", "b"]', {"a": 1, "b": 2},
     ["marketplace:ttls[0]: unknown name 'c'; use one of a, b",
      "marketplace:ttls[1]: 'a=x': invalid literal for int() with base 10: 'x'",
      "marketplace:ttls[2]: 'b' is not of the form name=value"]),
    (TOKEN, None, None, []),
    (PURGE, "", None, []),
]


@pytest.mark.parametrize(("spec", "raw", "value", "problems"), CASES,
                         ids=[f"{c[0].name}-{i}" for i, c in enumerate(CASES)])
def test_each_type_reads_its_value_or_names_the_problem(
        spec: KeySpec, raw: object | None, value: object, problems: list[str]) -> None:
    assert _read(spec, raw) == (value, problems)


def test_a_secret_reads_as_a_secret_output_and_is_recorded() -> None:
    r = Reader({"marketplace:token": "s3cr3t"})
    value = TOKEN.read(r)
    assert isinstance(value, pulumi.Output)
    assert r.secrets == {"marketplace:token"}
    assert r.problems == []


# (spec, Pulumi.yaml type, declared default)
DECLARED: list[tuple[KeySpec, str, object]] = [
    (MEMORY, "integer", 512),
    (LEVEL, "string", "INFO"),
    (OPTIONAL, "string", ""),
    (RATE, "string", "0.05"),
    (WIDTH, "string", "2"),
    (FLAG, "boolean", True),
    (PLANS, "array", ["S3"]),
    (TTLS, "array", ["a=1", "b=2"]),
    (TOKEN, "string", None),
    (PURGE, "string", ""),
]


@pytest.mark.parametrize(("spec", "kind", "default"), DECLARED,
                         ids=[d[0].name for d in DECLARED])
def test_pulumi_type_and_declared_default(spec: KeySpec, kind: str, default: object) -> None:
    assert (spec.pulumi_type, spec.declared_default) == (kind, default)


def test_full_names_keep_a_foreign_namespace() -> None:
    assert MEMORY.full == "marketplace:mem"
    assert KeySpec("aws:region", "region", "string", "us-east-1").full == "aws:region"


@dataclass(frozen=True)
class _Settings:
    size: int
    emails: dict[str, tuple[str, ...]]
    double: int


def _double(r: Reader, values: dict[str, Any], before: Any) -> None:
    values["double"] = 2 * values["size"]
    if values["size"] > before["limit"]:
        r.fail("size", f"{values['size']} is above the limit {before['limit']}")


SECTION = Section("demo", "demo", "demo.md", _Settings, (
    KeySpec("size", "size", "integer", 3, minimum=1),
    KeySpec("emailsA", "emails.a", "array"),
    KeySpec("emailsB", "emails.b", "array", ("b@example.com",)),
))


def test_a_section_fills_mapping_fields_and_runs_its_rules_after_the_keys() -> None:
    r = Reader({"marketplace:size": "5", "marketplace:emailsA": '["a@example.com"]'})
    settings = read_section(r, SECTION, (_double,), {"limit": 4})
    assert settings == _Settings(5, {"a": ("a@example.com",), "b": ("b@example.com",)}, 10)
    assert [str(p) for p in r.problems] == ["marketplace:size: 5 is above the limit 4"]


def test_unknown_keys_get_a_suggestion_or_a_pointer_to_pulumi_yaml() -> None:
    # Reported in key order. The suggestion compares full names, so an unrelated key must
    # be long to get none.
    r = Reader({"marketplace:sise": "1", "marketplace:completelyUnknown": "1",
                "aws:profile": "x"})
    read_section(r, SECTION, (_double,), {"limit": 9})
    r.unknown_keys()
    assert [str(p) for p in r.problems] == [
        "marketplace:completelyUnknown: unknown key; see Pulumi.yaml for the declared keys",
        "marketplace:sise: unknown key (did you mean 'marketplace:size'?)",
    ]
