"""The statistics window's Insights page: coding by hour of day and by weekday (charts with
their numbers beside), the longest stretch, context switches, what ends coding stretches,
the trend, suggestions, and the achievements. Figures come from desktop.engine.insights and
desktop.engine.achievements, computed off the GUI thread when the page is shown."""

from __future__ import annotations

from datetime import date, datetime
from html import escape
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QScrollArea, QWidget

from desktop.engine.achievements import Achievements, Status
from desktop.engine.analytics import WEEKDAYS
from desktop.engine.formatting import format_duration
from desktop.engine.insights import IDLE, Insights, InsightsCache
from desktop.engine.periods import Period
from desktop.ui.bridge import QueryRunner
from desktop.ui.charts.base import Card, Chart
from desktop.ui.theme import color_for


class ColumnChart(Chart):
    """Vertical bars of hours, one per label."""

    def __init__(self, labels: list[str], every: int = 1) -> None:
        super().__init__()
        self.labels = labels
        self.hours: list[float] = [0.0] * len(labels)
        self.item = pg.BarGraphItem(x=list(range(len(labels))), height=self.hours, width=0.7,
                                    brush=color_for("coding"), pen=pg.mkPen(None))
        self.addItem(self.item)
        self.getPlotItem().getAxis("bottom").setTicks(
            [[(i, t) for i, t in enumerate(labels) if i % every == 0]])
        self.getPlotItem().getAxis("left").setLabel("hours")
        self.getPlotItem().showGrid(x=False, y=True, alpha=0.15)
        self.setMinimumHeight(180)

    def set_seconds(self, seconds: list[float]) -> None:
        self.hours = [s / 3600 for s in seconds]
        self.item.setOpts(height=self.hours)
        self.setXRange(-0.6, len(self.labels) - 0.4, padding=0)
        self.setYRange(0, max(self.hours, default=0) * 1.1 or 1, padding=0)

    def hover_text(self, x: float, y: float) -> str:
        i = round(x)
        if 0 <= i < len(self.hours):
            return f"{self.labels[i]}: {format_duration(self.hours[i] * 3600)}"
        return ""


def _label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return label


def _beside(chart: QWidget, label: QLabel) -> QWidget:
    body = QWidget()
    row = QHBoxLayout(body)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(chart, 3)
    row.addWidget(label, 1)
    return body


