"""docs/alerting.md's incident walk-through shows what the simulator prints for its command."""

from __future__ import annotations

import re
import shlex

import pytest

from tools import alerts
from tools.mock_runtime import ROOT

DOC = ROOT / "docs" / "alerting.md"


def _walkthrough() -> tuple[list[str], str]:
    """The walk-through's command (arguments after ``simulate``) and its output block."""
    text = DOC.read_text()
    section = text[text.index("## An incident, start to finish"):]
    command = re.search(r"```sh\n(python -m tools\.alerts simulate .*?)\n```", section,
                        re.DOTALL)
    output = re.search(r"<!-- walkthrough-output[^\n]*\n```text\n(.*?)\n```", section,
                       re.DOTALL)
    assert command is not None
    assert output is not None
    argv = shlex.split(command.group(1).replace("\\\n", " "))
    return argv[3:], output.group(1)


def test_the_walkthrough_output_is_the_simulators(capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    argv, shown = _walkthrough()
    monkeypatch.chdir(ROOT)
    assert alerts.main(argv) == 0
    printed = capsys.readouterr().out.rstrip("\n")
    assert printed == shown, ("docs/alerting.md's walk-through output is stale: rerun its "
                              "command and paste the output")


def test_the_walkthrough_shows_a_held_page_and_what_the_upstream_held() -> None:
    _argv, shown = _walkthrough()
    assert ("SUPPRESSED page held: upstream marketplace-prod-data-tier-degraded-critical is "
            "in ALARM (inhibition); the rest was sent") in shown
    assert "SUPPRESSED duplicate" in shown
    assert "Pages it held while in ALARM: marketplace-prod-backend-rest-stage-5xx-rate-critical." \
        in shown
    assert shown.count('"event_action": "trigger"') == 1
    assert shown.count('"event_action": "resolve"') == 1
