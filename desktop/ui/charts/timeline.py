"""A day's timeline: one lane per category (or project), hours of the day across."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import pyqtgraph as pg

from desktop.ui.charts.base import Chart, short_name
from desktop.ui.theme import color_for

MAX_LANES = 8
OTHER = "other"


@dataclass(frozen=True)
class TimelineBar:
    start: float  # hours since local midnight
    end: float
    key: str  # the lane and color: a category or a project
    details: str  # the hover text
    uuid: str = ""  # the span's (for the edit menu)


class TimelineChart(Chart):
    """`item.opts` x0/x1 hold each bar's start and end in hours; `lanes` the lane names."""

    def __init__(self) -> None:
        super().__init__()
        self.bars: list[TimelineBar] = []
        self.lanes: list[str] = []
        self.item = pg.BarGraphItem(x0=[], x1=[], y=[], height=0.72)
        self.addItem(self.item)
        plot = self.getPlotItem()
        plot.showGrid(x=True, y=False, alpha=0.15)
        plot.getAxis("left").setStyle(tickLength=0)
        self.empty = pg.TextItem("Nothing tracked on this day", anchor=(0.5, 0.5),
                                 color="#8a8f98")
        self.addItem(self.empty)

    def set_bars(self, bars: Sequence[TimelineBar]) -> None:
        totals: dict[str, float] = defaultdict(float)
        for bar in bars:
            totals[bar.key] += bar.end - bar.start
        ranked = sorted(totals, key=lambda k: -totals[k])
        keep = set(ranked[: MAX_LANES - 1] if len(ranked) > MAX_LANES else ranked)
        lanes = [k for k in ranked if k in keep] + ([OTHER] if len(ranked) > len(keep) else [])
        self.lanes = lanes
        self.bars = [b if b.key in keep else TimelineBar(b.start, b.end, OTHER, b.details, b.uuid)
                     for b in bars]
        row = {key: len(lanes) - 1 - i for i, key in enumerate(lanes)}
        self.item.setOpts(
            x0=[b.start for b in self.bars], x1=[b.end for b in self.bars],
            y=[row[b.key] for b in self.bars], height=0.72,
            pen=pg.mkPen(None), brushes=[color_for(b.key) for b in self.bars] or None)
        labels = [short_name(k) for k in lanes]
        self.getPlotItem().getAxis("left").setTicks([list(zip((row[k] for k in lanes), labels,
                                                              strict=True))])
        self.fit_left_axis(labels)
        if self.bars:
            lo = max(0.0, min(b.start for b in self.bars) - 0.5)
            hi = min(24.0, max(b.end for b in self.bars) + 0.5)
        else:
            lo, hi = 0.0, 24.0
        self.setXRange(lo, hi, padding=0)
        self.setYRange(-0.6, max(len(lanes), 1) - 0.4, padding=0)
        self.empty.setVisible(not self.bars)
        self.empty.setPos(12, 0)
        self.setFixedHeight(max(110, 50 + 30 * len(lanes)))
        hours = hi - lo
        step = 1 if hours <= 12 else 3
        self.getPlotItem().getAxis("bottom").setTicks(
            [[(h, f"{h:02d}:00") for h in range(0, 25, step)], [(h, "") for h in range(25)]])

    def bar_at(self, x: float, y: float) -> TimelineBar | None:
        n = len(self.lanes)
        lane = round(y)
        if abs(y - lane) > 0.36 or not 0 <= lane < n:
            return None
        key = self.lanes[n - 1 - lane]
        # A bar thinner than a few pixels is still hoverable: allow 0.5% of the view.
        slack = (self.getPlotItem().getViewBox().viewRange()[0][1]
                 - self.getPlotItem().getViewBox().viewRange()[0][0]) * 0.005
        for bar in self.bars:
            if bar.key == key and bar.start - slack <= x <= bar.end + slack:
                return bar
        return None

    def hover_text(self, x: float, y: float) -> str:
        bar = self.bar_at(x, y)
        return bar.details if bar else ""
