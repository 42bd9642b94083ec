"""Hour of day × weekday: when the coding happens."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg

from desktop.ui.charts.base import Chart, duration_text

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class HeatmapChart(Chart):
    """`image.image` is a 24 × 7 array (hour, weekday) of seconds; row 0 of the view is Sunday,
    so Monday reads first from the top."""

    def __init__(self) -> None:
        super().__init__()
        self.data = np.zeros((7, 24))
        self.image = pg.ImageItem(axisOrder="col-major")
        self.addItem(self.image)
        self.setColorMap("#4c9be8")
        plot = self.getPlotItem()
        plot.getAxis("left").setTicks([[(6 - i + 0.5, d) for i, d in enumerate(WEEKDAYS)]])
        plot.getAxis("bottom").setTicks([[(h + 0.5, f"{h}") for h in range(0, 24, 3)]])
        plot.getAxis("left").setStyle(tickLength=0)
        plot.getAxis("bottom").setStyle(tickLength=0)
        self.setXRange(0, 24, padding=0)
        self.setYRange(0, 7, padding=0)
        self.setFixedHeight(230)

    def setColorMap(self, color: str, background: str = "#ffffff") -> None:
        self.cmap = pg.ColorMap([0.0, 1.0], [pg.mkColor(background), pg.mkColor(color)])
        self.image.setColorMap(self.cmap)

    def set_grid(self, grid: Sequence[Sequence[float]]) -> None:
        """`grid[weekday][hour]` in seconds, Monday first (as Analytics.heatmap returns)."""
        self.data = np.asarray(grid, dtype=float).reshape(7, 24)
        # col-major image: image[x, y]; x = hour, y = 6 - weekday (Monday on top).
        self.image.setImage(self.data[::-1].T.copy(), autoLevels=False,
                            levels=(0, max(float(self.data.max()), 1.0)))
        self.image.setRect(0, 0, 24, 7)

    def hover_text(self, x: float, y: float) -> str:
        if not (0 <= x < 24 and 0 <= y < 7):
            return ""
        hour, weekday = int(x), 6 - int(y)
        secs = float(self.data[weekday, hour])
        return f"{WEEKDAYS[weekday]} {hour:02d}:00–{hour + 1:02d}:00: {duration_text(secs)}"
