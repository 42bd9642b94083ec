"""The blocked-site toast and the locked session's stop dialog, with pytest-qt on Xvfb."""

from __future__ import annotations

import pytest

from desktop.engine.focus.controller import FocusController
from desktop.engine.focus.enforcement import BlockedAttempt
from desktop.engine.focus.session import FocusPlan

pytestmark = pytest.mark.x11


def test_blocked_toast(qapp, qtbot):
    from desktop.ui.focus_notices import FocusNotices

    focus = FocusController(None)
    focus.start(FocusPlan(minutes=25, block_distracting=False), now=1000.0)
    notices = FocusNotices(focus, clock=lambda: 1000.0 + 60)
    attempt = BlockedAttempt(1060.0, focus.session.id, "reddit.com", "firefox", "x", 3)
    notices.on_event("focus_blocked", attempt)
    toast = notices.toast
    qtbot.waitUntil(toast.isVisible, timeout=3000)
    assert toast.headline.text() == "reddit.com is blocked"
    assert "24m 00s of focus left" in toast.detail.text() and "Attempt 3" in toast.detail.text()
    screen = toast.screen().availableGeometry()
    assert screen.contains(toast.geometry())
    notices.on_event("focus_abandoned", {})
    assert not toast.isVisible()
    focus.close()


def test_locked_session_dialog_needs_the_typed_text(qapp, qtbot):
    from PySide6.QtCore import Qt

    from desktop.ui.focus_widgets import StopFocusDialog

    focus = FocusController(None)
    session = focus.start(FocusPlan(minutes=50, locked=True, unlock_chars=12,
                                    block_distracting=False))
    dialog = StopFocusDialog(focus)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.challenge.text() == session.unlock_text
    qapp.clipboard().setText(session.unlock_text)
    dialog.entry.setFocus()
    qtbot.keyClick(dialog.entry, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert dialog.entry.text() == ""  # pasting is refused
    qtbot.keyClicks(dialog.entry, "wrong")
    dialog.try_stop()
    assert "unlock text" in dialog.error.text() and focus.session is session
    dialog.entry.clear()
    qtbot.keyClicks(dialog.entry, session.unlock_text)
    dialog.try_stop()
    assert focus.session is None and session.outcome == "abandoned"

    focus.start(FocusPlan(minutes=50, locked=True, block_distracting=False))
    hard = StopFocusDialog(focus)
    qtbot.addWidget(hard)
    assert not hard.end_button.isEnabled() and "cannot be ended early" in hard.explain.text()
    focus.close()
