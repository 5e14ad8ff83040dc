"""The pack directory alone installs and loads, as `pulumi policy publish` ships it.

The CLI uploads ``policy/`` and nothing else; where the pack is installed it makes a
virtualenv from ``policy/requirements.txt`` and runs ``python -m pulumi.policy ADDRESS .`` in
the pack directory, i.e. ``runpy.run_path(".")``. The test copies ``policy/`` alone under
another name, runs it that way in a fresh interpreter with no project on ``sys.path``, and
checks that every rule becomes a policy at its level and that the rules and the price table
work there.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

import policy

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "policy"
# The rules that advise rather than block (policy/rules: enforcement=ADVISORY).
ADVISORY = {"cost-tags-activated", "firehose-error-output-prefix", "lambda-arm64-tracing"}

# Run in the copied pack directory. run_name is not "__main__", so the module's globals come
# back without the analyzer server being started.
LOAD = """
import importlib.util, json, runpy
from types import SimpleNamespace

module = runpy.run_path(".", run_name="pack")
policies = {p.name: p for p in module["policies"]()}
reported = []
report = lambda message, urn=None: reported.append(message)

queue = SimpleNamespace(resource_type="aws:sqs/queue:Queue", name="q", urn="urn:q", props={},
                        provider=None)
policies["required-tags"].validate(queue, report)

region = SimpleNamespace(props={"region": "us-east-1"})
key = SimpleNamespace(resource_type="aws:kms/key:Key", name="key", urn="urn:key", props={},
                      provider=region, parent=None, dependencies=[], property_dependencies={})
budget = SimpleNamespace(resource_type="aws:budgets/budget:Budget", name="budget",
                         urn="urn:budget", props={"tags": {"fixed-cost-ceiling-usd": "0.5"}},
                         provider=region, parent=None, dependencies=[],
                         property_dependencies={})
policies["fixed-cost-ceiling"].validate(SimpleNamespace(resources=[key, budget]), report)

print(json.dumps({
    "levels": {name: p.enforcement_level.value for name, p in policies.items()},
    "reported": reported,
    "project_importable": [m for m in ("functions", "components", "tools", "bench", "tests")
                           if importlib.util.find_spec(m) is not None],
}))
"""


def source_rule_names() -> set[str]:
    """Every rule name the rule modules declare, read from their source, not the registry."""
    declared = re.compile(r'@(?:stack_)?rule\(\s*"([^"]+)"')
    return {name for path in (PACK / "rules").glob("*.py")
            for name in declared.findall(path.read_text())}


def test_the_pack_directory_alone_loads_every_rule(tmp_path: Path) -> None:
    pack = tmp_path / "marketplace-guardrails"  # not "policy": the installed pack's own name
    shutil.copytree(PACK, pack, ignore=shutil.ignore_patterns("__pycache__"))
    # -I: no PYTHONPATH, no user site, no script directory; run_path adds the pack itself.
    done = subprocess.run([sys.executable, "-I", "-c", LOAD], cwd=pack, capture_output=True,
                          text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["project_importable"] == []
    names = source_rule_names()
    assert len(names) > 50
    assert set(found["levels"]) == names
    assert {n for n, level in found["levels"].items() if level == "advisory"} == ADVISORY
    assert {level for n, level in found["levels"].items() if n not in ADVISORY} == {"mandatory"}
    # pulumi-aws (which types take tags) and prices.csv (a KMS key is $1.00 a month) are there.
    assert found["reported"] == [
        "missing tags: project, stack, owner, cost-center",
        "budget: the fixed monthly cost $1.00 is over costCeilingUsd $0.50 (largest: kms.key "
        "$1.00); raise the ceiling or turn features off (docs/cost.md)",
    ]


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
