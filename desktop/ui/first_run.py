"""The first-run window: what is tracked (never what you type), where it stays, what each OS
asks for, and consent to start at login."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop import autostart
from desktop.ui.icons import app_icon
from desktop.ui.state import UiState
from watchers.display import current_desktop

TRACKED = """
<h2>Welcome to TimeForged</h2>
<p>TimeForged records where your time goes, on this computer only.</p>
<table cellspacing="6">
<tr><td>✔</td><td><b>Recorded:</b> the focused app and window title; in editors the file,
project, branch and language; in browsers the tab title and site; whether you are active
(a count of input events, so idle time is left out).</td></tr>
<tr><td>✘</td><td><b>Never recorded:</b> what you type (no keystroke contents, ever),
screenshots, the contents of your files or pages, private/incognito tab titles.</td></tr>
<tr><td>⌂</td><td><b>Stored:</b> in <code>{home}</code>. Nothing leaves this computer.
Exclude apps and titles, or delete any range, in Settings.</td></tr>
</table>
"""

PERMISSIONS = {
    "x11": ("Linux (X11)", "Nothing to allow: window titles and input activity are readable "
            "by your own programs."),
    "wayland": ("Linux (Wayland)", "Wayland hides other windows from apps. On GNOME TimeForged "
                "installs its own small GNOME Shell extension (below); KDE Plasma, Sway, "
                "Hyprland and other wlroots compositors need nothing. Wayland lets no app "
                "count input, so idle time and how often you came back from idle are "
                "measured there, not keys or clicks. Where the compositor "
                "offers no way in, TimeForged says that titles are unavailable rather than "
                "guessing."),
    "darwin": ("macOS", "System Settings → Privacy &amp; Security: allow <b>Accessibility</b> "
               "(focused window and input activity), <b>Screen Recording</b> (window titles; "
               "nothing is recorded from the screen) and <b>Automation</b> for your browsers "
               "(the address of the current tab)."),
    "win32": ("Windows", "Nothing to allow: window titles come from the Windows API and browser "
              "addresses from UI Automation."),
}
MAC_PRIVACY_URL = ("x-apple.systempreferences:com.apple.preference.security"
                   "?Privacy_Accessibility")


def platform_key(platform: str | None = None) -> str:
    platform = platform or sys.platform
    if platform.startswith("win"):
        return "win32"
    if platform == "darwin":
        return "darwin"
    wayland = (os.environ.get("XDG_SESSION_TYPE") == "wayland"
               or bool(os.environ.get("WAYLAND_DISPLAY")))
    return "wayland" if wayland else "x11"


class FirstRunWindow(QDialog):
    def __init__(self, home: Path, autostart_entry: autostart.Autostart | None = None,
                 platform: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.home = home
        self.autostart = autostart_entry or autostart.for_platform()
        self.setWindowTitle("Welcome to TimeForged")
        self.setWindowIcon(app_icon())
        self.setMinimumWidth(640)
        layout = QVBoxLayout(self)
        intro = QLabel(TRACKED.format(home=_escape(str(home))))
        intro.setWordWrap(True)
        layout.addWidget(intro)

        key = platform_key(platform)
        title, text = PERMISSIONS[key]
        perms = QLabel(f"<h3>Permissions on {title}</h3><p>{text}</p>")
        perms.setWordWrap(True)
        layout.addWidget(perms)
        if key == "darwin":
            open_prefs = QPushButton("Open &Privacy settings")
            open_prefs.clicked.connect(lambda: QDesktopServices.openUrl(QUrl(MAC_PRIVACY_URL)))
            layout.addWidget(open_prefs)

        self.gnome_box: QCheckBox | None = None
        if key == "wayland" and current_desktop() == "gnome":
            self.gnome_box = QCheckBox("Install TimeForged's &GNOME Shell extension (it tells "
                                       "TimeForged which window has focus; log out and back "
                                       "in once to start it)")
            self.gnome_box.setChecked(True)
            layout.addWidget(self.gnome_box)

        self.autostart_box = QCheckBox("&Start TimeForged when I log in (recommended: "
                                       "tracking only works while it runs)")
        self.autostart_box.setChecked(True)
        layout.addWidget(self.autostart_box)
        where = QLabel(f"<small>This adds {_escape(self.autostart.describe())}; "
                       "change it any time in Settings.</small>")
        where.setObjectName("muted")
        where.setWordWrap(True)
        layout.addWidget(where)

        buttons = QDialogButtonBox()
        self.start_button = buttons.addButton("Start &tracking",
                                              QDialogButtonBox.ButtonRole.AcceptRole)
        self.quit_button = buttons.addButton("&Quit", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(buttons)
        layout.addLayout(row)
        self.start_button.setDefault(True)
        self.start_button.setFocus()

    def accept(self) -> None:
        """The user agreed: remember it, and start at login if they left that checked."""
        state = UiState.load(self.home)
        state.first_run_done = True
        if self.autostart_box.isChecked():
            self.autostart.enable()
        state.save(self.home)
        if self.gnome_box is not None and self.gnome_box.isChecked():
            from watchers.window.gnome_ext import SetupError, setup

            try:
                setup()
            except SetupError as exc:
                QMessageBox.warning(self, "GNOME Shell extension", str(exc))
        super().accept()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
