"""The statistics window: where the time went, by day, week or month."""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.engine.formatting import format_duration
from desktop.ui.bridge import EngineBridge, QueryRunner
from desktop.ui.charts.bars import BarChart, LazyBarChart
from desktop.ui.charts.base import Card, Chart
from desktop.ui.charts.heatmap import HeatmapChart
from desktop.ui.charts.ring import ProgressRing
from desktop.ui.charts.stacked import StackedDailyChart
from desktop.ui.charts.timeline import TimelineBar, TimelineChart
from desktop.ui.charts.trend import TrendChart
from desktop.ui.habits import FOCUS_LENGTHS, HabitHooks
from desktop.ui.stats_data import (
    BREAKDOWNS,
    DRILL_DIMENSIONS,
    MODES,
    Habits,
    Period,
    StatsData,
    StatsQuery,
    focus_text,
    habits_key,
    load_habits,
    load_stats,
)
from desktop.ui.theme import Theme, productivity_color

# Live updates: at most one refresh this often while the window shows today.
LIVE_REFRESH_SECONDS = 15.0
# Heatmap, trend and streaks look at weeks of history: recomputed at most this often.
HABITS_MAX_AGE = 300.0
TAB_TITLES = {"project": "Projects", "language": "Languages", "app": "Apps", "site": "Sites",
              "category": "Categories", "branch": "Branches", "file": "Files"}
ALL = "All"
ALL_DEVICES = "All devices"


class Figure(QWidget):
    """A big number with a caption."""

    def __init__(self, caption: str) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.value = QLabel("–")
        self.value.setObjectName("bigNumber")
        self.caption = QLabel(caption)
        self.caption.setObjectName("muted")
        layout.addWidget(self.value)
        layout.addWidget(self.caption)
        layout.addStretch(1)

    def set(self, value: str, caption: str | None = None) -> None:
        self.value.setText(value)
        if caption is not None:
            self.caption.setText(caption)


