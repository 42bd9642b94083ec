"""The break overlay on two monitors (Xvfb split with `xrandr --setmonitor`), with pytest-qt."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.engine.breaks import LONG, MICRO, BreakScheduler, BreakSettings

pytestmark = pytest.mark.x11

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


@pytest.fixture
def two_monitors(x_session, qapp, qtbot):
    """The test display's 1920x1080 screen as two 960x1080 monitors, as Qt sees them."""
    x_session.run("xrandr", "--setmonitor", "left", "960/254x1080/286+0+0", "screen")
    x_session.run("xrandr", "--setmonitor", "right", "960/254x1080/286+960+0", "none")
    try:
        qtbot.waitUntil(lambda: len(qapp.screens()) == 2, timeout=10000)
        yield qapp.screens()
    finally:
        x_session.run("xrandr", "--delmonitor", "right")
        x_session.run("xrandr", "--delmonitor", "left")
        qtbot.waitUntil(lambda: len(qapp.screens()) == 1, timeout=10000)


class Clock:
    now = 1_790_000_000.0

    def __call__(self) -> float:
        return self.now


def net_wm_state(x_session, window) -> str:
    return x_session.run("xprop", "-id", str(int(window.winId())), "_NET_WM_STATE")


def save_screenshot(screens, name: str) -> Path:
    from PySide6.QtGui import QImage, QPainter

    width = sum(s.geometry().width() for s in screens)
    height = max(s.geometry().height() for s in screens)
    image = QImage(width, height, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    for screen in screens:
        painter.drawPixmap(screen.geometry().topLeft(), screen.grabWindow(0))
    painter.end()
    small = image.scaled(192, 108)
    colors = {small.pixel(x, y) for x in range(192) for y in range(108)}
    assert len(colors) > 8, "the screenshot is blank: the overlay was not painted"
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / name
    assert image.save(str(path))
    return path


def test_break_on_every_screen(x_session, qapp, qtbot, two_monitors):
    from desktop.ui.break_overlay import BreakOverlay

    clock = Clock()
    events = []
    overlay = BreakOverlay(None, clock=clock)
    sched = BreakScheduler(BreakSettings(max_postpones=1), clock=clock,
                           emit=lambda k, p: (events.append(k), overlay.on_event(k, p)))
    overlay.breaks = sched
    editor = x_session.open_window("editor", "XTerm")  # something to cover
    sched.take_now(LONG)
    assert len(overlay.windows) == 2
    for window, screen in zip(overlay.windows, two_monitors, strict=True):
        qtbot.waitUntil(lambda w=window, s=screen: w.isVisible() and w.geometry() == s.geometry(),
                        timeout=5000)
        assert window.windowHandle().screen() is screen
        qtbot.waitUntil(lambda w=window: "FULLSCREEN" in net_wm_state(x_session, w),
                        timeout=5000)
        assert "ABOVE" in net_wm_state(x_session, window)
        assert window.postpone.isVisible() and window.skip.isVisible()
    assert {w.geometry().x() for w in overlay.windows} == {0, 960}
    assert overlay.windows[0].countdown.text() == "5m 00s"
    clock.now += 61
    qtbot.waitUntil(lambda: overlay.windows[1].countdown.text() == "3m 59s", timeout=2000)
    qtbot.wait(300)  # let the window manager and the compositor settle before the screenshot
    shot = save_screenshot(two_monitors, "break-overlay-two-monitors.png")
    assert shot.stat().st_size > 10_000

    qtbot.mouseClick(overlay.windows[1].postpone, qtbot_button())
    assert events[-1] == "break_postponed" and overlay.windows == []
    sched.take_now(MICRO)
    assert not overlay.windows[0].postpone.isVisible()  # no postpone left
    qtbot.mouseClick(overlay.windows[0].skip, qtbot_button())
    assert events[-1] == "break_skipped" and not overlay.showing
    editor.close()


def test_strict_mode_hides_the_buttons(x_session, qapp, qtbot, two_monitors):
    from desktop.ui.break_overlay import BreakOverlay

    clock = Clock()
    overlay = BreakOverlay(None, clock=clock)
    sched = BreakScheduler(BreakSettings(strict=True), clock=clock,
                           emit=lambda k, p: overlay.on_event(k, p))
    overlay.breaks = sched
    sched.take_now(MICRO)
    for window, screen in zip(overlay.windows, two_monitors, strict=True):
        qtbot.waitUntil(lambda w=window, s=screen: w.isVisible() and w.geometry() == s.geometry(),
                        timeout=5000)
        assert not window.postpone.isVisible() and not window.skip.isVisible()
        window.close()  # the window manager's close: refused
        assert window.isVisible()
    qtbot.wait(300)
    save_screenshot(two_monitors, "break-overlay-strict.png")
    clock.now += 20
    sched.update(clock.now, 0)  # the engine's next poll ends it
    assert not overlay.showing and overlay.windows == []


def qtbot_button():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton
