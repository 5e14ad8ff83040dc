"""The weekly compliance report's logic: Security Hub control findings grouped and ordered.

Security Hub with consolidated control findings (``SECURITY_CONTROL``) writes one finding per
control and resource, naming the control in ``Compliance.SecurityControlId`` and every standard
the control belongs to in ``Compliance.AssociatedStandards[].StandardsId``. A control's status
in a standard is its worst resource status (``FAILED`` over ``WARNING`` over
``NOT_AVAILABLE`` over ``PASSED``); its severity is the highest label of its findings.
Controls are grouped by standard (in the stack's order) and, within one, failed first, then
by severity, then by control id in natural order (``S3.9`` before ``S3.10``).

No AWS calls here: the handler pages through GetFindings and hands the findings over.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

# Worst first: a control fails in a standard when any of its resources fails.
STATUSES = ("FAILED", "WARNING", "NOT_AVAILABLE", "PASSED")
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL")
# Failed resources listed per control in the lake; the counts are always whole.
MAX_RESOURCES = 20
# What the notification lists: SNS takes 256 KB, a person reads far less.
MAX_LISTED = 25
SNS_MESSAGE_BYTES = 256 * 1024
SUBJECT_CHARS = 100
_NUMBER = re.compile(r"(\d+)")


@dataclass
class Control:
    """One control in one standard, summed over the resources its findings cover."""

    standard: str
    control_id: str
    title: str = ""
    severity: str = "INFORMATIONAL"
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    failed_resources: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """The worst status any of the control's resources has."""
        return next(s for s in STATUSES if self.counts[s]) if any(
            self.counts.values()) else "NOT_AVAILABLE"

    def as_row(self, generated_at: str) -> dict[str, Any]:
        """The control as one JSON line of the lake table (``compliance_controls``)."""
        return {
            "generated_at": generated_at, "standard": self.standard,
            "control_id": self.control_id, "title": self.title, "status": self.status,
            "severity": self.severity, "failed": self.counts["FAILED"],
            "warning": self.counts["WARNING"], "not_available": self.counts["NOT_AVAILABLE"],
            "passed": self.counts["PASSED"],
            "failed_resources": sorted(self.failed_resources)[:MAX_RESOURCES],
        }


def control_key(control_id: str) -> tuple[Any, ...]:
    """Natural order of control ids: ``S3.9`` before ``S3.10``, ``EC2.2`` before ``S3.1``."""
    return tuple(int(part) if part.isdigit() else part.lower()
                 for part in _NUMBER.split(control_id))


def _rank(value: str, order: Sequence[str]) -> int:
    return order.index(value) if value in order else len(order)


def collect(findings: Iterable[dict[str, Any]],
            standards: Sequence[str]) -> tuple[list[Control], int]:
    """Controls per (standard, control) of ``standards``, ordered; and the findings skipped.

    A finding is skipped when it names no control or no compliance status Security Hub
    defines (another product's finding), or none of ``standards``.
    """
    controls: dict[tuple[str, str], Control] = {}
    skipped = 0
    for finding in findings:
        compliance = finding.get("Compliance") or {}
        control_id, status = compliance.get("SecurityControlId"), compliance.get("Status")
        wanted = [a.get("StandardsId") for a in compliance.get("AssociatedStandards") or []
                  if a.get("StandardsId") in standards]
        if not control_id or status not in STATUSES or not wanted:
            skipped += 1
            continue
        label = (finding.get("Severity") or {}).get("Label", "INFORMATIONAL")
        resources = [r.get("Id", "") for r in finding.get("Resources") or []]
        for standard in wanted:
            control = controls.setdefault((standard, control_id),
                                          Control(standard, control_id))
            control.title = control.title or str(finding.get("Title") or "")
            if _rank(label, SEVERITIES) < _rank(control.severity, SEVERITIES):
                control.severity = label
            control.counts[status] += 1
            if status == "FAILED":
                control.failed_resources.extend(r for r in resources if r)
    ordered = sorted(controls.values(), key=lambda c: (
        standards.index(c.standard), _rank(c.status, STATUSES),
        _rank(c.severity, SEVERITIES), control_key(c.control_id)))
    return ordered, skipped


def standard_title(standard: str) -> str:
    """``standards/cis-aws-foundations-benchmark/v/3.0.0`` as ``cis-aws-foundations-benchmark
    v3.0.0``."""
    parts = standard.split("/")
    return f"{parts[1]} v{parts[3]}" if len(parts) == 4 and parts[2] == "v" else standard


def tally(controls: Sequence[Control], standard: str) -> dict[str, int]:
    """How many of the standard's controls are in each status."""
    counts = dict.fromkeys(STATUSES, 0)
    for control in controls:
        if control.standard == standard:
            counts[control.status] += 1
    return counts


def json_lines(controls: Sequence[Control], generated_at: str) -> str:
    """The lake object: one JSON object per control, one per line (Athena's JSON SerDe)."""
    return "".join(json.dumps(c.as_row(generated_at), sort_keys=True) + "\n" for c in controls)


def markdown(controls: Sequence[Control], standards: Sequence[str], day: str) -> str:
    """The full human report: a table per standard, failed controls first."""
    lines = [f"# Security Hub compliance report, {day}", ""]
    for standard in standards:
        counts = tally(controls, standard)
        lines += [f"## {standard_title(standard)}", "",
                  f"{counts['FAILED']} failed, {counts['WARNING']} warning, "
                  f"{counts['NOT_AVAILABLE']} not available, {counts['PASSED']} passed "
                  "controls.", "",
                  "| Status | Severity | Control | Title | Failed resources |",
                  "|---|---|---|---|---|"]
        lines += [f"| {c.status} | {c.severity} | {c.control_id} | "
                  f"{c.title.replace('|', '/')} | {c.counts['FAILED']} |"
                  for c in controls if c.standard == standard]
        lines.append("")
    return "\n".join(lines)


def subject(controls: Sequence[Control], day: str) -> str:
    """The notification's subject: at most 100 characters, one line (SNS's limits)."""
    failed = sum(1 for c in controls if c.status == "FAILED")
    text = f"Compliance report {day}: {failed} failed control{'s' if failed != 1 else ''}"
    return text[:SUBJECT_CHARS]


def message(controls: Sequence[Control], standards: Sequence[str], day: str,
            report_url: str) -> str:
    """The notification: counts per standard and the worst failed controls, within 256 KB."""
    lines = [f"Security Hub compliance report for the week to {day}.", ""]
    for standard in standards:
        counts = tally(controls, standard)
        lines.append(f"{standard_title(standard)}: {counts['FAILED']} failed, "
                     f"{counts['WARNING']} warning, {counts['PASSED']} passed")
    failed = [c for c in controls if c.status == "FAILED"]
    if failed:
        lines += ["", "Failed controls (worst first):"]
        lines += [f"- [{c.severity}] {c.control_id} {c.title} ({c.counts['FAILED']} "
                  f"resource{'s' if c.counts['FAILED'] != 1 else ''}, "
                  f"{standard_title(c.standard)})" for c in failed[:MAX_LISTED]]
        if len(failed) > MAX_LISTED:
            lines.append(f"- and {len(failed) - MAX_LISTED} more")
    lines += ["", f"Full report: {report_url}"]
    return fit_bytes("\n".join(lines), SNS_MESSAGE_BYTES)


def fit_bytes(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, never inside a character."""
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[:limit].decode(errors="ignore")
