"""``python -m tools.tune`` end to end: fixtures in, proposals and config lines out.

The printed config lines are pasted back into the stack file and read by the real Reader, then
the program runs with them under the mocks: the functions get the proposed memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from components.config.stack import build
from components.observability.log_queries import QUERIES
from tests.helpers import dev_features_on, stack_registry
from tools import tune
from tools.mock_runtime import config_from_file, stack_file
from tools.tune_config import TARGETS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tune"
FUNCTION = "aws:lambda/function:Function"


def _run(capsys: pytest.CaptureFixture[str], *argv: str,
         client: Any = None) -> tuple[int, str, str]:
    code = tune.main(list(argv), client_factory=lambda _region: client)
    out, err = capsys.readouterr()
    return code, out, err


def _pasted(out: str) -> dict[str, Any]:
    """The lines after the paste header, read as the YAML they are in the stack file."""
    lines = out.split("(each replaces that key):\n", 1)[1]
    return yaml.safe_load("config:\n" + lines)["config"]


def test_query_results_file_proposes_sizes_and_paste_ready_lines(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = _run(capsys, "--stack", "dev", "--from-file",
                          str(FIXTURES / "query-results-dev.json"), "--hours", "730")
    assert (code, err) == (0, "")
    # api: p99 180 MB × 1.2 = 216 MB → 256; 1e6 runs: $0.666669 → $0.5000015 a month, worked
    # out in tests/tools/test_tune_model.py.
    assert "api: 1,000,000 invocations in 730 h, 120 cold starts, p99 init 310.0 ms" in out
    assert "  propose  lower to 256 MB" in out
    assert ("  cost     $0.6667 -> $0.5000 a month (-$0.1667) at 1,000,000 invocations a month"
            in out)
    # stream processor: max(60 × 1.2, 70) = 72 MB → 128.
    assert "  propose  lower to 128 MB" in out
    assert "some-other-function" not in out  # not asked about
    assert "no REPORT records for: alertRouter, cachePurger, postConfirmation, " \
           "windowAggregator" in out
    assert out.endswith("  marketplace:apiMemoryMb: 256\n"
                        "  marketplace:lambdaFunctionMemoryMb:\n"
                        "    - streamProcessor=128\n")
    # Pasted into Pulumi.dev.yaml, the Reader takes them and the functions get the sizes.
    document = yaml.safe_load(stack_file("dev").read_text())
    document["config"].update(_pasted(out))
    edited = tmp_path / "Pulumi.dev.yaml"
    edited.write_text(yaml.safe_dump(document))
    raw, secrets = config_from_file(edited)
    config = build(raw, secrets, project="marketplace", stack="dev")
    assert config.backend.api_memory_mb == 256
    assert config.lambdas.function_memory_mb == {"streamProcessor": 128}
    registry = dev_features_on()  # apiMemoryMb: 256, lambdaFunctionMemoryMb: streamProcessor=128
    memory = {r.inputs["name"]: r.inputs["memorySize"] for r in registry.by_type(FUNCTION)}
    assert memory["marketplace-dev-api"] == 256
    assert memory["marketplace-dev-stream-processor"] == 128
    assert memory["marketplace-dev-window-aggregator"] == config.lambdas.memory_mb  # 512


def test_raw_json_log_lines_of_one_function(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "--stack", "dev", "--function", "api", "--from-file",
                          str(FIXTURES / "api-json-format.log"), "--hours", "1")
    assert (code, err) == (0, "")
    # p99 used 110 MB × 1.2 = 132 → 256; half CPU at 256 MB: avg 20 + 40 = 60 ms.
    assert "api: 10 invocations in 1 h, 1 cold starts, p99 init 300.0 ms" in out
    assert "  propose  lower to 256 MB" in out
    assert "avg 40.0 ms -> 60.0 ms, p99 148.0 ms -> 222.0 ms" in out
    # 7,300 runs a month (10 an hour × 730): 7,300 × 0.07 s × 0.5 GB = 255.5 GB-s
    # × 0.0000133334 = 0.0034067, + 0.00146 in requests = 0.0048667; at 256 MB billed 90 ms:
    # 164.25 GB-s = 0.0021900, + 0.00146 = 0.0036500.
    assert "$0.0049 -> $0.0037 a month (-$0.0012) at 7,300 invocations a month" in out
    assert _pasted(out) == {"marketplace:apiMemoryMb": 256}


def test_published_lines_for_a_function_outside_the_stack(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = _run(capsys, "--stack", "dev", "--log-group", "/aws/lambda/my-function",
                           "--from-file", str(FIXTURES / "published-report-lines.log"),
                           "--arch", "x86_64")
    assert code == 0
    # max(56 × 1.2, 56) = 67.2 MB: 128 MB, what they ran at.
    assert "  propose  keep 128 MB" in out
    assert out.endswith("Nothing to change in Pulumi.dev.yaml.\n")


def test_table_rows_keep_the_stack_files_other_rows(capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    document = yaml.safe_load(stack_file("dev").read_text())
    document["config"]["marketplace:lambdaFunctionMemoryMb"] = ["alertRouter=256"]
    edited = tmp_path / "Pulumi.dev.yaml"
    edited.write_text(yaml.safe_dump(document))
    code, out, _err = _run(capsys, "--stack", "dev", "--config", str(edited), "--function",
                           "streamProcessor", "--from-file",
                           str(FIXTURES / "query-results-dev.json"))
    assert code == 0
    assert _pasted(out) == {"marketplace:lambdaFunctionMemoryMb":
                            ["streamProcessor=128", "alertRouter=256"]}


def test_a_malformed_report_line_is_named_with_exit_2(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    lines = tmp_path / "report.log"
    lines.write_text("START RequestId: a\n"
                     "REPORT RequestId: a Duration: 3.00 ms Billed Duration: 4 ms\n")
    code, out, err = _run(capsys, "--stack", "dev", "--function", "api", "--from-file",
                          str(lines))
    assert (code, out) == (2, "")
    assert err == "error: report.log: line 2: no memory_mb, max_used_mb\n"


@pytest.mark.parametrize(("argv", "message"), [
    (["--from-file", str(FIXTURES / "api-json-format.log")],
     "name it with one --function or --log-group"),
    (["--function", "api", "--from-file", "missing.log"], "cannot read missing.log"),
    (["--function", "api", "--cpu-fraction", "2", "--from-file", "x"],
     "--cpu-fraction 2 is out of range"),
    (["--function", "api", "--hours", "nan", "--from-file", "x"], "--hours nan is out of range"),
    (["--config", "nowhere.yaml"], "cannot read stack settings nowhere.yaml"),
])
def test_bad_input_exits_2_with_one_line(capsys: pytest.CaptureFixture[str],
                                         argv: list[str], message: str) -> None:
    code, _out, err = _run(capsys, "--stack", "dev", *argv)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


class FakeLogs:
    """Logs Insights as boto3's client answers: a query id, then results once complete."""

    def __init__(self, statuses: list[str], results: dict[str, Any]) -> None:
        self.statuses = statuses
        self.results = results
        self.started: dict[str, Any] = {}
        self.stopped: list[str] = []

    def start_query(self, **kwargs: Any) -> dict[str, str]:
        self.started = kwargs
        return {"queryId": "q-1"}

    def get_query_results(self, queryId: str) -> dict[str, Any]:  # noqa: N803 (boto3's name)
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return {**self.results, "status": status} if status == "Complete" else {"status": status}

    def stop_query(self, queryId: str) -> dict[str, bool]:  # noqa: N803
        self.stopped.append(queryId)
        return {"success": True}