class StatsWindow(QMainWindow):
    first_drawn = Signal(object)  # StatsData: the period's figures are on screen
    loaded = Signal(object)  # StatsData, once everything (habits too) is drawn

    def __init__(self, engine: Any, bridge: EngineBridge | None, theme: Theme,
                 hooks: HabitHooks | None = None, today: date | None = None) -> None:
        super().__init__()
        self.engine = engine
        self.theme = theme
        self.hooks = hooks
        self._fixed_today = today
        self.setWindowTitle("TimeForged statistics")
        self.resize(1280, 900)
        self.runner = QueryRunner(self)
        self.runner.finished.connect(self._on_result)
        self.runner.failed.connect(self._on_failure)
        self._token = 0
        self._habits_token = 0
        self._habits_at = 0.0
        self._habits_source: Any = None
        self.habits: Habits | None = None
        self._last_refresh = 0.0
        self.data: StatsData | None = None
        self.period = Period("day", self.today())
        self.drill_project: str | None = None
        self._build()
        self._shortcuts()
        theme.changed.connect(self._restyle)
        self._restyle()
        if bridge is not None:
            bridge.status.connect(self._on_status)
        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.timeout.connect(self.refresh)
        self.refresh()

    # -- building -------------------------------------------------------------------

    def _build(self) -> None:
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(14, 10, 14, 6)
        outer.addLayout(self._toolbar())
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        body = QWidget()
        grid = QGridLayout(body)
        grid.setSpacing(12)
        grid.setContentsMargins(0, 6, 0, 6)
        scroll.setWidget(body)
        self.body = body
        outer.addWidget(scroll, 1)
        self.setCentralWidget(central)

        # Row 0: headline figures and the goal.
        self.total_fig = Figure("tracked")
        self.coding_fig = Figure("coding")
        self.pulse_fig = Figure("productivity pulse (0–100)")
        self.distract_fig = Figure("on distractions")
        figures = QWidget()
        fl = QHBoxLayout(figures)
        fl.setContentsMargins(0, 0, 0, 0)
        for fig in (self.total_fig, self.coding_fig, self.pulse_fig, self.distract_fig):
            fl.addWidget(fig, 1)
        self.summary_card = Card("Summary", figures)
        self.top_label = QLabel()
        self.top_label.setWordWrap(True)
        self.summary_card.add(self.top_label)
        grid.addWidget(self.summary_card, 0, 0, 1, 2)

        self.ring = ProgressRing()
        self.goal_label = QLabel()
        self.goal_label.setWordWrap(True)
        goal_body = QWidget()
        gl = QHBoxLayout(goal_body)
        gl.setContentsMargins(0, 0, 0, 0)
        gl.addWidget(self.ring)
        gl.addWidget(self.goal_label, 1)
        self.goal_card = Card("Daily coding goal", goal_body)
        grid.addWidget(self.goal_card, 0, 2)

        # Row 1: the timeline (day) or stacked days (week, month).
        self.timeline = TimelineChart()
        self.stacked = StackedDailyChart()
        self.activity_card = Card("Timeline")
        self.activity_card.add(self.timeline, 1)
        self.activity_card.add(self.stacked, 1)
        grid.addWidget(self.activity_card, 1, 0, 1, 3)

        # Row 2: totals by dimension; drill-down of a project.
        self.tabs = QTabWidget()
        self.bars: dict[str, LazyBarChart] = {}
        for dim in BREAKDOWNS:
            page = LazyBarChart(clickable=dim == "project")
            page.created = self._style_chart
            self.bars[dim] = page
            self.tabs.addTab(page, TAB_TITLES[dim])
        self.bars["project"].chart.bar_clicked.connect(self.drill_into)
        self.totals_card = Card("Totals (click a project to drill down)", self.tabs)
        grid.addWidget(self.totals_card, 2, 0, 1, 2)

        self.drill_tabs = QTabWidget()
        self.drill_bars: dict[str, LazyBarChart] = {}
        for dim in DRILL_DIMENSIONS:
            page = LazyBarChart(max_bars=8)
            page.created = self._style_chart
            self.drill_bars[dim] = page
            self.drill_tabs.addTab(page, TAB_TITLES[dim])
        self.drill_close = QToolButton()
        self.drill_close.setText("✕ Close")
        self.drill_close.setToolTip("Back to all projects (Esc)")
        self.drill_close.clicked.connect(lambda: self.drill_into(None))
        self.drill_hint = QLabel("Click a bar in Projects to see its branches, files and "
                                 "languages.")
        self.drill_hint.setWordWrap(True)
        self.drill_hint.setObjectName("muted")
        self.drill_card = Card("Project detail")
        self.drill_card.add(self.drill_close)
        self.drill_card.add(self.drill_tabs, 1)
        self.drill_card.add(self.drill_hint)
        grid.addWidget(self.drill_card, 2, 2)

        # Row 3: habits.
        self.heatmap = HeatmapChart()
        self.heat_card = Card("Coding by hour and weekday", self.heatmap)
        grid.addWidget(self.heat_card, 3, 0, 1, 2)
        self.trend = TrendChart()
        self.trend_card = Card("Productivity trend", self.trend)
        grid.addWidget(self.trend_card, 3, 2)

        # Row 4: distractions.
        self.distractions = BarChart(max_bars=8, colors=lambda _n: productivity_color(-2))
        self.distract_card = Card("Distractions (sites and apps rated distracting)",
                                  self.distractions)
        grid.addWidget(self.distract_card, 4, 0, 1, 2)
        self.focus_label = QLabel()
        self.focus_label.setWordWrap(True)
        self.focus_card = Card("Focus sessions", self.focus_label)
        grid.addWidget(self.focus_card, 4, 2)
        for col in range(3):
            grid.setColumnStretch(col, 1)
        grid.setRowStretch(5, 1)  # spare height goes below the cards, not into them

        self.status_label = QLabel()
        self.status_label.setObjectName("muted")
        self.statusBar().addWidget(self.status_label, 1)
        self._show_drill(None)

    def _toolbar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.prev_button = QToolButton()
        self.prev_button.setText("◀")
        self.prev_button.setToolTip("Previous (Ctrl+Left)")
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.today_button = QPushButton("&Today")
        self.today_button.setToolTip("Back to today (Ctrl+T)")
        self.today_button.clicked.connect(self.go_today)
        self.next_button = QToolButton()
        self.next_button.setText("▶")
        self.next_button.setToolTip("Next (Ctrl+Right)")
        self.next_button.clicked.connect(lambda: self.step(1))
        self.period_label = QLabel()
        self.period_label.setObjectName("periodLabel")
        self.period_label.setMinimumWidth(380)
        for w in (self.prev_button, self.today_button, self.next_button):
            bar.addWidget(w)
        bar.addSpacing(8)
        bar.addWidget(self.period_label)
        bar.addStretch(1)

        self.mode_buttons = QButtonGroup(self)
        self.mode_buttons.setExclusive(True)
        for i, (mode, label) in enumerate(zip(MODES, ("&Day", "&Week", "&Month"), strict=True)):
            button = QPushButton(label)
            button.setCheckable(True)
            button.setToolTip(f"{mode.title()} view (Ctrl+{i + 1})")
            button.setChecked(mode == "day")
            self.mode_buttons.addButton(button, i)
            bar.addWidget(button)
        self.mode_buttons.idClicked.connect(lambda i: self.set_mode(MODES[i]))
        bar.addSpacing(12)

        self.filters: dict[str, QComboBox] = {}
        for dim, label in (("project", "&Project"), ("language", "&Language")):
            caption = QLabel(label)
            combo = QComboBox()
            combo.setMinimumWidth(130)
            combo.addItem(ALL)
            caption.setBuddy(combo)
            combo.activated.connect(lambda _i: self._filters_changed())
            self.filters[dim] = combo
            bar.addWidget(caption)
            bar.addWidget(combo)
        self.device_caption = QLabel("De&vice")
        self.device_combo = QComboBox()
        self.device_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.device_combo.setMinimumContentsLength(10)  # long names are elided
        self.device_combo.addItem(ALL_DEVICES, "")
        self.device_combo.setToolTip("Synced devices: all of them, or one")
        self.device_caption.setBuddy(self.device_combo)
        self.device_combo.activated.connect(lambda _i: self.refresh())
        self.device_caption.setVisible(False)  # until the history holds a second device
        self.device_combo.setVisible(False)
        bar.addWidget(self.device_caption)
        bar.addWidget(self.device_combo)
        caption = QLabel("&Color by")
        self.color_by = QComboBox()
        self.color_by.addItems(["category", "project"])
        caption.setBuddy(self.color_by)
        self.color_by.activated.connect(lambda _i: self.refresh())
        bar.addWidget(caption)
        bar.addWidget(self.color_by)

        if self.hooks is not None:
            focus = QToolButton()
            focus.setText("Focus")
            focus.setToolTip("Start a focus session")
            focus.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            menu = QMenu(focus)
            for minutes in FOCUS_LENGTHS:
                act = menu.addAction(f"{minutes} minutes")
                act.triggered.connect(lambda _=False, m=minutes: self.hooks.start_focus(m))
            focus.setMenu(menu)
            bar.addWidget(focus)
        return bar

    def _shortcuts(self) -> None:
        bindings = {
            "Ctrl+Left": lambda: self.step(-1), "Ctrl+Right": lambda: self.step(1),
            "Ctrl+T": self.go_today, "Ctrl+1": lambda: self.set_mode("day"),
            "Ctrl+2": lambda: self.set_mode("week"), "Ctrl+3": lambda: self.set_mode("month"),
            "F5": lambda: self.refresh(force=True), "Esc": lambda: self.drill_into(None),
        }
        for keys, slot in bindings.items():
            QShortcut(QKeySequence(keys), self, activated=slot)
        QShortcut(QKeySequence.StandardKey.Close, self, activated=self.close)
        self.setTabOrder(self.prev_button, self.today_button)
        self.setTabOrder(self.today_button, self.next_button)

    # -- navigation -----------------------------------------------------------------

    def today(self) -> date:
        if self._fixed_today is not None:
            return self._fixed_today
        return datetime.now(self.engine.analytics.tz).date()

    def step(self, steps: int) -> None:
        self.period = self.period.shifted(steps)
        self.refresh()

    def go_today(self) -> None:
        self.period = Period(self.period.mode, self.today())
        self.refresh()

    def set_mode(self, mode: str) -> None:
        self.period = Period(mode, self.period.anchor)
        self.mode_buttons.button(MODES.index(mode)).setChecked(True)
        self.refresh()

    def set_filter(self, dim: str, value: str | None) -> None:
        combo = self.filters[dim]
        if value is not None and combo.findText(value) < 0:
            combo.addItem(value)
        combo.setCurrentText(value or ALL)
        self._filters_changed()

    def set_device(self, device: str | None) -> None:
        """Show one device (its id), or all of them."""
        index = self.device_combo.findData(device or "")
        if index < 0:
            self.device_combo.addItem(device[:8], device)
            index = self.device_combo.count() - 1
        self.device_combo.setCurrentIndex(index)
        self.refresh()

    def drill_into(self, project: str | None) -> None:
        if project == self.drill_project:
            return
        self.drill_project = project
        self.refresh()

    def _filters_changed(self) -> None:
        # Filtering on one project is drilling into it.
        chosen = self.filters["project"].currentText()
        self.drill_project = chosen if chosen != ALL else None
        self.refresh()

    def current_query(self) -> StatsQuery:
        filters = tuple((dim, combo.currentText()) for dim, combo in self.filters.items()
                        if combo.currentText() != ALL)
        device = self.device_combo.currentData()
        if device:
            filters += (("device", device),)
        return StatsQuery(self.period, filters, self.color_by.currentText(),
                          self.drill_project, self.goal_seconds(), self.today())

    def goal_seconds(self) -> float:
        goals = getattr(self.engine.config, "goals", None)
        return float(getattr(goals, "daily_coding_minutes", 0) or 0) * 60.0

    # -- loading --------------------------------------------------------------------

    def refresh(self, force: bool = False) -> None:
        """Ask for the current view's data off the GUI thread; the newest request wins.

        Two jobs: the period's figures first (drawn as soon as they come), then the
        history-wide habits (heatmap, trend, streaks), reused for HABITS_MAX_AGE seconds
        while nothing they depend on changes."""
        self.period_label.setText(self.period.label(self.today()))
        self.status_label.setText("Loading…")
        self._submit(self.current_query(), force)

    def _submit(self, query: StatsQuery, force: bool = False) -> None:
        self._last_refresh = time.monotonic()
        analytics = self.engine.analytics
        focus_stats = getattr(getattr(self.engine, "focus", None), "stats", None)
        names = getattr(self.engine, "device_names", None)
        self._token = self.runner.submit(lambda: load_stats(analytics, query, focus_stats,
                                                            names))
        key = habits_key(query)
        fresh = (self.habits is not None and self.habits.key == key
                 and time.monotonic() - self._habits_at < HABITS_MAX_AGE)
        if force or not fresh or analytics is not self._habits_source:
            self._habits_source = analytics
            self._habits_token = self.runner.submit(lambda: load_habits(analytics, query))

    def _on_result(self, token: int, result: StatsData | Habits) -> None:
        if token == self._habits_token:
            self._habits_token = 0
            self.habits = result
            self._habits_at = time.monotonic()
            self._draw_habits(result)
        elif token == self._token:
            self._token = 0
            self.data = result
            self._draw(result)
            self.first_drawn.emit(result)
        else:
            return  # an older request; a newer one is on its way
        if self._token or self._habits_token or self.data is None:
            return
        when = datetime.now().strftime("%H:%M:%S")
        ms = (self.data.elapsed + (self.habits.elapsed if self.habits else 0)) * 1000
        self.status_label.setText(f"Updated {when} · computed in {ms:.0f} ms"
                                  "   ·   Ctrl+←/→ dates, Ctrl+1/2/3 day/week/month, "
                                  "F5 refresh")
        self.loaded.emit(self.data)

    def _on_failure(self, token: int, message: str) -> None:
        if token in (self._token, self._habits_token):
            self._token = self._habits_token = 0
            self.status_label.setText(f"Could not read the statistics: {message}")

    def _on_status(self, _status: Any) -> None:
        """Live updates: refresh (throttled) while the window is open on a period with today."""
        if not self.isVisible() or not self.period.contains(self.today()):
            return
        if self._live_timer.isActive():
            return
        wait = LIVE_REFRESH_SECONDS - (time.monotonic() - self._last_refresh)
        self._live_timer.start(max(0, int(wait * 1000)))

    # -- drawing --------------------------------------------------------------------

    def _draw(self, data: StatsData) -> None:
        q = data.query
        self.total_fig.set(format_duration(data.total_seconds))
        self.coding_fig.set(format_duration(data.coding_seconds))
        self.pulse_fig.set("–" if data.pulse is None else f"{data.pulse:.0f}")
        self.distract_fig.set(format_duration(data.distracting_seconds))
        tops = [(label, next((n for n, _ in data.totals.get(dim, []) if n != "unknown"), None))
                for dim, label in (("project", "project"), ("language", "language"),
                                   ("app", "app"), ("site", "site"))]
        self.top_label.setText("Top " + " · ".join(f"{label}: <b>{_html(name)}</b>"
                                                   for label, name in tops if name)
                               if data.total_seconds else "Nothing tracked in this period.")

        day_view = q.period.mode == "day"
        self.timeline.setVisible(day_view)
        self.stacked.setVisible(not day_view)
        by = q.color_by
        if day_view:
            self.activity_card.title.setText(f"Timeline, colored by {by} (hover for details)")
            self.timeline.set_bars([TimelineBar(r.start, r.end, r.key, r.details)
                                    for r in data.timeline])
        else:
            self.activity_card.title.setText(f"Time per day by {by}")
            self.stacked.set_days(q.period.days(), data.daily)

        for dim, chart in self.bars.items():
            chart.set_items(data.totals.get(dim, []))
        self._show_drill(data)

        for dim, combo in self.filters.items():
            current = combo.currentText()
            names = data.options.get(dim, [])
            combo.blockSignals(True)
            combo.clear()
            combo.addItems([ALL, *names])
            if current != ALL and current not in names:
                combo.addItem(current)
            combo.setCurrentText(current)
            combo.blockSignals(False)

        self._draw_devices(data.devices)
        self.distractions.set_items(data.distractions)
        self.focus_label.setText(focus_text(data.focus))

    def _draw_devices(self, devices: list[tuple[str, str]]) -> None:
        """The device choice, shown once the history holds more than one device."""
        combo = self.device_combo
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(ALL_DEVICES, "")
        for device, label in devices:
            combo.addItem(label, device)
        if current and combo.findData(current) < 0:
            combo.addItem(current[:8], current)
        combo.setCurrentIndex(max(0, combo.findData(current or "")))
        combo.blockSignals(False)
        several = combo.count() > 2
        combo.setVisible(several)
        self.device_caption.setVisible(several)

    def _draw_habits(self, habits: Habits) -> None:
        self.heatmap.set_grid(habits.heatmap or [[0.0] * 24 for _ in range(7)])
        if habits.heatmap_span:
            first, end = habits.heatmap_span
            self.heat_card.title.setText(
                f"Coding by hour and weekday ({first:%d %b} – "
                f"{end.fromordinal(end.toordinal() - 1):%d %b})")
        self.trend.set_scores(habits.trend_days, habits.trend)
        self._draw_goal(habits)

    def _draw_goal(self, habits: Habits) -> None:
        streaks = habits.streaks
        if streaks is None:
            self.ring.set_progress(0, "–")
            self.goal_label.setText("No daily coding goal set. Choose one in Settings → Goals.")
            return
        goal = streaks.goal_seconds or 1
        fraction = streaks.today_seconds / goal
        self.ring.set_progress(fraction, f"{min(fraction, 9.99) * 100:.0f}%")
        period, today = habits.key[0], habits.key[2]
        day = min(today, period.end.fromordinal(period.end.toordinal() - 1))
        self.goal_label.setText(
            f"<b>{format_duration(streaks.today_seconds)}</b> of "
            f"{format_duration(streaks.goal_seconds)} on {day:%a %d %b}<br><br>"
            f"Current streak: <b>{streaks.current} day{'s' if streaks.current != 1 else ''}"
            f"</b><br>Best streak: <b>{streaks.best} day{'s' if streaks.best != 1 else ''}</b>")

    def _show_drill(self, data: StatsData | None) -> None:
        project = data.query.drill if data else None
        shown = project is not None
        self.drill_tabs.setVisible(shown)
        self.drill_close.setVisible(shown)
        self.drill_hint.setVisible(not shown)
        self.drill_card.title.setText(f"Project: {project}" if shown else "Project detail")
        for dim, chart in self.drill_bars.items():
            chart.set_items(data.drill.get(dim, []) if data and shown else [])

    def _style_chart(self, chart: Chart) -> None:
        chart.setBackground(self.theme.chart_background)
        chart.apply_theme(self.theme.chart_foreground)

    def _restyle(self) -> None:
        charts = [self.timeline, self.stacked, self.heatmap, self.trend, self.distractions]
        charts += [page._chart for page in (*self.bars.values(), *self.drill_bars.values())
                   if page._chart is not None]
        for chart in charts:
            self._style_chart(chart)
        self.heatmap.setColorMap("#4c9be8", self.theme.chart_background)
        if self.habits is not None:
            self.heatmap.set_grid(self.habits.heatmap or [[0.0] * 24 for _ in range(7)])

    def closeEvent(self, event: QCloseEvent) -> None:
        # Closing hides: the tray app keeps running and reopens it instantly.
        self._live_timer.stop()
        event.accept()


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
