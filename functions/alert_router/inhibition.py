"""Inhibition: while a layer's composite alarm is in ALARM, the pages of what depends on it wait.

CloudWatch holds one composite's actions through another's actions suppressor (the stack
sets those, components/observability/component.py ``_suppressor``); this is the router's
side, for what a suppressor cannot reach: metric alarms that page on their own, AWS Health
events, and a stack whose composites have no inhibitor. Only the ``pagerduty`` target of an
ALARM is held: Slack and email still get the alert, marked with what held its page, and an
OK still resolves whatever was paged before the upstream layer failed.

The layers and their dependencies are :mod:`functions.shared.dependency_graph`; the stack
tells the router which composite alarm stands for which layer (``INHIBITION``). Reading the
composites' states fails open: an alert whose upstream cannot be read is paged.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from functions.alert_router.alert import Alert
from functions.shared import dependency_graph

# AlarmNames takes at most 100 names per DescribeAlarms call.
MAX_NAMES = 100
# A storm reads the states once per container per this many seconds, not once per alert.
CACHE_SECONDS = 30
HEALTH_SOURCE = "health"


class AlarmStates(Protocol):
    """Which of some alarms are in ALARM now."""

    def in_alarm(self, names: Sequence[str]) -> dict[str, str]:
        """The names of ``names`` in ALARM, each with its ARN, in the order asked."""
        ...


@dataclass(frozen=True)
class Inhibition:
    """The composite alarm of each layer, and the questions the router asks of them."""

    composites: Mapping[str, str]  # composite alarm name -> layer

    @classmethod
    def from_json(cls, text: str | None) -> Inhibition | None:
        """``{"composites": {name: layer}}`` (the ``INHIBITION`` variable); None when unset."""
        if not text:
            return None
        data = json.loads(text)
        composites = data.get("composites") if isinstance(data, dict) else None
        if not isinstance(composites, dict):
            raise ValueError("INHIBITION must be a JSON object with a 'composites' object")
        for name, layer in composites.items():
            if layer not in dependency_graph.BY_NAME:
                raise ValueError(f"INHIBITION: composite {name!r} names unknown layer "
                                 f"{layer!r}; layers: {', '.join(dependency_graph.BY_NAME)}")
        return cls({str(k): str(v) for k, v in composites.items()})

    def layer_of(self, alert: Alert) -> str | None:
        """The layer an alert is about: its composite's, its metrics', its Health service's.

        Findings, budgets and cost anomalies belong to no layer: nothing holds them.
        """
        if alert.source == HEALTH_SOURCE:
            detail = alert.raw.get("detail") if isinstance(alert.raw, Mapping) else None
            service = detail.get("service") if isinstance(detail, Mapping) else None
            return dependency_graph.layer_of_health_service(str(service or ""))
        if alert.source != "cloudwatch":
            return None
        if alert.title in self.composites:
            return self.composites[alert.title]
        for namespace in _namespaces(alert):
            layer = dependency_graph.layer_of_namespace(namespace)
            if layer is not None:
                return layer
        return None

    def upstream_composites(self, layer: str) -> list[str]:
        """The composites of the layers ``layer`` depends on, nearest layer first."""
        return [name for upstream in dependency_graph.upstream_of(layer)
                for name, owner in sorted(self.composites.items()) if owner == upstream]

    def holds_for(self, alert: Alert) -> tuple[str, ...]:
        """For a layer's own composite: the layers whose pages it holds while in ALARM."""
        layer = self.composites.get(alert.title) if alert.source == "cloudwatch" else None
        return dependency_graph.dependents_of(layer) if layer else ()


def _namespaces(alert: Alert) -> list[str]:
    """The namespaces of the metrics an alarm watches (``Namespace/MetricName`` texts)."""
    texts = [str(alert.details.get(k) or "") for k in ("metric", "metrics")] + [alert.resource]
    found: list[str] = []
    for text in texts:
        for part in text.split(","):
            metric = part.strip().split(" ", 1)[0]
            if "/" in metric:
                found.append(metric.rsplit("/", 1)[0])
    return found


class CloudWatchAlarmStates:
    """:class:`AlarmStates` from DescribeAlarms, cached for a few seconds per container."""

    def __init__(self, client: Any, clock: Callable[[], float] = time.time,
                 cache_seconds: float = CACHE_SECONDS) -> None:
        self.client = client
        self.clock = clock
        self.cache_seconds = cache_seconds
        self._cache: dict[tuple[str, ...], tuple[float, dict[str, str]]] = {}

    def in_alarm(self, names: Sequence[str]) -> dict[str, str]:
        """The names in ALARM with their ARNs; ClientError/BotoCoreError pass to the caller."""
        wanted = tuple(dict.fromkeys(names))
        cached = self._cache.get(wanted)
        now = self.clock()
        if cached is not None and now - cached[0] < self.cache_seconds:
            return dict(cached[1])
        firing: dict[str, str] = {}
        for start in range(0, len(wanted), MAX_NAMES):
            kwargs: dict[str, Any] = {
                "AlarmNames": list(wanted[start:start + MAX_NAMES]),
                # Without AlarmTypes DescribeAlarms returns metric alarms only.
                "AlarmTypes": ["CompositeAlarm", "MetricAlarm"],
                "StateValue": "ALARM",
            }
            while True:
                page = self.client.describe_alarms(**kwargs)
                for alarm in [*page.get("CompositeAlarms", []), *page.get("MetricAlarms", [])]:
                    # Checked again here: moto, at least, returns every named alarm.
                    if alarm.get("StateValue") == "ALARM":
                        firing[str(alarm["AlarmName"])] = str(alarm.get("AlarmArn") or "")
                if not page.get("NextToken"):
                    break
                kwargs["NextToken"] = page["NextToken"]
        ordered = {name: firing[name] for name in wanted if name in firing}
        self._cache[wanted] = (now, ordered)
        return dict(ordered)


class StaticAlarmStates:
    """:class:`AlarmStates` from a fixed set of names (the simulator's ``--alarm``, tests)."""

    def __init__(self, names: Sequence[str], arn_prefix: str = "") -> None:
        self.names = tuple(names)
        self.arn_prefix = arn_prefix

    def in_alarm(self, names: Sequence[str]) -> dict[str, str]:
        """The asked names that are in the set, each with ``<arn_prefix><name>``."""
        return {name: f"{self.arn_prefix}{name}" for name in names if name in self.names}
