"""The offline preview: tree, preview JSON, and clean failures on bad settings."""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from functools import cache
from pathlib import Path
from unittest import mock

import pulumi
import pulumi_aws as aws
import yaml

from policy.cost.price_table import PriceTableError
from tests.helpers import stack_registry
from tools.mock_runtime import (
    ROOT,
    SECRET_PLACEHOLDER,
    Registry,
    config_from_file,
    run,
    stack_file,
)
from tools.preview import main
from tools.preview_json import STACK_TYPE, document, masked

LINE = re.compile(r"^ \+   (?P<prefix>(?:[│ ]  |[├└]─ )*)(?P<type>\S+)\s+(?P<name>\S+)\s+create$")


def _stack_run(stack: str, config: dict[str, str], secrets: list[str]) -> Registry:
    """The shared run of the stack file, which the preview of that same file would repeat."""
    assert (sorted(config.items()), secrets) == (sorted(config_from_file(stack_file(stack))[0]
                                                        .items()), secrets)
    return stack_registry(stack)


@cache
def _previewed(stack: str) -> tuple[str, dict, list[str]]:
    """One run of ``python -m tools.preview`` per stack: tree text, JSON, Mermaid lines.

    The program run inside is the tests' shared run of the same stack file (a whole-stack run
    costs seconds); everything the preview does with it is the real code.
    """
    with tempfile.TemporaryDirectory() as tmp:
        out_json, out_mmd = Path(tmp, "nested", "preview.json"), Path(tmp, "flows.mmd")
        text = io.StringIO()
        with contextlib.redirect_stdout(text), mock.patch("tools.preview.run", _stack_run):
            assert main(["--stack", stack, "--json", str(out_json),
                         "--mermaid", str(out_mmd)]) == 0
        return (text.getvalue(), json.loads(out_json.read_text()),
                [line.strip() for line in out_mmd.read_text().splitlines()])


def _expected(registry: Registry) -> dict[tuple[str, str], str]:
    """(type, name) -> parent (type, name) for every resource, the stack at the root."""
    by_urn = {r.urn: (r.type, r.name) for r in registry}
    stack = (STACK_TYPE, registry.stack_urn.rsplit("::", 1)[-1])
    by_urn[registry.stack_urn] = stack
    out = {(r.type, r.name): by_urn[r.parent] for r in registry}
    out[stack] = None
    return out


def test_tree_shows_every_resource_once_under_its_parent(stack: str) -> None:
    registry = stack_registry(stack)
    text = _previewed(stack)[0]
    rows = [m for m in map(LINE.match, text.splitlines()) if m]
    seen = Counter((m["type"], m["name"]) for m in rows)
    expected = _expected(registry)
    assert seen == Counter(list(expected))  # each recorded resource, and the stack, exactly once
    # The parent of a row is the nearest row above it one level shallower.
    open_at_depth: list[tuple[str, str]] = []
    for m in rows:
        depth = len(m["prefix"]) // 3
        del open_at_depth[depth:]
        parent = open_at_depth[-1] if open_at_depth else None
        assert parent == expected[(m["type"], m["name"])], m.group(0)
        open_at_depth.append((m["type"], m["name"]))
    assert f"+ {len(registry) + 1} to create" in text
    assert text.startswith(f"Previewing update ({stack})")


def test_json_has_one_create_step_per_resource_with_real_parents(stack: str) -> None:
    registry = stack_registry(stack)
    doc = _previewed(stack)[1]
    steps = doc["steps"]
    urns = [s["urn"] for s in steps]
    assert len(urns) == len(set(urns)) == len(registry) + 1
    assert set(urns) == {r.urn for r in registry} | {registry.stack_urn}
    assert {s["op"] for s in steps} == {"create"}
    assert doc["changeSummary"] == {"create": len(steps)}
    recorded = {r.urn: r for r in registry}
    for step in steps:
        state = step["newState"]
        assert state["urn"] == step["urn"]
        if state["type"] == STACK_TYPE:
            assert state["parent"] == ""
            continue
        resource = recorded[step["urn"]]
        assert state["parent"] in set(urns) - {step["urn"]}
        assert (state["type"], state["custom"]) == (resource.type, resource.custom)
        assert state["inputs"] == masked(resource.inputs)
        # The engine receives camelCase property names, never the SDK's snake_case.
        assert all(re.fullmatch(r"[a-z][A-Za-z0-9]*|__\w+", key) for key in state["inputs"])
        assert step.get("provider", "") == state.get("provider", "") == resource.provider
    key = next(s for s in steps if s["newState"]["type"] == "aws:kms/key:Key")
    assert key["newState"]["inputs"]["enableKeyRotation"] is True


