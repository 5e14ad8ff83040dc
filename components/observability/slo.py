"""SLO burn-rate alerting: multi-window, multi-burn-rate, as in the Google SRE workbook.

For an API stage item with an :class:`~components.blocks.monitored_items.Slo`, each row of
:data:`BURN_RATES` gives two window alarms (long and short) on the API's own metrics and an
AND composite that notifies the row's severity: page at 14.4x over 1 h and 5 m, page at 6x
over 6 h and 30 m, ticket at 1x over 3 d and 6 h. Availability is the 5XX share of
``Count``; latency is the share of requests slower than the objective, from the
percentile-rank statistic ``PR(0:<ms>)`` on ``Latency``. The window alarms are planned by
:func:`~components.observability.alarm_factory.slo_window_plan`.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.blocks.monitored_items import MonitoredItem, Slo


@dataclass(frozen=True)
class BurnRate:
    """One alerting row: burn-rate factor, long and short windows (s), severity."""

    key: str
    factor: float
    long_seconds: int
    short_seconds: int
    severity: str


BURN_RATES: tuple[BurnRate, ...] = (
    BurnRate("page-fast", 14.4, 3600, 300, "critical"),
    BurnRate("page-slow", 6.0, 21600, 1800, "critical"),
    BurnRate("ticket", 1.0, 259200, 21600, "warning"),
)
WINDOW_SEVERITY = "info"  # the window alarms only feed the composites


@dataclass(frozen=True)
class Objective:
    """One SLO of an item: ``availability`` or ``latency`` and its error budget (a fraction)."""

    name: str
    budget: float
    latency_ms: float | None = None


def objectives(slo: Slo) -> tuple[Objective, ...]:
    """The objectives an :class:`Slo` sets (availability, latency or both)."""
    found: list[Objective] = []
    if slo.availability_percent is not None:
        found.append(Objective("availability", 1 - slo.availability_percent / 100))
    if slo.latency_ms is not None and slo.latency_percent is not None:
        found.append(Objective("latency", 1 - slo.latency_percent / 100, slo.latency_ms))
    return tuple(o for o in found if o.budget > 0)


def window_label(seconds: int) -> str:
    """``5m``, ``1h``, ``3d``: a window's length for names."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def items_with_slo(items: tuple[MonitoredItem, ...]) -> list[MonitoredItem]:
    """The items that declare an SLO."""
    return [i for i in items if i.slo is not None and objectives(i.slo)]