class InsightsPage(QScrollArea):
    loaded = Signal(object)  # (Insights, list[Status]) once drawn

    def __init__(self, engine: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.runner = QueryRunner(self)
        self.runner.finished.connect(self._on_result)
        self.runner.failed.connect(self._on_failure)
        self._token = 0
        self._cache: InsightsCache | None = None
        self._achievements: Achievements | None = None
        self._wanted: Period | None = None
        self._shown: Period | None = None
        body = QWidget()
        grid = QGridLayout(body)
        grid.setSpacing(10)
        grid.setContentsMargins(0, 6, 0, 6)
        self.setWidget(body)
        self.figures = _label()
        self.hours = ColumnChart([f"{h:02d}" for h in range(24)], every=3)
        self.hours_text = _label()
        self.weekdays = ColumnChart(list(WEEKDAYS))
        self.weekdays_text = _label()
        self.breakers = _label()
        self.suggestions = _label()
        self.achievements = _label()
        cards = [(Card("Coding in this range", self.figures), 0, 0, 1),
                 (Card("Suggestions", self.suggestions), 0, 1, 1),
                 (Card("Coding by hour of day", _beside(self.hours, self.hours_text)), 1, 0, 2),
                 (Card("Coding by weekday (share of the week)",
                       _beside(self.weekdays, self.weekdays_text)), 2, 0, 1),
                 (Card("What ends coding stretches", self.breakers), 2, 1, 1),
                 (Card("Achievements", self.achievements), 3, 0, 2)]
        for card, row, col, span in cards:
            grid.addWidget(card, row, col, 1, span)
        grid.setRowStretch(4, 1)

    def show_period(self, period: Period) -> None:
        """Show `period` now if the page is visible, else once it is."""
        self._wanted = period
        if self.isVisible():
            self.refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._wanted is not None and self._wanted != self._shown:
            self.refresh()

    def refresh(self) -> None:
        period, engine = self._wanted, self.engine
        if period is None:
            return
        analytics = engine.analytics
        if self._cache is None or self._cache.analytics is not analytics:
            self._cache = InsightsCache(analytics)
            self._achievements = Achievements(analytics)
        cache, found, tz = self._cache, self._achievements, engine.config.zone()
        goals = engine.config.goals
        today = datetime.now(tz).date()

        def job() -> tuple[Insights, list[Status]]:
            start, end = period.bounds(tz)
            return (cache.compute(start, end),
                    found.statuses(today, goals.daily_coding_minutes * 60, goals.category))
        self._shown = period
        self.figures.setText("Loading…")
        self._token = self.runner.submit(job)

    def _on_failure(self, token: int, message: str) -> None:
        if token == self._token:
            self.figures.setText(f"Could not compute the insights: {escape(message)}")

    def _on_result(self, token: int, result: tuple[Insights, list[Status]]) -> None:
        if token != self._token:
            return
        ins, found = result
        self._draw(ins)
        self._draw_achievements(found)
        self.loaded.emit(result)

    def _draw(self, ins: Insights) -> None:
        tz = self.engine.config.zone()
        trend = ins.trend
        lines = [f"<b>{format_duration(ins.coding_seconds)}</b> of coding"
                 + ("" if trend is None else f", <b>{trend:+.0f} %</b> vs the previous period")]
        if ins.longest is not None:
            a = datetime.fromtimestamp(ins.longest.start, tz)
            b = datetime.fromtimestamp(ins.longest.end, tz)
            lines.append(f"Longest stretch: <b>{format_duration(ins.longest.seconds)}</b> "
                         f"({a:%a %d %b %H:%M}–{b:%H:%M})")
        lines.append(f"Stretches of 5 min or more: <b>{ins.stretches}</b>")
        if ins.switches_per_hour is not None:
            lines.append(f"Context switches: <b>{ins.switches_per_hour:.1f}</b> per hour")
        self.figures.setText("<br>".join(lines))
        self.hours.set_seconds(ins.by_hour)
        best = ins.best_hours()
        total = ins.coding_seconds or 1
        self.hours_text.setText("Best hours:<br>" + "<br>".join(
            f"<b>{h:02d}:00</b> {format_duration(ins.by_hour[h])} "
            f"({100 * ins.by_hour[h] / total:.0f} %)" for h in best) if best else "No coding.")
        self.weekdays.set_seconds(ins.by_weekday)
        self.weekdays_text.setText("<br>".join(
            f"{WEEKDAYS[d]} <b>{share:.0f} %</b>" for d, share in enumerate(ins.weekday_share())))
        rows = "".join(
            f"<tr><td>{escape('idle / away' if b.name == IDLE else b.name)}</td>"
            f"<td align=right>&nbsp;{b.count}×</td><td align=right>&nbsp;"
            f"{'—' if b.median_return is None else format_duration(b.median_return)}</td></tr>"
            for b in ins.breakers[:8])
        self.breakers.setText(
            "<table><tr><th align=left>site or app</th><th>times</th><th>back to coding "
            f"(median)</th></tr>{rows}</table>" if rows else "No coding stretch ended yet.")
        self.suggestions.setText("<br>".join(f"• {escape(s)}" for s in ins.suggestions))

    def _draw_achievements(self, found: list[Status]) -> None:
        rows = []
        for s in sorted(found, key=lambda s: (s.earned is None, s.earned or date.min)):
            if s.earned is not None:
                state = f"earned {s.earned:%d %b %Y}"
            else:
                state = (f"{s.progress:,.0f} / {s.rule.target:,.0f} {s.rule.unit} — "
                         f"{escape(s.rule.rule)}")
            mark = "★" if s.earned else "☆"
            rows.append(f"<tr><td>{mark}&nbsp;<b>{escape(s.rule.title)}</b></td>"
                        f"<td>&nbsp;&nbsp;{state}</td></tr>")
        self.achievements.setText(f"<table>{''.join(rows)}</table>")
