"""Ranges longer than a day: one stacked bar per day (or month), a segment per category (or
project)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import pyqtgraph as pg

from desktop.ui.charts.base import Chart, duration_text, time_unit
from desktop.ui.theme import color_for

MAX_KEYS = 7
OTHER = "other"


class StackedDailyChart(Chart):
    """`segments[key]` is the BarGraphItem of one key: its `opts["height"]` are per-day values
    in `unit` seconds and `opts["y0"]` where each segment starts."""

    def __init__(self) -> None:
        super().__init__()
        self.days: list[date] = []
        self.keys: list[str] = []
        self.values: dict[str, list[float]] = {}
        self.segments: dict[str, pg.BarGraphItem] = {}
        self.unit = 3600.0
        self.monthly = False
        self.legend = self.getPlotItem().addLegend(offset=(-10, 5), colCount=4)
        self.getPlotItem().showGrid(x=False, y=True, alpha=0.15)
        self.setFixedHeight(260)

    def set_days(self, days: Sequence[date], per_day: Mapping[date, Mapping[str, float]],
                 monthly: bool = False) -> None:
        """One column per day of `days`, or per month (`days` then holds their first days)."""
        self.monthly = monthly
        for item in self.segments.values():
            self.removeItem(item)
        self.legend.clear()
        totals: dict[str, float] = {}
        for day in days:
            for key, secs in per_day.get(day, {}).items():
                totals[key] = totals.get(key, 0.0) + secs
        ranked = sorted((k for k in totals if totals[k] > 0), key=lambda k: -totals[k])
        keep = ranked[: MAX_KEYS - 1] if len(ranked) > MAX_KEYS else ranked
        keys = keep + ([OTHER] if len(ranked) > len(keep) else [])
        values = {k: [0.0] * len(days) for k in keys}
        for i, day in enumerate(days):
            for key, secs in per_day.get(day, {}).items():
                values[key if key in keep else OTHER][i] += secs
        self.days, self.keys, self.values = list(days), keys, values
        day_totals = [sum(values[k][i] for k in keys) for i in range(len(days))]
        self.unit, label = time_unit(max(day_totals, default=0))
        base = [0.0] * len(days)
        self.segments = {}
        width = 0.7 if len(days) <= 7 else 0.8
        for key in keys:
            heights = [v / self.unit for v in values[key]]
            item = pg.BarGraphItem(x=list(range(len(days))), height=heights, y0=list(base),
                                   width=width, brush=color_for(key), pen=pg.mkPen(None),
                                   name=key)
            self.addItem(item)
            self.segments[key] = item
            base = [b + h for b, h in zip(base, heights, strict=True)]
        fmt = "%b" if monthly else "%a %d" if len(days) <= 7 else "%d"
        step = 1 if len(days) <= 16 else 2
        ticks = [(i, d.strftime(fmt).lstrip("0") if len(days) > 7 and not monthly
                  else d.strftime(fmt)) for i, d in enumerate(days) if i % step == 0]
        self.getPlotItem().getAxis("bottom").setTicks([ticks])
        self.getPlotItem().getAxis("left").setLabel(label)
        self.setXRange(-0.6, len(days) - 0.4, padding=0)
        self.setYRange(0, max(base, default=0) * 1.25 or 1, padding=0)

    def hover_text(self, x: float, y: float) -> str:
        i = round(x)
        if not self.days or abs(x - i) > 0.4 or not 0 <= i < len(self.days):
            return ""
        parts = [(k, self.values[k][i]) for k in self.keys if self.values[k][i] > 0]
        total = sum(s for _, s in parts)
        when = f"{self.days[i]:%B %Y}" if self.monthly else f"{self.days[i]:%A %d %B}"
        lines = [f"{when}: {duration_text(total)}"]
        lines += [f"  {k}: {duration_text(s)}" for k, s in sorted(parts, key=lambda p: -p[1])]
        return "\n".join(lines)
