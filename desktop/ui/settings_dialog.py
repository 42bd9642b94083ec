"""Settings: tracking, rules, goals, breaks, focus, sync, start at login, data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDateTime, QObject, QRunnable, Qt, QThreadPool, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import autostart
from desktop.engine import paths
from desktop.engine.config import ConfigError, Section, load_config, save_config
from desktop.ui.forms import DataclassForm
from desktop.ui.rules_editor import RulesEditor
from desktop.ui.sync_page import SyncPage
from desktop.ui.theme import Theme
from desktop.ui.work_page import work_page

HABIT_NOTES = {
    "breaks": "Reminders counted on continuous active time; a natural break resets them.",
    "focus": "What a focus session started from the tray or the statistics window does.",
}
LATER_NOTE = ("{what} settings arrive with focus mode and break reminders; this version has "
              "nothing to set yet.")


class _Task(QRunnable):
    """Runs `fn(progress)` off the GUI thread, reporting through Qt signals."""

    class Signals(QObject):
        progress = Signal(int, int)
        done = Signal(object)
        failed = Signal(str)

    def __init__(self, fn: Callable[[Callable[[int, int], None]], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = _Task.Signals()

    def run(self) -> None:
        try:
            result = self.fn(lambda done, total: self.signals.progress.emit(done, total))
        except Exception as exc:
            self.signals.failed.emit(str(exc))
        else:
            self.signals.done.emit(result)


class SettingsDialog(QDialog):
    task_finished = Signal(str)  # the message shown at the end of an export/import/delete

    def __init__(self, engine: Any, theme: Theme | None = None,
                 autostart_entry: autostart.Autostart | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.theme = theme
        self.autostart = autostart_entry or autostart.for_platform()
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.last_message = ""
        self.key_note: str | None = None  # where the sync key went, if not to a keyring
        self._signals: list[QObject] = []
        self.setWindowTitle("TimeForged settings")
        self.resize(1000, 640)
        self.tabs = QTabWidget()
        config = engine.config
        self.forms: dict[str, DataclassForm] = {}
        self.pages: dict[str, QWidget] = {}
        self.tabs.addTab(self._section_page("tracking", config.tracking,
                                            "What is recorded and how often. Changes apply "
                                            "from the next start of tracking."), "&Tracking")
        self.rules_editor = RulesEditor(engine)
        self.tabs.addTab(self.rules_editor, "&Rules")
        self.tabs.addTab(self._section_page("goals", config.goals,
                                            "A daily target; each day reaching it extends "
                                            "your streak."), "&Goals")
        for name, title in (("breaks", "Breaks"), ("focus", "Focus")):
            section = getattr(config, name, None)
            page = (self._section_page(name, section, HABIT_NOTES[name])
                    if isinstance(section, Section)
                    else _note_page(LATER_NOTE.format(what=title)))
            self.tabs.addTab(page, title)
        self.tabs.addTab(work_page(config, self.forms, self.pages), "&Work time")
        self.sync_page = SyncPage(engine)
        self.tabs.addTab(self.sync_page, "S&ync")
        self.api_page = self._api_page()
        self.tabs.addTab(self.api_page, "&Editors")
        self.tabs.addTab(self._startup_page(), "Start at &login")
        self.tabs.addTab(self._data_page(), "&Data")

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Close)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #e53935")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    # -- pages ---------------------------------------------------------------------

    def _section_page(self, name: str, section: Any, note: str) -> QWidget:
        form = DataclassForm(section)
        self.forms[name] = form
        page = QWidget()
        layout = QVBoxLayout(page)
        if note:
            label = QLabel(note)
            label.setWordWrap(True)
            label.setObjectName("muted")
            layout.addWidget(label)
        layout.addWidget(form)
        layout.addStretch(1)
        scroll = QScrollArea()  # error lines under fields may need more than the height
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(page)
        self.pages[name] = scroll
        return scroll

    def _api_page(self) -> QWidget:
        """The local API editors and the browser extension report to: listening, or why not."""
        page = QWidget()
        layout = QVBoxLayout(page)
        self.api_status = QLabel(wordWrap=True, objectName="apiStatus")
        layout.addWidget(self.api_status)
        about = QLabel("Editor plugins (WakaTime's) and the browser extension report to "
                       "TimeForged's local API on 127.0.0.1. <code>timeforged setup-editors"
                       "</code> points the editors at it; the extension's options take the "
                       "port.", wordWrap=True)
        about.setObjectName("muted")
        layout.addWidget(about)
        self.move_api_button = QPushButton("&Move to a free port and point the editors there")
        self.move_api_button.setToolTip("Saves the new api.port in config.toml and sets "
                                        "api_url in ~/.wakatime.cfg (backed up first), as "
                                        "`timeforged setup-editors` does.")
        self.move_api_button.clicked.connect(self.move_api)
        row = QHBoxLayout()
        row.addWidget(self.move_api_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.api_moved = QLabel(wordWrap=True, objectName="apiMoved")
        self.api_moved.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.api_moved)
        layout.addStretch(1)
        self.show_api_state()
        return page

    def show_api_state(self) -> None:
        api = self.engine.api_state()
        self.api_status.setText(f"<b>{api.summary}.</b> {api.advice}")
        self.api_status.setStyleSheet("" if api.listening else "color: #e53935")
        self.move_api_button.setVisible(not api.listening)

    def move_api(self) -> None:
        """On the user's request: the API to a free port, the editors' config after it."""
        from desktop.engine.editors import point_editors

        try:
            api = self.engine.move_api()
            if not api.listening:
                self.api_moved.setText("")
                return
            port = self.engine.config.api.port
            done = point_editors(self.engine.home, port)
        except (ConfigError, OSError) as exc:
            self.api_moved.setText(f"Not moved: {exc}")
            return
        finally:
            self.show_api_state()
        backup = f" (the old one is kept as {done.backup})" if done.backup else ""
        self.api_moved.setText(
            f"api.port = {port} is saved in config.toml and {done.path} now points at "
            f"{done.api_url}{backup}. Restart your editors, and enter port {port} in the "
            "browser extension's options.")

    def _startup_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.autostart_box = QCheckBox("Start TimeForged when I log in")
        self.autostart_box.setChecked(self.autostart.is_enabled())
        self.autostart_box.toggled.connect(self.set_autostart)
        where = QLabel(f"Stored as: {self.autostart.describe()}")
        where.setObjectName("muted")
        where.setWordWrap(True)
        layout.addWidget(self.autostart_box)
        layout.addWidget(where)
        layout.addStretch(1)
        return page

    def _data_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        where = QGroupBox("Where your data lives")
        wl = QFormLayout(where)
        db = QLabel(str(self.engine.store.path))
        db.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        size = self.engine.store.path.stat().st_size if self.engine.store.path.exists() else 0
        wl.addRow("Database", db)
        wl.addRow("Size", QLabel(f"{size / 1e6:.1f} MB"))
        open_folder = QPushButton("&Open folder")
        open_folder.clicked.connect(lambda: QDesktopServices.openUrl(
            QUrl.fromLocalFile(str(self.engine.home))))
        row = QHBoxLayout()
        row.addWidget(open_folder)
        row.addStretch(1)
        wl.addRow("", row)
        layout.addWidget(where)

        moves = QGroupBox("Export and import")
        ml = QHBoxLayout(moves)
        self.export_format = QComboBox()
        from desktop.engine.io import EXPORT_FORMATS

        self.export_format.addItems(list(EXPORT_FORMATS))
        export = QPushButton("&Export…")
        export.clicked.connect(self._ask_export)
        imp = QPushButton("&Import…")
        imp.setToolTip("Our JSON or CSV, a WakaTime data dump or an ActivityWatch export. "
                       "Importing the same file twice adds nothing.")
        imp.clicked.connect(self._ask_import)
        ml.addWidget(QLabel("Format"))
        ml.addWidget(self.export_format)
        ml.addWidget(export)
        ml.addSpacing(20)
        ml.addWidget(imp)
        ml.addStretch(1)
        layout.addWidget(moves)

        delete = QGroupBox("Delete a range (for privacy; this cannot be undone)")
        dl = QHBoxLayout(delete)
        now = QDateTime.currentDateTime()
        self.delete_from = QDateTimeEdit(now.addSecs(-3600))
        self.delete_to = QDateTimeEdit(now)
        for edit in (self.delete_from, self.delete_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        remove = QPushButton("De&lete…")
        remove.clicked.connect(self._ask_delete)
        dl.addWidget(QLabel("From"))
        dl.addWidget(self.delete_from)
        dl.addWidget(QLabel("to"))
        dl.addWidget(self.delete_to)
        dl.addWidget(remove)
        dl.addStretch(1)
        layout.addWidget(delete)
        self.data_status = QLabel()
        self.data_status.setWordWrap(True)
        layout.addWidget(self.data_status)
        layout.addStretch(1)
        return page

    # -- actions -------------------------------------------------------------------

    def set_autostart(self, enabled: bool) -> None:
        try:
            if enabled:
                self.autostart.enable()
            else:
                self.autostart.disable()
        except OSError as exc:
            QMessageBox.warning(self, "Start at login", f"Could not change it: {exc}")
        self.autostart_box.blockSignals(True)
        self.autostart_box.setChecked(self.autostart.is_enabled())
        self.autostart_box.blockSignals(False)

    def edited_config(self) -> Any:
        changes = {name: form.value() for name, form in self.forms.items()}
        sync = self.engine.config.sync.replace(url=self.sync_page.url(),
                                               enabled=self.sync_page.enabled())
        return self.engine.config.replace(sync=sync, **changes)

    def problems(self) -> dict[tuple[str, str], str]:
        """(section, key) -> what is wrong, each shown at its field; empty when all is right."""
        return {(section, key): problem for section, form in self.forms.items()
                for key, problem in form.problems().items()}

    def save(self) -> bool:
        """Refuse while a field is wrong (shown at the field, the first one brought into view);
        else write, read back (a bad value names its key and keeps the old file) and apply."""
        problems = self.problems()
        if problems:
            section, key = next(iter(problems))
            form = self.forms[section]
            self.tabs.setCurrentWidget(self.pages[section])
            form.editors[key][0].setFocus()
            count = len(problems)
            self.error_label.setText(
                f"Not saved: {count} setting{'s' if count > 1 else ''} need{'s' * (count == 1)} "
                "fixing (marked in red)" + ("" if count > 1 else f": {problems[section, key]}"))
            return False
        config = self.edited_config()
        path = paths.config_file(self.engine.home)
        previous = path.read_bytes() if path.exists() else None
        try:
            save_config(config, path)
            checked = load_config(path)
        except ConfigError as exc:
            if previous is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(previous)
            self.error_label.setText(f"Not saved: {exc}")
            return False
        before = self.engine.config.sync
        self.engine.config = checked
        new_key = self.sync_page.has_new_key()
        self.key_note = self.sync_page.store_key()
        if checked.sync != before or new_key:  # another server, a new key, on or off
            self.sync_page.apply()
        breaks = getattr(self.engine, "breaks", None)
        if breaks is not None:  # break reminders take new settings at once
            from desktop.engine.habits import break_settings

            breaks.configure(break_settings(checked.breaks))
        self.error_label.setText("")
        if self.rules_editor.save_button.isEnabled():
            self.rules_editor.save()
        self.accept()
        return True

    def _ask_export(self) -> None:
        fmt = self.export_format.currentText()
        default = str(Path.home() / f"timeforged-{datetime.now():%Y%m%d}.{fmt}")
        path, _ = QFileDialog.getSaveFileName(self, "Export history", default)
        if path:
            self.export_to(Path(path), fmt)

    def _ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import history", str(Path.home()),
                                              "History files (*.json *.csv);;All files (*)")
        if path:
            self.import_from(Path(path))

    def _ask_delete(self) -> None:
        start = self.delete_from.dateTime().toPython()
        end = self.delete_to.dateTime().toPython()
        answer = QMessageBox.question(
            self, "Delete history",
            f"Delete everything recorded from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}?")
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_range(start, end)

    def export_to(self, path: Path, fmt: str) -> None:
        from desktop.engine.io import export_file

        store = self.engine.store
        self._run("Exporting…", lambda progress: export_file(store, path, fmt=fmt,
                                                               progress=progress),
                  lambda count: f"Exported {count} spans to {path}.")

    def import_from(self, path: Path) -> None:
        from desktop.engine.io import import_file

        store = self.engine.store
        minutes = self.engine.config.imports.wakatime_timeout_minutes
        self._run(f"Importing {path.name}…",
                  lambda progress: import_file(path, store, progress=progress,
                                               wakatime_timeout_minutes=minutes),
                  lambda r: r.describe())

    def delete_range(self, start: datetime, end: datetime) -> None:
        tz = self.engine.config.zone()
        lo, hi = start.replace(tzinfo=tz).timestamp(), end.replace(tzinfo=tz).timestamp()
        store = self.engine.store
        self._run("Deleting…", lambda _progress: store.delete_range(lo, hi),
                  lambda n: f"Deleted {n} spans (or parts of spans) from "
                            f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}.")

    def _run(self, label: str, work: Callable[[Callable[[int, int], None]], Any],
             describe: Callable[[Any], str]) -> None:
        dialog = QProgressDialog(label, "", 0, 0, self)
        dialog.setCancelButton(None)
        dialog.setMinimumDuration(300)
        dialog.setWindowTitle("TimeForged")
        task = _Task(work)

        def progress(done: int, total: int) -> None:
            if total > 0:
                dialog.setMaximum(total)
                dialog.setValue(min(done, total))

        def finished(message: str) -> None:
            dialog.reset()
            dialog.deleteLater()
            self.last_message = message
            self.data_status.setText(message)
            self.task_finished.emit(message)

        task.signals.progress.connect(progress)
        task.signals.done.connect(lambda result: finished(describe(result)))
        task.signals.failed.connect(lambda error: finished(f"Failed: {error}"))
        self._signals.append(task.signals)  # alive until the dialog goes
        self.pool.start(task)


def _note_page(text: str) -> QWidget:
    page = QWidget()
    layout = QVBoxLayout(page)
    label = QLabel(text)
    label.setWordWrap(True)
    layout.addWidget(label)
    layout.addStretch(1)
    return page

