"""The running tray app: wires the engine to the tray, windows and notifications."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from desktop.ui.bridge import EngineBridge, QueryRunner
from desktop.ui.habits import HabitHooks
from desktop.ui.notifications import Notifier
from desktop.ui.state import UiState
from desktop.ui.theme import Theme
from desktop.ui.tray import FallbackWindow, Tray, TrayMenu

# While there is no tray, look for one appearing (a panel started after us) this often.
TRAY_RECHECK_MS = 5000


def no_tray_reason() -> str:
    desktop = os.environ.get("XDG_CURRENT_DESKTOP", "")
    why = "No system tray was found on this desktop"
    if "GNOME" in desktop.upper():
        why += (" (GNOME shows tray icons only with the “AppIndicator and KStatusNotifierItem "
                "Support” extension)")
    elif os.environ.get("WAYLAND_DISPLAY"):
        why += " (this Wayland compositor offers no tray)"
    return (why + ", so TimeForged shows this small window instead. Tracking goes on while "
            "it is minimized; it switches to a tray icon as soon as a tray appears.")


class TrayApp(QObject):
    def __init__(self, app: QApplication, engine: Any, theme: Theme) -> None:
        super().__init__(app)
        self.app = app
        self.engine = engine
        self.theme = theme
        self.ui_state = UiState.load(engine.home)
        self.bridge = EngineBridge(engine, self)
        self.runner = QueryRunner(self)
        self.hooks = HabitHooks(engine, self.notify)
        self.menu = TrayMenu(engine, self.hooks)
        self.tray: Tray | None = None
        self.fallback: FallbackWindow | None = None
        self.stats_window: QWidget | None = None
        self.settings_dialog: QWidget | None = None
        self.first_run: QWidget | None = None
        self.stop_focus_dialog: QWidget | None = None
        self.start_focus_dialog: QWidget | None = None
        self.notifier = Notifier(engine, self.bridge, self.runner, self._show_message, self)
        self.menu.open_stats.connect(self.show_stats)
        self.menu.open_settings.connect(self.show_settings)
        self.menu.start_focus.connect(self.show_start_focus)
        self.menu.open_api_settings.connect(self.show_api_settings)
        self.menu.stop_focus.connect(self.show_stop_focus)
        self.break_overlay: QObject | None = None
        self.focus_notices: QObject | None = None
        if getattr(engine, "breaks", None) is not None:
            from desktop.ui.break_overlay import BreakOverlay

            self.break_overlay = BreakOverlay(engine.breaks, self)
            self.bridge.event.connect(self.break_overlay.on_event)
        if getattr(engine, "focus", None) is not None:
            from desktop.ui.focus_notices import FocusNotices

            self.focus_notices = FocusNotices(engine.focus, self)
            self.bridge.event.connect(self.focus_notices.on_event)
        self.menu.quit_requested.connect(self.quit)
        self.bridge.status.connect(self._on_status)
        self._tray_timer = QTimer(self)
        self._tray_timer.timeout.connect(self._check_tray)
        self._stopped = False

    # -- lifecycle ------------------------------------------------------------------

    def start(self) -> None:
        self.engine.start()
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._use_tray()
        else:
            self.fallback = FallbackWindow(self.menu, no_tray_reason())
            self.fallback.show()
            self._tray_timer.start(TRAY_RECHECK_MS)

    def quit(self) -> None:
        self.shutdown()
        self.app.quit()

    def shutdown(self) -> None:
        """Stop the engine (flushing to disk) and hide the icon; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        self._tray_timer.stop()
        for window in (self.stats_window, self.settings_dialog, self.fallback):
            if window is not None:
                window.hide()
        if self.tray is not None:
            self.tray.hide()
        self.runner.wait()
        self.engine.stop()

    def _use_tray(self) -> None:
        self.tray = Tray(self.menu, self)
        self.tray.show()
        if self.fallback is not None:
            self.fallback.hide()
            self.fallback.deleteLater()
            self.fallback = None

    def _check_tray(self) -> None:
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._tray_timer.stop()
            self._use_tray()

    def _on_status(self, status: Any) -> None:
        surface = self.tray or self.fallback
        if surface is not None:
            surface.update_status(status)

    # -- windows --------------------------------------------------------------------

    def show_stats(self) -> None:
        if self.stats_window is None:
            from desktop.ui.stats_window import StatsWindow

            self.stats_window = StatsWindow(self.engine, self.bridge, self.theme, self.hooks)
            self.stats_window.custom_focus.connect(self.show_start_focus)
        _bring_forward(self.stats_window)

    def show_settings(self) -> None:
        if self.settings_dialog is None:
            from desktop.ui.settings_dialog import SettingsDialog

            self.settings_dialog = SettingsDialog(self.engine, self.theme)
            self.settings_dialog.accepted.connect(self._settings_saved)
        _bring_forward(self.settings_dialog)

    def show_api_settings(self) -> None:
        self.show_settings()
        self.settings_dialog.show_api_state()
        self.settings_dialog.tabs.setCurrentWidget(self.settings_dialog.api_page)

    def _settings_saved(self) -> None:
        """The dialog closes on save: say where the sync key went if it is not a keyring."""
        note = self.settings_dialog.key_note if self.settings_dialog else None
        if note:
            self.notify("Sync key stored in a file", note)

    def show_start_focus(self) -> None:
        """The focus dialog: custom length, locked mode, the sites blocked (also for the
        statistics window: connect its Focus button here)."""
        from desktop.ui.focus_widgets import StartFocusDialog

        dialog = StartFocusDialog(self.engine.focus)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.start_focus_dialog = dialog

    def show_stop_focus(self) -> None:
        from desktop.ui.focus_widgets import StopFocusDialog

        dialog = StopFocusDialog(self.engine.focus)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.stop_focus_dialog = dialog

    def show_first_run(self) -> None:
        """The welcome screen; habit notifications wait until it is answered, then one says
        where TimeForged went. Quit on it quits the app."""
        from desktop.ui.first_run import FirstRunWindow

        first = FirstRunWindow(self.engine.home)
        first.accepted.connect(self._welcomed)
        first.rejected.connect(self.quit)
        self.notifier.quiet = True
        first.show()
        self.first_run = first

    def _welcomed(self) -> None:
        self.notifier.quiet = False
        if self.tray is not None:
            self.notify("TimeForged is in the tray", "It keeps tracking from its icon in the "
                        "panel: click the icon for statistics, right-click it for the menu "
                        "(focus, breaks, settings). Running `timeforged` again also opens "
                        "the statistics.")
        else:
            self.notify("TimeForged keeps running", "Its small window can be minimized; "
                        "running `timeforged` again brings the statistics forward.")

    def handle_message(self, message: str) -> None:
        """From a second start of the app (single instance)."""
        if message == "show-settings":
            self.show_settings()
        else:
            self.show_stats()

    # -- notifications --------------------------------------------------------------

    def notify(self, title: str, text: str) -> None:
        self.notifier.notify(title, text)

    def _show_message(self, title: str, text: str) -> None:
        surface = self.tray or self.fallback
        if surface is not None:
            surface.show_message(title, text)


def _bring_forward(window: QWidget) -> None:
    window.show()
    window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
    window.raise_()
    window.activateWindow()
