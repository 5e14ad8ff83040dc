"""Thresholds: the catalog's defaults with the stack's ``alarmThresholds`` overrides applied.

An override names a kind (``lambda/error-rate/critical=2``) or one item
(``marketplace-prod-search/duration-p99/warning=70``); an item override beats a kind
override, which beats the catalog. Syntax and catalog membership are checked when the
config is read; here, once the items are known, an item override that names no item, and
a pair of thresholds where ``warning`` would fire after ``critical``, are reported together
as one :class:`~components.config.ConfigError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from components.blocks.monitored_items import Kind, MonitoredItem
from components.config import ConfigError, Problem, ThresholdOverride
from components.observability.catalog import SEVERITIES, AlarmSpec, specs_for

KIND_NAMES = frozenset(k.value for k in Kind)


@dataclass(frozen=True)
class Threshold:
    """A resolved threshold: ``configured`` as written (a percentage for relative specs),
    ``value`` as the alarm compares it, and which key set it (``None`` for the catalog)."""

    configured: float
    value: float
    source: str | None


class Thresholds:
    """Resolves the threshold of every (item, spec, severity) from defaults and overrides."""

    def __init__(self, overrides: Sequence[ThresholdOverride]) -> None:
        self._overrides = {(o.scope, o.metric, o.severity): o for o in overrides}

    def resolve(self, item: MonitoredItem, spec: AlarmSpec, severity: str) -> Threshold | None:
        """The threshold of ``spec`` for ``item`` at ``severity`` (None: no alarm)."""
        chosen = None
        for scope in (item.name, item.kind.value):
            chosen = self._overrides.get((scope, spec.metric, severity))
            if chosen is not None:
                break
        configured = chosen.value if chosen is not None else spec.default(severity)
        if configured is None:
            return None
        value = configured
        if spec.relative_to is not None:
            base = item.attributes[spec.relative_to]
            value = configured * float(base) / 100  # type: ignore[arg-type]
        return Threshold(configured, value, chosen.key if chosen is not None else None)

    def validate(self, items: Iterable[MonitoredItem]) -> None:
        """Raise one ConfigError for unknown item scopes and inverted warning/critical pairs."""
        items = list(items)
        names = {i.name for i in items}
        problems: list[Problem] = []
        for (scope, _metric, _severity), override in self._overrides.items():
            if scope not in KIND_NAMES and scope not in names:
                problems.append(Problem(override.key, f"no monitored item is named {scope!r}"))
        for item in items:
            for spec in specs_for(item):
                warning, critical = (self.resolve(item, spec, s) for s in SEVERITIES)
                if warning is None or critical is None:
                    continue
                inverted = (warning.value > critical.value if spec.rising
                            else warning.value < critical.value)
                if inverted:
                    key = warning.source or critical.source or "alarmThresholds"
                    problems.append(Problem(
                        key if ":" in key else f"marketplace:{key}",
                        f"{item.name} {spec.metric}: warning {warning.configured:g} would "
                        f"fire after critical {critical.configured:g}"))
        if problems:
            raise ConfigError(problems)