def _saved_results() -> dict[str, Any]:
    import json
    return json.loads((FIXTURES / "query-results-dev.json").read_text())


def test_live_query_runs_the_saved_query_text_and_polls(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(tune.time, "sleep", lambda _s: None)
    logs = FakeLogs(["Scheduled", "Running", "Complete"], _saved_results())
    code, out, _err = _run(capsys, "--stack", "dev", "--function", "api", "--hours", "24",
                           client=logs)
    assert code == 0
    [saved] = [q for q in QUERIES if q.key == "memory-sizing"]
    assert logs.started["queryString"] == saved.query
    assert logs.started["logGroupNames"] == ["/aws/lambda/marketplace-dev-api"]
    assert logs.started["endTime"] - logs.started["startTime"] == 24 * 3600
    # 2 GB scanned at $0.005 a GB.
    assert out.startswith("query scanned 2.000 GB ($0.0100)\n")
    assert _pasted(out) == {"marketplace:apiMemoryMb": 256}


def test_live_query_past_its_deadline_is_stopped_with_exit_1(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    clock = iter(range(0, 1000, 10))  # every call to the clock is 10 s later
    monkeypatch.setattr(tune.time, "time", lambda: float(next(clock)))
    monkeypatch.setattr(tune.time, "sleep", lambda _s: None)
    logs = FakeLogs(["Running"], {})
    code, _out, err = _run(capsys, "--stack", "dev", "--deadline", "30", client=logs)
    assert code == 1
    assert err == "error: the query did not finish within 30 s (stopped)\n"
    assert logs.stopped == ["q-1"]


def test_a_failed_query_exits_1(monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(tune.time, "sleep", lambda _s: None)
    code, _out, err = _run(capsys, "--stack", "dev", client=FakeLogs(["Failed"], {}))
    assert (code, err) == (1, "error: the query ended Failed\n")


def test_every_target_is_a_function_of_the_stack() -> None:
    registry = stack_registry("dev")
    names = {r.inputs["name"] for r in registry.by_type(FUNCTION)}
    groups = {r.inputs["name"] for r in registry.by_type("aws:cloudwatch/logGroup:LogGroup")}
    for target in TARGETS.values():
        assert target.function_name("marketplace-dev") in names
        assert target.log_group("marketplace-dev") in groups
