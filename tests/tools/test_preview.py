"""The offline preview: tree, preview JSON, and clean failures on bad settings."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import re
import subprocess
import sys
import tempfile
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
from tools.preview_layout import display_type

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


def _in_tree_order(registry: Registry) -> list[tuple[int, str, str]]:
    """(depth, type, name) of the stack and every resource, children in registration order."""
    children: dict[str, list] = {}
    for r in registry:
        children.setdefault(r.parent, []).append(r)
    out = [(0, STACK_TYPE, registry.stack_urn.rsplit("::", 1)[-1])]

    def walk(urn: str, depth: int) -> None:
        for child in children.get(urn, []):
            out.append((depth, child.type, child.name))
            walk(child.urn, depth + 1)

    walk(registry.stack_urn, 1)
    return out


def _cut_from(full: str, shown: str) -> bool:
    """``shown`` is ``full``, or ``full`` with its middle replaced by an ellipsis."""
    if shown == full:
        return True
    head, sep, tail = shown.partition("…")
    return bool(sep) and len(shown) < len(full) and full.startswith(head) and full.endswith(tail)


def test_tree_shows_every_resource_once_under_its_parent(stack: str) -> None:
    registry = stack_registry(stack)
    text = _previewed(stack)[0]
    rows = [m for m in map(LINE.match, text.splitlines()) if m]
    expected = _in_tree_order(registry)
    assert len(rows) == len(expected) == len(registry) + 1
    for m, (depth, type_, name) in zip(rows, expected, strict=True):
        # Depth from the glyphs: the row sits under the nearest row above it one level up.
        assert len(m["prefix"]) // 3 == depth, m.group(0)
        assert _cut_from(display_type(type_), m["type"]), m.group(0)
        assert _cut_from(name, m["name"]), m.group(0)
    assert f"+ {len(registry) + 1} to create" in text
    assert text.startswith(f"Previewing update ({stack})")


def test_every_line_of_the_text_preview_fits_in_120_columns(stack: str) -> None:
    text = _previewed(stack)[0]
    lines = [line for line in text.splitlines() if not line.startswith("wrote ")]
    assert len(lines) > len(stack_registry(stack))  # the whole preview, not an error
    too_wide = [line for line in lines if len(line) > 120]
    assert too_wide == []
    # The shortened tokens are only in the text: the JSON keeps every full token.
    assert " aws:cloudwatch:MetricAlarm " in text
    doc_types = {s["newState"]["type"] for s in _previewed(stack)[1]["steps"]}
    assert "aws:cloudwatch/metricAlarm:MetricAlarm" in doc_types


def test_the_summary_names_each_top_level_component_with_its_cost() -> None:
    text = _previewed("dev")[0]
    section = text[text.index("Components ("):text.index("Cost (USD a month")]
    registry = stack_registry("dev")
    for component in registry.children(registry.stack_urn):
        assert sum(line.startswith(f"    {component.name} (") for line in
                   section.splitlines()) == 1, component.name
    # The analytics stream is the dev stack's one fixed cost over $10 (docs/cost.md).
    assert re.search(r"^    marketplace-dev-analytics \(marketplace:analytics:Analytics\): "
                     r"\d+ resources, \$10\.95 fixed$", section, re.MULTILINE)
    assert re.search(r"^        .*\b1 aws:kinesis:Stream\b", section, re.MULTILINE)


def test_json_has_one_create_step_per_resource_with_real_parents(stack: str) -> None:
    registry = stack_registry(stack)
    doc = _previewed(stack)[1]
    steps = doc["steps"]
    urns = [s["urn"] for s in steps]
    assert len(urns) == len(set(urns)) == len(registry) + 1
    assert set(urns) == {r.urn for r in registry} | {registry.stack_urn}
    assert {s["op"] for s in steps} == {"create"}
    assert doc["changeSummary"] == {"create": len(steps)}
    # The CLI leaves out an empty diagnostics list (omitempty on PreviewDigest).
    assert set(doc) == {"config", "steps", "duration", "changeSummary", "cost"}
    recorded = {r.urn: r for r in registry}
    for step in steps:
        state = step["newState"]
        assert state["urn"] == step["urn"]
        # detailedDiff has no omitempty in the CLI's PreviewStep: null on every create.
        assert "detailedDiff" in step
        assert step["detailedDiff"] is None
        if state["type"] == STACK_TYPE:
            # The stack's empty parent and inputs are omitted, as Go's omitempty does.
            assert state == {"urn": registry.stack_urn, "custom": False, "type": STACK_TYPE}
            continue
        resource = recorded[step["urn"]]
        assert state["parent"] in set(urns) - {step["urn"]}
        assert (state["type"], state["custom"]) == (resource.type, resource.custom)
        assert state.get("inputs", {}) == masked(resource.inputs)
        # The engine receives camelCase property names, never the SDK's snake_case.
        assert all(re.fullmatch(r"[a-z][A-Za-z0-9]*|__\w+", key) for key in state.get("inputs", {}))
        assert step.get("provider", "") == state.get("provider", "") == resource.provider
        assert set(state.get("dependencies", [])) == set(resource.dependencies)
        assert set(state.get("dependencies", [])) <= set(urns)
        # The engine keeps a dependency list per input property, empty where there is none.
        assert set(state.get("inputs", {})) <= set(state.get("propertyDependencies", {}))
    key = next(s for s in steps if s["newState"]["type"] == "aws:kms/key:Key")
    assert key["newState"]["inputs"]["enableKeyRotation"] is True
    assert any(s["newState"].get("dependencies") for s in steps)


def test_json_records_dependencies_as_the_engine_does() -> None:
    def program() -> None:
        queue = aws.sqs.Queue("q", name="orders")
        aws.ssm.Parameter("p", name="/orders/url", type="String", value=queue.url)
        aws.ssm.Parameter("after", name="/orders/after", type="String", value="x",
                          opts=pulumi.ResourceOptions(depends_on=[queue], ignore_changes=["value"]))

    registry = run("dev", {}, [], program)
    steps = {s["urn"].rsplit("::", 1)[-1]: s
             for s in document(registry, {}, set(), 1)["steps"]}
    queue = "urn:pulumi:dev::marketplace::pulumi:pulumi:Stack$aws:sqs/queue:Queue::q"
    assert steps["q"] == {
        "op": "create", "urn": queue,
        "newState": {"urn": queue, "custom": True, "type": "aws:sqs/queue:Queue",
                     "inputs": {"name": "orders"},
                     "parent": "urn:pulumi:dev::marketplace::pulumi:pulumi:Stack::marketplace-dev",
                     "propertyDependencies": {"name": []}},
        "detailedDiff": None,
    }
    by_input = steps["p"]["newState"]
    assert (by_input["dependencies"], by_input["propertyDependencies"]) == (
        [queue], {"name": [], "type": [], "value": [queue]})
    explicit = steps["after"]["newState"]
    assert (explicit["dependencies"], explicit["propertyDependencies"],
            explicit["ignoreChanges"]) == ([queue], {"name": [], "type": [], "value": []},
                                           ["value"])


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
    assert re.search(r"^    Total\s+29\.95\s+\d+\.\d\d$", tail, re.MULTILINE)
    assert "Ceiling: $30.00 a month fixed (costCeilingUsd): within" in tail
    cost = doc["cost"]
    assert (cost["fixedMonthlyUsd"], cost["ceilingUsd"], cost["overCeiling"]) == (
        29.95, 30.0, False)
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
        "error: low-ceiling.yaml: the fixed monthly cost $29.95 is over costCeilingUsd $20.00")
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


def _preview_diff(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with (contextlib.redirect_stdout(out), contextlib.redirect_stderr(err),
          mock.patch("tools.preview.run", _stack_run)):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_diff_prints_only_markdown_against_a_saved_preview(tmp_path: Path) -> None:
    registry = stack_registry("dev")
    saved = copy.deepcopy(_previewed("dev")[1])
    # main's preview, as it might have been: no key alias yet, a queue since removed, and the
    # key without rotation.
    alias = registry.named("aws:kms/alias:Alias", "marketplace-dev-core-key-alias").urn
    key = registry.named("aws:kms/key:Key", "marketplace-dev-core-key").urn
    gone = "urn:pulumi:dev::marketplace::aws:sqs/queue:Queue::marketplace-dev-old-queue"
    saved["steps"] = [s for s in saved["steps"] if s["urn"] != alias]
    saved["steps"].append({"op": "create", "urn": gone,
                           "newState": {"urn": gone, "type": "aws:sqs/queue:Queue"}})
    next(s for s in saved["steps"] if s["urn"] == key)["newState"]["inputs"][
        "enableKeyRotation"] = False
    old = tmp_path / "main-dev.json"
    old.write_text(json.dumps(saved))
    out_json = tmp_path / "preview.json"
    code, out, err = _preview_diff(["--stack", "dev", "--diff", str(old), "--json", str(out_json)])
    assert code == 0
    assert out == "\n".join([
        f"### Resources (dev) against main-dev.json: 1 added, 1 removed, 1 changed, "
        f"{len(registry) - 1} unchanged",
        "",
        "| component | added | removed | changed |",
        "|---|---:|---:|---:|",
        "| (stack) | 0 | 1 | 0 |",
        "| marketplace-dev-core | 1 | 0 | 1 |",
        "",
        "**Added**",
        "",
        f"- `{alias}`",
        "",
        "**Removed**",
        "",
        f"- `{gone}`",
        "",
        "**Changed** (inputs: old → new)",
        "",
        f"- `{key}`",
        "  - `enableKeyRotation`: `false` → `true`",
        "",
        "",
    ])
    # Notes go to stderr, so stdout can be posted as it is.
    assert err == f"wrote {out_json}\n"
    assert json.loads(out_json.read_text())["steps"]


def test_diff_against_a_missing_preview_is_a_note_and_the_usual_exit_code(tmp_path: Path) -> None:
    missing = tmp_path / "main-dev.json"
    code, out, err = _preview_diff(["--stack", "dev", "--diff", str(missing)])
    assert (code, err) == (0, "")
    assert out == (f"### Resources (dev) against main-dev.json: no diff (cannot read {missing}: "
                   "No such file or directory)\n\n")
