"""Parse every notification that reaches the alert topics into normalized alerts.

Formats (AWS's documented shapes, with examples in tests/fixtures/alerting/):

- CloudWatch metric alarm via SNS: ``AlarmName``, ``NewStateValue``, ``Trigger`` with either
  ``MetricName`` (single metric) or ``Metrics`` (metric math).
- CloudWatch composite alarm via SNS: ``AlarmRule`` and ``TriggeringChildren``.
- EventBridge events (``detail-type``): ``CloudWatch Alarm State Change``, ``GuardDuty
  Finding``, ``Security Hub Findings - Imported``, ``AWS Health Event``; any other event is
  generic.
- AWS Budgets: plain text beginning ``AWS Budget Notification``.
- Cost Anomaly Detection: JSON with ``anomalyId`` and ``impact``.
- Anything else: a generic alert keyed by the message's hash, the raw message kept.

A parser never raises on odd input: a message that does not fit its format falls back to the
generic alert, so one malformed notification cannot lose the others.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from functions.alert_router.alert import (
    ALARM,
    OK,
    SEVERITIES,
    STATES,
    Alert,
    digest,
    slug,
    stable_key,
)

LOGGER = logging.getLogger(__name__)

REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
URL_RE = re.compile(r"https://[^\s\"'<>]+")


@dataclass(frozen=True)
class Origin:
    """Where a notification came from: its topic's severity and the runbook base URL."""

    severity: str
    runbook_base_url: str
    topic_arn: str = ""
    subject: str = ""


def severity_of_topic(topic_arn: str) -> str:
    """The severity a topic stands for (its name ends ``-<severity>``); ``info`` otherwise."""
    name = str(topic_arn).rsplit(":", 1)[-1]
    suffix = name.rsplit("-", 1)[-1]
    return suffix if suffix in SEVERITIES else "info"


def parse(message: Any, origin: Origin) -> list[Alert]:
    """Every alert in one SNS message (a Security Hub event may carry several findings)."""
    text = message if isinstance(message, str) else json.dumps(message, default=str)
    try:
        data = json.loads(text) if isinstance(message, str) else message
    except ValueError:
        data = None
    try:
        if isinstance(data, Mapping):
            parser = _structured_parser(data)
            if parser is not None:
                alerts = parser(data, origin)
                if alerts:
                    return alerts
        elif text.lstrip().startswith("AWS Budget Notification") or \
                origin.subject.startswith("AWS Budgets"):
            return [budget_notification(text, origin)]
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        # A message that only looks like a known format is kept whole as a generic alert.
        LOGGER.warning("message resembles a known format but does not parse; routed as generic",
                       extra={"error": repr(error), "subject": origin.subject})
    return [generic(data if data is not None else text, origin)]


def _structured_parser(data: Mapping[str, Any]) -> Callable[..., list[Alert]] | None:
    if "AlarmName" in data and "NewStateValue" in data:
        return composite_alarm if "AlarmRule" in data else metric_alarm
    if "anomalyId" in data and "impact" in data:
        return cost_anomaly
    detail_type = data.get("detail-type")
    if isinstance(detail_type, str) and isinstance(data.get("detail"), Mapping):
        return EVENT_PARSERS.get(detail_type)
    return None


# -- CloudWatch ---------------------------------------------------------------------------

def _region_of(arn: str, fallback: str = "") -> str:
    parts = str(arn).split(":")
    if len(parts) > 3 and REGION_RE.match(parts[3]):
        return parts[3]
    return fallback if REGION_RE.match(str(fallback)) else ""


def _state(value: Any) -> str:
    text = str(value or "").upper()
    return text if text in STATES else ALARM


def alarm_console_url(region: str, name: str) -> str:
    """The CloudWatch console page of an alarm."""
    r = region or "us-east-1"
    return (f"https://{r}.console.aws.amazon.com/cloudwatch/home?region={r}"
            f"#alarmsV2:alarm/{quote(name, safe='')}")


def runbook_url(origin: Origin, name: str, description: str = "") -> str:
    """A runbook link named in the description, else the anchor of ``name`` in the runbook."""
    found = URL_RE.search(description or "")
    if found and "runbook" in found.group(0).lower():
        return found.group(0).rstrip(".,)")
    return f"{origin.runbook_base_url}#{slug(name)}"


