"""Colors and the light/dark palette, following the OS color scheme (Qt 6.5+ style hints)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from desktop.engine.digests import blake2s

# Categories the default rules produce get stable, distinguishable colors.
CATEGORY_COLORS = {
    "coding": "#4c9be8",
    "docs": "#26a69a",
    "reference": "#26a69a",
    "communicating": "#ab7df8",
    "communication": "#ab7df8",
    "meeting": "#f0a04b",
    "meetings": "#f0a04b",
    "design": "#ec6fae",
    "writing": "#7cb342",
    "browsing": "#90a4ae",
    "terminal": "#5c6bc0",
    "entertainment": "#ef5350",
    "social": "#ff7043",
    "news": "#ffa726",
    "shopping": "#d4a017",
    "learning": "#00acc1",
    "planning": "#8d6e63",
    "system": "#78909c",
    "utilities": "#78909c",
    "games": "#d81b60",
    "uncategorized": "#9e9e9e",
}
PRODUCTIVITY_COLORS = {2: "#2e7d32", 1: "#66bb6a", 0: "#9e9e9e", -1: "#ff8a65", -2: "#e53935"}
ACCENT = "#4c9be8"


def color_for(name: str | None) -> QColor:
    """A stable color for a category, project or any other name."""
    if not name or name == "unknown":
        return QColor(CATEGORY_COLORS["uncategorized"])
    known = CATEGORY_COLORS.get(name.lower())
    if known:
        return QColor(known)
    digest = blake2s(name.encode("utf-8"), digest_size=2).digest()
    hue = int.from_bytes(digest, "big") % 360
    return QColor.fromHsl(hue, 150, 135)


def productivity_color(level: int) -> QColor:
    return QColor(PRODUCTIVITY_COLORS.get(max(-2, min(2, level)), PRODUCTIVITY_COLORS[0]))


def _palette(dark: bool) -> QPalette:
    pal = QPalette()
    if dark:
        window, base, text, alt = "#1f2126", "#17191d", "#e6e6e6", "#262930"
        button, mid, disabled = "#2b2e35", "#3a3e46", "#7d828c"
    else:
        window, base, text, alt = "#f4f5f7", "#ffffff", "#1d1f23", "#eef0f3"
        button, mid, disabled = "#ffffff", "#c9ccd2", "#8a8f98"
    roles = {
        QPalette.ColorRole.Window: window, QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base, QPalette.ColorRole.AlternateBase: alt,
        QPalette.ColorRole.Text: text, QPalette.ColorRole.Button: button,
        QPalette.ColorRole.ButtonText: text, QPalette.ColorRole.ToolTipBase: base,
        QPalette.ColorRole.ToolTipText: text, QPalette.ColorRole.Mid: mid,
        QPalette.ColorRole.Highlight: ACCENT, QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: ACCENT, QPalette.ColorRole.PlaceholderText: disabled,
    }
    for role, value in roles.items():
        pal.setColor(role, QColor(value))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText,
                 QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled))
    return pal


class Theme(QObject):
    """The app's palette; `changed` fires when the OS switches between light and dark."""

    changed = Signal()

    def __init__(self, app: QApplication, forced: str | None = None) -> None:
        super().__init__(app)
        self._app = app
        self._forced = forced
        app.setStyle("Fusion")
        app.styleHints().colorSchemeChanged.connect(self._scheme_changed)
        self.apply()

    @property
    def dark(self) -> bool:
        if self._forced:
            return self._forced == "dark"
        return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark

    def apply(self) -> None:
        dark = self.dark
        self._app.setPalette(_palette(dark))
        self._app.setStyleSheet(_stylesheet(dark))
        if "pyqtgraph" in sys.modules:  # loaded with the first chart, not at start-up
            sys.modules["pyqtgraph"].setConfigOptions(background=self.chart_background,
                                                      foreground=self.chart_foreground)
        self.changed.emit()

    @property
    def chart_background(self) -> str:
        return "#17191d" if self.dark else "#ffffff"

    @property
    def chart_foreground(self) -> str:
        return "#c8ccd4" if self.dark else "#3b3f46"

    def _scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        if not self._forced:
            self.apply()


def _stylesheet(dark: bool) -> str:
    card = "#17191d" if dark else "#ffffff"
    border = "#30333a" if dark else "#e1e4e8"
    return f"""
    QFrame#card {{ background: {card}; border: 1px solid {border}; border-radius: 8px; }}
    QLabel#cardTitle {{ font-weight: 600; }}
    QLabel#bigNumber {{ font-size: 20pt; font-weight: 600; }}
    QLabel#muted {{ color: #8a8f98; }}
    QLabel#periodLabel {{ font-size: 13pt; font-weight: 600; }}
    """
