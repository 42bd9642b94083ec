"""Productivity score per day, 0 to 100, days without data left as gaps."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

import pyqtgraph as pg

from desktop.ui.charts.base import Chart


class TrendChart(Chart):
    """`curve.getData()` gives (day index, score) with NaN where a day had no activity."""

    def __init__(self, color: str = "#2e9d5b") -> None:
        super().__init__()
        self.days: list[date] = []
        self.scores: list[float | None] = []
        self.curve = pg.PlotDataItem([], [], pen=pg.mkPen(color, width=2), symbol="o",
                                     symbolSize=7, symbolBrush=color, symbolPen=None,
                                     connect="finite")
        self.addItem(self.curve)
        self.getPlotItem().showGrid(x=False, y=True, alpha=0.15)
        self.setYRange(0, 100, padding=0.05)
        self.getPlotItem().getAxis("left").setTicks([[(v, str(v)) for v in (0, 25, 50, 75, 100)]])
        self.setFixedHeight(230)

    def set_scores(self, days: Sequence[date], scores: Sequence[float | None]) -> None:
        self.days, self.scores = list(days), list(scores)
        ys = [math.nan if s is None else float(s) for s in scores]
        if all(math.isnan(y) for y in ys):  # no point at all: pyqtgraph would warn
            self.curve.setData([], [])
        else:
            self.curve.setData(list(range(len(days))), ys, connect="finite")
        step = max(1, math.ceil(len(days) / 6))
        last = len(days) - 1
        self.getPlotItem().getAxis("bottom").setTicks(
            [[(i, f"{d.day} {d:%b}") for i, d in enumerate(days) if (last - i) % step == 0]])
        self.setXRange(-0.8, max(len(days), 1), padding=0)  # room for the last label

    def hover_text(self, x: float, y: float) -> str:
        i = round(x)
        if not 0 <= i < len(self.days) or abs(x - i) > 0.4:
            return ""
        score = self.scores[i]
        return f"{self.days[i]:%a %d %b}: " + ("no activity" if score is None else f"{score:.0f}")
