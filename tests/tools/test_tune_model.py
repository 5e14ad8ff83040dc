"""The sizing model: REPORT parsing, the summary, the CPU scaling, sizes and monthly cost.

Every expected value is worked out by hand in the comment beside it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.tune_model import (
    Prices,
    Report,
    ReportError,
    Summary,
    cpu_share,
    monthly_usd,
    needed_mb,
    parse_line,
    parse_reports,
    percentile,
    propose,
    scaled_duration,
    size_for,
    summarise,
    summary_from_row,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tune"
ARM64 = Prices(gb_second_usd=0.0000133334, million_requests_usd=0.20)  # us-east-1 list prices


def test_text_report_line_from_the_aws_docs() -> None:
    line = ("REPORT RequestId: 8f507cfc-xmpl-4697-b07a-ac58fc914c95  Duration: 15.74 ms  "
            "Billed Duration: 147 ms Memory Size: 128 MB Max Memory Used: 56 MB  "
            "Init Duration: 130.49 ms")
    assert parse_line(line, 1) == Report(15.74, 147.0, 128, 56, 130.49)


def test_a_snapstart_restore_duration_is_not_taken_for_the_run() -> None:
    line = ("REPORT RequestId: x Duration: 20.00 ms Billed Duration: 310 ms Memory Size: 512 MB "
            "Max Memory Used: 90 MB Restore Duration: 280.50 ms Billed Restore Duration: 289 ms")
    assert parse_line(line, 1) == Report(20.0, 310.0, 512, 90, None)


def test_other_log_lines_are_not_reports() -> None:
    assert parse_line("START RequestId: x Version: $LATEST", 1) is None
    assert parse_line('{"type": "platform.start", "record": {}}', 2) is None
    assert parse_line('{"level": "INFO", "message": "listed"}', 3) is None
    assert parse_line("{'key': 'value'}", 4) is None  # a printed dict, not JSON


def test_json_platform_report_record() -> None:
    line = ('{"type":"platform.report","record":{"metrics":{"durationMs":98.5,'
            '"billedDurationMs":99,"memorySizeMB":128,"maxMemoryUsedMB":47}}}')
    assert parse_line(line, 1) == Report(98.5, 99.0, 128, 47, None)


def test_bad_lines_are_named_by_number_all_at_once() -> None:
    lines = [
        "START RequestId: a",
        "REPORT RequestId: a Duration: 3.00 ms Billed Duration: 4 ms Memory Size: 128 MB",
        '{"type":"platform.report","record":{"metrics":{"durationMs":"fast"}}}',
        '{"type":"platform.report"',
    ]
    with pytest.raises(ReportError) as caught:
        parse_reports(lines)
    message = str(caught.value)
    assert "line 2: no max_used_mb" in message
    assert "line 3: durationMs is 'fast', not a number" in message
    assert "line 4: platform.report is not valid JSON" in message
    assert "line 1" not in message


def test_percentile_is_nearest_rank() -> None:
    values = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert percentile(values, 50) == 3.0  # ceil(2.5) = 3rd of 1..5
    assert percentile(values, 99) == 5.0  # ceil(4.95) = 5th
    assert percentile(values, 1) == 1.0  # ceil(0.05) = 1st
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def test_summary_of_the_published_lines() -> None:
    reports = parse_reports((FIXTURES / "published-report-lines.log").read_text().splitlines())
    s = summarise(reports)
    # Five REPORT lines; durations 15.74, 12.34, 158.15, 718.65, 1.79 sum to 906.67.
    assert s.invocations == 5
    assert s.avg_duration_ms == pytest.approx(181.334)
    assert s.p50_duration_ms == 15.74  # sorted 1.79, 12.34, 15.74, ...: the 3rd
    assert s.p99_duration_ms == 718.65
    assert s.avg_billed_ms == pytest.approx(269.4)  # (147 + 100 + 200 + 800 + 100) / 5
    assert (s.memory_mb, s.min_memory_mb) == (128, 128)
    assert (s.p99_used_mb, s.max_used_mb) == (56.0, 56.0)  # used 56, 18, 38, 14, 46
    assert (s.cold_starts, s.p99_init_ms) == (1, 130.49)


def test_summary_of_the_synthetic_json_log() -> None:
    reports = parse_reports((FIXTURES / "api-json-format.log").read_text().splitlines())
    s = summarise(reports)
    # Durations 148, 20, 22, ..., 36: 148 + 9 × 28 = 400 over 10 runs.
    assert s.invocations == 10
    assert s.avg_duration_ms == 40.0
    assert s.p50_duration_ms == 28.0  # sorted 20, 22, 24, 26, 28: the 5th
    assert s.p99_duration_ms == 148.0
    assert s.avg_billed_ms == 70.0  # (148 + 300 init) + 252 = 700 over 10
    assert (s.p99_used_mb, s.max_used_mb) == (110.0, 110.0)
    assert (s.cold_starts, s.p99_init_ms) == (1, 300.0)


def test_summary_from_a_query_row() -> None:
    row = {"@log": "1:/aws/lambda/f", "invocations": "10", "memory_size_mb": "512",
           "min_memory_size_mb": "256", "avg_duration_ms": "40", "p50_duration_ms": "28",
           "p99_duration_ms": "148", "avg_billed_ms": "70", "p99_memory_used_mb": "110",
           "max_memory_used_mb": "120", "cold_starts": "1"}
    assert summary_from_row(row) == Summary(10, 512, 256, 40.0, 28.0, 148.0, 70.0, 110.0,
                                            120.0, 1, None)
    with pytest.raises(ReportError, match="query row for 1:/aws/lambda/f: no avg_billed_ms"):
        summary_from_row({**row, "avg_billed_ms": ""})


def test_cpu_share_caps_at_one_vcpu() -> None:
    assert cpu_share(1769) == 1.0
    assert cpu_share(3538) == 1.0  # a single thread uses one vCPU at most
    assert cpu_share(128) == pytest.approx(0.0723573)  # 128 / 1769


def test_scaled_duration_moves_only_the_cpu_bound_part() -> None:
    # Half of 100 ms is CPU at 512 MB; at 256 MB that half takes twice as long: 50 + 100.
    assert scaled_duration(100, 512, 256, 0.5) == pytest.approx(150)
    # At 1024 MB it takes half: 50 + 25.
    assert scaled_duration(100, 512, 1024, 0.5) == pytest.approx(75)
    assert scaled_duration(100, 512, 256, 0) == 100  # I/O-bound: unchanged
    # From one vCPU to two: nothing to gain for one thread.
    assert scaled_duration(100, 1769, 3538, 1) == pytest.approx(100)
    with pytest.raises(ValueError, match=r"not within 0\.\.1"):
        scaled_duration(100, 512, 256, 1.5)


def test_need_and_size() -> None:
    s = Summary(10, 512, 512, 40, 28, 148, 70, p99_used_mb=180, max_used_mb=190,
                cold_starts=0)
    assert needed_mb(s, 0.2) == pytest.approx(216)  # 180 × 1.2 above the max 190
    assert needed_mb(s, 0.0) == 190  # never below the largest seen
    assert size_for(216) == 256
    assert size_for(256) == 256
    assert size_for(1600) == 1769
    assert size_for(1) == 128
    with pytest.raises(ValueError, match="above Lambda's 10240 MB"):
        size_for(10241)


def test_monthly_cost() -> None:
    # 1e6 runs × 0.07 s × 0.5 GB = 35,000 GB-s × 0.0000133334 = 0.466669; + 1 × 0.20.
    assert monthly_usd(1e6, 70, 512, ARM64) == pytest.approx(0.666669)


def test_proposal_worked_by_hand() -> None:
    s = Summary(invocations=1_000_000, memory_mb=512, min_memory_mb=512, avg_duration_ms=40,
                p50_duration_ms=28, p99_duration_ms=148, avg_billed_ms=70, p99_used_mb=180,
                max_used_mb=190, cold_starts=120, p99_init_ms=310)
    p = propose(s, window_hours=730, prices=ARM64, headroom=0.2, cpu_fraction=0.5)
    assert p.monthly_invocations == 1_000_000  # a 730 h window is the month
    assert p.need_mb == pytest.approx(216)
    assert p.proposed.memory_mb == 256
    # 256 MB has half the CPU: avg 20 + 40 = 60 ms, p99 74 + 148 = 222 ms.
    assert p.proposed.avg_duration_ms == pytest.approx(60)
    assert p.proposed.p99_duration_ms == pytest.approx(222)
    assert (p.p99_io_bound_ms, p.p99_cpu_bound_ms) == pytest.approx((148, 296))
    # Billed keeps its 30 ms over the duration: 90 ms.
    assert p.proposed.avg_billed_ms == pytest.approx(90)
    # 1e6 × 0.09 s × 0.25 GB = 22,500 GB-s × 0.0000133334 = 0.3000015; + 0.20.
    assert p.proposed.monthly_usd == pytest.approx(0.5000015)
    assert p.current.monthly_usd == pytest.approx(0.666669)
    assert p.monthly_change_usd == pytest.approx(-0.1666675)


def test_proposal_raises_a_function_near_its_limit() -> None:
    s = Summary(100, 128, 128, 10, 10, 10, 11, p99_used_mb=120, max_used_mb=126, cold_starts=0)
    p = propose(s, window_hours=73, prices=ARM64, headroom=0.2, cpu_fraction=1.0)
    assert p.proposed.memory_mb == 256  # 120 × 1.2 = 144 MB > 128
    assert p.monthly_invocations == 1000  # 100 × 730 / 73
    # All CPU: twice the CPU halves 10 ms; billed 11 + (5 - 10) = 6 ms.
    assert p.proposed.avg_duration_ms == pytest.approx(5)
    assert p.proposed.avg_billed_ms == pytest.approx(6)


def test_bad_window_or_headroom() -> None:
    s = Summary(1, 128, 128, 1, 1, 1, 1, 10, 10, 0)
    with pytest.raises(ValueError, match="window"):
        propose(s, window_hours=0, prices=ARM64)
    with pytest.raises(ValueError, match="headroom"):
        propose(s, window_hours=1, prices=ARM64, headroom=-0.1)
