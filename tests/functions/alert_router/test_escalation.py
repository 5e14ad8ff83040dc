"""The escalation sweep against moto and a local PagerDuty/Slack: once, in time, retried."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace
from typing import Any

import pytest

from functions.alert_router import escalation
from functions.alert_router.dispatch import UndeliveredError
from functions.shared.retry import Deadline
from tests.functions.alert_router.conftest import ACCOUNT, alarm_message, sns_record

AFTER = 1800  # the env fixture's escalate_after_seconds


def key_of(name: str) -> str:
    """The alert key (alarm ARN) of ``alarm_message(name, ...)``."""
    return f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:{name}"


def warn(env: SimpleNamespace, name: str, state: str = "ALARM") -> None:
    """A warning alarm notification through the dispatcher (Slack accepts it)."""
    env.server.expect_request("/slack/alerts").respond_with_data("ok")
    outcome = env.dispatcher.handle_record(
        sns_record(alarm_message(name, state), "warning"), Deadline(10))
    assert outcome.errors == []


def accept_escalations(env: SimpleNamespace) -> None:
    """PagerDuty and the incidents channel accept everything."""
    env.server.expect_request("/v2/enqueue").respond_with_json({"status": "success"}, 202)
    env.server.expect_request("/slack/incidents").respond_with_data("ok")


def posts(env: SimpleNamespace, path: str) -> list[dict[str, Any]]:
    """JSON bodies the server received on ``path``."""
    return [json.loads(r.get_data()) for r, _ in env.server.log if r.path == path]


def escalated_flag(env: SimpleNamespace, name: str) -> bool:
    """The stored ``escalated`` of an alarm."""
    return env.table.get_item(Key={"alert_key": key_of(name)})["Item"]["escalated"]


@pytest.mark.parametrize(("later", "due"), [(AFTER - 1, False), (AFTER, True),
                                            (AFTER + 1, True)])
def test_a_warning_is_escalated_once_it_is_overdue(env: SimpleNamespace, later: int,
                                                   due: bool) -> None:
    warn(env, "slow")
    accept_escalations(env)
    env.clock.now += later
    assert escalation.sweep(env.dispatcher, Deadline(10)) == ([key_of("slow")] if due else [])
    assert escalated_flag(env, "slow") is due
    assert env.metrics.counts["AlertsEscalated"] == int(due)


def test_the_escalation_pages_as_an_escalated_critical(env: SimpleNamespace) -> None:
    warn(env, "slow")
    accept_escalations(env)
    env.clock.now += AFTER
    escalation.sweep(env.dispatcher, Deadline(10))
    [page] = posts(env, "/v2/enqueue")
    assert page["event_action"] == "trigger"
    assert page["dedup_key"] == key_of("slow")
    assert page["payload"]["severity"] == "error"
    assert page["payload"]["summary"].startswith("[CRITICAL] slow: ")
    [post] = posts(env, "/slack/incidents")
    assert post["text"] == "ESCALATED ALARM [critical] slow"


def test_a_sweep_escalates_each_warning_only_once(env: SimpleNamespace) -> None:
    warn(env, "slow")
    accept_escalations(env)
    env.clock.now += AFTER
    assert escalation.sweep(env.dispatcher, Deadline(10)) == [key_of("slow")]
    env.clock.now += AFTER
    assert escalation.sweep(env.dispatcher, Deadline(10)) == []
    assert len(posts(env, "/v2/enqueue")) == 1
    assert env.metrics.counts["AlertsEscalated"] == 1


def test_every_overdue_warning_is_escalated(env: SimpleNamespace) -> None:
    for name in ("a", "b", "c"):
        warn(env, name)
    accept_escalations(env)
    env.clock.now += AFTER
    assert sorted(escalation.sweep(env.dispatcher, Deadline(10))) == [
        key_of("a"), key_of("b"), key_of("c")]
    assert env.metrics.counts["AlertsEscalated"] == 3


def test_resolved_warnings_are_not_escalated(env: SimpleNamespace) -> None:
    warn(env, "blip")
    env.clock.now += 60
    warn(env, "blip", "OK")
    env.clock.now += AFTER * 2
    assert escalation.sweep(env.dispatcher, Deadline(10)) == []
    assert posts(env, "/v2/enqueue") == []


def test_a_failed_escalation_is_taken_back_and_raised(
        env: SimpleNamespace, caplog: pytest.LogCaptureFixture) -> None:
    warn(env, "slow")
    env.server.expect_request("/v2/enqueue").respond_with_data("bad key", status=400)
    env.server.expect_request("/slack/incidents").respond_with_data("ok")
    env.clock.now += AFTER
    with caplog.at_level(logging.ERROR), pytest.raises(UndeliveredError) as caught:
        escalation.sweep(env.dispatcher, Deadline(10))
    [error] = caught.value.errors
    assert isinstance(error, UndeliveredError)
    assert "pagerduty: rejected with 400: bad key" in str(error)
    assert escalated_flag(env, "slow") is False
    assert env.metrics.counts["AlertsEscalated"] == 0
    [record] = [r for r in caplog.records if r.getMessage() == "escalation not delivered"]
    assert record.alert_key == key_of("slow")
    assert "rejected with 400" in record.error


def test_the_next_sweep_retries_a_failed_escalation(env: SimpleNamespace) -> None:
    warn(env, "slow")
    env.server.expect_ordered_request("/v2/enqueue").respond_with_data("", status=400)
    env.clock.now += AFTER
    with pytest.raises(UndeliveredError):
        escalation.sweep(env.dispatcher, Deadline(10))
    env.server.clear()
    accept_escalations(env)
    assert escalation.sweep(env.dispatcher, Deadline(10)) == [key_of("slow")]
    assert escalated_flag(env, "slow") is True


def test_one_failure_does_not_stop_the_other_escalations(env: SimpleNamespace) -> None:
    warn(env, "a")
    warn(env, "b")
    env.clock.now += AFTER
    env.server.clear()
    # PagerDuty rejects the first escalation it sees and accepts the rest.
    env.server.expect_ordered_request("/v2/enqueue").respond_with_data("", status=400)
    env.server.expect_request("/v2/enqueue").respond_with_json({"status": "success"}, 202)
    env.server.expect_request("/slack/incidents").respond_with_data("ok")
    with pytest.raises(UndeliveredError) as caught:
        escalation.sweep(env.dispatcher, Deadline(10))
    assert len(caught.value.errors) == 1
    flags = {name: escalated_flag(env, name) for name in ("a", "b")}
    assert sorted(flags.values()) == [False, True]
    assert env.metrics.counts["AlertsEscalated"] == 1


def test_an_alert_a_concurrent_sweep_took_is_skipped(env: SimpleNamespace,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    warn(env, "slow")
    calls: list[tuple[str, int, bool]] = []

    def taken(key: str, first_seen: int, escalated: bool) -> bool:
        calls.append((key, first_seen, escalated))
        return False

    monkeypatch.setattr(env.dispatcher.store, "mark_escalated", taken)
    first_seen = int(env.clock.now)
    env.clock.now += AFTER
    assert escalation.sweep(env.dispatcher, Deadline(10)) == []
    assert calls == [(key_of("slow"), first_seen, True)]
    assert posts(env, "/v2/enqueue") == []


def test_a_taken_alert_does_not_stop_the_sweep(env: SimpleNamespace,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    warn(env, "a")
    warn(env, "b")
    accept_escalations(env)
    real = env.dispatcher.store.mark_escalated
    calls: list[str] = []

    def first_taken(key: str, first_seen: int, escalated: bool) -> bool:
        calls.append(key)
        return len(calls) > 1 and real(key, first_seen, escalated)

    monkeypatch.setattr(env.dispatcher.store, "mark_escalated", first_taken)
    env.clock.now += AFTER
    assert escalation.sweep(env.dispatcher, Deadline(10)) == [calls[1]]
    assert len(calls) == 2


class Units:
    """Metrics as (name, unit, value), to check the unit Powertools is given."""

    def __init__(self) -> None:
        self.added: list[tuple[str, str, float]] = []

    def add_metric(self, name: str, unit: str, value: float) -> None:
        self.added.append((name, unit, value))


def test_an_escalation_is_counted_in_count_units(env: SimpleNamespace) -> None:
    warn(env, "slow")
    accept_escalations(env)
    env.dispatcher.metrics = units = Units()
    env.clock.now += AFTER
    escalation.sweep(env.dispatcher, Deadline(10))
    assert ("AlertsEscalated", "Count", 1) in units.added


def test_the_sweep_uses_the_dispatchers_clock_in_whole_seconds(
        env: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[Any, int]] = []
    monkeypatch.setattr(env.dispatcher.store, "overdue_warnings",
                        lambda now, after: seen.append((now, after)) or [])
    env.clock.now = 1_796_000_000.9
    assert escalation.sweep(env.dispatcher, Deadline(10)) == []
    assert seen == [(1_796_000_000, 1800)]
    assert type(seen[0][0]) is int
