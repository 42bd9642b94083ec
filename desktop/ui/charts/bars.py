"""Totals by one dimension as horizontal bars, largest on top; a click on a bar selects it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.ui.charts.base import Chart, duration_text, short_name, time_unit
from desktop.ui.theme import color_for

ROW_HEIGHT = 26  # pixels per bar, so long lists grow instead of squashing


class BarChart(Chart):
    """`item.opts["width"]` holds each bar's value in `unit` seconds (names in `names`)."""

    bar_clicked = Signal(str)

    def __init__(self, max_bars: int = 10, colors: Callable[[str], QColor] = color_for,
                 clickable: bool = False) -> None:
        super().__init__()
        self.max_bars = max_bars
        self.colors = colors
        self.clickable = clickable
        self.names: list[str] = []
        self.seconds: list[float] = []
        self.unit = 60.0
        # A bar's percentage, when not its share of all bars; None: it has none.
        self.share_of: Callable[[str], float | None] | None = None
        self.item = pg.BarGraphItem(x0=[], y=[], width=[], height=0.7)
        self.addItem(self.item)
        self.getPlotItem().showGrid(x=True, y=False, alpha=0.15)
        self.getPlotItem().getAxis("left").setStyle(tickLength=0)
        self.empty = pg.TextItem("No activity", anchor=(0.5, 0.5), color="#8a8f98")
        self.addItem(self.empty)
        if clickable:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
            self.scene().sigMouseClicked.connect(self._clicked)

    def set_items(self, items: Sequence[tuple[str, float]]) -> None:
        rows = [(name, secs) for name, secs in items if secs > 0][: self.max_bars]
        self.names = [name for name, _ in rows]
        self.seconds = [secs for _, secs in rows]
        self.unit, label = time_unit(max(self.seconds, default=0))
        n = len(rows)
        ys = [n - 1 - i for i in range(n)]  # largest on top
        self.item.setOpts(
            x0=[0.0] * n, y=ys, width=[s / self.unit for s in self.seconds], height=0.7,
            pen=pg.mkPen(None), brushes=[self.colors(name) for name in self.names] or None)
        axis = self.getPlotItem().getAxis("left")
        labels = [short_name(name) for name in self.names]
        axis.setTicks([list(zip(ys, labels, strict=True))])
        self.fit_left_axis(labels)
        self.getPlotItem().getAxis("bottom").setLabel(label)
        top = max((s / self.unit for s in self.seconds), default=1.0)
        self.setXRange(0, top * 1.05 or 1, padding=0)
        self.setYRange(-0.6, max(n, 1) - 0.4, padding=0)
        self.empty.setVisible(n == 0)
        self.empty.setPos(top / 2 if n else 0.5, (n - 1) / 2 if n else 0.2)
        self.setMinimumHeight(max(120, 50 + ROW_HEIGHT * n))
        self.updateGeometry()

    def index_at(self, y: float) -> int | None:
        n = len(self.names)
        row = round(y)
        if abs(y - row) > 0.35 or not 0 <= row < n:
            return None
        return n - 1 - row

    def hover_text(self, x: float, y: float) -> str:
        idx = self.index_at(y)
        if idx is None or x < 0 or x > self.seconds[idx] / self.unit * 1.02 + 0.02:
            return ""
        name = self.names[idx]
        share = (100 * self.seconds[idx] / (sum(self.seconds) or 1) if self.share_of is None
                 else self.share_of(name))
        hint = "\nClick for branches, files and languages" if self.clickable else ""
        percent = "" if share is None else f" ({share:.0f}%)"
        return f"{name}: {duration_text(self.seconds[idx])}{percent}{hint}"

    def click_at(self, x: float, y: float) -> str | None:
        """Select the bar at view coordinates (x, y); returns its name."""
        idx = self.index_at(y)
        if idx is None or x < 0:
            return None
        self.bar_clicked.emit(self.names[idx])
        return self.names[idx]

    def bar_scene_center(self, name: str):
        """Where bar `name` is drawn, in scene coordinates (for tests and keyboard users)."""
        idx = self.names.index(name)
        y = len(self.names) - 1 - idx
        x = self.seconds[idx] / self.unit / 2
        return self.getPlotItem().getViewBox().mapViewToScene(pg.Point(x, y))

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point = self.to_view(event.scenePos())
        self.click_at(point.x(), point.y())


class LazyBarChart(QWidget):
    """A tab page whose BarChart is built when first shown (or asked for): charts in hidden
    tabs cost nothing when the window opens."""

    def __init__(self, **options) -> None:
        super().__init__()
        self._options = options
        self._chart: BarChart | None = None
        self._items: Sequence[tuple[str, float]] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.setMinimumHeight(120)

    @property
    def chart(self) -> BarChart:
        if self._chart is None:
            self._chart = BarChart(**self._options)
            self._chart.set_items(self._items)
            self._layout.addWidget(self._chart)
            self.created(self._chart)
        return self._chart

    def created(self, chart: BarChart) -> None:
        """Called once the chart exists (the window styles it)."""

    def set_items(self, items: Sequence[tuple[str, float]]) -> None:
        self._items = list(items)
        if self._chart is not None:
            self._chart.set_items(self._items)
        else:
            self.setMinimumHeight(max(120, 50 + ROW_HEIGHT * min(len(self._items),
                                      self._options.get("max_bars", 10))))

    def showEvent(self, event) -> None:
        _ = self.chart
        super().showEvent(event)