def _metric_resource(trigger: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The metric an alarm watches: ``Namespace/MetricName dims`` and the details to show."""
    if "Metrics" in trigger:
        metrics = trigger.get("Metrics") or []
        expressions = [m.get("Expression") for m in metrics if m.get("ReturnData")]
        stats = [m["MetricStat"]["Metric"] for m in metrics if "MetricStat" in m]
        names = ", ".join(f"{s.get('Namespace')}/{s.get('MetricName')}" for s in stats)
        details = {"expression": expressions[0] if expressions else "",
                   "metrics": names}
        return names, details
    dims = trigger.get("Dimensions") or []
    dim_text = ",".join(f"{d.get('name')}={d.get('value')}" for d in dims)
    metric = f"{trigger.get('Namespace')}/{trigger.get('MetricName')}"
    return (f"{metric} {dim_text}".strip(),
            {"metric": metric, "dimensions": dim_text,
             "statistic": trigger.get("Statistic") or trigger.get("ExtendedStatistic")})


def _alarm_alert(data: Mapping[str, Any], origin: Origin, resource: str,
                 details: Mapping[str, Any]) -> list[Alert]:
    """The alert of an alarm notification's common fields (metric and composite alike)."""
    name = str(data["AlarmName"])
    arn = str(data.get("AlarmArn") or "")
    region = _region_of(arn, str(data.get("Region", "")))
    return [Alert(
        key=stable_key(arn or f"alarm:{name}"),
        source="cloudwatch",
        severity=origin.severity,
        title=name,
        state=_state(data["NewStateValue"]),
        resource=resource,
        region=region,
        account=str(data.get("AWSAccountId") or ""),
        time=str(data.get("StateChangeTime") or ""),
        reason=str(data.get("NewStateReason") or ""),
        links={"Alarm": alarm_console_url(region, name),
               "Runbook": runbook_url(origin, name, str(data.get("AlarmDescription") or ""))},
        details=dict(details),
        raw=dict(data),
    )]


def metric_alarm(data: Mapping[str, Any], origin: Origin) -> list[Alert]:
    """A CloudWatch metric alarm (single metric or metric math) notification."""
    trigger = data.get("Trigger") or {}
    resource, details = _metric_resource(trigger)
    details.update({
        "threshold": trigger.get("Threshold"),
        "comparison": trigger.get("ComparisonOperator"),
        "evaluation_periods": trigger.get("EvaluationPeriods"),
        "period": trigger.get("Period"),
        "previous_state": data.get("OldStateValue"),
    })
    return _alarm_alert(data, origin, resource,
                        {k: v for k, v in details.items() if v not in (None, "")})


def composite_alarm(data: Mapping[str, Any], origin: Origin) -> list[Alert]:
    """A CloudWatch composite alarm notification: the rule and the children that fired."""
    children = [str(c.get("Arn", "")).rsplit(":", 1)[-1]
                for c in data.get("TriggeringChildren") or []]
    return _alarm_alert(data, origin, str(data.get("AlarmRule") or ""), {
        "composite": True, "rule": data.get("AlarmRule"),
        "triggering_children": ", ".join(children),
        "previous_state": data.get("OldStateValue"),
    })


# -- EventBridge events --------------------------------------------------------------------

def alarm_state_change(event: Mapping[str, Any], origin: Origin) -> list[Alert]:
    """``CloudWatch Alarm State Change`` delivered by EventBridge."""
    detail = event["detail"]
    name = str(detail["alarmName"])
    arn = str((event.get("resources") or [""])[0])
    region = str(event.get("region") or _region_of(arn))
    state = detail.get("state") or {}
    config = detail.get("configuration") or {}
    metrics = config.get("metrics") or []
    names = ", ".join(
        f"{m['metricStat']['metric'].get('namespace')}/{m['metricStat']['metric'].get('name')}"
        for m in metrics if "metricStat" in m)
    return [Alert(
        key=stable_key(arn or f"alarm:{name}"),
        source="cloudwatch",
        severity=origin.severity,
        title=name,
        state=_state(state.get("value")),
        resource=names or str(config.get("alarmRule") or ""),
        region=region,
        account=str(event.get("account") or ""),
        time=str(state.get("timestamp") or event.get("time") or ""),
        reason=str(state.get("reason") or ""),
        links={"Alarm": alarm_console_url(region, name),
               "Runbook": runbook_url(origin, name, str(config.get("description") or ""))},
        details={"previous_state": (detail.get("previousState") or {}).get("value")},
        raw=dict(event),
    )]


def finding_severity(score: float) -> str:
    """GuardDuty's bands: high (>= 7) is critical, medium (>= 4) warning, low info."""
    if score >= 7:
        return "critical"
    if score >= 4:
        return "warning"
    return "info"


def guardduty_finding(event: Mapping[str, Any], origin: Origin) -> list[Alert]:
    """``GuardDuty Finding``: keyed by finding id; severity banded from the score."""
    d = event["detail"]
    region = str(d.get("region") or event.get("region") or "")
    finding_id = str(d["id"])
    resource = d.get("resource") or {}
    score = float(d.get("severity") or 0)
    service = d.get("service") or {}
    return [Alert(
        key=stable_key(f"guardduty:{finding_id}"),
        source="guardduty",
        severity=origin.severity,
        title=str(d.get("title") or d.get("type") or "GuardDuty finding"),
        state=ALARM if not service.get("archived") else OK,
        resource=str(resource.get("resourceType") or ""),
        region=region,
        account=str(d.get("accountId") or event.get("account") or ""),
        time=str(d.get("updatedAt") or event.get("time") or ""),
        reason=str(d.get("description") or ""),
        links={"Finding": f"https://{region}.console.aws.amazon.com/guardduty/home?region="
                          f"{region}#/findings?macros=current&fId={quote(finding_id)}",
               "Runbook": f"{origin.runbook_base_url}#guardduty-finding"},
        details={"type": d.get("type"), "severity_score": score,
                 "finding_severity": finding_severity(score),
                 "count": service.get("count")},
        raw=dict(event),
    )]


SECURITYHUB_SEVERITY = {"CRITICAL": "critical", "HIGH": "critical", "MEDIUM": "warning",
                        "LOW": "info", "INFORMATIONAL": "info"}


def securityhub_findings(event: Mapping[str, Any], origin: Origin) -> list[Alert]:
    """``Security Hub Findings - Imported``: one alert per finding in the event."""
    alerts = []
    for f in event["detail"]["findings"]:
        region = str(f.get("Region") or event.get("region") or "")
        workflow = str((f.get("Workflow") or {}).get("Status") or "")
        resolved = f.get("RecordState") == "ARCHIVED" or workflow in ("RESOLVED", "SUPPRESSED")
        resources = f.get("Resources") or [{}]
        label = str((f.get("Severity") or {}).get("Label") or "")
        alerts.append(Alert(
            key=stable_key(f"securityhub:{f['Id']}"),
            source="securityhub",
            severity=origin.severity,
            title=str(f.get("Title") or "Security Hub finding"),
            state=OK if resolved else ALARM,
            resource=str(resources[0].get("Id") or ""),
            region=region,
            account=str(f.get("AwsAccountId") or event.get("account") or ""),
            time=str(f.get("UpdatedAt") or event.get("time") or ""),
            reason=str(f.get("Description") or ""),
            links={"Finding": f"https://{region}.console.aws.amazon.com/securityhub/home?region="
                              f"{region}#/findings?search=Id%3D%255Coperator%255C%253AEQUALS"
                              f"%255C%253A{quote(quote(str(f['Id']), safe=''), safe='')}",
                   "Runbook": f"{origin.runbook_base_url}#security-hub-finding"},
            details={"label": label, "finding_severity": SECURITYHUB_SEVERITY.get(label, "info"),
                     "generator": f.get("GeneratorId"), "workflow": workflow,
                     "types": ", ".join(f.get("Types") or [])},
            raw=dict(f),
        ))
    return alerts


def health_event(event: Mapping[str, Any], origin: Origin) -> list[Alert]:
    """``AWS Health Event``: open or upcoming is ALARM, closed is OK."""
    d = event["detail"]
    descriptions = d.get("eventDescription") or [{}]
    entities = [str(e.get("entityValue")) for e in d.get("affectedEntities") or []]
    status = str(d.get("statusCode") or "open")
    return [Alert(
        key=stable_key(str(d["eventArn"])),
        source="health",
        severity=origin.severity,
        title=f"AWS Health: {d.get('service', '')} {d.get('eventTypeCode', '')}".strip(),
        state=OK if status == "closed" else ALARM,
        resource=", ".join(entities),
        region=str(d.get("eventRegion") or event.get("region") or ""),
        account=str(event.get("account") or ""),
        time=str(d.get("startTime") or event.get("time") or ""),
        reason=str(descriptions[0].get("latestDescription") or ""),
        links={"Health": "https://health.aws.amazon.com/health/home#/account/event-log"
                         f"?eventID={quote(str(d['eventArn']), safe='')}",
               "Runbook": f"{origin.runbook_base_url}#aws-health-event"},
        details={"category": d.get("eventTypeCategory"), "status": status},
        raw=dict(event),
    )]


EVENT_PARSERS: dict[str, Callable[[Mapping[str, Any], Origin], list[Alert]]] = {
    "CloudWatch Alarm State Change": alarm_state_change,
    "GuardDuty Finding": guardduty_finding,
    "Security Hub Findings - Imported": securityhub_findings,
    "AWS Health Event": health_event,
}


# -- cost ----------------------------------------------------------------------------------

BUDGET_FIELD_RE = re.compile(r"^(Budget Name|Budget Type|Budgeted Amount|Alert Type|"
                             r"Alert Threshold|ACTUAL Amount|FORECASTED Amount):\s*(.+)$",
                             re.MULTILINE)
ACCOUNT_RE = re.compile(r"AWS Account (\d{12})")


def budget_notification(text: str, origin: Origin) -> Alert:
    """An AWS Budgets email-style text notification: the budget, threshold and amount."""
    fields = {k: v.strip() for k, v in BUDGET_FIELD_RE.findall(text)}
    name = fields.get("Budget Name") or origin.subject.removeprefix("AWS Budgets: ").split(
        " has ")[0] or "budget"
    alert_type = fields.get("Alert Type", "")
    account = ACCOUNT_RE.search(text)
    return Alert(
        # One key per budget and kind of alert: the 80% actual and the forecast alert differ.
        key=stable_key(f"budget:{name}:{alert_type}:{fields.get('Alert Threshold', '')}"),
        source="budgets",
        severity=origin.severity,
        title=f"Budget {name}: {alert_type.lower() or 'threshold'} alert",
        state=ALARM,
        resource=name,
        account=account.group(1) if account else "",
        reason=(f"{alert_type} amount {fields.get(f'{alert_type} Amount', '?')} against "
                f"threshold {fields.get('Alert Threshold', '?')} of budgeted "
                f"{fields.get('Budgeted Amount', '?')}"),
        links={"Budgets": "https://console.aws.amazon.com/costmanagement/home#/budgets",
               "Runbook": f"{origin.runbook_base_url}#budget-alert"},
        details=fields,
        raw=text,
    )


def cost_anomaly(data: Mapping[str, Any], origin: Origin) -> list[Alert]:
    """A Cost Anomaly Detection notification: impact, root causes and the console link."""
    impact = data.get("impact") or {}
    causes = data.get("rootCauses") or []
    cause = ", ".join(
        "/".join(str(c.get(k)) for k in ("service", "region", "usageType") if c.get(k))
        for c in causes)
    total = impact.get("totalImpact")
    return [Alert(
        key=stable_key(f"cost-anomaly:{data['anomalyId']}"),
        source="cost-anomaly",
        severity=origin.severity,
        title=f"Cost anomaly in {data.get('dimensionalValue') or 'spend'}: +{total}",
        state=ALARM,
        resource=str(data.get("monitorName") or ""),
        account=str(data.get("accountId") or ""),
        time=str(data.get("anomalyStartDate") or ""),
        reason=f"Root causes: {cause}" if cause else "",
        links={"Anomaly": str(data.get("anomalyDetailsLink") or
                              "https://console.aws.amazon.com/cost-management/home"
                              "#/anomaly-detection/overview"),
               "Runbook": f"{origin.runbook_base_url}#cost-anomaly"},
        details={"total_impact": total,
                 "impact_percentage": impact.get("totalImpactPercentage"),
                 "expected_spend": impact.get("totalExpectedSpend"),
                 "actual_spend": impact.get("totalActualSpend")},
        raw=dict(data),
    )]


# -- anything else -------------------------------------------------------------------------

def generic(data: Any, origin: Origin) -> Alert:
    """Any other message: keyed by topic, subject and content; the raw message kept."""
    if isinstance(data, Mapping):
        title = str(data.get("detail-type") or data.get("subject") or data.get("title")
                    or origin.subject or "Notification")
        body = json.dumps(data, default=str, sort_keys=True)
    else:
        body = str(data)
        first_line = body.strip().splitlines()[0][:120] if body.strip() else ""
        title = origin.subject or first_line or "Notification"
    return Alert(
        key=stable_key(f"generic:{digest([origin.topic_arn, origin.subject, body])}"),
        source="generic",
        severity=origin.severity,
        title=title[:250] or "Notification",
        state=ALARM,
        reason=body[:2000],
        links={"Runbook": f"{origin.runbook_base_url}#generic-notification"},
        raw=data,
    )

