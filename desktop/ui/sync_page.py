"""Settings → Sync: the server's address and API key, sync on or off, a connection test,
where the key is kept, and the last sync. Everything slow runs off the GUI thread; the
engine (desktop.engine.sync) does the work."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.engine.sync import SyncError, SyncStatus, key_location, load_key, save_key
from desktop.engine.sync import test_connection as check_connection
from desktop.ui.bridge import QueryRunner

NOTE = ("Sync keeps one history across your computers through a TimeForged server you run "
        "yourself (timeforged-server). Nothing leaves this computer unless \"Sync this "
        "device\" is on.")
STATUS_REFRESH_MS = 5000
OK_STYLE = "color: #43a047"
ERROR_STYLE = "color: #e53935"


class SyncPage(QWidget):
    tested = Signal(bool, str)  # (ok, the message shown)
    synced = Signal(str)  # the status line after "Sync now"
    applied = Signal()  # the engine follows the saved settings

    def __init__(self, engine: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.runner = QueryRunner(self)
        self.runner.finished.connect(self._on_result)
        self.runner.failed.connect(self._on_failure)
        self._jobs: dict[int, str] = {}
        config = engine.config.sync
        layout = QVBoxLayout(self)
        note = QLabel(NOTE)
        note.setWordWrap(True)
        note.setObjectName("muted")
        layout.addWidget(note)

        box = QGroupBox("Sync server")
        form = QFormLayout(box)
        self.url_edit = QLineEdit(config.url or "")
        self.url_edit.setPlaceholderText("https://timeforged.example.com")
        form.addRow("Server &address", self.url_edit)
        self.key_edit = QLineEdit()
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("paste the key from `timeforged-server admin "
                                         "create-key`")
        self.show_key = QCheckBox("&Show")
        self.show_key.toggled.connect(lambda on: self.key_edit.setEchoMode(
            QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password))
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.show_key)
        key_label = QLabel("API &key")
        key_label.setBuddy(self.key_edit)
        form.addRow(key_label, key_row)
        self.key_where = QLabel()
        self.key_where.setWordWrap(True)
        self.key_where.setObjectName("muted")
        form.addRow("Key stored in", self.key_where)
        self.enabled_box = QCheckBox("Sync this &device")
        self.enabled_box.setChecked(config.enabled)
        form.addRow("", self.enabled_box)
        self.test_button = QPushButton("&Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_result, 1)
        form.addRow("", test_row)
        layout.addWidget(box)

        status = QGroupBox("Status")
        sl = QHBoxLayout(status)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.sync_button = QPushButton("Sync &now")
        self.sync_button.clicked.connect(self.sync_now)
        sl.addWidget(self.status_label, 1)
        sl.addWidget(self.sync_button)
        layout.addWidget(status)
        layout.addStretch(1)

        self._timer = QTimer(self)
        self._timer.setInterval(STATUS_REFRESH_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh_status()

    def _tick(self) -> None:
        if self.isVisible():
            self.refresh_status()

    # -- what Settings saves --------------------------------------------------------

    def url(self) -> str | None:
        return self.url_edit.text().strip().rstrip("/") or None

    def enabled(self) -> bool:
        return self.enabled_box.isChecked()

    def has_new_key(self) -> bool:
        return bool(self.key_edit.text().strip() and self.url())

    def store_key(self) -> str | None:
        """Keep a newly typed key (the config is saved already); returns save_key's warning
        when the key went to a file."""
        key, url = self.key_edit.text().strip(), self.url()
        if not key or not url:
            return None
        note = save_key(self.engine.home, url, key)
        self.key_edit.clear()
        self.key_edit.setPlaceholderText("saved; type a new key to replace it")
        return note

    def apply(self) -> None:
        """Have the engine follow the saved settings, off the GUI thread (stopping a
        syncer waits for its request in flight)."""
        self._submit("apply", self.engine.apply_sync)

    # -- actions ------------------------------------------------------------------------

    def test_connection(self) -> None:
        url, key, home = self.url(), self.key_edit.text().strip(), self.engine.home
        if not url:
            self._show_test(False, "Enter the server's address first.")
            return

        def attempt() -> tuple[bool, str]:
            try:
                found = key or load_key(home, url)
                if not found:
                    raise SyncError("no API key: paste one above", transient=False)
                return True, check_connection(url, found)
            except SyncError as exc:
                return False, str(exc)

        self.test_button.setEnabled(False)
        self.test_result.setStyleSheet("")
        self.test_result.setText("Testing…")
        self._submit("test", attempt)

    def sync_now(self) -> None:
        engine = self.engine

        def attempt() -> tuple[SyncStatus | None, str | None, int]:
            try:
                status = engine.sync_now()
            except SyncError as exc:
                return None, str(exc), 0
            return status, None, engine.sync.pending()

        self.sync_button.setEnabled(False)
        self.status_label.setText("Syncing…")
        self._submit("sync", attempt)

    def refresh_status(self) -> None:
        """The key's place and the syncer's state, read off the GUI thread."""
        if {"status", "sync", "apply"} & set(self._jobs.values()):
            return
        engine, url = self.engine, self.url()
        saved = engine.config.sync
        self.sync_button.setEnabled(bool(saved.enabled and saved.url))
        self.sync_button.setToolTip("" if self.sync_button.isEnabled() else
                                    "Turn on \"Sync this device\" and save first")

        def read() -> tuple[str | None, SyncStatus, int | None]:
            where = key_location(engine.home, url) if url else None
            syncer = engine.sync
            pending = syncer.pending() if syncer.url == url else None
            return where, syncer.status, pending

        self._submit("status", read)

    # -- results --------------------------------------------------------------------

    def _submit(self, kind: str, fn: Any) -> None:
        self._jobs[self.runner.submit(fn)] = kind

    def _on_result(self, token: int, result: Any) -> None:
        kind = self._jobs.pop(token, None)
        if kind == "test":
            self.test_button.setEnabled(True)
            self._show_test(*result)
        elif kind == "status":
            where, status, pending = result
            self.key_where.setText(where or "no key saved for this address yet")
            self.status_label.setText(status_text(status, pending, self.engine.config.sync))
        elif kind == "apply":
            self.applied.emit()
            self.refresh_status()
        elif kind == "sync":
            status, error, pending = result
            self.sync_button.setEnabled(True)
            text = error or status_text(status, pending, self.engine.config.sync)
            self.status_label.setText(text)
            self.synced.emit(text)

    def _on_failure(self, token: int, message: str) -> None:
        kind = self._jobs.pop(token, None)
        if kind == "test":
            self.test_button.setEnabled(True)
            self._show_test(False, message)
        elif kind is not None:
            self.status_label.setText(f"Failed: {message}")
            if kind == "sync":
                self.sync_button.setEnabled(True)
                self.synced.emit(self.status_label.text())
            elif kind == "apply":
                self.applied.emit()

    def _show_test(self, ok: bool, message: str) -> None:
        self.test_result.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
        self.test_result.setText(("✓ " if ok else "✗ ") + message)
        self.tested.emit(ok, message)


def status_text(status: SyncStatus, pending: int | None, config: Any) -> str:
    """The syncer's state in a few words."""
    if not (config.enabled and config.url):
        return "Sync is off: nothing leaves this computer."
    parts = []
    if status.last_success:
        report = status.last_report
        moved = (f" (received {report.pulled_spans}, sent {report.pushed_spans})"
                 if report else "")
        parts.append(f"Last sync: {_when(status.last_success)}{moved}.")
    else:
        parts.append("Not synced yet.")
    if status.last_error:
        parts.append(f"Last attempt failed ({status.failures}×): {status.last_error}.")
    if status.next_attempt and status.enabled:
        parts.append(f"Next attempt: {_when(status.next_attempt)}.")
    if pending is not None:
        parts.append(f"Waiting to upload: {pending} change{'s' if pending != 1 else ''}.")
    return " ".join(parts)


def _when(moment: float) -> str:
    stamp = datetime.fromtimestamp(moment)
    fmt = "%H:%M:%S" if abs(time.time() - moment) < 20 * 3600 else "%Y-%m-%d %H:%M"
    return stamp.strftime(fmt)
