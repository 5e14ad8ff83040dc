"""The Automation scripts bundled from their modules run where only boto3 is installed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from components.automation import scripts

JOBS = ("redrive_dead_letters", "block_ip", "expire_blocked_ips", "deactivate_access_key",
        "invalidate_listing")


def test_dependencies_are_the_pure_modules_a_job_imports() -> None:
    found = scripts.dependencies("functions.automation.invalidate_listing")
    assert sorted(found) == ["functions", "functions.automation",
                             "functions.automation.runbook", "functions.shared",
                             "functions.shared.audit", "functions.shared.audit_events",
                             "functions.shared.cdn_paths", "functions.shared.clients",
                             "functions.shared.snapstart"]
    # Packages travel empty: their __init__ code is not the job's.
    assert found["functions"] == ""
    assert found["functions.shared"] == ""
    assert "def invalidation_paths" in found["functions.shared.cdn_paths"]


def test_a_module_importing_what_the_project_lacks_is_refused(tmp_path: object,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    monkeypatch.setattr(scripts, "_imported",
                        lambda source, module: {"functions.shared.nowhere"})
    with pytest.raises(ValueError, match=r"imports functions\.shared\.nowhere"):
        scripts.dependencies("functions.automation.block_ip")


@pytest.mark.parametrize("job", JOBS)
def test_the_bundle_imports_and_exposes_its_handler_outside_the_project(job: str,
                                                                        tmp_path: object
                                                                        ) -> None:
    script = scripts.bundle(f"functions.automation.{job}")
    assert script.startswith("# Bundled from")
    assert "\nfrom __future__ import annotations\n" in script.split("_SOURCES")[0]
    # -I and another directory: no functions package to fall back on, as in Automation.
    probe = ("import sys\nns = {'__name__': 'bundle'}\n"
             "exec(compile(sys.stdin.read(), 'script', 'exec'), ns)\n"
             "assert callable(ns['handler'])\n"
             "assert not any(getattr(m, '__file__', '') and 'functions' in m.__file__"
             " and not m.__file__.startswith('<') for n, m in sys.modules.items()"
             " if n.startswith('functions'))\nprint('ok')\n")
    done = subprocess.run([sys.executable, "-I", "-c", probe], input=script, text=True,
                          capture_output=True, cwd=str(tmp_path), check=False,
                          env={"AWS_DEFAULT_REGION": "eu-west-1", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
