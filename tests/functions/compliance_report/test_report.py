"""Grouping and ordering of control findings, worked out by hand from small findings."""

from __future__ import annotations

from typing import Any

from functions.compliance_report.report import (
    collect,
    control_key,
    fit_bytes,
    json_lines,
    markdown,
    message,
    standard_title,
    subject,
)

FSBP = "standards/aws-foundational-security-best-practices/v/1.0.0"
CIS = "standards/cis-aws-foundations-benchmark/v/3.0.0"


def finding(control: str | None, status: str | None, label: str = "HIGH",
            standards: tuple[str, ...] = (FSBP,), resource: str = "r-1",
            title: str = "") -> dict[str, Any]:
    """A control finding with only the fields the report reads."""
    compliance: dict[str, Any] = {"AssociatedStandards": [{"StandardsId": s} for s in standards]}
    if control is not None:
        compliance["SecurityControlId"] = control
    if status is not None:
        compliance["Status"] = status
    return {"Title": title or f"{control} title", "Severity": {"Label": label},
            "Resources": [{"Id": resource, "Type": "Other"}], "Compliance": compliance}


def order(findings: list[dict[str, Any]], standards: tuple[str, ...] = (FSBP,)
          ) -> list[tuple[str, str, str, str]]:
    controls, _skipped = collect(findings, list(standards))
    return [(c.standard[:14], c.control_id, c.status, c.severity) for c in controls]


def test_failed_first_then_severity_then_natural_control_order() -> None:
    found = order([
        finding("S3.10", "FAILED", "MEDIUM"), finding("CloudTrail.1", "PASSED", "CRITICAL"),
        finding("S3.9", "FAILED", "MEDIUM"), finding("IAM.6", "FAILED", "CRITICAL"),
        finding("EC2.2", "WARNING", "HIGH"), finding("Config.1", "NOT_AVAILABLE", "HIGH"),
        finding("EC2.19", "FAILED", "HIGH"), finding("EC2.2", "PASSED", "HIGH", resource="r-2"),
    ])
    assert found == [
        ("standards/aws-", "IAM.6", "FAILED", "CRITICAL"),
        ("standards/aws-", "EC2.19", "FAILED", "HIGH"),
        ("standards/aws-", "S3.9", "FAILED", "MEDIUM"),
        ("standards/aws-", "S3.10", "FAILED", "MEDIUM"),
        ("standards/aws-", "EC2.2", "WARNING", "HIGH"),
        ("standards/aws-", "Config.1", "NOT_AVAILABLE", "HIGH"),
        ("standards/aws-", "CloudTrail.1", "PASSED", "CRITICAL"),
    ]


def test_a_control_fails_when_one_resource_fails_and_counts_each_status() -> None:
    controls, _ = collect([
        finding("S3.8", "PASSED", resource="b-1"), finding("S3.8", "FAILED", resource="b-3"),
        finding("S3.8", "FAILED", resource="b-2"), finding("S3.8", "WARNING", resource="b-4"),
    ], [FSBP])
    (control,) = controls
    assert control.status == "FAILED"
    assert control.counts == {"FAILED": 2, "WARNING": 1, "NOT_AVAILABLE": 0, "PASSED": 1}
    assert control.as_row("2026-11-30T06:00:00+00:00") == {
        "generated_at": "2026-11-30T06:00:00+00:00", "standard": FSBP, "control_id": "S3.8",
        "title": "S3.8 title", "status": "FAILED", "severity": "HIGH", "failed": 2,
        "warning": 1, "not_available": 0, "passed": 1, "failed_resources": ["b-2", "b-3"]}


def test_the_highest_severity_label_wins() -> None:
    controls, _ = collect([finding("IAM.1", "PASSED", "LOW"),
                           finding("IAM.1", "PASSED", "HIGH", resource="r-2"),
                           finding("IAM.1", "PASSED", "MEDIUM", resource="r-3")], [FSBP])
    assert controls[0].severity == "HIGH"


def test_grouped_by_standard_in_the_stack_order_and_counted_in_each() -> None:
    findings = [finding("S3.8", "FAILED", standards=(FSBP, CIS)),
                finding("S3.10", "FAILED", "MEDIUM"),
                finding("IAM.4", "PASSED", "CRITICAL", standards=(CIS,))]
    assert order(findings, (CIS, FSBP)) == [
        ("standards/cis-", "S3.8", "FAILED", "HIGH"),
        ("standards/cis-", "IAM.4", "PASSED", "CRITICAL"),
        ("standards/aws-", "S3.8", "FAILED", "HIGH"),
        ("standards/aws-", "S3.10", "FAILED", "MEDIUM"),
    ]


