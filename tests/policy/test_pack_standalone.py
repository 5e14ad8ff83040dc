"""The pack directory alone installs and loads, as `pulumi policy publish` ships it.

The CLI uploads ``policy/`` and nothing else; where the pack is installed it makes a
virtualenv from ``policy/requirements.txt`` and runs ``python -m pulumi.policy ADDRESS .`` in
the pack directory. The test copies ``policy/`` alone under another name, starts it exactly
that way in an isolated interpreter (``-I``: no project, no ``PYTHONPATH``), and talks to the
analyzer server it opens over gRPC, as the engine does: every rule is a policy at its level,
and the rules that need pulumi-aws and the price table work there.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

import policy

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "policy"
# The rules that advise rather than block (policy/rules: enforcement=ADVISORY).
ADVISORY = {"cost-tags-activated", "firehose-error-output-prefix", "lambda-arm64-tracing"}


@pytest.fixture(scope="module")
def analyzer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    """The copied pack's analyzer server, started as the Pulumi CLI starts it."""
    pack = tmp_path_factory.mktemp("installed") / "marketplace-guardrails"  # not "policy"
    shutil.copytree(PACK, pack, ignore=shutil.ignore_patterns("__pycache__"))
    # The engine address is only for logging, which these calls do not reach.
    server = subprocess.Popen([sys.executable, "-I", "-u", "-m", "pulumi.policy",
                               "127.0.0.1:1", "."], cwd=pack, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = server.stdout.readline().strip()  # the plugin handshake: the port, then serve
        if not port.isdigit():
            server.kill()
            pytest.fail(f"the pack did not start: {port}{server.communicate()[1]}")
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        server.terminate()
        server.communicate(timeout=10)


def struct(value: dict[str, Any]) -> struct_pb2.Struct:
    """Resource inputs as the engine sends them."""
    message = struct_pb2.Struct()
    message.update(value)
    return message


def source_rule_names() -> set[str]:
    """Every rule name the rule modules declare, read from their source, not the registry."""
    declared = re.compile(r'@(?:stack_)?rule\(\s*"([^"]+)"')
    return {name for path in (PACK / "rules").glob("*.py")
            for name in declared.findall(path.read_text())}


def test_the_pack_directory_alone_serves_every_rule_at_its_level(
        analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
    assert info.name == "marketplace-guardrails"
    levels = {p.name: analyzer_pb2.EnforcementLevel.Name(p.enforcementLevel)
              for p in info.policies}
    names = source_rule_names()
    assert len(names) > 50
    assert set(levels) == names
    assert {n for n, level in levels.items() if level == "ADVISORY"} == ADVISORY
    assert {level for n, level in levels.items() if n not in ADVISORY} == {"MANDATORY"}


def test_a_resource_rule_needing_pulumi_aws_runs_in_the_pack(
        analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    # An x86_64 function: required-tags needs pulumi-aws to know Lambda takes tags.
    found = analyzer.Analyze(analyzer_pb2.AnalyzeRequest(
        type="aws:lambda/function:Function", name="fn", urn="urn:fn",
        properties=struct({"architectures": ["x86_64"]})), timeout=30)
    by_policy = {d.policyName: (d.message.splitlines()[-1],
                                analyzer_pb2.EnforcementLevel.Name(d.enforcementLevel))
                 for d in found.diagnostics}
    assert by_policy["required-tags"] == (
        "missing tags: project, stack, owner, cost-center", "MANDATORY")
    assert by_policy["lambda-arm64-tracing"][1] == "ADVISORY"


def test_the_cost_rule_reads_the_price_table_in_the_pack(
        analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    provider = analyzer_pb2.AnalyzerProviderResource(
        type="pulumi:providers:aws", name="aws", urn="urn:aws",
        properties=struct({"region": "us-east-1"}))
    stack = [  # a KMS key is $1.00 a month in policy/cost/prices.csv
        analyzer_pb2.AnalyzerResource(type="aws:kms/key:Key", name="key", urn="urn:key",
                                      properties=struct({}), provider=provider),
        analyzer_pb2.AnalyzerResource(
            type="aws:budgets/budget:Budget", name="budget", urn="urn:budget",
            properties=struct({"tags": {"fixed-cost-ceiling-usd": "0.5"}}), provider=provider),
    ]
    found = analyzer.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=stack), timeout=60)
    assert [(d.policyName, d.urn, d.message.splitlines()[-1]) for d in found.diagnostics] == [
        ("fixed-cost-ceiling", "urn:budget",
         "budget: the fixed monthly cost $1.00 is over costCeilingUsd $0.50 (largest: kms.key "
         "$1.00); raise the ceiling or turn features off (docs/cost.md)")]


def test_nothing_in_the_pack_imports_the_rest_of_the_project() -> None:
    project = re.compile(r"^\s*(?:from|import) (?:functions|components|tools|bench|tests)\b",
                         re.M)
    offenders = [str(path.relative_to(ROOT)) for path in PACK.rglob("*.py")
                 if project.search(path.read_text())]
    assert offenders == []


def pins(path: Path) -> dict[str, str]:
    """``{name: version}`` of the ``name==version`` lines of a requirements file."""
    found = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            name, sep, version = line.partition("==")
            assert sep, f"{path.name}: {line!r} is not pinned with =="
            found[name.split("[", 1)[0].strip().lower()] = version.strip()
    return found


def test_the_pack_pins_what_it_needs_as_the_project_does() -> None:
    pack = pins(PACK / "requirements.txt")
    assert set(pack) == {"pulumi", "pulumi-policy", "pulumi-aws", "sqlglot"}
    project = pins(ROOT / "requirements.txt") | pins(ROOT / "requirements-dev.txt")
    assert {name: project[name] for name in pack} == pack


def test_the_pack_version_is_in_pulumi_policy_yaml_and_the_package() -> None:
    project = yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text())
    assert project["runtime"]["name"] == "python"
    assert re.fullmatch(r"\d+\.\d+\.\d+", str(project["version"]))
    assert str(project["version"]) == policy.__version__
