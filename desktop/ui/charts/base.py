"""What every chart shares: a themed PlotWidget, string ticks, hover tooltips, time units."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QFrame, QLabel, QToolTip, QVBoxLayout, QWidget

from desktop.engine.formatting import format_duration

pg.setConfigOptions(antialias=True)


def time_unit(max_seconds: float) -> tuple[float, str]:
    """(seconds per unit, unit label) readable for values up to `max_seconds`: seconds under
    two minutes, minutes under two hours, then hours."""
    if max_seconds >= 2 * 3600:
        return 3600.0, "hours"
    if max_seconds >= 2 * 60:
        return 60.0, "minutes"
    return 1.0, "seconds"


def short_name(name: str, limit: int = 24) -> str:
    """An axis label: a long name loses its start ("…/ui/stats_window.py"); the hover text
    gives it whole."""
    return name if len(name) <= limit else "…" + name[-(limit - 1):]


class Card(QFrame):
    """A titled panel holding one chart or figure."""

    def __init__(self, title: str, body: QWidget | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        self.title = QLabel(title)
        self.title.setObjectName("cardTitle")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.body_layout = layout
        if body is not None:
            layout.addWidget(body, 1)

    def add(self, widget: QWidget, stretch: int = 0) -> None:
        self.body_layout.addWidget(widget, stretch)


class Chart(pg.PlotWidget):
    """A PlotWidget that does not pan or zoom with the mouse wheel (it lives in a scroll area)
    and shows a tooltip from `hover_text(x, y)` under the pointer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, enableMenu=False)
        self.hideButtons()
        vb = self.getPlotItem().getViewBox()
        vb.setMouseEnabled(False, False)
        for name in ("left", "bottom"):  # axes say their unit, never "(x0.001)"
            self.getPlotItem().getAxis(name).enableAutoSIPrefix(False)
        self.setMinimumHeight(160)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setBackground(None)
        self.scene().sigMouseMoved.connect(self._hover)
        self.last_tooltip = ""

    def sizeHint(self) -> QSize:  # fixed heights; the default hint is 640x480
        return QSize(360, self.minimumHeight())

    def fit_left_axis(self, labels: list[str]) -> None:
        """Make the left axis wide enough for its longest label (pyqtgraph hides what
        does not fit)."""
        metrics = QFontMetrics(self.font())
        width = max((metrics.horizontalAdvance(t) for t in labels), default=0)
        self.getPlotItem().getAxis("left").setWidth(max(30, width + 14))

    def wheelEvent(self, event) -> None:
        event.ignore()

    def to_view(self, scene_pos: QPointF) -> QPointF:
        return self.getPlotItem().getViewBox().mapSceneToView(scene_pos)

    def hover_text(self, x: float, y: float) -> str:
        return ""

    def _hover(self, scene_pos: QPointF) -> None:
        point = self.to_view(scene_pos)
        text = self.hover_text(point.x(), point.y())
        self.last_tooltip = text
        if text:
            QToolTip.showText(self.mapToGlobal(self.mapFromScene(scene_pos)), text, self)
        else:
            QToolTip.hideText()

    def apply_theme(self, foreground: str) -> None:
        for name in ("left", "bottom"):
            axis = self.getPlotItem().getAxis(name)
            axis.setPen(pg.mkPen(foreground))
            axis.setTextPen(pg.mkPen(foreground))


def duration_text(seconds: float) -> str:
    return format_duration(seconds)
