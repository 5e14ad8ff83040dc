"""CloudWatch dashboard widgets and the 24-column grid they are laid out on.

Plain functions returning the JSON shapes of the dashboard body (``type``, ``x``, ``y``,
``width``, ``height``, ``properties``); values may be Pulumi Outputs, resolved when the body
is serialised with ``pulumi.Output.json_dumps``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pulumi

from components.blocks.monitored_items import MonitoredItem
from components.observability.catalog import AlarmSpec, namespace_of

GRID_COLUMNS = 24
MAX_ALARMS_PER_WIDGET = 100
SEVERITY_COLORS = {"warning": "#ff7f0e", "critical": "#d62728"}

Widget = dict[str, Any]


class Grid:
    """Places widgets left to right, wrapping at 24 columns; sections start a new row."""

    def __init__(self) -> None:
        self.widgets: list[Widget] = []
        self._x = 0
        self._y = 0
        self._row_height = 0

    def _newline(self) -> None:
        self._y += self._row_height
        self._x = 0
        self._row_height = 0

    def add(self, widget: Widget) -> None:
        """Place ``widget`` (its ``width``/``height`` set) at the next free spot."""
        width, height = widget["width"], widget["height"]
        if not 1 <= width <= GRID_COLUMNS:
            raise ValueError(f"widget width {width} is outside 1..{GRID_COLUMNS}")
        if self._x + width > GRID_COLUMNS:
            self._newline()
        self.widgets.append({**widget, "x": self._x, "y": self._y})
        self._x += width
        self._row_height = max(self._row_height, height)

    def section(self, title: str, note: str = "") -> None:
        """A full-width heading on a new row."""
        if self._x:
            self._newline()
        text = f"## {title}" + (f"\n{note}" if note else "")
        self.add(text_widget(text, height=2 if note else 1))
        self._newline()

    def extend(self, widgets: Iterable[Widget]) -> None:
        """Place several widgets in order."""
        for widget in widgets:
            self.add(widget)


def text_widget(markdown: str, width: int = GRID_COLUMNS, height: int = 1) -> Widget:
    """A markdown text widget."""
    return {"type": "text", "width": width, "height": height,
            "properties": {"markdown": markdown}}


def dimension_list(dimensions: Mapping[str, pulumi.Input[str]]) -> list[Any]:
    """``[name1, value1, name2, value2, ...]`` as a metric row wants them."""
    flat: list[Any] = []
    for name, value in dimensions.items():
        flat += [name, value]
    return flat


def metric_row(namespace: str, metric_name: str, dimensions: Mapping[str, pulumi.Input[str]],
               **options: Any) -> list[Any]:
    """One entry of a metric widget's ``metrics`` array."""
    row: list[Any] = [namespace, metric_name, *dimension_list(dimensions)]
    if options:
        row.append(options)
    return row


def expression_row(expression: str, label: str, row_id: str = "result") -> list[Any]:
    """A metric-math entry of a ``metrics`` array."""
    return [{"expression": expression, "label": label, "id": row_id}]


def metric_widget(title: str, metrics: Sequence[list[Any]], region: str, *,
                  period: int = 300, stat: str = "Sum", view: str = "timeSeries",
                  width: int = 8, height: int = 6,
                  horizontal: Sequence[Mapping[str, Any]] = (),
                  extra: Mapping[str, Any] | None = None) -> Widget:
    """A graph (or single value / bar) of ``metrics``, with horizontal annotations."""
    properties: dict[str, Any] = {
        "title": title, "metrics": list(metrics), "region": region, "period": period,
        "stat": stat, "view": view,
    }
    if view == "timeSeries":
        properties["stacked"] = False
    if horizontal:
        properties["annotations"] = {"horizontal": list(horizontal)}
    properties.update(extra or {})
    return {"type": "metric", "width": width, "height": height, "properties": properties}


def alarm_status_widget(title: str, alarm_arns: Sequence[pulumi.Input[str]],
                        width: int = GRID_COLUMNS) -> list[Widget]:
    """Alarm status widgets listing ``alarm_arns`` (100 per widget), alarms in ALARM first."""
    arns = list(alarm_arns)
    chunks = [arns[i:i + MAX_ALARMS_PER_WIDGET]
              for i in range(0, len(arns), MAX_ALARMS_PER_WIDGET)]
    return [
        {"type": "alarm", "width": width, "height": max(2, min(12, 1 + len(chunk) // 4)),
         "properties": {"title": title if len(chunks) == 1 else f"{title} ({n + 1})",
                        "alarms": chunk, "sortBy": "stateUpdatedTimestamp"}}
        for n, chunk in enumerate(chunks)
    ]


def log_widget(title: str, query: str, log_groups: Sequence[pulumi.Input[str]], region: str,
               width: int = 12, height: int = 6) -> Widget:
    """A Logs Insights query over ``log_groups`` (``SOURCE`` lines built at serialisation)."""
    sources = pulumi.Output.all(*log_groups).apply(
        lambda names: " | ".join(f"SOURCE '{n}'" for n in names))
    return {"type": "log", "width": width, "height": height,
            "properties": {"title": title, "region": region, "view": "table",
                           "query": pulumi.Output.concat(sources, " | ", query)}}


def spec_metrics(item: MonitoredItem, spec: AlarmSpec) -> list[list[Any]]:
    """The metrics array that draws what the ``spec`` alarm on ``item`` evaluates."""
    namespace = namespace_of(spec, item)
    if spec.expression is None:
        return [metric_row(namespace, spec.metric_name or "", item.dimensions,
                           stat=spec.statistic, label=spec.title)]
    rows = [
        metric_row(namespace, q.metric_name, {**item.dimensions, **dict(q.extra_dimensions)},
                   id=q.id, stat=q.stat, visible=False)
        for q in spec.queries
    ]
    rows.append(expression_row(spec.expression, spec.title))
    return rows


def threshold_lines(spec: AlarmSpec, lines: Mapping[str, tuple[float, str]]) -> list[dict]:
    """Horizontal annotations for the alarm thresholds: ``severity -> (value, alarm name)``."""
    return [
        {"label": f"{severity}: {alarm_name}", "value": value,
         "color": SEVERITY_COLORS.get(severity, "#7f7f7f"),
         "fill": "above" if spec.rising else "below"}
        for severity, (value, alarm_name) in lines.items()
    ]
