"""The two DORA metrics only the router can see: change failures and time to restore.

- ``ChangeFailures``: a critical alert raised (ALARM after anything else) within the
  change-failure window after the stack's last successful deployment. The deploy workflow
  writes that deployment to an SSM parameter the stack owns (``tools/delivery.py``); the
  router reads it through Powertools' parameters utility, cached for
  :data:`PARAMETER_CACHE_SECONDS`, and records the deployed commit as EMF metadata.
- ``TimeToRestoreSeconds``: a critical alert resolved (OK after ALARM), from when its ALARM
  began (``first_seen`` of the state table's item, which the claim returns as it was).
- ``TimeToResolveSeconds`` with a ``severity`` dimension: the same for every severity, the
  incident records' MTTR on the dashboard (its own EMF line: the dimension is its alone).

Both go through the dispatcher's Powertools ``Metrics``, in the router's namespace and service.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.parameters import SSMProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

from functions.alert_router.alert import ALARM, OK, Alert
from functions.alert_router.dedup import Claim

log = logging.getLogger(__name__)
CRITICAL = "critical"
# A deployment is minutes apart from the next at best; a minute of staleness is harmless.
PARAMETER_CACHE_SECONDS = 60


@dataclass(frozen=True)
class LastDeployment:
    """The last successful deployment of the stack, as the deploy workflow recorded it."""

    commit_sha: str
    deployed_at: float  # epoch seconds

    @classmethod
    def parse(cls, text: str) -> LastDeployment | None:
        """The parameter's JSON (``{"commit_sha", "deployed_at"}``), or None when unusable."""
        try:
            data = json.loads(text)
            moment = datetime.fromisoformat(str(data["deployed_at"]).replace("Z", "+00:00"))
            return cls(str(data["commit_sha"]), moment.timestamp())
        except (ValueError, KeyError, TypeError):
            return None


def resolve_seconds(alert: Alert, claim: Claim, now: int) -> int | None:
    """Seconds an alert spent in ALARM, when this notification (OK after ALARM) resolves it."""
    if alert.state != OK or claim.previous_state != ALARM:
        return None
    began = claim.previous.get("first_seen")
    return max(0, now - int(began)) if began is not None else None


def restore_seconds(alert: Alert, claim: Claim, now: int) -> int | None:
    """Seconds a critical alert spent in ALARM, when this notification resolves it."""
    return resolve_seconds(alert, claim, now) if alert.severity == CRITICAL else None


def raises_incident(alert: Alert, claim: Claim) -> bool:
    """Whether this notification raises a critical incident (ALARM after anything else)."""
    return alert.severity == CRITICAL and alert.state == ALARM and claim.previous_state != ALARM


def within_window(deployment: LastDeployment, now: float, window_seconds: int) -> bool:
    """Whether ``now`` is in the change-failure window after ``deployment``."""
    return 0 <= now - deployment.deployed_at <= window_seconds


class DeliveryMetrics:
    """Emits ``ChangeFailures``, ``TimeToRestoreSeconds`` and ``TimeToResolveSeconds``."""

    def __init__(self, metrics: Any, ssm_client: Any, parameter_name: str,
                 window_seconds: int) -> None:
        self.metrics = metrics
        # One provider per dispatcher: Powertools caches the value it read, reused warm.
        self.ssm = SSMProvider(boto3_client=ssm_client) if ssm_client is not None else None
        self.parameter_name = parameter_name
        self.window = window_seconds

    def last_deployment(self) -> LastDeployment | None:
        """The recorded deployment, or None (no parameter configured, unreadable, unset)."""
        if self.ssm is None or not self.parameter_name:
            return None
        try:
            text = self.ssm.get(self.parameter_name, max_age=PARAMETER_CACHE_SECONDS)
        except GetParameterError:
            # Metrics must never cost an alert its delivery.
            log.warning("last deployment unreadable", extra={"parameter": self.parameter_name})
            return None
        return LastDeployment.parse(str(text))

    def observe(self, alert: Alert, claim: Claim, now: int) -> None:
        """Record what a delivered notification means for delivery performance."""
        seconds = resolve_seconds(alert, claim, now)
        if seconds is not None:
            self.time_to_resolve(alert.severity, seconds)
            if alert.severity == CRITICAL:
                self.metrics.add_metric(name="TimeToRestoreSeconds", unit="Seconds",
                                        value=seconds)
            return
        if raises_incident(alert, claim):
            deployment = self.last_deployment()
            if deployment is not None and within_window(deployment, now, self.window):
                self.metrics.add_metric(name="ChangeFailures", unit="Count", value=1)
                self.metrics.add_metadata(key="change_failure_commit",
                                          value=deployment.commit_sha)
                log.info("change failure", extra={"alert_key": alert.key,
                                                  "commit_sha": deployment.commit_sha})

    def time_to_resolve(self, severity: str, seconds: int) -> None:
        """``TimeToResolveSeconds`` of one severity, in the router's namespace and service."""
        service = getattr(self.metrics, "service", None) or os.environ.get(
            "POWERTOOLS_SERVICE_NAME", "alert-router")
        with single_metric(name="TimeToResolveSeconds", unit=MetricUnit.Seconds, value=seconds,
                           namespace=getattr(self.metrics, "namespace", None),
                           default_dimensions={"service": service}) as metric:
            metric.add_dimension(name="severity", value=severity)
