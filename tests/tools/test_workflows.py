"""The GitHub workflows run what they claim: lint, tests, offline and real previews, deploys."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tools.mock_runtime import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
# Stacks are the settings files at the root; every one is previewed.
STACKS = sorted(p.name.split(".")[1] for p in ROOT.glob("Pulumi.*.yaml"))
# Inputs pulumi/actions declares in its action.yml; anything else is silently ignored by it.
PULUMI_ACTION_INPUTS = {
    "command", "stack-name", "pulumi-version", "pulumi-version-file", "work-dir",
    "comment-on-pr", "comment-on-pr-number", "comment-on-summary", "github-token", "cloud-url",
    "secrets-provider", "parallel", "message", "config-map", "expect-no-changes", "diff",
    "replace", "target", "target-dependents", "policyPacks", "policyPackConfigs", "refresh",
    "upsert", "remove", "edit-pr-comment", "color", "exclude-protected", "plan",
    "suppress-outputs", "suppress-progress", "always-include-summary",
}
# What a job may ask for beyond reading the repository.
ALLOWED_WRITES = {"id-token", "pull-requests"}


def _load(name: str) -> dict[str, Any]:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the bare key `on` as True.
    document["on"] = document.pop(True, document.get("on"))
    return document


@pytest.fixture(scope="module")
def pr() -> dict[str, Any]:
    """The pull-request workflow."""
    return _load("pull-request.yml")


@pytest.fixture(scope="module")
def deploy() -> dict[str, Any]:
    """The deploy workflow."""
    return _load("deploy.yml")


def _runs(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def _uses(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if s.get("uses", "").split("@")[0] == action]


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


def test_stacks_are_found() -> None:
    assert {"dev", "prod"} <= set(STACKS)


@pytest.mark.parametrize("name", ["pull-request.yml", "deploy.yml"])
def test_actions_are_pinned_to_a_major_and_permissions_are_least(name: str) -> None:
    workflow = _load(name)
    assert workflow["permissions"] == {"contents": "read"}
    for job_name, job in workflow["jobs"].items():
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w-]+/[\w-]+@v\d+", step["uses"]), (job_name, step)
        granted = job.get("permissions", workflow["permissions"])
        assert granted.get("contents") == "read"
        writes = {k for k, v in granted.items() if v == "write"}
        assert writes <= ALLOWED_WRITES, job_name
        # An OIDC token exactly where AWS credentials are assumed.
        assumes = bool(_uses(job, "aws-actions/configure-aws-credentials"))
        assert ("id-token" in writes) == assumes, job_name
        for setup in _uses(job, "actions/setup-python"):
            python = setup["with"]["python-version"]
            assert python in ("3.13", "${{ env.PYTHON_VERSION }}")
            assert setup["with"]["cache"] == "pip"
    if "PYTHON_VERSION" in workflow.get("env", {}):
        assert workflow["env"]["PYTHON_VERSION"] == "3.13"


def test_pr_runs_on_pull_requests_one_run_per_pr(pr: dict[str, Any]) -> None:
    assert "pull_request" in pr["on"]
    assert "github.event.pull_request.number" in pr["concurrency"]["group"]
    assert pr["concurrency"]["cancel-in-progress"] is True


def test_lint_and_test_jobs_run_ruff_and_the_suite(pr: dict[str, Any]) -> None:
    assert "make lint" in _runs(pr["jobs"]["lint"])
    assert any(c.startswith("$(BIN)/ruff check") for c in _make_recipe("lint"))
    assert "make test" in _runs(pr["jobs"]["test"])
    assert any("pytest" in c for c in _make_recipe("test"))
    assert (ROOT / ".ci" / "run").read_text().strip().endswith("make test")


def test_offline_preview_covers_every_stack_and_uploads_its_files(pr: dict[str, Any]) -> None:
    job = pr["jobs"]["offline-preview"]
    assert sorted(job["strategy"]["matrix"]["stack"]) == STACKS
    step = next(s for s in job["steps"] if s.get("run") == "make preview-json")
    assert step["env"]["STACK"] == "${{ matrix.stack }}"
    recipe = " ".join(_make_recipe("preview-json"))
    written = re.findall(r"--(?:json|mermaid) (\S+)", recipe)
    assert len(written) == 2
    upload = _uses(job, "actions/upload-artifact")[0]["with"]
    paths = upload["path"].strip().splitlines()
    assert sorted(paths) == sorted([*(w.replace("$(STACK)", "${{ matrix.stack }}")
                                      for w in written), "out/cost-${{ matrix.stack }}.md"])
    assert "${{ matrix.stack }}" in upload["name"]


def test_cloud_preview_runs_pulumi_preview_per_stack_with_oidc_and_policies(
        pr: dict[str, Any]) -> None:
    job = pr["jobs"]["preview"]
    assert {"lint", "test", "offline-preview"} <= set(job["needs"])
    assert sorted(job["strategy"]["matrix"]["stack"]) == STACKS
    assert job["permissions"]["id-token"] == "write"
    assert job["permissions"]["pull-requests"] == "write"
    assert job["env"]["PULUMI_BACKEND_URL"].startswith(("${{ vars.", "${{ secrets."))
    steps = job["steps"]
    creds = _uses(job, "aws-actions/configure-aws-credentials")[0]
    assert creds["with"]["role-to-assume"].startswith("${{ vars.")
    pulumi = _uses(job, "pulumi/actions")[0]
    assert steps.index(creds) < steps.index(pulumi)
    assert "make venv" in _runs(job)
    inputs = pulumi["with"]
    assert set(inputs) <= PULUMI_ACTION_INPUTS
    assert inputs["command"] == "preview"
    assert inputs["stack-name"] == "${{ matrix.stack }}"
    assert inputs["comment-on-pr"] is True
    assert inputs["policyPacks"] == "policy"
    assert (ROOT / inputs["policyPacks"] / "PulumiPolicy.yaml").is_file()


def _up(job: dict[str, Any]) -> dict[str, Any]:
    step = _uses(job, "pulumi/actions")[0]["with"]
    assert set(step) <= PULUMI_ACTION_INPUTS
    assert step["command"] == "up"
    assert step["policyPacks"] == "policy"
    return step


def test_deploy_updates_dev_then_prod_behind_an_approval(deploy: dict[str, Any]) -> None:
    assert deploy["on"]["push"]["branches"] == ["main"]
    assert deploy["concurrency"]["cancel-in-progress"] is False
    jobs = deploy["jobs"]
    assert "make test" in _runs(jobs["test"])
    assert jobs["dev"]["needs"] == "test"
    assert _up(jobs["dev"])["stack-name"] == "dev"
    prod = jobs["prod"]
    assert prod["needs"] == "dev"
    environment = prod["environment"]
    assert (environment["name"] if isinstance(environment, dict) else environment) == "production"
    assert _up(prod)["stack-name"] == "prod"
    for job in (jobs["dev"], prod):
        assert job["permissions"]["id-token"] == "write"
        assert _uses(job, "aws-actions/configure-aws-credentials")[0]["with"][
            "role-to-assume"].startswith("${{ vars.")


def test_each_pr_gets_one_cost_comment_against_main(pr: dict[str, Any]) -> None:
    offline = pr["jobs"]["offline-preview"]
    [main_step] = [s for s in offline["steps"] if s.get("name") == "Offline preview of main"]
    assert main_step["if"] == "always()"
    assert "git fetch --no-tags --depth=1 origin \"$BASE_REF\"" in main_step["run"]
    assert "-m tools.cost_diff" in main_step["run"]
    [upload] = _uses(offline, "actions/upload-artifact")
    assert "out/cost-${{ matrix.stack }}.md" in upload["with"]["path"]
    assert upload["if"] == "always()"
    comment = pr["jobs"]["cost-comment"]
    assert comment["needs"] == ["offline-preview"]
    assert comment["permissions"] == {"contents": "read", "pull-requests": "write"}
    [script] = _uses(comment, "actions/github-script")
    # One comment, found by its marker and edited, not one more per push.
    assert "<!-- marketplace-cost -->" in script["with"]["script"]
    assert "updateComment" in script["with"]["script"]
