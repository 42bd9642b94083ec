"""The statistics window: where the time went, over a day, a week, a month or any range.

It fits any screen from 1024x600 up (at any scale factor): the toolbar wraps, the cards
reflow from three columns to two to one, and the window comes back where it was on each
screen."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import Any

from PySide6.QtCore import QDate, QRect, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QCursor,
    QGuiApplication,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.engine.analytics import (
    UNKNOWN,
    explain_coding,
    explain_distractions,
    explain_pulse,
)
from desktop.engine.formatting import format_duration
from desktop.engine.periods import RANGE_NAMES, RANGES, Period
from desktop.ui.bridge import EngineBridge, QueryRunner
from desktop.ui.charts.bars import BarChart, LazyBarChart
from desktop.ui.charts.base import Card, Chart
from desktop.ui.charts.heatmap import HeatmapChart
from desktop.ui.charts.ring import ProgressRing
from desktop.ui.charts.stacked import StackedDailyChart
from desktop.ui.charts.timeline import TimelineBar, TimelineChart
from desktop.ui.charts.trend import TrendChart
from desktop.ui.commits_view import CommitsView
from desktop.ui.flow_layout import FlowLayout
from desktop.ui.focus_widgets import FocusCountdown
from desktop.ui.habits import FOCUS_LENGTHS, HabitHooks
from desktop.ui.insights_page import InsightsPage
from desktop.ui.stats_data import (
    BREAKDOWNS,
    DRILL_DIMENSIONS,
    NO_PROJECT,
    Habits,
    StatsData,
    StatsQuery,
    focus_text,
    habits_key,
    load_habits,
    load_stats,
    project_share,
)
from desktop.ui.theme import Theme, color_for, productivity_color
from desktop.ui.timeline_edit import TimelineEditor
from desktop.ui.window_places import WindowPlaces, fit

# Live updates: at most one refresh this often while the window shows today.
LIVE_REFRESH_SECONDS = 15.0
# Heatmap, trend and streaks look at weeks of history: recomputed at most this often.
HABITS_MAX_AGE = 300.0
TAB_TITLES = {"project": "Projects", "language": "Languages", "app": "Apps", "site": "Sites",
              "category": "Categories", "branch": "Branches", "file": "Files"}
ALL = "All"
ALL_DEVICES = "All devices"
PLACE_NAME = "statistics"
DEFAULT_SIZE = (1280, 900)
FRAME_ROOM = (6, 30, -6, -8)  # left, top (title bar), right, bottom frame, roughly
# Card columns by the width (logical pixels) the cards have: three, two, or one.
THREE_COLUMNS_FROM = 1100
TWO_COLUMNS_FROM = 700
COMPACT_BELOW = 420  # a window shorter than this folds its filters behind a button
COMBO_CHARS = 10  # combos show this many characters at least; longer names are elided


class ElidedLabel(QLabel):
    """A one-line label that shows what fits, with "…", and its whole text as a tooltip."""

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(60)
        self.set_full_text(text)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self.updateGeometry()
        self._elide()

    def full_text(self) -> str:
        return self._full

    def sizeHint(self):
        hint = super().sizeHint()
        hint.setWidth(self.fontMetrics().horizontalAdvance(self._full) + 8)
        return hint

    def minimumSizeHint(self):
        hint = super().minimumSizeHint()
        hint.setWidth(self.minimumWidth())
        return hint

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight,
                                              max(0, self.width() - 2))
        if shown != self.text():
            self.setText(shown)


def _group(*widgets: QWidget) -> QWidget:
    """Widgets that stay together on one toolbar row."""
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    for widget in widgets:
        layout.addWidget(widget)
    return box


def _combo() -> QComboBox:
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(COMBO_CHARS)
    combo.currentTextChanged.connect(combo.setToolTip)  # the whole name, when elided
    return combo


class Figure(QWidget):
    """A big number with a caption; `explain`, when given, is its tooltip and the caption
    says so with a "?"."""

    def __init__(self, caption: str, explain: str = "") -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.value = QLabel("–")
        self.value.setObjectName("bigNumber")
        self.caption = QLabel(caption + (" (?)" if explain else ""))
        self.caption.setObjectName("muted")
        self.setToolTip(explain)
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
    custom_focus = Signal()  # the Focus menu's "Custom length, locked mode…"

    def __init__(self, engine: Any, bridge: EngineBridge | None, theme: Theme,
                 hooks: HabitHooks | None = None, today: date | None = None) -> None:
        super().__init__()
        self.engine = engine
        self._bridge = bridge
        self.theme = theme
        self.hooks = hooks
        self._fixed_today = today
        self.setWindowTitle("TimeForged statistics")
        home = getattr(engine, "home", None)
        self.places = WindowPlaces(home) if home is not None else None
        self._placed = False
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
        self.period = Period.of("today", self.today())
        self.drill_project: str | None = None
        self.columns = 0
        self.editor = TimelineEditor(engine, self, lambda: self.refresh(force=True), lambda: (
            self.data.options.get("project", []) if self.data else []),
            lambda: (self.period.start, self.period.end))
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
        outer.setContentsMargins(10, 8, 10, 4)
        self.toolbar = self._toolbar()
        outer.addWidget(self.toolbar)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        self.grid = QGridLayout(body)
        self.grid.setSpacing(10)
        self.grid.setContentsMargins(0, 6, 0, 6)
        scroll.setWidget(body)
        self.scroll = scroll
        self.body = body
        self.pages = QTabWidget()
        self.pages.addTab(scroll, "Overview")
        self.insights = InsightsPage(self.engine)
        self.pages.addTab(self.insights, "Insights and achievements")
        outer.addWidget(self.pages, 1)
        self.setCentralWidget(central)

        # Headline figures and the goal.
        self.total_fig = Figure("tracked")
        self.coding_fig = Figure("coding", explain_coding())
        self.pulse_fig = Figure("productivity pulse", explain_pulse())
        self.distract_fig = Figure("on distractions", explain_distractions())
        figures = QWidget()
        fl = FlowLayout(figures, spacing=12, center=False)
        for fig in (self.total_fig, self.coding_fig, self.pulse_fig, self.distract_fig):
            fl.addWidget(fig)
        self.summary_card = Card("Summary", figures)
        self.top_label = QLabel()
        self.top_label.setWordWrap(True)
        self.summary_card.add(self.top_label)

        self.ring = ProgressRing()
        self.goal_label = QLabel()
        self.goal_label.setWordWrap(True)
        goal_body = QWidget()
        gl = QHBoxLayout(goal_body)
        gl.setContentsMargins(0, 0, 0, 0)
        gl.addWidget(self.ring)
        gl.addWidget(self.goal_label, 1)
        self.goal_card = Card("Daily coding goal", goal_body)

        # The timeline (one day) or stacked days (a longer range).
        self.timeline = TimelineChart()
        self.editor.attach(self.timeline)
        self.stacked = StackedDailyChart()
        self.activity_card = Card("Timeline")
        self.activity_card.add(self.timeline, 1)
        self.activity_card.add(self.stacked, 1)

        # Totals by dimension; drill-down of a project.
        self.tabs = QTabWidget()
        self.tabs.setUsesScrollButtons(True)
        self.bars: dict[str, LazyBarChart] = {}
        for dim in BREAKDOWNS:
            page = (LazyBarChart(clickable=True, colors=_project_color) if dim == "project"
                    else LazyBarChart())
            page.created = self._style_chart
            self.bars[dim] = page
            self.tabs.addTab(page, TAB_TITLES[dim])
        self.bars["project"].chart.bar_clicked.connect(self.drill_into)
        self.bars["project"].chart.share_of = self._project_share
        self.totals_card = Card("Totals (click a project to drill down)", self.tabs)
        self.hide_no_project = QToolButton()
        self.hide_no_project.setCheckable(True)
        self.hide_no_project.setText(f"Hide {NO_PROJECT}")
        self.hide_no_project.setToolTip(
            "Leave time that belongs to no project out of the Projects chart. It is never "
            "counted in the projects' percentages.")
        self.hide_no_project.toggled.connect(lambda _on: self._draw_project_bars())
        self.totals_card.add(self.hide_no_project)

        self.drill_tabs = QTabWidget()
        self.drill_tabs.setUsesScrollButtons(True)
        self.drill_bars: dict[str, LazyBarChart] = {}
        for dim in DRILL_DIMENSIONS:
            page = LazyBarChart(max_bars=8)
            page.created = self._style_chart
            self.drill_bars[dim] = page
            self.drill_tabs.addTab(page, TAB_TITLES[dim])
        self.commits_view = CommitsView(self.engine)
        self.drill_tabs.addTab(self.commits_view, "Commits")
        self.drill_close = QToolButton()
        self.drill_close.setText("✕ Close")
        self.drill_close.setToolTip("Back to all projects (Esc)")
        self.drill_close.clicked.connect(lambda: self.drill_into(None))
        self.drill_hint = QLabel("Click a bar in Projects to see its branches, files and "
                                 "languages.")
        self.drill_hint.setWordWrap(True)
        self.drill_hint.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.drill_hint.setObjectName("muted")
        self.drill_card = Card("Project detail")
        self.drill_card.add(self.drill_close)
        self.drill_card.add(self.drill_tabs, 1)
        self.drill_card.add(self.drill_hint, 1)  # at the top, under the title

        # Habits.
        self.heatmap = HeatmapChart()
        self.heat_card = Card("Coding by hour and weekday", self.heatmap)
        self.trend = TrendChart()
        self.trend_card = Card("Productivity trend", self.trend)

        # Distractions.
        self.distractions = BarChart(max_bars=8, colors=lambda _n: productivity_color(-2))
        self.distract_card = Card("Distractions (sites and apps rated distracting)",
                                  self.distractions)
        self.focus_label = QLabel()
        self.focus_label.setWordWrap(True)
        self.focus_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.focus_card = Card("Focus sessions", self.focus_label)
        self.cards = [self.summary_card, self.goal_card, self.activity_card, self.totals_card,
                      self.drill_card, self.heat_card, self.trend_card, self.distract_card,
                      self.focus_card]

        self.status_label = ElidedLabel()
        self.status_label.setObjectName("muted")
        self.statusBar().addWidget(self.status_label, 1)
        if getattr(self.engine, "focus", None) is not None:
            self.focus_countdown = FocusCountdown(self.engine.focus)
            self.statusBar().addPermanentWidget(self.focus_countdown)
            if self._bridge is not None:
                self._bridge.status.connect(self.focus_countdown.on_status)
        self._show_drill(None)
        self._reflow(3)

    def _reflow(self, columns: int) -> None:
        """Place the cards in `columns` columns (3, 2 or 1), keeping their reading order."""
        if columns == self.columns:
            return
        self.columns = columns
        wide = {self.summary_card, self.activity_card, self.totals_card, self.heat_card,
                self.distract_card}
        if columns == 3:
            rows = [[self.summary_card, self.goal_card], [self.activity_card],
                    [self.totals_card, self.drill_card], [self.heat_card, self.trend_card],
                    [self.distract_card, self.focus_card]]
        elif columns == 2:
            rows = [[self.summary_card], [self.goal_card, self.focus_card],
                    [self.activity_card], [self.totals_card], [self.drill_card, self.trend_card],
                    [self.heat_card], [self.distract_card]]
        else:
            rows = [[card] for card in self.cards]
        grid = self.grid
        for card in self.cards:
            grid.removeWidget(card)
        for r in range(grid.rowCount()):
            grid.setRowStretch(r, 0)
        for c in range(grid.columnCount()):
            grid.setColumnStretch(c, 1 if c < columns else 0)
        for r, row in enumerate(rows):
            col = 0
            for card in row:
                span = columns if len(row) == 1 else (2 if card in wide and columns == 3 else 1)
                grid.addWidget(card, r, col, 1, span)
                col += span
        grid.setRowStretch(len(rows), 1)  # spare height goes below the cards, not into them

    def _toolbar(self) -> QWidget:
        bar = QWidget()
        flow = FlowLayout(bar, spacing=8)
        self.prev_button = QToolButton()
        self.prev_button.setText("◀")
        self.prev_button.setToolTip("Previous (Ctrl+Left)")
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.today_button = QPushButton("&Today")
        self.today_button.setToolTip("Back to the range holding today (Ctrl+T)")
        self.today_button.clicked.connect(self.go_today)
        self.next_button = QToolButton()
        self.next_button.setText("▶")
        self.next_button.setToolTip("Next (Ctrl+Right)")
        self.next_button.clicked.connect(lambda: self.step(1))
        self.range_combo = QComboBox()
        for i, kind in enumerate(RANGES):
            self.range_combo.addItem(RANGE_NAMES[kind], kind)
            self.range_combo.setItemData(i, f"Ctrl+{i + 1}", Qt.ItemDataRole.ToolTipRole)
        self.range_combo.setToolTip("Which dates to show; Ctrl+←/→ steps through them")
        self.range_combo.activated.connect(lambda i: self.set_range(RANGES[i]))
        self.range_caption = QLabel("&Range")
        self.range_caption.setBuddy(self.range_combo)
        flow.addWidget(_group(self.prev_button, self.today_button, self.next_button,
                              self.range_caption, self.range_combo))

        self.from_date = QDateEdit()
        self.to_date = QDateEdit()
        for edit in (self.from_date, self.to_date):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.dateChanged.connect(lambda _d, e=edit: self._custom_changed(e))
        from_caption = QLabel("&From")
        from_caption.setBuddy(self.from_date)
        to_caption = QLabel("t&o")
        to_caption.setBuddy(self.to_date)
        self.custom_box = _group(from_caption, self.from_date, to_caption, self.to_date)
        self.custom_box.setVisible(False)
        flow.addWidget(self.custom_box)

        self.period_label = ElidedLabel()
        self.period_label.setObjectName("periodLabel")
        self.period_label.setMinimumWidth(160)
        flow.addWidget(self.period_label)

        self.filters_button = QToolButton()
        self.filters_button.setText("Filters")
        self.filters_button.setCheckable(True)
        self.filters_button.setToolTip("Show the project, language, device and color choices")
        self.filters_button.toggled.connect(lambda _on: self._show_filters())
        self.filters_button.setVisible(False)  # only on a short screen
        flow.addWidget(self.filters_button)
        self.filter_boxes: list[QWidget] = []
        self.filters: dict[str, QComboBox] = {}
        for dim, label in (("project", "&Project"), ("language", "&Language")):
            caption = QLabel(label)
            combo = _combo()
            combo.addItem(ALL)
            caption.setBuddy(combo)
            combo.activated.connect(lambda _i: self._filters_changed())
            self.filters[dim] = combo
            self.filter_boxes.append(_group(caption, combo))
            flow.addWidget(self.filter_boxes[-1])
        self.device_caption = QLabel("De&vice")
        self.device_combo = _combo()
        self.device_combo.addItem(ALL_DEVICES, "")
        self.device_combo.setToolTip("Synced devices: all of them, or one")
        self.device_caption.setBuddy(self.device_combo)
        self.device_combo.activated.connect(lambda _i: self.refresh())
        self.device_box = _group(self.device_caption, self.device_combo)
        self.device_box.setVisible(False)  # until the history holds a second device
        flow.addWidget(self.device_box)
        caption = QLabel("&Color by")
        self.color_by = QComboBox()
        self.color_by.addItems(["category", "project"])
        caption.setBuddy(self.color_by)
        self.color_by.activated.connect(lambda _i: self.refresh())
        self.filter_boxes.append(_group(caption, self.color_by))
        flow.addWidget(self.filter_boxes[-1])

        flow.addWidget(self.editor.toolbar_button())
        if self.hooks is not None:
            focus = QToolButton()
            focus.setText("Focus")
            focus.setToolTip("Start a focus session")
            focus.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            menu = QMenu(focus)
            for minutes in FOCUS_LENGTHS:
                act = menu.addAction(f"{minutes} minutes")
                act.triggered.connect(lambda _=False, m=minutes: self.hooks.start_focus(m))
            menu.addSeparator()
            custom = menu.addAction("Custom length, locked mode…")
            custom.triggered.connect(lambda _=False: self.custom_focus.emit())
            focus.setMenu(menu)
            flow.addWidget(focus)
        return bar

    def toolbar_controls(self) -> list[QWidget]:
        """Every visible control of the toolbar (for tests and keyboard users)."""
        kinds = (QAbstractButton, QComboBox, QAbstractSpinBox, QLabel)
        return [w for w in self.toolbar.findChildren(QWidget)
                if isinstance(w, kinds) and w.isVisibleTo(self)]

    def _shortcuts(self) -> None:
        bindings = {
            "Ctrl+Left": lambda: self.step(-1), "Ctrl+Right": lambda: self.step(1),
            "Ctrl+T": self.go_today, "F5": lambda: self.refresh(force=True),
            "Esc": lambda: self.drill_into(None),
        }
        for i, kind in enumerate(RANGES):
            bindings[f"Ctrl+{i + 1}"] = lambda k=kind: self.set_range(k)
        for keys, slot in bindings.items():
            QShortcut(QKeySequence(keys), self, activated=slot)
        QShortcut(QKeySequence.StandardKey.Close, self, activated=self.close)
        self.setTabOrder(self.prev_button, self.today_button)
        self.setTabOrder(self.today_button, self.next_button)

    # -- size and place -------------------------------------------------------------

    def _target_screen(self):
        return (QGuiApplication.screenAt(QCursor.pos()) or self.screen()
                or QGuiApplication.primaryScreen())

    def _place(self) -> None:
        """Where it was last on this screen, or a default size centered; always inside the
        screen's available area, with room for the window manager's frame (not known before
        the window is first shown). Positions are of the window's inside, as saved."""
        screen = self._target_screen()
        room = screen.availableGeometry().adjusted(*FRAME_ROOM)
        saved = self.places.get(PLACE_NAME, screen) if self.places else None
        if saved is None:
            saved = QRect(0, 0, *DEFAULT_SIZE)
            saved.moveCenter(room.center())
        self.setGeometry(fit(saved, room))

    def _remember_place(self) -> None:
        if self.places is not None and self._placed and not self.isMaximized():
            self.places.put(PLACE_NAME, self.screen(), self.geometry())

    def showEvent(self, event) -> None:
        if not self._placed:
            self._place()
            self._placed = True
        super().showEvent(event)

    def hideEvent(self, event) -> None:
        self._remember_place()
        super().hideEvent(event)

    def _show_filters(self) -> None:
        """On a short window the filters fold behind the Filters button."""
        shown = not self.filters_button.isVisible() or self.filters_button.isChecked()
        for box in self.filter_boxes:
            box.setVisible(shown)
        self.device_box.setVisible(shown and self.device_combo.count() > 2)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        compact = self.height() < COMPACT_BELOW
        if compact != self.filters_button.isVisible():
            self.filters_button.setVisible(compact)
            self._show_filters()
        width = self.scroll.viewport().width() if self.scroll.isVisible() else self.width()
        self._reflow(3 if width >= THREE_COLUMNS_FROM else 2 if width >= TWO_COLUMNS_FROM
                     else 1)

    # -- navigation -----------------------------------------------------------------

    def today(self) -> date:
        if self._fixed_today is not None:
            return self._fixed_today
        return datetime.now(self.engine.analytics.tz).date()

    def step(self, steps: int) -> None:
        """Whole ranges earlier or later: a day, a week, a month, a year or the custom
        range's length."""
        self.period = self.period.shifted(steps, self.today())
        self.refresh()

    def go_today(self) -> None:
        if self.period.kind == "custom":
            length = self.period.end - self.period.start
            self.period = Period("custom", self.today() + timedelta(days=1) - length,
                                 self.today() + timedelta(days=1))
        else:
            self.period = Period.of(self.period.kind, self.today())
        self.refresh()

    def set_range(self, kind: str) -> None:
        """Show range `kind` as of today; "custom" keeps the dates shown and opens the date
        pickers."""
        if kind == "custom":
            self.period = Period("custom", self.period.start, self.period.end)
        else:
            self.period = Period.of(kind, self.today())
        self.refresh()

    def set_custom(self, first: date, last: date) -> None:
        """Show from `first` to `last`, both included."""
        self.period = Period.custom(first, max(first, last))
        self.refresh()

    def _custom_changed(self, edit: QDateEdit) -> None:
        first, last = self.from_date.date().toPython(), self.to_date.date().toPython()
        if last < first:  # keep the range whole: move the other end
            other = self.to_date if edit is self.from_date else self.from_date
            other.blockSignals(True)
            other.setDate(edit.date())
            other.blockSignals(False)
            first = last = edit.date().toPython()
        self.set_custom(first, last)

    def _show_period(self) -> None:
        period = self.period
        self.period_label.set_full_text(period.label(self.today()))
        self.range_combo.setCurrentIndex(RANGES.index(period.kind))
        self.custom_box.setVisible(period.kind == "custom")
        for edit, day in ((self.from_date, period.start), (self.to_date, period.last)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)

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
        self._show_period()
        chosen = sum(combo.currentText() != ALL for combo in self.filters.values())
        chosen += bool(self.device_combo.currentData())
        self.filters_button.setText(f"Filters ({chosen})" if chosen else "Filters")
        self.status_label.set_full_text("Loading…")
        self._submit(self.current_query(), force)
        self.insights.show_period(self.period)

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
        self.status_label.set_full_text(f"Updated {when} · computed in {ms:.0f} ms   ·   "
                                        "Ctrl+←/→ step, Ctrl+1…8 ranges, F5 refresh")
        self.loaded.emit(self.data)

    def _on_failure(self, token: int, message: str) -> None:
        if token in (self._token, self._habits_token):
            self._token = self._habits_token = 0
            self.status_label.set_full_text(f"Could not read the statistics: {message}")

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
        tops = [(label, next((n for n, _ in data.totals.get(dim, [])
                              if n not in ("unknown", NO_PROJECT)), None))
                for dim, label in (("project", "project"), ("language", "language"),
                                   ("app", "app"), ("site", "site"))]
        self.top_label.setText("Top " + " · ".join(f"{label}: <b>{_html(name)}</b>"
                                                   for label, name in tops if name)
                               if data.total_seconds else "Nothing tracked in this period.")

        day_view = q.period.single_day
        self.timeline.setVisible(day_view)
        self.stacked.setVisible(not day_view)
        by = q.color_by
        if day_view:
            self.activity_card.title.setText(f"Timeline, colored by {by} (hover for details)")
            self.timeline.set_bars([TimelineBar(r.start, r.end, r.key, r.details, r.uuid)
                                    for r in data.timeline])
        else:
            monthly = len(data.daily) < len(q.period.days())
            self.activity_card.title.setText(f"Time per {'month' if monthly else 'day'} by {by}")
            self.stacked.set_days(list(data.daily), data.daily, monthly=monthly)

        for dim, chart in self.bars.items():
            if dim != "project":
                chart.set_items(data.totals.get(dim, []))
        self._draw_project_bars()
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
        self._show_filters()

    def _draw_project_bars(self) -> None:
        items = self.data.totals.get("project", []) if self.data else []
        self.hide_no_project.setVisible(any(name == NO_PROJECT for name, _ in items))
        if self.hide_no_project.isChecked():
            items = [(name, secs) for name, secs in items if name != NO_PROJECT]
        self.bars["project"].set_items(items)

    def _project_share(self, name: str) -> float | None:
        """A project's percentage of the period's project time ((no project) left out)."""
        seconds = dict(self.data.totals.get("project", [])) if self.data else {}
        return project_share(name, seconds.get(name, 0.0),
                             self.data.project_seconds if self.data else 0.0)

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
        self.commits_view.show_for(project, data.query.period if data else None)

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


def _project_color(name: str) -> QColor:
    """(no project) in the grey of what is not known, the others their own color."""
    return color_for(UNKNOWN if name == NO_PROJECT else name)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