def test_json_masks_secret_inputs_and_config() -> None:
    def program() -> None:
        aws.ssm.Parameter("webhook", name="/marketplace/webhook", type="SecureString",
                          value=pulumi.Output.secret("https://hooks.example.com/T0/B0/xyz"))

    config = {"marketplace:slackWebhookUrl": "https://hooks.example.com/T0/B0/xyz"}
    registry = run("dev", config, ["marketplace:slackWebhookUrl"], program)
    text = json.dumps(document(registry, config, {"marketplace:slackWebhookUrl"}, 1))
    assert "hooks.example.com" not in text
    doc = json.loads(text)
    parameter = next(s for s in doc["steps"] if s["newState"]["type"].startswith("aws:ssm"))
    assert parameter["newState"]["inputs"]["value"] == SECRET_PLACEHOLDER
    assert parameter["newState"]["inputs"]["name"] == "/marketplace/webhook"
    assert doc["config"]["marketplace:slackWebhookUrl"] == SECRET_PLACEHOLDER


def _bad_files(tmp_path: Path) -> list[tuple[Path, str]]:
    settings = yaml.safe_load(stack_file("dev").read_text())
    out_of_range = dict(settings["config"], **{"marketplace:lambdaMemoryMb": 99999})
    typo = dict(settings["config"], **{"marketplace:lambdaMemroyMb": 512})
    cases = {"range.yaml": (yaml.safe_dump({"config": out_of_range}), "lambdaMemoryMb"),
             "typo.yaml": (yaml.safe_dump({"config": typo}), "lambdaMemroyMb"),
             "broken.yaml": ("config: [\n  owner: x\n", "broken.yaml")}
    files = []
    for name, (text, named) in cases.items():
        (tmp_path / name).write_text(text)
        files.append((tmp_path / name, named))
    files.append((tmp_path / "missing.yaml", "missing.yaml"))
    return files


def test_bad_stack_files_exit_2_with_the_problem_and_no_traceback(tmp_path: Path) -> None:
    (first, first_named), *rest = _bad_files(tmp_path)
    # Once as a real command line: the exit code and stderr a shell sees.
    proc = subprocess.run([sys.executable, "-m", "tools.preview", "--stack", "dev",
                           "--config", str(first)], cwd=ROOT, text=True, capture_output=True,
                          timeout=60, check=False)
    outcomes = [(first, first_named, proc.returncode, proc.stdout, proc.stderr)]
    # The other files through the same entry point in-process (a new interpreter costs seconds).
    for path, named in rest:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--stack", "dev", "--config", str(path)])
        outcomes.append((path, named, code, out.getvalue(), err.getvalue()))
    for path, named, code, stdout, stderr in outcomes:
        assert code == 2, (path.name, stderr)
        assert named in stderr
        assert "Traceback" not in stderr + stdout
        assert "to create" not in stdout


def test_the_preview_ends_with_the_cost_and_the_json_carries_it() -> None:
    text, doc, _ = _previewed("dev")
    tail = text[text.index("Cost (USD a month"):]
    assert re.search(r"^    Total\s+29\.15\s+\d+\.\d\d$", tail, re.MULTILINE)
    assert "Ceiling: $30.00 a month fixed (costCeilingUsd): within" in tail
    cost = doc["cost"]
    assert (cost["fixedMonthlyUsd"], cost["ceilingUsd"], cost["overCeiling"]) == (
        29.15, 30.0, False)
    assert cost["byType"]["aws:kinesis/stream:Stream"]["fixedUsd"] == 10.95
    assert cost["byComponent"]["marketplace-dev-analytics"]["fixedUsd"] == 10.95
    assert cost["assumptions"]["requestsPerMonth"] == 100_000
    assert cost["unitPrices"]["kms.key"]["usd"] == 1.0
    assert cost["unitPrices"]["kms.key"]["source"]


def test_a_fixed_cost_over_the_ceiling_exits_3_after_the_whole_preview(tmp_path: Path) -> None:
    settings = yaml.safe_load(stack_file("dev").read_text())
    settings["config"]["marketplace:costCeilingUsd"] = "20"
    path = tmp_path / "low-ceiling.yaml"
    path.write_text(yaml.safe_dump(settings))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--stack", "dev", "--config", str(path)])
    assert code == 3
    assert "to create" in out.getvalue()
    assert "Ceiling: $20.00 a month fixed (costCeilingUsd): OVER" in out.getvalue()
    assert err.getvalue().startswith(
        "error: low-ceiling.yaml: the fixed monthly cost $29.15 is over costCeilingUsd $20.00")
    assert "Traceback" not in err.getvalue()


def test_a_setting_the_price_table_lacks_exits_4_naming_the_row(tmp_path: Path) -> None:
    settings = yaml.safe_load(stack_file("dev").read_text())
    path = tmp_path / "dev.yaml"
    path.write_text(yaml.safe_dump(settings))
    err = io.StringIO()
    priced = mock.patch("policy.cost.price_table.PriceTable.get",
                        side_effect=PriceTableError("no price for kms.key in us-east-1"))
    with (contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err), priced,
          mock.patch("tools.preview.run", _stack_run_any)):
        assert main(["--stack", "dev", "--config", str(path)]) == 4
    assert err.getvalue() == ("error: cannot price the plan: no price for kms.key in "
                              "us-east-1\n")


def _stack_run_any(stack: str, config: dict[str, str], secrets: list[str]) -> Registry:
    return stack_registry(stack)
