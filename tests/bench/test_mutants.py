"""`make mutants`: scoring, equivalent-mutant lists, mutmut's config, and the module table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench import mutants
from bench.mutants import Score, StaleEquivalentsError, Target

CURSOR = Target("functions/api/cursor.py", ("tests/functions/api/test_cursor.py",))

# As `mutmut results --all true` prints them (mutmut 3.8.1), a method's name included.
LISTING = """\
    functions.api.cursor.x_encode__mutmut_1: killed
    functions.api.cursor.x_encode__mutmut_2: survived
    functions.api.cursor.x_decode__mutmut_1: no tests
    functions.api.cursor.x_decode__mutmut_2: timeout
    functions.api.repository.xǁRepositoryǁget__mutmut_4: caught by type check
    functions.api.cursor.x_decode__mutmut_3: skipped
    functions.api.cursor.x_decode__mutmut_4: segfault
    functions.api.cursor.x_decode__mutmut_5: suspicious
"""


def test_parse_results_reads_every_line_with_its_status() -> None:
    assert mutants.parse_results(LISTING + "\nnot a result line\n") == {
        "functions.api.cursor.x_encode__mutmut_1": "killed",
        "functions.api.cursor.x_encode__mutmut_2": "survived",
        "functions.api.cursor.x_decode__mutmut_1": "no tests",
        "functions.api.cursor.x_decode__mutmut_2": "timeout",
        "functions.api.repository.xǁRepositoryǁget__mutmut_4": "caught by type check",
        "functions.api.cursor.x_decode__mutmut_3": "skipped",
        "functions.api.cursor.x_decode__mutmut_4": "segfault",
        "functions.api.cursor.x_decode__mutmut_5": "suspicious",
    }


def cursor_statuses() -> dict[str, str]:
    return {name: status for name, status in mutants.parse_results(LISTING).items()
            if name.startswith("functions.api.cursor.")}


def test_score_counts_detected_over_all_but_skipped_and_equivalent() -> None:
    # 7 cursor mutants, 1 skipped, 1 equivalent: 5 scored. Detected: killed, timeout,
    # segfault = 3. Not detected: no tests, suspicious.
    listed = {"functions.api.cursor.x_encode__mutmut_2": "same output",
              "functions.api.repository.xǁRepositoryǁget__mutmut_9": "another module's"}
    result = mutants.score(CURSOR, cursor_statuses(), listed)
    assert (result.scored, result.detected, result.value) == (5, 3, 0.6)
    row = result.measurement()
    assert row.name == "mutation functions/api/cursor.py"
    assert (row.value, row.baseline, row.target, row.better) == (0.6, 1.0, 0.85, "higher")
    assert row.meets_target is False
    assert row.note == "3 of 5 detected; 1 equivalent, 0 survived, 1 untested"


def test_a_module_with_nothing_to_mutate_scores_one() -> None:
    assert Score("functions/x.py", {}, frozenset()).value == 1.0


def test_an_equivalent_the_run_did_not_produce_is_stale() -> None:
    listed = {"functions.api.cursor.x_encode__mutmut_99": "renamed since"}
    with pytest.raises(StaleEquivalentsError,
                       match=re.escape("not produced: functions.api.cursor.x_encode__mutmut_99")):
        mutants.score(CURSOR, cursor_statuses(), listed)


def test_an_equivalent_a_test_killed_is_stale() -> None:
    listed = {"functions.api.cursor.x_decode__mutmut_2": "thought equivalent"}
    expected = "killed by a test: functions.api.cursor.x_decode__mutmut_2"
    with pytest.raises(StaleEquivalentsError, match=re.escape(expected)):
        mutants.score(CURSOR, cursor_statuses(), listed)


def test_equivalents_of_a_module_with_a_longer_name_do_not_count() -> None:
    target = Target("functions/api/cursor_extra.py", ("t.py",))
    listed = {"functions.api.cursor.x_a__mutmut_1": "r"}
    assert mutants.score(target, {}, listed).equivalent == set()


def test_read_equivalents_takes_names_and_reasons_and_skips_comments(tmp_path: Path) -> None:
    (tmp_path / "api.txt").write_text(
        "# header\n\nfunctions.api.cursor.x_a__mutmut_1  # log text only\n")
    (tmp_path / "notes.md").write_text("functions.api.x.y__mutmut_1  # not a list\n")
    assert mutants.read_equivalents(tmp_path) == {
        "functions.api.cursor.x_a__mutmut_1": "log text only"}


@pytest.mark.parametrize("line", ["functions.api.cursor.x_a__mutmut_1",
                                  "functions.api.cursor.x_a__mutmut_1  #  "])
def test_an_equivalent_without_a_reason_is_refused(tmp_path: Path, line: str) -> None:
    (tmp_path / "api.txt").write_text(line + "\n")
    expected = "api.txt:1: functions.api.cursor.x_a__mutmut_1 has no reason"
    with pytest.raises(StaleEquivalentsError, match=re.escape(expected)):
        mutants.read_equivalents(tmp_path)


def test_the_committed_equivalent_lists_all_give_reasons() -> None:
    for name, reason in mutants.read_equivalents().items():
        assert "__mutmut_" in name
        assert reason


def test_setup_cfg_mutates_one_file_and_runs_only_its_tests() -> None:
    assert mutants.setup_cfg(CURSOR) == """\
[mutmut]
source_paths=functions
only_mutate=functions/api/cursor.py
also_copy=
    components
    tools
    policy
    bench
    __main__.py
    Pulumi.yaml
    Pulumi.dev.yaml
    Pulumi.prod.yaml
pytest_add_cli_args=
    -p
    no:xdist
    -p
    no:cacheprovider
pytest_add_cli_args_test_selection=
    tests/functions/api/test_cursor.py
"""


def test_setup_cfg_for_a_component_copies_the_functions() -> None:
    cfg = mutants.setup_cfg(Target("components/observability/alarm_plans.py", ("a.py", "b.py")))
    assert "source_paths=components\n" in cfg
    assert "also_copy=\n    tools\n    policy\n    bench\n    functions\n" in cfg
    assert cfg.endswith("pytest_add_cli_args_test_selection=\n    a.py\n    b.py\n")


def test_targets_skip_packages_and_data_modules_and_follow_the_convention(tmp_path: Path) -> None:
    for name in ("functions/__init__.py", "functions/api/__init__.py", "functions/api/roles.py",
                 "functions/api/keys.py", "functions/shared/retry.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    found = mutants.targets(tmp_path)
    assert found[:2] == [
        Target("functions/api/keys.py", ("tests/functions/api/test_keys.py",)),
        Target("functions/shared/retry.py", ("tests/functions/shared/test_retry.py",)),
    ]
    assert [t.module for t in found[2:]] == ["components/observability/alarm_factory.py",
                                             "components/observability/alarm_plans.py",
                                             "components/observability/composites.py",
                                             "tools/sns_filter.py",
                                             "tools/tune_model.py"]
    assert mutants.missing_tests(found[:1], tmp_path) == ["tests/functions/api/test_keys.py"]


def test_dotted_name_prefixes_mutant_names() -> None:
    assert CURSOR.dotted == "functions.api.cursor"


def test_every_logic_module_has_its_own_test_module() -> None:
    assert mutants.missing_tests(mutants.targets()) == []


def test_every_data_only_module_exists() -> None:
    for module in mutants.NOT_LOGIC:
        assert (mutants.ROOT / module).is_file(), module
