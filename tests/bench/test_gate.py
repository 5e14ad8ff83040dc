"""`make bench` gates: a missed target fails the run after the whole table, and no access log."""

from __future__ import annotations

import json
import logging
import urllib.request
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from bench import Measurement, missed, silence_access_log
from bench.__main__ import report

# ratio 0.5 against <=0.4: a miss; ratio 2.0 against >=1.5: met; no target: never a miss.
SLOW = Measurement("b-slow", 1.0, "s", 2.0, target=0.4)
FAST = Measurement("c-fast", 4.0, "x", 2.0, target=1.5, better="higher")
PLAIN = Measurement("a-plain", 3.0, "s", 1.0)


def test_missed_is_the_rows_with_a_target_they_miss() -> None:
    low_miss = Measurement("d", 9.0, "x", 10.0, target=1.0, better="higher")  # 0.9 < 1.0
    assert missed([PLAIN, SLOW, FAST, low_miss]) == [SLOW, low_miss]
    assert missed([PLAIN, FAST]) == []


def test_a_miss_exits_1_after_the_whole_table_and_the_merge(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps([{"name": "mutation x.py", "value": 0.9}]))
    assert report([SLOW, FAST, PLAIN], path) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    # The miss comes first in the table; the rows after it are printed all the same.
    assert [line.split()[0] for line in lines[1:4]] == ["b-slow", "c-fast", "a-plain"]
    assert lines[1].endswith(" MISS")
    assert lines[2].endswith(" ok")
    assert "wrote 3 rows to results.json (4 in all)" in out
    assert err == "MISS: b-slow ratio 0.500, target <=0.4\n"
    merged = json.loads(path.read_text())
    assert [row["name"] for row in merged] == ["a-plain", "b-slow", "c-fast", "mutation x.py"]


def test_met_targets_and_rows_without_one_exit_0(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert report([FAST, PLAIN], tmp_path / "results.json") == 0
    assert capsys.readouterr().err == ""


def test_silencing_drops_the_request_lines_of_a_local_server(
        caplog: pytest.LogCaptureFixture) -> None:
    server = HTTPServer()
    server.expect_request("/ping").respond_with_data("pong")
    server.start()
    try:
        # Werkzeug's own default: INFO, one record a request (the control: the test can fail).
        caplog.set_level(logging.INFO, logger="werkzeug")
        with urllib.request.urlopen(server.url_for("/ping")) as response:
            assert response.read() == b"pong"
        assert any('"GET /ping HTTP/1.1" 200' in r.getMessage() for r in caplog.records)
        caplog.clear()
        silence_access_log()
        with urllib.request.urlopen(server.url_for("/ping")) as response:
            assert response.read() == b"pong"
        assert [r for r in caplog.records if r.name == "werkzeug"] == []
        assert logging.getLogger("werkzeug").isEnabledFor(logging.WARNING)
    finally:
        server.clear()
        server.stop()