def test_findings_without_control_status_or_wanted_standard_are_skipped() -> None:
    controls, skipped = collect([
        finding(None, "FAILED"), finding("S3.1", None), finding("S3.2", "UNKNOWN"),
        finding("S3.3", "FAILED", standards=("standards/nist-800-53/v/5.0.0",)),
        {"Title": "GuardDuty finding", "Severity": {"Label": "HIGH"}},
        finding("S3.4", "FAILED"),
    ], [FSBP])
    assert [c.control_id for c in controls] == ["S3.4"]
    assert skipped == 5


def test_failed_resources_are_capped_but_counted_whole() -> None:
    controls, _ = collect([finding("EC2.2", "FAILED", resource=f"sg-{n:02d}")
                           for n in range(25)], [FSBP])
    row = controls[0].as_row("t")
    assert row["failed"] == 25
    assert row["failed_resources"] == [f"sg-{n:02d}" for n in range(20)]


def test_control_ids_sort_naturally() -> None:
    ids = ["S3.10", "EC2.2", "S3.9", "EC2.19", "CloudTrail.1", "ACM.1"]
    assert sorted(ids, key=control_key) == ["ACM.1", "CloudTrail.1", "EC2.2", "EC2.19",
                                           "S3.9", "S3.10"]


def test_standard_titles() -> None:
    assert standard_title(CIS) == "cis-aws-foundations-benchmark v3.0.0"
    assert standard_title("ruleset/odd") == "ruleset/odd"


def test_json_lines_one_sorted_object_per_line() -> None:
    controls, _ = collect([finding("S3.8", "FAILED", resource="b-1", title="Block")], [FSBP])
    assert json_lines(controls, "t") == (
        '{"control_id": "S3.8", "failed": 1, "failed_resources": ["b-1"], "generated_at": "t", '
        '"not_available": 0, "passed": 0, "severity": "HIGH", "standard": '
        '"standards/aws-foundational-security-best-practices/v/1.0.0", "status": "FAILED", '
        '"title": "Block", "warning": 0}\n')


def test_markdown_has_a_table_per_standard() -> None:
    controls, _ = collect([finding("S3.8", "FAILED", title="Block | public"),
                           finding("IAM.4", "PASSED", "CRITICAL", standards=(CIS,))],
                          [FSBP, CIS])
    assert markdown(controls, [FSBP, CIS], "2026-11-30").splitlines() == [
        "# Security Hub compliance report, 2026-11-30", "",
        "## aws-foundational-security-best-practices v1.0.0", "",
        "1 failed, 0 warning, 0 not available, 0 passed controls.", "",
        "| Status | Severity | Control | Title | Failed resources |", "|---|---|---|---|---|",
        "| FAILED | HIGH | S3.8 | Block / public | 1 |", "",
        "## cis-aws-foundations-benchmark v3.0.0", "",
        "0 failed, 0 warning, 0 not available, 1 passed controls.", "",
        "| Status | Severity | Control | Title | Failed resources |", "|---|---|---|---|---|",
        "| PASSED | CRITICAL | IAM.4 | IAM.4 title | 0 |",
    ]


def test_subject_counts_failed_controls_and_fits_100_characters() -> None:
    one, _ = collect([finding("S3.8", "FAILED")], [FSBP])
    assert subject(one, "2026-11-30") == "Compliance report 2026-11-30: 1 failed control"
    none, _ = collect([finding("S3.8", "PASSED")], [FSBP])
    assert subject(none, "2026-11-30") == "Compliance report 2026-11-30: 0 failed controls"
    assert len(subject(one, "x" * 200)) == 100


def test_message_lists_the_worst_25_failed_controls() -> None:
    findings = [finding(f"EC2.{n}", "FAILED", resource=f"r-{n}") for n in range(1, 28)]
    findings.append(finding("S3.8", "FAILED", "CRITICAL", resource="b-1"))
    findings.append(finding("S3.8", "FAILED", "CRITICAL", resource="b-2"))
    controls, _ = collect(findings, [FSBP])
    lines = message(controls, [FSBP], "2026-11-30", "s3://lake/r.md").splitlines()
    assert lines[:5] == [
        "Security Hub compliance report for the week to 2026-11-30.", "",
        "aws-foundational-security-best-practices v1.0.0: 28 failed, 0 warning, 0 passed", "",
        "Failed controls (worst first):"]
    assert lines[5] == ("- [CRITICAL] S3.8 S3.8 title (2 resources, "
                        "aws-foundational-security-best-practices v1.0.0)")
    assert lines[6].startswith("- [HIGH] EC2.1 EC2.1 title (1 resource, ")
    assert lines[29].startswith("- [HIGH] EC2.24 ")
    assert lines[30:] == ["- and 3 more", "", "Full report: s3://lake/r.md"]


def test_fit_bytes_never_splits_a_character() -> None:
    assert fit_bytes("abc", 3) == "abc"
    assert fit_bytes("aé", 2) == "a"  # é is two bytes
    assert fit_bytes("aéb", 3) == "aé"
