"""The inputs and the audit record every automation script shares."""

from __future__ import annotations

import pytest

from functions.automation import runbook
from tests.functions.automation.support import audit_inputs, audit_records, aws

__all__ = ["aws"]


@pytest.mark.parametrize(("value", "expected"), [(True, True), (False, False), ("true", True),
                                                 ("False", False), (" TRUE ", True)])
def test_flag_reads_booleans_and_their_text(value: object, expected: bool) -> None:
    assert runbook.flag(value) is expected


def test_flag_refuses_anything_else() -> None:
    with pytest.raises(runbook.InputError, match="DryRun is 'yes', not true or false"):
        runbook.flag("yes")


def test_required_names_the_missing_input() -> None:
    assert runbook.required({"A": " x "}, "A") == "x"
    with pytest.raises(runbook.InputError, match="input B is missing or empty"):
        runbook.required({"B": "  "}, "B")


def test_record_writes_one_audit_event_in_the_execution_stream(aws: None) -> None:
    document = runbook.record(audit_inputs("exec-9"), runbook="block-ip", action="block",
                              target="set", dry_run=False, outcome="blocked", count=2)
    assert document == {"audit": True, "event": "admin_action", "actor": "automation",
                        "runbook": "block-ip", "action": "block", "target": "set",
                        "dry_run": False, "outcome": "blocked", "execution_id": "exec-9",
                        "count": 2}
    assert audit_records() == [document]


def test_record_without_a_log_group_only_logs(aws: None) -> None:
    document = runbook.record({}, runbook="r", action="a", target="t", dry_run=True,
                              outcome="dry-run")
    assert document["execution_id"] == "manual"
    assert audit_records() == []
