"""python -m tools.alerts simulate: arguments, inputs, and what the router does with them.

Expected routes and reasons are read off Pulumi.dev.yaml / Pulumi.prod.yaml by hand
(alertRoutes, alertMaintenanceWindows, alertHeartbeatTarget) and off the fixtures.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.alerting import component
from tools import alert_simulator, alerts
from tools.alert_inputs import Reading, UnreadableInputError, sns_record, stack_event_routes
from tools.alert_simulator import Simulation, load_stack, parse_time
from tools.mock_runtime import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "alerting"
COMPOSITE = FIXTURES / "cloudwatch-composite-alarm-sns-message.json"
AT = "2026-11-28T06:05:00Z"
COMPOSITE_KEY = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:marketplace-prod-api-degraded"


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    status = alerts.main(["simulate", *argv, "--json"])
    out, err = capsys.readouterr()
    return status, json.loads(out), err


def write(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


# -- arguments --------------------------------------------------------------------------------
@pytest.mark.parametrize("argv", [
    ["simulate"],
    ["simulate", str(COMPOSITE), "--stack", "staging"],
    ["simulate", str(COMPOSITE), "--stack", "dev", "--config", "Pulumi.dev.yaml"],
    ["simulate", str(COMPOSITE), "--topic", "urgent"],
    ["explode"],
])
def test_bad_arguments_exit_2_with_usage(argv: list[str],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        alerts.main(argv)
    assert exit_.value.code == 2
    assert "usage: python -m tools.alerts" in capsys.readouterr().err


def test_unknown_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    assert alerts.main(["simulate", str(COMPOSITE), str(missing)]) == 2
    assert capsys.readouterr().err == f"error: no such file: {missing}\n"


def test_bad_time_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert alerts.main(["simulate", str(COMPOSITE), "--at", "yesterday"]) == 2
    assert "--at 'yesterday' is not an ISO 8601 time" in capsys.readouterr().err


def test_bad_stack_file_exits_2_naming_the_problem(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    stack = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    stack["config"]["marketplace:alertRoutes"] = ["critical|*|carrier-pigeon"]
    config = write(tmp_path, "Pulumi.bad.yaml", yaml.safe_dump(stack))
    assert alerts.main(["simulate", str(COMPOSITE), "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {config}: ")
    assert "carrier-pigeon" in err


def test_bad_json_is_reported_and_the_rest_simulated(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    broken = write(tmp_path, "broken.json", '{"Records": [')
    status, doc, err = run_json(capsys, str(broken), str(COMPOSITE), "--at", AT)
    assert status == 1
    assert len(doc["problems"]) == 1
    assert doc["problems"][0].startswith(f"{broken}: not valid JSON")
    assert f"error: {broken}: not valid JSON" in err
    assert [n["input"] for n in doc["notifications"]] == [COMPOSITE.name]


@pytest.mark.parametrize(("content", "says"), [
    ("", "empty file"),
    ('[1, 2]', "a JSON int, not a notification"),
    ('{"Records": [{"EventSource": "aws:sqs"}]}', "a record without an Sns object"),
])
def test_unreadable_inputs_name_the_reason(content: str, says: str, tmp_path: Path) -> None:
    reading = Reading("us-east-1", "123456789012", "marketplace-dev", ())
    with pytest.raises(UnreadableInputError, match=says):
        reading.read(write(tmp_path, "x.json", content))


# -- routing with the stacks' settings --------------------------------------------------------
def test_text_report_shows_route_payloads_and_the_duplicate(
        capsys: pytest.CaptureFixture[str]) -> None:
    status = alerts.main(["simulate", str(COMPOSITE), str(COMPOSITE), "--stack", "prod",
                          "--at", AT, "--topic", "critical"])
    out = capsys.readouterr().out
    assert status == 0
    assert out.startswith("Alert simulation: stack prod (Pulumi.prod.yaml) at "
                          "2026-11-28T06:05:00Z\n")
    assert "    alert      cloudwatch / critical / ALARM: marketplace-prod-api-degraded\n" in out
    assert "    targets    pagerduty, slack:incidents\n" in out
    assert "    -> pagerduty (PagerDuty Events API v2):\n" in out
    assert "    -> slack:incidents (Slack chat.postMessage):\n" in out
    assert '"event_action": "trigger"' in out
    assert out.count("    SUPPRESSED duplicate\n") == 1


def test_maintenance_window_holds_a_prod_warning(capsys: pytest.CaptureFixture[str]) -> None:
    # Sunday 02:30 UTC is inside prod's "sun 02:00-04:00"; dev has no window.
    _status, prod, _ = run_json(capsys, str(COMPOSITE), "--stack", "prod",
                                "--at", "2026-11-29T02:30:00Z")
    alert = prod["notifications"][0]["alerts"][0]
    assert alert["severity"] == "warning"
    assert alert["suppressed"] == ("maintenance window sun 02:00-04:00 (closes "
                                   "2026-11-29T04:00:00Z): held, summarized when it closes")
    assert alert["deliveries"] == []
    _status, dev, _ = run_json(capsys, str(COMPOSITE), "--stack", "dev",
                               "--at", "2026-11-29T02:30:00Z")
    assert dev["notifications"][0]["alerts"][0]["sent"] == ["slack:dev-alerts"]


def test_config_file_routes_by_its_own_rules(capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    stack = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    stack["config"]["marketplace:alertRoutes"] = ["critical|*|pagerduty,slack:dev-alerts"]
    config = write(tmp_path, "Pulumi.trial.yaml", yaml.safe_dump(stack))
    _status, doc, _ = run_json(capsys, str(COMPOSITE), "--config", str(config), "--at", AT,
                               "--topic", "critical")
    assert doc["stack"] == "trial"
    alert = doc["notifications"][0]["alerts"][0]
    assert alert["targets"] == ["pagerduty", "slack:dev-alerts"]
    pd = alert["deliveries"][0]
    assert pd["via"] == "pagerduty"
    assert pd["payload"]["routing_key"] == alert_simulator.PAGERDUTY_KEY
    assert pd["payload"]["payload"]["severity"] == "critical"


def test_eventbridge_event_is_wrapped_as_its_rule_publishes_it(
        capsys: pytest.CaptureFixture[str]) -> None:
    health = FIXTURES / "eventbridge-health-event.json"
    _status, doc, _ = run_json(capsys, str(health), "--stack", "prod", "--at", AT)
    result = doc["notifications"][0]
    assert result["topic"] == "arn:aws:sns:us-east-1:123456789012:marketplace-prod-warning"
    assert result["note"] == "EventBridge rule health-issue publishes it to the warning topic"
    assert result["alerts"][0]["source"] == "health"
    assert result["alerts"][0]["targets"] == ["slack:alerts"]


def test_events_no_rule_forwards_never_reach_the_router(
        capsys: pytest.CaptureFixture[str]) -> None:
    state_change = FIXTURES / "eventbridge-alarm-state-change.json"
    _status, doc, _ = run_json(capsys, str(state_change), "--stack", "prod", "--at", AT)
    assert doc["notifications"] == [{
        "input": state_change.name, "kind": "eventbridge", "reaches_router": False,
        "dropped": "never published: no EventBridge rule of the stack forwards this event to "
                   "an alert topic"}]


def test_the_routers_own_email_copy_is_skipped(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    copy = write(tmp_path, "copy.json", {
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:marketplace-prod-warning",
        "Message": "[CRITICAL] ALARM: x", "MessageAttributes": {
            "forwarded-by": {"Type": "String", "Value": "alert-router"}}})
    _status, doc, _ = run_json(capsys, str(copy), "--stack", "prod", "--at", AT)
    assert doc["notifications"][0]["suppressed"] == (
        "the router's own email copy (forwarded-by=alert-router): skipped")


def test_heartbeat_goes_to_prods_heartbeat_target(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path) -> None:
    beat = write(tmp_path, "beat.json", {
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:marketplace-prod-info",
        "Message": json.dumps({"kind": "alert-path-heartbeat", "stack": "marketplace-prod",
                               "scheduled_time": "2026-11-28T06:00:00Z",
                               "execution_id": "e-1"})})
    _status, doc, _ = run_json(capsys, str(beat), "--stack", "prod", "--at", AT)
    heartbeat = doc["notifications"][0]["heartbeat"]
    assert heartbeat["sent"] == ["slack:alerts"]
    assert heartbeat["deliveries"][0]["via"] == "slack-webhook"
    assert heartbeat["deliveries"][0]["payload"]["text"].startswith(":heartbeat: Alert path")


def test_alarms_reach_build_dispatcher_as_a_set(capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[frozenset[str]] = []
    real = alert_simulator.build_dispatcher

    def spy(settings: Any, alarms_in_alarm: frozenset[str], **kw: Any) -> Any:
        seen.append(alarms_in_alarm)
        return real(settings, alarms_in_alarm, **kw)

    monkeypatch.setattr(alert_simulator, "build_dispatcher", spy)
    _status, doc, _ = run_json(capsys, str(COMPOSITE), "--alarm", "db-down", "--alarm",
                               "api-down", "--alarm", "db-down", "--at", AT)
    assert seen == [frozenset({"db-down", "api-down"})]
    assert doc["alarms_in_alarm"] == ["api-down", "db-down"]


# -- SNS in front of the router -----------------------------------------------------------
def test_the_simulation_uses_the_stacks_filter_policy() -> None:
    assert Simulation.__dataclass_fields__["filter_policy"].default is (
        component.ROUTER_FILTER_POLICY)
    assert Simulation.__dataclass_fields__["filter_scope"].default == (
        component.ROUTER_FILTER_POLICY_SCOPE)


def test_an_attribute_filter_drops_alarms_published_without_attributes() -> None:
    inputs = load_stack("prod", None)
    guard = {"forwarded-by": [{"exists": False}]}
    alarm = inputs.reading("critical").read(COMPOSITE)[0]
    with_attributes = sns_record({
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:marketplace-prod-critical",
        "Message": COMPOSITE.read_text(),
        "MessageAttributes": {"origin": {"Type": "String", "Value": "test"}}})
    with Simulation(inputs, parse_time(AT), filter_policy=guard) as simulation:
        dropped = simulation.run(alarm)
        passed = simulation.run(type(alarm)("with-attributes", "sns-message", with_attributes))
    assert dropped["reaches_router"] is False
    assert dropped["dropped"].startswith("dropped at the topic: the message has no attributes")
    assert "alerts" not in dropped
    assert passed["reaches_router"] is True
    assert passed["alerts"][0]["sent"] == ["pagerduty", "slack:incidents"]


def test_stack_event_routes_follow_the_security_switches() -> None:
    names = [r.name for r in stack_event_routes(guardduty=False, securityhub=False)]
    assert names == ["health-issue", "health-scheduled", "health-account"]
    both = [r.name for r in stack_event_routes(guardduty=True, securityhub=True)]
    assert len(both) == 9
    assert "guardduty-high" in both
    assert "securityhub-low" in both
